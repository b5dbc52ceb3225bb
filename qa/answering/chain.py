"""The answering chain: validate and condense, retrieve, answer — LangChain Runnables."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any, TypedDict

from langchain_core.runnables import Runnable, RunnableConfig, RunnableLambda

from core.dates import as_date, combine, parse_day, relative_window, strip_phrase
from core.duplicates import fold_passages
from core.errors import ConfigError, QuestionError
from core.limits import MAX_QUESTION_CHARS, MAX_TOP_K, MIN_TOP_K
from core.settings import DEFAULT_FOLD_SIMILARITY
from core.types import Answer, DateWindow, Passage
from qa.answering.chain_state import Prepared, QueryVector, Retrieved
from qa.answering.conversation import HISTORY_TURNS, condense_query
from qa.answering.protocols import (
    Answerer,
    PassageSearch,
    QueryRewriter,
    ReusesQueryVector,
    SearchesByVector,
    StreamingAnswerer,
    StreamsWithQueryVector,
)

__all__ = [
    "AnswerStep",
    "QAInput",
    "build_chain",
    "date_windows",
    "recent_history",
    "text_pieces",
    "validate_question",
]

_PIECE = re.compile(r"\s*\S+\s*")
# "latest": the newest date among the passages at least this share as close (cosine) as the
# closest one, so that a newer story on another subject does not decide it.
LATEST_MARGIN = 0.8


class QAInput(TypedDict, total=False):
    """Input of the chain; a plain string is taken as `{"question": ...}`.

    `since` and `until` (ISO dates or `date`s) keep to documents published within them;
    `as_of` (default: today) is the date that relative time in the question is resolved
    against ("this week", "latest").
    """

    question: str
    history: Sequence[str | Answer]
    k: int
    since: str | dt.date | None
    until: str | dt.date | None
    as_of: str | dt.date | None


def date_windows(
    question: str, data: Mapping[str, object]
) -> tuple[DateWindow | None, DateWindow | None]:
    """The window of `since`/`until` in `data` and the window of the question's relative time
    (resolved against `as_of`, default today); `ConfigError` for a value that is no date or a
    `since` after `until`."""
    since = parse_day(data.get("since"), "since")  # type: ignore[arg-type]
    until = parse_day(data.get("until"), "until")  # type: ignore[arg-type]
    as_of = parse_day(data.get("as_of"), "as_of") or dt.date.today()  # type: ignore[arg-type]
    if since and until and since > until:
        raise ConfigError(f"since {since} is after until {until}: swap them")
    explicit = DateWindow(since, until) if since or until else None
    return explicit, relative_window(question, as_of)


def validate_question(question: object, max_chars: int, *, what: str = "the question") -> str:
    """The question stripped, or `QuestionError` when it is empty or too long (`what` names it
    in the message)."""
    if not isinstance(question, str):
        raise QuestionError(f"{what} must be text, got {type(question).__name__}")
    q = question.strip()
    if not q:
        raise QuestionError(f"{what} is empty: type a question about the documents")
    if len(q) > max_chars:
        raise QuestionError(
            f"{what} is {len(q)} characters long; the limit is {max_chars} "
            "(shorten it, or raise QA_MAX_QUESTION_CHARS)"
        )
    return q


def recent_history(history: Sequence[str | Answer], max_chars: int) -> list[str]:
    """The earlier questions a follow-up may lean on: the last `HISTORY_TURNS` non-empty ones,
    stripped, oldest first; `QuestionError` when one of them is over `max_chars`, as for the
    question. Older turns are not read at all."""
    texts = [h.question if isinstance(h, Answer) else str(h) for h in history]
    kept = [t for t in texts if t.strip()][-HISTORY_TURNS:]
    return [validate_question(t, max_chars, what="an earlier question") for t in kept]


def text_pieces(text: str) -> Iterator[str]:
    """`text` in word-sized pieces (with their spacing) that join back to exactly `text`."""
    pos = 0
    for m in _PIECE.finditer(text):
        yield text[pos : m.end()]
        pos = m.end()
    if pos < len(text):
        yield text[pos:]


class AnswerStep(Runnable[Retrieved, Answer]):
    """The last step of the chain: `invoke` returns the `Answer`; `stream` yields the answer
    text in pieces as the answerer writes it, then the finished `Answer` (with its citations).

    A `StreamingAnswerer` streams for real; for any other (the extractive answerer has its
    whole answer at once), the text is cut into words. An answerer that reuses the query's
    vector (`ReusesQueryVector`, `StreamsWithQueryVector`) is given the one retrieval made.
    """

    name = "answer"

    def __init__(self, answerer: Answerer) -> None:
        self.answerer = answerer

    @staticmethod
    def _timed(result: Answer, state: Retrieved) -> Answer:
        timings = state.timings(time.perf_counter())
        return replace(result, timings=timings, window=state.window)

    def _answer(self, state: Retrieved) -> Answer:
        p, passages, vector = state.prepared, state.passages, state.vector
        if vector is not None and isinstance(self.answerer, ReusesQueryVector):
            result = self.answerer.answer_with_vector(p.question, p.query, passages, vector)
        else:
            result = self.answerer.answer(p.question, p.query, passages)
        return self._timed(result, state)

    def _written(self, state: Retrieved) -> Iterator[str | Answer] | None:
        """The answerer's own stream of pieces, or None when it does not stream."""
        p, passages, vector = state.prepared, state.passages, state.vector
        if vector is not None and isinstance(self.answerer, StreamsWithQueryVector):
            return self.answerer.stream_with_vector(p.question, p.query, passages, vector)
        if isinstance(self.answerer, StreamingAnswerer):
            return self.answerer.stream(p.question, p.query, passages)
        return None

    def _pieces(self, states: Iterator[Retrieved]) -> Iterator[Any]:
        for state in states:
            pieces = self._written(state)
            if pieces is None:
                result = self._answer(state)
                yield from text_pieces(result.text)
                yield result
                continue
            for piece in pieces:
                yield self._timed(piece, state) if isinstance(piece, Answer) else piece

    def invoke(
        self, input: Retrieved, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Answer:
        """The finished `Answer`."""
        return self._call_with_config(self._answer, input, config)

    def transform(
        self,
        input: Iterator[Retrieved],
        config: RunnableConfig | None = None,
        **kwargs: Any,
    ) -> Iterator[Any]:
        """Text pieces (`str`), then the `Answer`."""
        yield from self._transform_stream_with_config(input, self._pieces, config)

    def stream(
        self, input: Retrieved, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Any]:
        """Text pieces (`str`), then the `Answer`."""
        yield from self.transform(iter([input]), config, **kwargs)


def build_chain(
    retriever: PassageSearch,
    answerer: Answerer,
    *,
    max_question_chars: int = MAX_QUESTION_CHARS,
    rewrite: QueryRewriter = condense_query,
    fold_similarity: float = DEFAULT_FOLD_SIMILARITY,
) -> Runnable[str | QAInput, Answer]:
    """`prepare | retrieve | answer`, returning a typed `Answer` with timings; the steps pass
    `Prepared` and `Retrieved` (`qa.answering.chain_state`).

    `rewrite(question, history)` makes the retrieval query (default: `condense_query`).
    Retrieval keeps to the dates of `since`/`until`, and prefers those of the question's
    relative time: its window when any passage is published there, else all dates; "latest"
    is the window from the newest date among the closest passages to `as_of`. The words of
    relative time are left out of the query (they filter; no text says "yesterday" of
    itself). With a retriever that takes the query's vector (`SearchesByVector`), the query
    is embedded once; every search and the answerer use that vector. Passages at least
    `fold_similarity` alike are folded into the best-ranked one (`core.duplicates`).
    `chain.stream(...)` yields the answer text in pieces (`str`), then the `Answer`.
    """

    def prepare(inp: str | Mapping[str, Any]) -> Prepared:
        data = {"question": inp} if isinstance(inp, str) else dict(inp)
        question = validate_question(data.get("question"), max_question_chars)
        history = recent_history(data.get("history") or (), max_question_chars)
        k = data.get("k", retriever.k)
        if isinstance(k, bool) or not isinstance(k, int) or not MIN_TOP_K <= k <= MAX_TOP_K:
            raise ConfigError(
                f"k must be a whole number from {MIN_TOP_K} to {MAX_TOP_K}, got {k!r}"
            )
        explicit, relative = date_windows(question, data)
        query = rewrite(strip_phrase(question, relative), history)
        return Prepared(question, query, k, explicit, relative, time.perf_counter())

    def retrieve(state: Prepared) -> Retrieved:
        vector = None
        if isinstance(retriever, SearchesByVector):  # the one embedding of the query
            vector = QueryVector.embed(state.query, retriever.embeddings)

        def search(window: DateWindow | None) -> list[Passage]:
            n = min(2 * state.k, MAX_TOP_K)
            if vector is not None and isinstance(retriever, SearchesByVector):
                found = retriever.search_by_vector(state.query, vector.values, n, window)
            else:
                found = retriever.search(state.query, n, window)
            return fold_passages(found, state.k, fold_similarity)

        explicit, relative = state.explicit, state.relative
        window = combine(explicit, relative)
        if relative is not None and relative.latest:
            found = search(window)
            top = max((p.score for p in found), default=0.0)
            close = [as_date(p.chunk.published) for p in found if p.score >= LATEST_MARGIN * top]
            window = combine(DateWindow(max((d for d in close if d), default=None)), window)
        passages = search(window)
        if not passages and relative is not None:  # nothing then: prefer, don't require
            window = explicit
            passages = search(window)
        return Retrieved(state, vector, tuple(passages), window or None, time.perf_counter())

    chain = (
        RunnableLambda(prepare, name="prepare")
        | RunnableLambda(retrieve, name="retrieve")
        | AnswerStep(answerer)
    )
    return chain.with_config(run_name="cited_qa")
