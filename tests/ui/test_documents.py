"""The Documents page under AppTest: upload then ask, list, re-ingest, delete (real store)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.ui.conftest import APP, shown

pytestmark = pytest.mark.slow
NOTE = (
    b"# Zorblat festival report\n\nThe Zorblat festival takes place in Quito every March. "
    b"It drew forty thousand visitors this year.\n"
)


def _documents(own_store: Path) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page("pages/documents.py").run()
    assert not at.exception
    return at


def test_upload_then_ask_about_it(own_store: Path) -> None:
    at = _documents(own_store)
    files = [
        ("../../zorblat notes.md", NOTE, "text/markdown"),
        ("photo.txt", b"\x89PNG\x00\x00", "text/plain"),
    ]
    at.file_uploader[0].set_value(files).run()
    at.button[0].click().run()
    assert not at.exception
    assert shown(at.success[0].value).startswith("Uploaded 2 files: 1 added")
    assert shown(at.warning[0].value) == "photo.txt: 'photo.txt' was not added: binary file"
    saved = own_store.parent / "uploads" / "zorblat notes.md"
    assert saved.read_bytes() == NOTE  # saved under its plain name, inside the upload folder
    assert not (own_store.parent.parent / "zorblat notes.md").exists()
    assert "Zorblat festival report (no date)" in at.multiselect[0].options
    assert not at.file_uploader[0].value  # a fresh uploader for the next files

    at.switch_page("pages/chat.py").run()
    assert any("2 documents" in c.value for c in at.sidebar.caption)
    at.chat_input[0].set_value("Where does the Zorblat festival take place?").run()
    assert not at.exception
    answer = at.session_state["messages"][-1].answer
    assert answer.answered and "Quito" in answer.citations[0].quote
    assert answer.citations[0].source == str(saved.resolve())

    at.switch_page("pages/documents.py").run()  # delete the upload: its file goes too
    label = "Zorblat festival report (no date)"
    at.multiselect[0].select(label).run()
    next(b for b in at.button if b.label == "Delete for good").click().run()
    assert not at.exception and shown(at.success[0].value).startswith("Deleted: 1 document(s)")
    assert not saved.exists() and label not in at.multiselect[0].options


def test_list_reingest_and_delete(own_store: Path) -> None:
    at = _documents(own_store)
    table = at.dataframe[0].value
    assert list(table["title"]) == [
        "Trump Seeks China’s Help to Curb Russia — But Beijing Holds the Cards"
    ]
    assert table["published"][0] == "2025-10-29" and table["chunks"][0] >= 3
    seed = at.multiselect[0].options[0]
    at.multiselect[0].select(seed).run()
    reingest = next(b for b in at.button if b.label == "Re-ingest")
    reingest.click().run()
    assert not at.exception
    assert "Re-ingested: 0 added, 0 updated, 1 unchanged" in shown(at.success[0].value)

    assert len(at.multiselect[0].value) == 1  # still chosen
    next(b for b in at.button if b.label == "Delete for good").click().run()
    assert not at.exception
    assert shown(at.success[0].value).startswith("Deleted: 1 document(s)")
    assert "Nothing is ingested yet" in at.info[0].value
    from tests.conftest import SEED_FILE

    assert SEED_FILE.exists()  # a file ingested from seeds/ stays on disk
    at.switch_page("pages/chat.py").run()
    assert "Nothing is ingested yet" in shown(at.warning[0].value)
