"""The cited-qa web app: `streamlit run ui/app.py`. Each page is thin; answering is in `qa`."""

from __future__ import annotations

import streamlit as st

PAGES = [
    st.Page("pages/chat.py", title="Chat", icon=":material/chat:", default=True),
    st.Page("pages/documents.py", title="Documents", icon=":material/description:"),
    st.Page("pages/evaluation.py", title="Evaluation", icon=":material/query_stats:"),
]

st.set_page_config(page_title="cited-qa", page_icon="📰", layout="centered")
st.navigation(PAGES).run()
