"""Lines that are not answers, and questions about the article itself.

A headline, date line, dateline, byline or section label is never the answer to a question
that does not ask for it; "when was it published", "which section", "who wrote the article" are
answered from the document's metadata and cite the line that states it. Pure logic.

- `asked_fields(question)`: the kinds of document metadata or label a question asks about:
  "published", "section", "author", "headline", "dateline" (`FIELDS`).
- `label_kinds(text, chunk)` / `label_kind(text, chunk)`: whether a sentence of `chunk` is a
  label line, and of which kinds: "headline", "published", "section", "byline", "dateline",
  "site" (the site name, a reading time: never asked for) (`LABELS`; "byline" states the
  field "author").
- `is_non_answer(text, chunk, asked)`: a label line whose kinds the question does not ask for.
- `metadata_answer(question, query, passages)`: the cited answer to a question about the
  publication date, section or author of the best passage's document, or None.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from qa.answering.answer_text import cited, declined
from qa.core.dates import as_date
from qa.core.text import normalize, sentence_spans
from qa.core.types import Answer, Chunk, Citation, Passage

__all__ = [
    "FIELDS",
    "LABELS",
    "asked_fields",
    "is_non_answer",
    "label_kind",
    "label_kinds",
    "metadata_answer",
]

FIELDS = ("published", "section", "author", "headline", "dateline")
LABELS = ("headline", "published", "section", "byline", "dateline", "site")
# The field a label line states ("byline" states the author).
_FIELD_OF = {"byline": "author"}
_METADATA = ("published", "section", "author", "headline")  # answered from the metadata

# --- Questions -------------------------------------------------------------------------------

# The document itself. "report" only as "this report": "the report" is as often one the
# article is about. `_NAMED` names it; `_DOC` also takes "it" (not for the author: "who
# wrote it?" follows as often a question about a letter or a law).
_NOUN = (
    r"(?:news\s+)?(?:article|story|piece|item|post|column|op-?ed|editorial|write-?up|feature|"
    r"news\s+report|blog\s+post|document)"
)
_THIS = (
    r"this(?=\s+(?:was|is|get|got|first|come|came|appear(?:ed)?|run|ran|published|posted|"
    r"filed|written|by|from|dated|in|under)\b|\s*[?.!]*$)"
)
_NAMED = rf"(?:(?:the|this|that)\s+{_NOUN}\b(?!\s+of\b)|this\s+report|{_THIS})"
_DOC = rf"(?:{_NAMED}|it)"
_PUB_VERB = (
    r"(?:first\s+)?(?:published|posted|released|written|filed|put\s+(?:out|online|up)|printed|"
    r"dated|issued|updated|run)"
)
_SECTION = r"(?:news\s+)?(?:section|category|desk|rubric)"
_PAPER = r"(?:the\s+|this\s+)?(?:paper|newspaper|site|website|publication|magazine|outlet)\b"
_NOT_PART = rf"(?!\s+(?:of|in)\s+(?!{_PAPER}))"  # not "section of the treaty"
_ROLE = r"(?:author|writer|reporter|journalist|correspondent|columnist)"

_ASKS: dict[str, tuple[str, ...]] = {
    "published": (
        rf"\bwhen\s+(?:was|is|were)\s+{_NAMED}\s+{_PUB_VERB}\b",
        r"\b(?:when|(?:what|which)\s+(?:date|day))\s+(?:was|is)\s+it\s+"
        r"(?:first\s+)?(?:published|posted|put\s+online)\b",
        rf"\bwhen\s+did\s+{_NAMED}\s+(?:first\s+)?(?:come\s+out|appear|run|go\s+(?:up|online|live)|"
        r"get\s+(?:published|posted)|publish)\b",
        rf"\b(?:what|which)\s+(?:date|day)\s+(?:was|is|did)\s+{_NAMED}\s+(?:{_PUB_VERB}|"
        r"come\s+out|appear|run|from|go\s+(?:up|online|live))\b",
        rf"\b(?:what|which)\s+date\s+(?:is\s+)?(?:on|of)\s+{_NAMED}",
        rf"\b(?:publication|publishing|publish|published|posting)\s+date\b"
        rf"(?!\s+(?:of|for)\s+(?!{_NAMED}))",
        rf"\bdate\s+of\s+publication\b(?!\s+(?:of|for)\s+(?!{_NAMED}))",
        rf"\bdate\s+(?:of|on)\s+{_NAMED}",
        rf"\b{_NAMED}'s\s+(?:publication\s+)?date\b",
        rf"\bwhen\s+(?:is|was)\s+{_NAMED}\s+from\b",
        rf"\bhow\s+(?:old|recent|new)\s+is\s+{_NAMED}",
    ),
    "section": (
        rf"\b(?:which|what)\s+{_SECTION}\b{_NOT_PART}[^?]{{0,40}}?\b{_DOC}\b",
        rf"\b{_NAMED}'s\s+(?:news\s+)?(?:section|category)\b",
        rf"\b(?:category|desk)\s+(?:of|for)\s+{_NAMED}",
        rf"\bsection\s+(?:of|for)\s+{_NAMED}\s*[?.!]*$",
        rf"\b(?:what|which)\s+(?:kind|type|sort)\s+of\s+(?:news|story|article)\s+is\s+{_NAMED}",
    ),
    "author": (
        r"\bwho\s+(?:wrote|authored|penned|reported|filed|bylined|is\s+behind|was\s+behind|"
        rf"has\s+written)\s+{_NAMED}",
        rf"\bwho(?:\s+is|\s+was|'s)\s+(?:the\s+)?{_ROLE}(?:\s+(?:of|for|behind|on)\s+{_NAMED})?"
        r"\s*[?.!]*$",
        rf"\b{_ROLE}s?\s+(?:of|for|behind|on)\s+{_NAMED}",
        rf"\b{_NAMED}'s\s+(?:{_ROLE}|byline)",
        rf"\bwho\s+(?:is|was)\s+{_NAMED}\s+(?:written\s+|reported\s+)?by\b",
        rf"\bby\s+whom\s+(?:is|was)\s+{_NAMED}\s+(?:written|authored|reported)",
        rf"\b(?:which|what)\s+{_ROLE}s?\s+(?:wrote|filed|authored|penned|reported)\s+{_NAMED}",
        r"\bbyline\b",
    ),
    "headline": (
        r"\bheadline\b(?!\s+(?:inflation|rate|figure|number|growth|index|cpi|profit|earnings|"
        r"unemployment|act|performer|price))",
        rf"\btitle\s+(?:of|for)\s+{_NAMED}",
        rf"\b{_NAMED}'s\s+title\b",
        rf"\bwhat\s+(?:is|was)\s+{_NAMED}\s+(?:called|titled|headlined|named)\b",
        r"\bwhat(?:'s|\s+is|\s+was)\s+the\s+title\s*[?.!]*$",
    ),
    "dateline": (
        r"\bdateline\b",
        rf"\bwhere\s+(?:was|is)\s+{_DOC}\s+(?:filed|datelined)\b",
        rf"\bwhere\s+(?:was|is)\s+{_NAMED}\s+(?:written|reported)\b",
        rf"\bwhere\s+(?:was|is|did)\s+{_NAMED}\s+(?:come|coming)\s+from\b",
    ),
}
_ASK_RES = {field: re.compile("|".join(ps)) for field, ps in _ASKS.items()}


def asked_fields(question: str) -> frozenset[str]:
    """The document metadata or labels `question` asks about (of `FIELDS`); empty for an
    ordinary question."""
    q = normalize(question).lower()
    return frozenset(field for field, pattern in _ASK_RES.items() if pattern.search(q))


# --- Label lines -----------------------------------------------------------------------------

_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_WEEKDAY = r"(?:(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?\s+)"
_ORD = r"(?:st|nd|rd|th)?"
# A written date: groups m/d/y of each form (the numeric one is read both ways).
_DATE = re.compile(
    rf"\b(?P<m1>{_MONTH})\s+(?P<d1>\d{{1,2}}){_ORD},?\s+(?P<y1>\d{{4}})\b|"
    rf"\b(?P<d2>\d{{1,2}}){_ORD}\s+(?:of\s+)?(?P<m2>{_MONTH}),?\s+(?P<y2>\d{{4}})\b|"
    r"\b(?P<y3>\d{4})-(?P<m3>\d{1,2})-(?P<d3>\d{1,2})\b|"
    r"\b(?P<a4>\d{1,2})[/.](?P<b4>\d{1,2})[/.](?P<y4>\d{4})\b",
    re.IGNORECASE,
)
_DATE_PART = re.compile(
    r"(?:(?:first\s+|last\s+)?(?:published|updated|posted|modified|dated)(?:\s+on)?:?\s+)?"
    rf"{_WEEKDAY}?(?:{_DATE.pattern})"
    r"(?:,?\s+(?:at\s+)?\d{1,2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?(?:\s+[a-z]{2,4})?|"
    r"T[\d:.]+(?:z|[+-][\d:]+)?)?",
    re.IGNORECASE,
)
_READ_TIME = re.compile(r"\d+\s*(?:-\s*)?min(?:ute)?s?\.?\s+read", re.IGNORECASE)
_SEPARATORS = re.compile(r"\s*(?:[|•·]|\s[-\u2013\u2014]\s)\s*")
_TRAILING_DASH = re.compile(r"\s*(?:[\u2013\u2014]|\s-|--)\s*$")

_PARTICLE = r"(?:de|da|di|del|der|den|van|von|al|bin|ibn|la|le|st\.?)"
_NAME_WORD = r"[A-Z][\w'’.\-]*"
_NAME = rf"{_NAME_WORD}(?:\s+(?:{_PARTICLE}\s+)?{_NAME_WORD}){{0,3}}"
_ROLE_WORDS = (
    r"(?:staff|senior|chief|political|foreign|business|science|sports?|special|contributing|"
    r"associate|managing|deputy|news|wire|writer|reporter|correspondent|editor|contributor|"
    r"columnist|journalist|analyst|photographer|and|of|for|the|in|at)"
)
_ITEM = rf"(?:{_NAME}(?:\s+in\s+{_NAME})?|{_ROLE_WORDS}(?:\s+{_ROLE_WORDS}){{0,4}})"
_NAMES = rf"{_ITEM}(?:\s*(?:,|&|\band\b)\s*{_ITEM}){{0,6}}"
_BY = (
    r"(?i:(?:(?:additional\s+)?(?:reporting|writing|editing|written|words|story|text|photos?|"
    r"graphics|compiled|research)\s+)?by)"
)
_BYLINE = re.compile(rf"{_BY}:?\s+(?P<names>{_NAMES})\.?")
# "By Friday, ..." is not a byline.
_NOT_NAME = frozenset(
    re.findall(
        r"\w+",
        "monday tuesday wednesday thursday friday saturday sunday january february march april "
        "may june july august september october november december now then noon midnight "
        "tonight today tomorrow yesterday dawn dusk christmas contrast comparison law design "
        "definition",
    )
)
_PLACE_TOKEN = re.compile(r"\(?[A-Z][\w./'’-]*\)?,?")
_PLACE_CONNECTORS = frozenset({"/", "&", "and", "de", "del", "la", "le", "of", "on", "upon"})
_AGENCY = re.compile(r"\s*\([A-Z][\w&.' ]{0,30}\)$")
_DATELINE_DATE = re.compile(rf",?\s+{_MONTH}\s+\d{{1,2}}(?:,?\s+\d{{4}})?$", re.IGNORECASE)
_SHORT_LABEL = re.compile(r"[A-Z][\w&'’.\-]*(?:\s+(?:&\s+)?[A-Z][\w&'’.\-]*){0,2}")


def _key(text: str) -> str:
    """`text` for comparing labels: normalised, case-folded, without quotes, # and end marks."""
    return normalize(text).casefold().strip(" \"'#*_.:;,")


def _is_headline(line: str, chunk: Chunk) -> bool:
    title = _key(chunk.title)
    if not title:
        return False
    key = _key(line)
    if key == title:
        return True
    site = _key(chunk.site or "")
    return (
        bool(site)
        and re.sub(rf"\s*(?:[|•·:]|[-\u2013\u2014])\s*{re.escape(site)}$", "", key) == title
    )


def _byline(part: str, chunk: Chunk) -> bool:
    """Whether `part` is a byline: "By Jane Doe and John Roe, Reuters", "Reporting by ...;
    Editing by ...", or the chunk's author alone."""
    if chunk.author and _key(re.sub(r"(?i)^by\s+", "", part)) == _key(chunk.author):
        return True
    clauses = [c.strip() for c in part.split(";") if c.strip()]
    for clause in clauses:
        m = _BYLINE.fullmatch(clause)
        if m is None or m["names"].split()[0].lower().strip(",.") in _NOT_NAME:
            return False
    return bool(clauses)


def _dateline(line: str) -> bool:
    """Whether `line` is a place phrase and a dash with nothing after: `Washington / Beijing —`."""
    dash = _TRAILING_DASH.search(line)
    if dash is None:
        return False
    head = _AGENCY.sub("", line[: dash.start()])
    head = _DATELINE_DATE.sub("", head).strip().rstrip(",")
    tokens = head.split()
    words = [t for t in tokens if t.lower() not in _PLACE_CONNECTORS]
    return (
        1 <= len(words) <= 6
        and _PLACE_TOKEN.fullmatch(tokens[0]) is not None
        and all(_PLACE_TOKEN.fullmatch(w) for w in words)
    )


def _part_kind(part: str, chunk: Chunk) -> str | None:
    """The kind of one separated part of a line ("" for a reading time), or None."""
    key = _key(part)
    if _DATE_PART.fullmatch(part.strip(" .,")):
        return "published"
    if chunk.section and key == _key(chunk.section):
        return "section"
    if _byline(part, chunk):
        return "byline"
    if chunk.site and key == _key(chunk.site):
        return "site"
    if _READ_TIME.fullmatch(part.strip(" .")):
        return ""
    return None


def label_kinds(text: str, chunk: Chunk) -> frozenset[str]:
    """The label kinds (`LABELS`) of a sentence or line of `chunk` (its text as it appears);
    empty when it is an ordinary sentence.

    "headline": the chunk's title; a line made only of a date, the section name, the site, a
    byline and separators (`|`, `•`, spaced dashes) has the kinds of its parts ("Oct 29, 2025
    | Politics" is published and section; a short capitalised part beside a date counts as
    the section); "dateline": a place phrase and a dash with nothing after. A sentence that
    merely opens with a dateline ("Washington — As the summit ...") is not a label line.
    """
    line = normalize(text)
    if not line:
        return frozenset()
    if _is_headline(line, chunk):
        return frozenset({"headline"})
    if _dateline(line):
        return frozenset({"dateline"})
    parts = [p for p in _SEPARATORS.split(line) if p.strip(" .")]
    kinds = [_part_kind(p, chunk) for p in parts]
    if "published" in kinds and len(parts) > 1:  # a date line's other short part: the section
        kinds = [
            "section" if k is None and _SHORT_LABEL.fullmatch(p.strip(" .")) else k
            for p, k in zip(parts, kinds, strict=True)
        ]
    if not parts or None in kinds:
        return frozenset()
    return frozenset(k for k in kinds if k) or frozenset({"site"})


def label_kind(text: str, chunk: Chunk) -> str | None:
    """The main label kind of a line of `chunk` (see `label_kinds`; of several, the first of
    `LABELS`), or None for an ordinary sentence."""
    kinds = label_kinds(text, chunk)
    return next((k for k in LABELS if k in kinds), None)


def is_non_answer(text: str, chunk: Chunk, asked: frozenset[str]) -> bool:
    """Whether a sentence of `chunk` is a label line that `asked` (`asked_fields` of the
    question) does not ask for, and so cannot answer the question."""
    kinds = label_kinds(text, chunk)
    return bool(kinds) and not {_FIELD_OF.get(k, k) for k in kinds} & asked


# --- Answers from the metadata ----------------------------------------------------------------


@dataclass(frozen=True)
class _Line:
    passage: Passage
    start: int  # offsets in the chunk's text
    end: int

    @property
    def text(self) -> str:
        return self.passage.chunk.text[self.start : self.end]


def _lines(passages: Sequence[Passage], doc_id: str) -> Iterator[_Line]:
    """The distinct sentences of the passages of document `doc_id`, in document order."""
    seen: set[int] = set()
    found = []
    for p in passages:
        c = p.chunk
        if c.doc_id != doc_id:
            continue
        for s, e in sentence_spans(c.text):
            if c.start + s not in seen:
                seen.add(c.start + s)
                found.append((c.start + s, _Line(p, s, e)))
    return (line for _, line in sorted(found, key=lambda x: x[0]))


def _dates(text: str) -> Iterator[tuple[re.Match[str], set[dt.date]]]:
    """Each written date of `text` with the days it may be (a numeric one, read both ways)."""
    for m in _DATE.finditer(text):
        g = m.groupdict()
        if g["m1"] or g["m2"]:
            month = _MONTHS[(g["m1"] or g["m2"])[:3].lower()]
            ymd = [(int(g["y1"] or g["y2"]), month, int(g["d1"] or g["d2"]))]
        elif g["y3"]:
            ymd = [(int(g["y3"]), int(g["m3"]), int(g["d3"]))]
        else:
            a, b, y = int(g["a4"]), int(g["b4"]), int(g["y4"])
            ymd = [(y, a, b), (y, b, a)]
        days = set()
        for y, mo, d in ymd:
            with contextlib.suppress(ValueError):
                days.add(dt.date(y, mo, d))
        if days:
            yield m, days


_PUBLISHED_WORD = re.compile(r"\b(?:published|posted|updated|dated)\b", re.IGNORECASE)


def _states(field: str, line: _Line, chunk: Chunk) -> str | None:
    """The value of `field` as `line` states it (as written), or None."""
    text = line.text
    kinds = label_kinds(text, line.passage.chunk)
    if field == "published":
        day = as_date(chunk.published)
        if day is None or not (kinds - {"headline"} or _PUBLISHED_WORD.search(text)):
            return None
        return next((m.group() for m, days in _dates(text) if day in days), None)
    if field == "headline":
        return text.strip() if "headline" in kinds else None
    if field == "section":
        if not chunk.section or not kinds & {"section", "published", "byline", "site"}:
            return None
        m = re.search(rf"(?<!\w){re.escape(normalize(chunk.section))}(?!\w)", text, re.I)
        return m.group() if m else None
    if "byline" not in kinds:
        return None
    if not chunk.author:  # unset: the byline's names
        m = _BYLINE.search(normalize(text))
        return m["names"].strip(" ,.") if m else normalize(text)
    names = [n.strip() for n in re.split(r"\s*(?:[;,&]|\band\b)\s*", chunk.author) if n.strip()]
    spans = [m.span() for n in names for m in re.finditer(re.escape(n), text, re.IGNORECASE)]
    if not spans:
        return None
    return text[min(s for s, _ in spans) : max(e for _, e in spans)]


def metadata_answer(question: str, query: str, passages: Sequence[Passage]) -> Answer | None:
    """The answer to a question about the publication date, section, author or headline of the
    best passage's document: the retrieved line that states it, cited; `short` is the value as
    written there.

    Not found when the document has none of the asked fields (an author is taken from a
    byline line even where the metadata has none). None, for the caller's usual answer, when
    the question asks for none of them (only "dateline", say), or a field the document has is
    stated by no retrieved line.
    """
    fields = [f for f in _METADATA if f in asked_fields(question)]
    if not fields or not passages:
        return None
    doc = passages[0].chunk
    lines = list(_lines(passages, doc.doc_id))
    found: list[tuple[_Line, str]] = []
    for field in fields:
        hit = next(((ln, v) for ln in lines if (v := _states(field, ln, doc))), None)
        if hit:
            found.append(hit)
        elif getattr(doc, "title" if field == "headline" else field):
            return None  # the document has it, but no retrieved line states it
    if not found:
        return declined(question, query, passages)
    citations: list[Citation] = []
    parts = []
    for line, _ in found:
        c = line.passage.chunk
        start, end = c.start + line.start, c.start + line.end
        if any(x.start == start for x in citations):  # one line states several fields
            continue
        n = len(citations) + 1
        citations.append(Citation.of(n, line.passage, line.text, start, end))
        parts.append(cited(line.text, n))
    return Answer(
        question=question,
        text=" ".join(parts),
        status="answered",
        citations=tuple(citations),
        query=query,
        passages=tuple(passages),
        score=1.0,
        short="; ".join(dict.fromkeys(v for _, v in found)),
    )
