"""The app in a real headless Chromium (Debian's), driven by Playwright against `streamlit run`."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.servers import free_port, serving
from tests.ui.conftest import ingest_seeds

pytestmark = [pytest.mark.slow, pytest.mark.browser]
CHROMIUM = Path("/usr/bin/chromium")
SUMMIT = "Where will the summit take place?"
ARTIFACTS = ROOT / "artifacts"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
XSS = (
    "Security note for the test corpus. The script tag <script>window.__xss = 1</script> must "
    'never run in the page. The image tag <img src=x onerror="window.__xss = 2"> must never '
    "run either.\n"
)
# Markdown that would load pictures and make links if document text were read as Markdown.
INJECT = (
    "# Parade ![t](http://127.0.0.1:9/title.png) notes\n\n"
    "The Vorpal parade starts at noon in Lima.\n\n"
    "More ![p](http://127.0.0.1:9/para.png) and [a link](http://127.0.0.1:9/link) here.\n"
)
ZORBLAT = (
    "# Zorblat festival report\n\nThe Zorblat festival takes place in Quito every March. "
    "It drew forty thousand visitors this year.\n"
)


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`streamlit run ui/app.py` on a free port, over a store holding the seed article."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is missing: `make browser` installs it")
        pytest.skip("Debian's chromium is not installed (`make browser`)")
    tmp = tmp_path_factory.mktemp("browser")
    store = ingest_seeds(tmp / "store")
    port = free_port()
    env = {**os.environ, "QA_PERSIST_DIR": str(store), "HF_HUB_OFFLINE": "1"}
    base = f"http://127.0.0.1:{port}"
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(ROOT / "ui" / "app.py"),
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]
    with serving(cmd, f"{base}/_stcore/health", timeout=90, env=env, cwd=ROOT):
        yield base


@pytest.fixture(scope="module")
def browser(url: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


def _open(browser: Any, url: str) -> Any:
    page = browser.new_page(viewport={"width": 1100, "height": 1200})
    page.goto(url, timeout=120_000)
    page.wait_for_selector("textarea", timeout=120_000)
    return page


def _ask(page: Any, question: str, count: int) -> str:
    """Ask in the chat and wait for the answer (the `count`-th message); returns its text."""
    page.fill("textarea", question)
    page.keyboard.press("Enter")
    return _answer(page, count)


# An answer is complete when its message shows the vote buttons (or an error).
_DONE = """n => { const m = document.querySelectorAll('[data-testid="stChatMessage"]');
    return m.length >= n && m[n - 1].querySelector(
        '[data-testid="stButtonGroup"], [data-testid="stFeedback"], [data-testid="stAlert"]'); }"""


def _answer(page: Any, count: int) -> str:
    """Wait for the `count`-th chat message to be a complete answer; returns its text."""
    page.wait_for_function(_DONE, arg=count, timeout=120_000)
    return str(page.inner_text(f'[data-testid="stChatMessage"] >> nth={count - 1}'))


def test_ask_and_see_the_answer_and_highlighted_source(browser: Any, url: str) -> None:
    page = _open(browser, url)
    answer = _ask(page, SUMMIT, 2)
    assert "Singapore" in answer and "[1]" in answer
    assert "Singapore" in page.inner_text("mark")  # the quoted sentence, highlighted
    assert "2025-10-29" in page.inner_text('[data-testid="stExpander"] >> nth=0')
    page.screenshot(path=str(ARTIFACTS / "chat.png"), full_page=True)
    page.close()


def test_upload_then_ask_and_no_script_runs(browser: Any, url: str, tmp_path: Path) -> None:
    note = tmp_path / "zorblat-festival.md"
    note.write_text(ZORBLAT, encoding="utf-8")
    xss = tmp_path / "security-note.txt"
    xss.write_text(XSS, encoding="utf-8")
    inject = tmp_path / "parade.md"
    inject.write_text(INJECT, encoding="utf-8")
    page = browser.new_page(viewport={"width": 1100, "height": 1200})
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url) if ":9/" in r.url else None)
    page.goto(f"{url}/documents", timeout=120_000)
    page.wait_for_selector("input[type=file]", state="attached", timeout=120_000)
    page.set_input_files("input[type=file]", [str(note), str(xss), str(inject)])
    page.get_by_role("button", name="Add and ingest").click()
    page.wait_for_selector("text=Uploaded 3 files: 3 added", timeout=120_000)
    page.wait_for_selector('[data-testid="stDataFrame"]', timeout=60_000)
    assert page.locator('[data-testid="stProgress"]').count() == 0  # gone once done
    page.screenshot(path=str(ARTIFACTS / "documents.png"), full_page=True)

    page.get_by_role("link", name="Ask about them in the chat").click()
    page.wait_for_selector("textarea", timeout=120_000)
    answer = _ask(page, "Where does the Zorblat festival take place?", 2)
    assert "Quito" in answer and "Quito" in page.inner_text("mark >> nth=-1")

    answer = _ask(page, "Which script tag must never run in the page?", 4)
    assert "window.__xss" in answer  # the payload is shown as text...
    page.wait_for_timeout(1000)
    assert page.evaluate("typeof window.__xss") == "undefined"  # ...and never ran
    assert page.locator("img[src=x]").count() == 0

    answer = _ask(page, "When does the Vorpal parade start?", 6)
    assert "noon" in answer
    shown = page.inner_text('[data-testid="stChatMessage"] >> nth=5')
    assert "![t](http://127.0.0.1:9/title.png)" in shown  # title, shown as text
    assert "[a link](http://127.0.0.1:9/link)" in shown  # second paragraph, shown as text
    assert page.locator("img[src*='127.0.0.1:9'], a[href*='127.0.0.1:9']").count() == 0
    assert fetched == []  # no picture of the document was loaded
    page.screenshot(path=str(ARTIFACTS / "xss.png"), full_page=True)
    page.close()


def test_two_tabs_at_once(browser: Any, url: str) -> None:
    first, second = _open(browser, url), _open(browser, url)
    # "Who is Bonnie Glaser?", asked here before, is now declined (on main too).
    glaser = "What does Bonnie Glaser say about Beijing?"
    for page, q in ((first, glaser), (second, SUMMIT)):
        page.fill("textarea", q)
        page.keyboard.press("Enter")  # both questions are in flight together
    assert "Glaser" in _answer(first, 2) and "Singapore" in _answer(second, 2)
    assert SUMMIT not in first.inner_text("body")  # each tab has its own conversation
    assert glaser not in second.inner_text("body")
    first.close()
    second.close()
