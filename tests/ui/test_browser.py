"""The chat page in a real headless Chromium (Debian's), driven by Playwright."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, SEED_FILE

pytestmark = [pytest.mark.slow, pytest.mark.browser]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "artifacts"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update"]  # fmt: skip
XSS = (
    "Security note for the test corpus. The script tag <script>window.__xss = 1</script> must "
    'never run in the page. The image tag <img src=x onerror="window.__xss = 2"> must never '
    "run either.\n"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is missing: `make browser` installs it")
        pytest.skip("Debian's chromium is not installed (`make browser`)")
    from qa.cli import main

    tmp = tmp_path_factory.mktemp("browser")
    corpus = tmp / "corpus"
    corpus.mkdir()
    shutil.copy(SEED_FILE, corpus / SEED_FILE.name)
    (corpus / "security-note.txt").write_text(XSS, encoding="utf-8")
    store = tmp / "store"
    assert main(["ingest", "--no-progress", "--persist-dir", str(store), str(corpus)]) == 0
    port = _free_port()
    env = {**os.environ, "QA_PERSIST_DIR": str(store), "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "ui" / "app.py"),
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"{base}/_stcore/health", timeout=2).close()
                break
            except OSError:
                assert proc.poll() is None, "streamlit run exited"
                if time.monotonic() > deadline:
                    pytest.fail("streamlit did not start within 90 s")
                time.sleep(0.5)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _ask(page, question: str, count: int) -> None:  # type: ignore[no-untyped-def]
    page.fill("textarea", question)
    page.keyboard.press("Enter")
    page.wait_for_function(
        f"document.querySelectorAll('[data-testid=\"stChatMessage\"]').length >= {count}"
        " && !document.querySelector('[data-testid=\"stSpinner\"]')",
        timeout=120_000,
    )


def test_ask_and_see_the_highlighted_source_and_no_script_runs(url: str) -> None:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1100, "height": 1200})
        page.goto(url, timeout=120_000)
        page.wait_for_selector("textarea", timeout=120_000)
        _ask(page, "Where will the summit take place?", 2)
        page.wait_for_selector("mark", timeout=120_000)
        assert "Singapore" in page.inner_text("mark")
        assert "[1]" in page.inner_text('[data-testid="stChatMessage"] >> nth=1')
        page.screenshot(path=str(ARTIFACTS / "chat.png"), full_page=True)

        _ask(page, "Which script tag must never run in the page?", 4)
        page.wait_for_timeout(1000)
        text = page.inner_text("body")
        assert "window.__xss" in text  # the payload is shown as text...
        assert page.evaluate("typeof window.__xss") == "undefined"  # ...and never ran
        assert page.locator("img[src=x]").count() == 0
        page.screenshot(path=str(ARTIFACTS / "xss.png"), full_page=True)
        browser.close()
