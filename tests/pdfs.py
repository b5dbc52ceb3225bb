"""Small PDFs for the tests, written by hand: a text layer of Helvetica lines per page, or none
(a "scanned" PDF), with a document title. No tool outside Python is needed."""

from __future__ import annotations


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def make_pdf(pages: list[list[str]], *, title: str = "") -> bytes:
    """A PDF whose page n shows the lines of `pages[n]` (no lines: a page without text)."""
    objects: list[bytes] = []  # object n + 1
    n_pages = len(pages)
    font = 3 + 2 * n_pages
    info = font + 1
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(n_pages))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>".encode())
    for i, lines in enumerate(pages):
        content = (
            "BT /F1 12 Tf 72 720 Td 14 TL "
            + " ".join(f"({_escape(line)}) '" for line in lines)
            + " ET"
            if lines
            else ""
        )
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {4 + 2 * i} 0 R "
            f"/Resources << /Font << /F1 {font} 0 R >> >> >>".encode()
        )
        data = content.encode("latin-1")
        objects.append(b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    objects.append(f"<< /Title ({_escape(title)}) /Producer (cited-qa tests) >>".encode())
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\n" % (len(objects) + 1, info)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


COUNCIL_REPORT = [
    [
        "Portmere Council: storm recovery report",
        "",
        "Storm Alba damaged the harbour wall and the coast road in March 2025.",
        "The council met on 20 March 2025 to agree the repairs.",
    ],
    [
        "Costs and timetable",
        "",
        "The sea wall repair will cost 3.2 million pounds and take eight months.",
        "Work on the coast road starts in May.",
    ],
]
