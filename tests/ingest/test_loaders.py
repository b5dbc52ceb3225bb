"""Tests for loading files into SourceDocuments (real files in tmp_path, no mocks)."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from core.errors import IngestError
from ingest.loaders import (
    SUPPORTED_SUFFIXES,
    SkipFile,
    Skipped,
    doc_id_for,
    iter_files,
    load_file,
    load_jsonl_documents,
    load_paths,
)

SEED = Path(__file__).resolve().parents[2] / "seeds" / "000_6a35916087595feb.txt"
NBSP = "\u00a0"


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_bytes(content.encode("utf-8"))
    return path


def skip_reason(path: Path, **kwargs: int) -> str:
    with pytest.raises(SkipFile) as info:
        load_file(path, **kwargs)
    assert "\n" not in info.value.reason
    return info.value.reason


# --- .txt ---------------------------------------------------------------------------------------


def test_plain_txt_title_from_stem_and_line_endings_normalised(tmp_path: Path) -> None:
    path = write(tmp_path / "meeting_notes-2024.txt", f"First\r\nSecond{NBSP}line\rThird\n")
    doc = load_file(path)
    assert doc.title == "meeting notes 2024"
    assert doc.text == f"First\nSecond{NBSP}line\nThird\n"
    assert doc.source == str(path.resolve())
    assert doc.doc_id == doc_id_for(path)
    assert (doc.published, doc.section, doc.dateline) == (None, None, None)


def test_news_txt_keeps_text_verbatim(tmp_path: Path) -> None:
    path = tmp_path / "article.txt"
    shutil.copyfile(SEED, path)
    doc = load_file(path)
    assert (
        doc.title
        == "Trump Seeks China\u2019s Help to Curb Russia \u2014 But Beijing Holds the Cards"
    )
    assert (doc.published, doc.section, doc.dateline) == (
        "2025-10-29",
        "Politics",
        "Washington / Beijing",
    )
    assert doc.text == SEED.read_text(encoding="utf-8").replace("\r\n", "\n")
    assert NBSP in doc.text and "\u201c" in doc.text


def test_utf8_bom_is_dropped(tmp_path: Path) -> None:
    path = write(tmp_path / "bom.txt", b"\xef\xbb\xbfHello \xc3\xa9t\xc3\xa9\n")
    assert load_file(path).text == "Hello \u00e9t\u00e9\n"


# --- .md ----------------------------------------------------------------------------------------


def test_markdown_title_from_first_heading_and_raw_text(tmp_path: Path) -> None:
    content = "Intro line\n\n```bash\n# not a heading\n```\n\n## Release Notes ##\n\n*Body* text\n"
    path = write(tmp_path / "notes.md", content)
    doc = load_file(path)
    assert doc.title == "Release Notes"
    assert doc.text == content


def test_markdown_news_header_and_stem_fallbacks(tmp_path: Path) -> None:
    news = load_file(
        write(tmp_path / "a.markdown", "Big Story\n\nMay 4, 2025 | Tech\n\nOslo \u2014 X.")
    )
    assert (news.title, news.published, news.section) == ("Big Story", "2025-05-04", "Tech")
    plain = load_file(write(tmp_path / "read-me.md", "just some *markdown*\n"))
    assert plain.title == "read me"


# --- .html --------------------------------------------------------------------------------------

HTML = """<!DOCTYPE html>
<html><head><title>  Quarterly   Report </title>
<style>p { color: red; }</style><script>var secret = "hidden";</script></head>
<body><nav>Home | About</nav>
<h1>Main Heading</h1>
<p>First paragraph
   spans two source lines &amp; has&nbsp;a non-breaking space.</p>
<p>Second <b>bold</b> paragraph.<br>After a break &#8212; &ldquo;quoted&rdquo;.</p>
<!-- a comment -->
<ul><li>one</li><li>two</li></ul>
<footer>Copyright footer</footer><noscript>enable js</noscript>
</body></html>
"""


def test_html_extracts_readable_text(tmp_path: Path) -> None:
    doc = load_file(write(tmp_path / "report.html", HTML))
    assert doc.title == "Quarterly Report"
    assert doc.text == (
        "Main Heading\n\n"
        f"First paragraph spans two source lines & has{NBSP}a non-breaking space.\n\n"
        "Second bold paragraph.\nAfter a break \u2014 \u201cquoted\u201d.\n\n"
        "one\ntwo"
    )
    for hidden in ("secret", "color", "Home", "footer", "enable js", "comment", "DOCTYPE"):
        assert hidden not in doc.text


def test_html_title_falls_back_to_h1_then_stem(tmp_path: Path) -> None:
    h1 = load_file(
        write(tmp_path / "x.htm", "<body><h1>The <i>Headline</i></h1><p>Body</p></body>")
    )
    assert h1.title == "The Headline"
    stem = load_file(write(tmp_path / "press_release.html", "<p>Only a paragraph.</p>"))
    assert (stem.title, stem.text) == ("press release", "Only a paragraph.")


def test_html_news_metadata_from_extracted_text(tmp_path: Path) -> None:
    markup = (
        "<html><head><title>Site | Story</title></head><body><h1>Story</h1>"
        "<p>Oct 29, 2025 | Politics</p><p>Washington \u2014&nbsp;Talks began.</p></body></html>"
    )
    doc = load_file(write(tmp_path / "story.html", markup))
    assert doc.title == "Site | Story"
    assert (doc.published, doc.section, doc.dateline) == ("2025-10-29", "Politics", "Washington")


def test_html_without_text_is_skipped(tmp_path: Path) -> None:
    path = write(
        tmp_path / "blank.html", "<html><head><title>T</title></head><body> </body></html>"
    )
    assert skip_reason(path).startswith("empty file")


# --- skipped files ------------------------------------------------------------------------------


def test_binary_file_skipped(tmp_path: Path) -> None:
    path = write(tmp_path / "data.txt", b"PK\x03\x04\x00\x00binary")
    assert skip_reason(path) == "binary file"


@pytest.mark.parametrize("content", [b"", b"  \n\t\r\n \xc2\xa0 \n"])
def test_empty_and_whitespace_only_skipped(tmp_path: Path, content: bytes) -> None:
    assert skip_reason(write(tmp_path / "empty.md", content)).startswith("empty file")


def test_non_utf8_reason_names_byte_and_offset(tmp_path: Path) -> None:
    path = write(tmp_path / "latin.txt", "Caf\u00e9 au lait".encode("latin-1"))
    reason = skip_reason(path)
    assert reason.startswith("not UTF-8 text")
    assert "0xe9" in reason and "offset 3" in reason


def test_non_utf8_offset_counts_bom(tmp_path: Path) -> None:
    path = write(tmp_path / "bom.txt", b"\xef\xbb\xbfab\xff")
    assert "0xff at offset 5" in skip_reason(path)


def test_unsupported_suffix_skipped(tmp_path: Path) -> None:
    reason = skip_reason(write(tmp_path / "sheet.xlsx", "PK text"))
    assert "unsupported file type '.xlsx'" in reason
    assert ".txt" in reason and ".md" in reason and ".html" in reason and ".pdf" in reason
    assert "no extension" in skip_reason(write(tmp_path / "Makefile", "all:\n"))


def test_pdf_text_page_by_page_and_its_failures(tmp_path: Path) -> None:
    from tests.pdfs import COUNCIL_REPORT, make_pdf

    doc = load_file(write(tmp_path / "report.pdf", make_pdf(COUNCIL_REPORT, title="Recovery")))
    assert doc.title == "Recovery" and len(doc.page_starts) == 2
    second = doc.text.index("The sea wall repair")
    assert doc.page_at(0) == 1 and doc.page_at(second) == 2
    assert doc.text[doc.page_starts[1] :].startswith("Costs and timetable")
    scanned = write(tmp_path / "scan.pdf", make_pdf([[], []]))
    assert skip_reason(scanned) == "no text in its 2 page(s): a scanned PDF? (run OCR on it first)"
    assert skip_reason(write(tmp_path / "fake.pdf", "just text")) == "not a PDF (no %PDF- header)"
    assert skip_reason(write(tmp_path / "cut.pdf", b"%PDF-1.4\n1 0 obj <<")).startswith(
        "unreadable PDF"
    )


def test_too_large_skipped(tmp_path: Path) -> None:
    path = write(tmp_path / "big.txt", "x" * 2048)
    reason = skip_reason(path, max_bytes=1024)
    assert reason == "too large (2 KB > limit 1 KB; set QA_MAX_FILE_MB)"
    assert load_file(path, max_bytes=2048).text == "x" * 2048


def test_directory_with_supported_suffix_is_not_a_regular_file(tmp_path: Path) -> None:
    (tmp_path / "folder.txt").mkdir()
    assert skip_reason(tmp_path / "folder.txt") == "not a regular file"


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read files without permission")
def test_unreadable_file_skipped(tmp_path: Path) -> None:
    path = write(tmp_path / "secret.txt", "hidden")
    path.chmod(0)
    assert skip_reason(path) == "unreadable: Permission denied"


# --- folders and batches ------------------------------------------------------------------------


def test_one_bad_file_does_not_stop_the_batch(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", "alpha")
    write(tmp_path / "b.txt", b"\x00\x01\x02")
    write(tmp_path / "c.md", "# Gamma\n\ntext")
    write(tmp_path / "d.doc", "doc")
    docs, skipped = load_paths([tmp_path])
    assert [d.title for d in docs] == ["a", "Gamma"]
    assert skipped == [
        Skipped(str(tmp_path / "b.txt"), "binary file"),
        Skipped(
            str(tmp_path / "d.doc"),
            f"unsupported file type '.doc' (supported: {', '.join(SUPPORTED_SUFFIXES)})",
        ),
    ]


def test_recursive_walk_is_sorted_and_skips_hidden(tmp_path: Path) -> None:
    names = ["b.txt", "a.md", "sub/z.html", "sub/deeper/y.txt", "sub/.hidden.txt", "notes.pdf"]
    names += [".git/config.txt", "__pycache__/m.txt", "sub/.cache/x.txt"]
    for name in names:
        write(tmp_path / name, "text")
    found = [p.relative_to(tmp_path).as_posix() for p in iter_files([tmp_path])]
    assert found == ["a.md", "b.txt", "notes.pdf", "sub/deeper/y.txt", "sub/z.html"]


def test_explicit_file_is_yielded_whatever_its_suffix(tmp_path: Path) -> None:
    path = write(tmp_path / ".hidden.pdf", "x")
    assert list(iter_files([str(path)])) == [path]


def test_missing_path_raises_before_yielding(tmp_path: Path) -> None:
    write(tmp_path / "ok.txt", "fine")
    missing = tmp_path / "docs" / "nope"
    yielded: list[Path] = []
    with pytest.raises(IngestError, match=re.escape(f"path not found: '{missing}'")) as info:
        yielded.extend(iter_files([tmp_path, missing]))
    assert yielded == []
    assert "check the path" in str(info.value)
    with pytest.raises(IngestError):
        load_paths([tmp_path / "ok.txt", missing])


def test_same_file_given_twice_is_loaded_once(tmp_path: Path) -> None:
    path = write(tmp_path / "one.txt", "only once")
    relative = os.path.relpath(path)
    docs, skipped = load_paths([path, relative, tmp_path, tmp_path])
    assert [d.text for d in docs] == ["only once"]
    assert skipped == []


def test_doc_ids_are_deterministic(tmp_path: Path) -> None:
    a = write(tmp_path / "a.txt", "same")
    b = write(tmp_path / "b.txt", "same")
    assert re.fullmatch(r"[0-9a-f]{16}", doc_id_for(a))
    assert doc_id_for(a) == doc_id_for(Path(os.path.relpath(a))) == load_file(a).doc_id
    assert doc_id_for(a) != doc_id_for(b)


# --- JSONL corpora ------------------------------------------------------------------------------


def test_jsonl_documents(tmp_path: Path) -> None:
    rows = [
        {"doc_id": "d1", "title": "First", "text": "Alpha text.\n"},
        {"doc_id": "d2", "title": "", "text": "Beta", "published": "2024-01-02", "section": "S"},
    ]
    path = write(tmp_path / "docs.jsonl", "\n".join(json.dumps(r) for r in rows) + "\n\n")
    docs = load_jsonl_documents(path)
    assert [(d.doc_id, d.title, d.text) for d in docs] == [
        ("d1", "First", "Alpha text.\n"),
        ("d2", "", "Beta"),
    ]
    assert docs[0].source == f"{path.resolve()}#d1"
    assert (docs[1].published, docs[1].section) == ("2024-01-02", "S")


@pytest.mark.parametrize(
    ("bad_line", "message"),
    [
        ('{"doc_id": "d2", "text": ', "malformed JSON"),
        ('["d2", "text"]', "needs string 'doc_id' and 'text'"),
        ('{"doc_id": "d2", "title": "no text"}', "needs string 'doc_id' and 'text'"),
        ('{"doc_id": "d1", "text": "again"}', "duplicate doc_id 'd1'"),
    ],
)
def test_jsonl_malformed_line_names_file_and_line(
    tmp_path: Path, bad_line: str, message: str
) -> None:
    path = write(tmp_path / "docs.jsonl", f'{{"doc_id": "d1", "text": "ok"}}\n\n{bad_line}\n')
    with pytest.raises(IngestError, match=re.escape(f"{path}:3: {message}")):
        load_jsonl_documents(path)


def test_jsonl_missing_file_raises(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match=r"missing\.jsonl"):
        load_jsonl_documents(tmp_path / "missing.jsonl")


def test_deeply_nested_html_loads(tmp_path: Path) -> None:
    # Editing the tree around every block once took time in the square of the depth (minutes).
    page = tmp_path / "deep.html"
    page.write_text("<div>" * 20_000 + "<p>Deep text.</p>" + "</div>" * 20_000, encoding="utf-8")
    assert load_file(page).text == "Deep text."


def test_documents_are_named_relative_to_the_folder_given(tmp_path: Path) -> None:
    from core.types import shown_source

    (tmp_path / "corpus" / "sub").mkdir(parents=True)
    (tmp_path / "corpus" / "sub" / "a.txt").write_text("Alpha text.")
    (tmp_path / "b.md").write_text("# Bravo\n\nText.")
    docs, _ = load_paths([tmp_path / "corpus", tmp_path / "b.md"])
    assert [(d.name, d.source) for d in docs] == [
        ("sub/a.txt", str((tmp_path / "corpus" / "sub" / "a.txt").resolve())),
        ("b.md", str((tmp_path / "b.md").resolve())),
    ]
    assert shown_source(docs[0].source, docs[0].name) == "sub/a.txt"
    assert shown_source("/srv/uploads/c.txt", None) == "c.txt"  # stored before names were
    assert shown_source("https://example.org/x", None) == "https://example.org/x"
