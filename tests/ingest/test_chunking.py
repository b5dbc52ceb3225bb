"""Chunking: sentence-aware, within the model window, overlapping, offsets into the source."""

import itertools

import pytest

from ingest.chunking import chunk_spans
from tests.conftest import SEED_FILE


def words(text: str) -> int:
    return len(text.split())


def test_chunks_are_whole_sentences_and_overlap() -> None:
    text = " ".join(f"Sentence number {i} has five words." for i in range(40))
    spans = chunk_spans(text, words, max_tokens=30, overlap_tokens=7)
    assert len(spans) > 5
    for (_, e1), (s2, _) in itertools.pairwise(spans):
        assert s2 < e1  # consecutive chunks overlap
    for s, e in spans:
        assert text[s:e].startswith("Sentence") and text[s:e].endswith(".")
        assert words(text[s:e]) <= 30
    assert spans[0][0] == 0 and spans[-1][1] == len(text)


def test_no_overlap_when_zero() -> None:
    text = " ".join(f"Sentence {i} here." for i in range(20))
    spans = chunk_spans(text, words, max_tokens=9, overlap_tokens=0)
    assert all(e1 <= s2 for (_, e1), (s2, _) in itertools.pairwise(spans))


def test_over_long_sentence_is_cut_into_windows() -> None:
    text = "word " * 100 + "end."
    spans = chunk_spans(text, words, max_tokens=30, overlap_tokens=0)
    assert len(spans) == 4
    assert all(words(text[s:e]) <= 30 for s, e in spans)
    assert "".join(text[s:e] for s, e in spans).replace(" ", "") == text.replace(" ", "")


def test_empty_text_has_no_chunks() -> None:
    assert chunk_spans("", words) == []


@pytest.mark.slow
def test_seed_chunks_fit_the_model_window(embeddings) -> None:
    from qa.store.embeddings import MODEL_MAX_TOKENS

    text = SEED_FILE.read_text(encoding="utf-8")
    spans = chunk_spans(text, embeddings.count_tokens, max_tokens=200, overlap_tokens=48)
    assert len(spans) >= 3
    # Real word pieces of every chunk, as the model would read it, within its window.
    assert max(embeddings.count_tokens_batch([text[s:e] for s, e in spans])) <= MODEL_MAX_TOKENS
    covered = set()
    for s, e in spans:
        covered.update(range(s, e))
    body = {i for i, ch in enumerate(text) if not ch.isspace()}
    assert body <= covered  # nothing of the article is left out


def test_a_blob_without_spaces_cannot_hide_in_one_chunk() -> None:
    # To MiniLM a 3,000-character "word" is one [UNK] piece; chunks still stay small.
    text = ("word " * 30 + "x" * 3000 + " ") * 3
    spans = chunk_spans(text, words, max_tokens=100, overlap_tokens=0)
    assert max(e - s for s, e in spans) <= 100 * 10
    assert "".join(text[s:e] for s, e in spans).replace(" ", "") == text.replace(" ", "")
