"""Uploads from the browser: safe names, checks before saving, ingest, re-ingest and delete."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from ingest.uploads import safe_filename, save_upload
from qa import IngestError
from qa.documents.uploads import add_uploads, reingest_documents, remove_document

NOTE = b"# Zorblat report\n\nThe Zorblat festival takes place in Quito every March.\n"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("report.txt", "report.txt"),
        ("../../etc/passwd.txt", "passwd.txt"),
        ("..\\..\\Windows\\win.ini.md", "win.ini.md"),
        ("C:\\Users\\me\\Notes.MD", "Notes.md"),
        (".hidden.html", "hidden.html"),
        ("-rf.txt", "rf.txt"),
        ("a<b>|c?*.txt", "a_b_c.txt"),
        ("Brief über Köln.md", "Brief über Köln.md"),
        ("nul\0byte.txt", "nulbyte.txt"),
        ("....txt", "upload.txt"),
        ("x" * 300 + ".htm", "x" * 200 + ".htm"),
        ("中" * 100 + ".txt", "中" * 66 + ".txt"),  # 200 bytes of UTF-8, whole characters
    ],
)
def test_safe_filename(name: str, expected: str) -> None:
    assert safe_filename(name) == expected


@pytest.mark.parametrize("name", ["evil.exe", "noext", "archive.txt.gz", "../", ""])
def test_unsupported_names_are_refused(name: str) -> None:
    with pytest.raises(IngestError, match="not a supported file"):
        safe_filename(name)


def test_save_upload_stays_in_its_folder(tmp_path: Path) -> None:
    folder = tmp_path / "uploads"
    path = save_upload("../../outside.md", NOTE, folder, max_bytes=1000)
    assert path == (folder / "outside.md").resolve() and path.read_bytes() == NOTE
    assert not (tmp_path / "outside.md").exists()
    save_upload("outside.md", NOTE + b"More.\n", folder, max_bytes=1000)  # same name replaces
    assert path.read_bytes().endswith(b"More.\n") and len(list(folder.iterdir())) == 1


def test_long_non_ascii_names_fit_the_file_system(tmp_path: Path) -> None:
    path = save_upload("中" * 200 + ".txt", NOTE, tmp_path, max_bytes=1000)
    assert path.read_bytes() == NOTE and len(path.name.encode()) <= 255


def test_a_symlink_in_the_upload_folder_is_not_followed(tmp_path: Path) -> None:
    folder = tmp_path / "uploads"
    folder.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    (folder / "note.txt").symlink_to(victim)
    with pytest.raises(IngestError, match="not a plain file"):
        save_upload("note.txt", NOTE, folder, max_bytes=1000)
    assert victim.read_text() == "keep me\n"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"x" * 2000, "too large"),
        (b"", "empty file"),
        (b"\x00\x01PK", "binary file"),
        (b"  \n--\n", "no letters or digits"),
    ],
)
def test_bad_uploads_leave_nothing_behind(tmp_path: Path, data: bytes, reason: str) -> None:
    with pytest.raises(IngestError, match=reason):
        save_upload("bad.txt", data, tmp_path, max_bytes=1000)
    assert list(tmp_path.iterdir()) == []


class _Unreadable(io.BytesIO):
    def read(self, size: int | None = -1) -> bytes:
        raise AssertionError("an upload over the limit was read")


def test_an_upload_file_is_copied_and_one_over_the_limit_is_never_read(tmp_path: Path) -> None:
    path = save_upload("note.md", io.BytesIO(NOTE), tmp_path, max_bytes=1000)
    assert path.read_bytes() == NOTE
    with pytest.raises(IngestError, match=r"'big.md' is too large \(2 KB > limit 1000 bytes"):
        save_upload("big.md", _Unreadable(b"x" * 2000), tmp_path, max_bytes=1000)
    assert [p.name for p in tmp_path.iterdir()] == ["note.md"]


@pytest.mark.slow
def test_upload_reingest_and_delete(tmp_path: Path, store, embeddings, settings) -> None:
    elsewhere = tmp_path / "kept.txt"
    elsewhere.write_text("The Quibble bridge opened in 1931 in Lisbon.\n", encoding="utf-8")
    from qa.documents.pipeline import ingest_paths

    ingest_paths([elsewhere], store, embeddings.count_tokens, settings, progress=False)
    calls: list[tuple[int, int]] = []
    uploads = [("zorblat.md", NOTE), ("bad.bin", b"\x00"), ("sub/zorblat.md", b"Other.\n")]
    report = add_uploads(
        uploads,
        store,
        embeddings.count_tokens,
        settings,
        on_progress=lambda d, t: calls.append((d, t)),
    )
    assert report.added == 1
    assert [s.path for s in report.skipped] == ["bad.bin", "sub/zorblat.md"]
    assert "same file name as 'zorblat.md'" in report.skipped[1].reason
    assert calls[0] == (0, 1) and calls[-1] == (1, 1)
    docs = {d.title: d for d in store.documents()}
    upload = docs["Zorblat report"]
    assert Path(upload.source) == (settings.uploads / "zorblat.md").resolve()

    again = reingest_documents(store, embeddings.count_tokens, settings, list(store.doc_states()))
    assert again.unchanged == 2 and again.chunks_embedded == 0
    Path(upload.source).write_bytes(NOTE + b"It ends with fireworks.\n")
    again = reingest_documents(store, embeddings.count_tokens, settings, [upload.doc_id])
    assert again.updated == 1

    assert remove_document(store, upload.doc_id, settings) >= 1
    assert not Path(upload.source).exists()  # an uploaded file goes with its document
    kept = docs["kept"]
    remove_document(store, kept.doc_id, settings)
    assert elsewhere.exists()  # a file ingested from elsewhere stays on disk
    assert store.documents() == []
    with pytest.raises(IngestError, match="no document"):
        remove_document(store, kept.doc_id, settings)


@pytest.mark.slow
def test_reingest_of_a_vanished_file_says_what_to_do(tmp_path, store, embeddings, settings):
    add_uploads([("gone.md", NOTE)], store, embeddings.count_tokens, settings)
    (settings.uploads / "gone.md").unlink()
    report = reingest_documents(
        store, embeddings.count_tokens, settings, [*store.doc_states(), "nope"]
    )
    reasons = [s.reason for s in report.skipped]
    assert reasons == [
        "the file no longer exists: delete the document",
        "no such document in the store",
    ]
