"""Questions about the article itself: which of its metadata or label lines a question asks
for ("when was this article published", "which section is the story in", "who wrote this
piece", "what is the headline"). The patterns are general English and deliberately narrow
("who wrote it?" may be about a letter). Pure logic.
"""

from __future__ import annotations

import re

from core.text import normalize

__all__ = ["FIELDS", "asked_fields"]

FIELDS = ("published", "section", "author", "headline", "dateline")

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
