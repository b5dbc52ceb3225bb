"""Unit tests of normalisation, sentence spans and content words."""

from core.text import content_words, normalize, sentence_spans
from tests.conftest import SEED_FILE


def test_normalize_folds_nbsp_and_curly_quotes() -> None:
    assert normalize("China\u2019s \u201cendless\u00a0wars\u201d\n") == 'China\'s "endless wars"'


def test_normalize_applies_nfkc() -> None:
    assert normalize("\ufb01ne \u2460") == "fine 1"


def test_sentence_spans_keep_abbreviations_together() -> None:
    text = "A U.S. official told Reuters this week. Mr. Smith agreed! Did he? Yes."
    got = [text[s:e] for s, e in sentence_spans(text)]
    assert got == [
        "A U.S. official told Reuters this week.",
        "Mr. Smith agreed!",
        "Did he?",
        "Yes.",
    ]


def test_sentence_spans_split_after_closing_quotes_and_lines() -> None:
    text = "Title line\n\n\u201cIt is time to act.\u201d Then more.\nNext line here"
    got = [text[s:e] for s, e in sentence_spans(text)]
    assert got == ["Title line", "\u201cIt is time to act.\u201d", "Then more.", "Next line here"]


def test_hard_wrapped_lines_stay_one_sentence() -> None:
    text = "This sentence is wrapped\nacross two lines. Second one."
    got = [text[s:e] for s, e in sentence_spans(text)]
    assert got == ["This sentence is wrapped\nacross two lines.", "Second one."]


def test_sentence_spans_are_offsets_into_the_original() -> None:
    text = SEED_FILE.read_text(encoding="utf-8")
    spans = sentence_spans(text)
    assert len(spans) > 15
    for s, e in spans:
        piece = text[s:e]
        assert piece == piece.strip() and piece
    assert any("\u00a0" in text[s:e] for s, e in spans)  # offsets are on the raw text


def test_sentence_spans_of_a_range() -> None:
    text = "One. Two. Three."
    assert sentence_spans(text, 5, 16) == [(5, 9), (10, 16)]


def test_content_words_drop_stopwords_and_stem() -> None:
    assert content_words("What does he want from Beijing\u2019s leaders?") == [
        "want",
        "beij",
        "leader",
    ]


def test_sentence_spans_of_a_large_text() -> None:
    # 2 MB: a quadratic scan (it once copied the rest of the text at every sentence end) would
    # make this take minutes; the benchmark, not this test, measures speed.
    spans = sentence_spans("This is a sentence. " * 100_000)
    assert len(spans) == 100_000 and spans[-1] == (1_999_980, 1_999_999)
