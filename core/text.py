"""Text utilities: normalisation for matching, sentence spans with offsets, content words.

Offsets always refer to the original text; normalisation is applied only to copies used for
embedding and matching, so quotes can be shown verbatim.
"""

from __future__ import annotations

import functools
import itertools
import re
import threading
import unicodedata
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import Stemmer

__all__ = ["INSTRUCTION", "STOPWORDS", "content_words", "normalize", "sentence_spans", "stem"]

_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
    }
)


def normalize(text: str) -> str:
    """NFKC, straight quotes and single spaces: the form of text that is embedded and matched."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    return re.sub(r"\s+", " ", text).strip()


# A sentence ends at . ! ? or … , optionally followed by closing quotes or brackets, then
# whitespace; a blank line always ends a paragraph; a single newline ends a sentence unless the
# next line continues in lower case (a hard-wrapped paragraph).
_END = re.compile(r"[.!?\u2026]+[\"'\u201d\u2019)\]]*(?=\s)")
_BREAK = re.compile(r"\n[ \t\u00a0]*\n\s*|\n(?=[ \t\u00a0]*[^a-z\s])")
_ABBREV = {
    "mr",
    "mrs",
    "ms",
    "dr",
    "prof",
    "sr",
    "jr",
    "st",
    "gen",
    "gov",
    "sen",
    "rep",
    "col",
    "lt",
    "sgt",
    "capt",
    "cmdr",
    "adm",
    "pres",
    "vs",
    "etc",
    "inc",
    "ltd",
    "co",
    "corp",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "no",
    "vol",
    "fig",
    "approx",
    "dept",
    "est",
    "e.g",
    "i.e",
    "mt",
    "ft",
    "u.s",
    "u.k",
    "u.n",
    "e.u",
    "a.m",
    "p.m",
}
_NEXT = re.compile(r"\s*(\S)")
_INITIALS = re.compile(r"(?:\b[A-Za-z]\.)+$")


def _is_abbreviation(text: str, dot: int) -> bool:
    """True when the period at `dot` closes an abbreviation or initials, not a sentence."""
    if text[dot] != ".":
        return False
    word_start = dot
    while word_start > 0 and not text[word_start - 1].isspace():
        word_start -= 1
    word = text[word_start : dot + 1].lstrip("\"'(\u201c\u2018[")
    if word[:-1].lower() in _ABBREV:
        return True
    # "U.S." and "J." are abbreviations unless they are single letters that end a sentence
    # and are followed by a word that starts a new one; we keep them attached.
    return bool(_INITIALS.search(word))


def _cut_points(text: str) -> Iterator[int]:
    for m in _BREAK.finditer(text):
        yield m.start()
    for m in _END.finditer(text):
        if _is_abbreviation(text, m.start()) and m.end() - m.start() == 1:
            continue
        following = _NEXT.match(text, m.end())  # no slicing: linear in the text's length
        if following and following.group(1).islower():
            continue
        yield m.end()


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Spans `(s, e)` of the sentences of `text[start:end]`, trimmed of surrounding whitespace."""
    end = len(text) if end is None else end
    segment = text[start:end]
    cuts = sorted({0, len(segment), *(_cut_points(segment))})
    spans = []
    for a, b in itertools.pairwise(cuts):
        piece = segment[a:b]
        lead = len(piece) - len(piece.lstrip())
        trail = len(piece) - len(piece.rstrip())
        if b - trail > a + lead:
            spans.append((start + a + lead, start + b - trail))
    return spans


@functools.cache
def _stopwords() -> frozenset[str]:
    """NLTK's English stopword list (179 words), as bm25s ships it: the same list for BM25 and
    for the sentence features (read when first needed: importing bm25s takes about 0.2 s)."""
    from bm25s.stopwords import STOPWORDS_EN_PLUS

    return frozenset(STOPWORDS_EN_PLUS)


if TYPE_CHECKING:
    STOPWORDS: frozenset[str]


def __getattr__(name: str) -> Any:
    if name == "STOPWORDS":  # `from core.text import STOPWORDS`
        return _stopwords()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_STEMMERS = threading.local()


def stem(word: str) -> str:
    """The Snowball (Porter 2) English stem of a lower-case word: "talks", "talked" -> "talk"."""
    stemmer = getattr(_STEMMERS, "english", None)
    if stemmer is None:  # PyStemmer objects are not shared between threads
        stemmer = _STEMMERS.english = Stemmer.Stemmer("english")
    return str(stemmer.stemWord(word))


def content_words(text: str) -> list[str]:
    """Stemmed, lower-case words of `text` without stopwords, in order: the terms of BM25 and
    of the sentence features."""
    out = []
    stopwords = _stopwords()
    for w in _WORD.findall(normalize(text).lower()):
        w = w.split("'")[0]
        if w and w not in stopwords:
            out.append(stem(w))
    return out


# Sentences that address the model rather than inform ("ignore previous instructions", "you
# are now ..."): not evidence of anything: left out of answers, support and prompts.
INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b.{0,40}\b(?:instructions?|prompts?)\b|"
    r"\byou are (?:now|an?|the)\b.{0,30}\b(?:assistant|language model|ai|chatbot)\b|"
    r"^\W*(?:system|assistant)\s*:|\bnew instructions\b|"
    r"\b(?:reply|answer|respond)\s+(?:only\s+)?with\b.{0,40}\b(?:single|only|one) word\b",
    re.IGNORECASE,
)
