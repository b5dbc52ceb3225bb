"""News: what publication dates and near-duplicate folding do, on the fixture news site.

    python -m bench.news_eval        # from the project root: it serves the tests' news site

Serves the site of `tests/news_site.py` on 127.0.0.1, ingests its pages, feed and PDF (and the
seed article) into a temporary store, then prints Markdown tables:

1. date questions (`tests/data/news_date_questions.jsonl`: the same question about storms on
   different dates, each with its as-of date), answered with the dates resolved and, beside
   it, the same pipeline with the dates ignored;
2. near-duplicate passages: every pair of chunks of different documents, labelled "same story"
   for the three copies of the wire story, scored by MinHash (the chosen measure), exact
   shingle Jaccard, and rapidfuzz's ratio and token-set ratio; and the different stories among
   the top k passages of questions about the wire story, folded or not;
3. HTML extraction: story paragraphs and boilerplate kept by trafilatura and by the
   hand-written extraction, on the story pages and a plain page.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from core.duplicates import fold_passages, shingles, similarity, sketch
from ingest.loaders import html_to_text, load_file
from qa import QA, Settings
from qa.evaluation.scratch import scratch_folder, scratch_qa
from qa.store.embeddings import LocalEmbeddings, stay_offline
from tests.news_site import BOILERPLATE, STORIES, news_site

ROOT = Path(__file__).resolve().parent.parent

QUESTIONS = ROOT / "tests" / "data" / "news_date_questions.jsonl"
FERRY_QUESTIONS = [
    "How much did the ferry strike cost Northlink?",
    "What pay rise did the Northlink ferry workers accept?",
    "When will ferry sailings return to the normal timetable?",
]
# The page of tests/ingest/test_loaders.py: a plain document, no article markup.
PLAIN_PAGE = (
    "<!DOCTYPE html><html><head><title>Quarterly Report</title></head><body>"
    "<nav>Home | About</nav><h1>Main Heading</h1><p>First paragraph spans two source "
    "lines.</p><p>Second <b>bold</b> paragraph.<br>After a break.</p>"
    "<ul><li>one</li><li>two</li></ul><footer>Copyright footer</footer></body></html>"
)
PLAIN_PARTS = (
    "Main Heading",
    "First paragraph",
    "Second bold paragraph",
    "After a break",
    "one",
    "two",
)


@contextmanager
def build(tmp: Path, emb: LocalEmbeddings) -> Iterator[tuple[QA, dict[str, str]]]:
    """A temporary store of the site's pages, feed and PDF and the seed article; source ->
    story."""
    seed = load_file(ROOT / "seeds" / "000_6a35916087595feb.txt")
    with scratch_qa([seed], Settings(fetch_allow_private=True), embeddings=emb) as scratch:
        qa = scratch.qa
        with news_site(tmp / "site") as (base, _):
            urls = [f"{base}/{s.path}" for s in STORIES if s.markup != "none"]
            report = qa.add_links([*urls, f"{base}/council-report.pdf"], feeds=[f"{base}/feed.xml"])
        print(f"ingest: {report.summary()}")
        for line in report.lines():
            print(f"  {line}")
        yield qa, {f"{base}/{s.path}": s.story for s in STORIES}


def date_table(qa: QA, stories: dict[str, str]) -> None:
    rows = [json.loads(line) for line in QUESTIONS.read_text().splitlines() if line.strip()]
    names = ("as-of dates resolved", "dates ignored")
    scores = {name: [0, 0, 0, 0] for name in names}
    for row in rows:
        with_dates = qa.ask(row["question"], as_of=row["as_of"])
        passages = fold_passages(
            qa.retriever.search(row["question"], 2 * qa.settings.top_k),
            qa.settings.top_k,
            qa.settings.fold_similarity,
        )
        without = qa.answerer.answer(row["question"], row["question"], passages)
        for name, answer in zip(names, (with_dates, without), strict=True):
            first = answer.citations[0].source if answer.citations else ""
            top = answer.passages[0].chunk.source if answer.passages else ""
            got = scores[name]
            got[0] += stories.get(top) == row["story"]
            got[1] += stories.get(first) == row["story"]
            got[2] += any(a in answer.text for a in row["answers"])
            got[3] += answer.status == "not_found"
    n = len(rows)
    print(
        f"\n| {n} date questions | first passage from the right story | answer cites it "
        "first | answer holds the expected answer | declined |"
    )
    print("|---|---|---|---|---|")
    for name, got in scores.items():
        print(f"| {name} | " + " | ".join(f"{x}/{n} ({x / n:.0%})" for x in got) + " |")


def _best_f1(scored: list[tuple[float, bool]]) -> tuple[float, float, float, float]:
    """Best F1 over thresholds: (f1, threshold, lowest same-story score, highest other)."""
    best = (0.0, 0.0)
    for t in sorted({s for s, _ in scored}):
        tp = sum(1 for s, y in scored if s >= t and y)
        fp = sum(1 for s, y in scored if s >= t and not y)
        fn = sum(1 for s, y in scored if s < t and y)
        f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        best = max(best, (f1, t))
    low = min(s for s, y in scored if y)
    high = max(s for s, y in scored if not y)
    return best[0], best[1], low, high


def fold_table(qa: QA, stories: dict[str, str]) -> None:
    from rapidfuzz import fuzz

    chunks = [(c.source, c.text) for c in qa.store.chunks()]
    pairs = [(a, b) for a, b in itertools.combinations(chunks, 2) if a[0] != b[0]]
    label = [stories.get(a[0], a[0]) == stories.get(b[0], b[0]) for a, b in pairs]
    sketches = {t: sketch(t) for _, t in chunks}

    def exact(a: str, b: str) -> float:
        x, y = shingles(a), shingles(b)
        return len(x & y) / len(x | y) if x | y else 0.0

    measures = {
        "MinHash of word 3-shingles (datasketch, 128 permutations)": lambda a, b: similarity(
            sketches[a], sketches[b]
        ),
        "exact Jaccard of word 3-shingles": exact,
        "rapidfuzz ratio": lambda a, b: fuzz.ratio(a, b) / 100,
        "rapidfuzz token_set_ratio": lambda a, b: fuzz.token_set_ratio(a, b) / 100,
    }
    print(
        f"\n{len(chunks)} chunks, {len(pairs)} pairs of different documents, "
        f"{sum(label)} of them the same story\n"
    )
    print(
        "| measure | best F1 | at | lowest same-story | highest other | µs a pair |\n"
        "|---|---|---|---|---|---|"
    )
    for name, fn in measures.items():
        t0 = time.perf_counter()
        scored = [(fn(a[1], b[1]), y) for (a, b), y in zip(pairs, label, strict=True)]
        us = (time.perf_counter() - t0) / len(pairs) * 1e6
        f1, t, low, high = _best_f1(scored)
        print(f"| {name} | {f1:.2f} | {t:.2f} | {low:.2f} | {high:.2f} | {us:.0f} |")
    k = qa.settings.top_k
    print(
        f"\n| question | stories in the top {k}, not folded | folded | also in |\n|---|---|---|---|"
    )
    for q in FERRY_QUESTIONS:
        plain = qa.retriever.search(q, k)
        folded = qa.ask(q).passages
        n_plain = len({stories.get(p.chunk.source, p.chunk.source) for p in plain})
        n_fold = len({stories.get(p.chunk.source, p.chunk.source) for p in folded})
        also = sum(len(p.duplicates) for p in folded)
        print(f"| {q} | {n_plain} | {n_fold} | {also} |")


def extraction_table(site: Path) -> None:
    from ingest.web import extract_html

    print(
        "\n| page | extraction | story paragraphs kept | boilerplate lines kept |\n"
        "|---|---|---|---|"
    )
    for s in STORIES:
        markup = (site / s.path).read_text(encoding="utf-8")
        for name, text in (
            ("trafilatura", extract_html(markup)[0]),
            ("hand-written", html_to_text(markup)[0]),
        ):
            kept = sum(p in text for p in s.paragraphs)
            junk = sum(b in text for b in BOILERPLATE)
            print(f"| {s.path} | {name} | {kept}/{len(s.paragraphs)} | {junk}/{len(BOILERPLATE)} |")
    import trafilatura

    main = trafilatura.bare_extraction(PLAIN_PAGE)
    text = main.text if main else ""
    for name, got in (("trafilatura", text), ("hand-written", html_to_text(PLAIN_PAGE)[0])):
        kept = sum(x in got for x in PLAIN_PARTS)
        junk = sum(x in got for x in ("Home | About", "Copyright footer"))
        print(
            f"| the plain page of tests/ingest/test_loaders.py | {name} | "
            f"{kept}/{len(PLAIN_PARTS)} | {junk}/2 |"
        )


def main() -> None:
    stay_offline()
    emb = LocalEmbeddings()
    with scratch_folder("news-eval-") as tmp, build(tmp, emb) as (qa, stories):
        date_table(qa, stories)
        fold_table(qa, stories)
        extraction_table(tmp / "site")


if __name__ == "__main__":
    main()
