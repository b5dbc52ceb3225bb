"""Run a labelled question set through `QA` (and the baseline recipe) and score every answer."""

from __future__ import annotations

import time
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.settings import Settings
from core.types import SourceDocument
from qa.evaluation.questions import Asker, EvalQuestion, ask_question, load_questions
from qa.evaluation.scoring import Scored, score_answer, summarize
from qa.evaluation.splits import Split, in_split
from qa.store.embeddings import EmbeddingModel

__all__ = ["EvalRun", "SystemRun", "load_corpus", "run_eval"]


@dataclass(frozen=True)
class SystemRun:
    """One system's answers to a question set, scored."""

    name: str
    results: tuple[Scored, ...]
    summary: dict[str, float]
    ingest_seconds: float = 0.0
    chunks: int = 0
    documents: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "name": self.name,
            "summary": self.summary,
            "ingest": {
                "seconds": self.ingest_seconds,
                "chunks": self.chunks,
                "documents": self.documents,
            },
            "results": [r.to_dict() for r in self.results],
        }


@dataclass(frozen=True)
class EvalRun:
    """A question set's evaluation: our system, and the baseline when asked for."""

    questions: str
    systems: tuple[SystemRun, ...]
    settings: dict[str, Any] = field(default_factory=dict)
    started: str = ""


def load_corpus(paths: Sequence[Path]) -> list[SourceDocument]:
    """Documents from JSONL files (`doc_id`, `title`, `text`) and/or files and folders."""
    from ingest.loaders import load_jsonl_documents, load_paths

    docs: list[SourceDocument] = []
    files = [p for p in paths if p.suffix != ".jsonl"]
    for p in paths:
        if p.suffix == ".jsonl":
            docs.extend(load_jsonl_documents(p))
    if files:
        docs.extend(load_paths(files)[0])
    return docs


def _sources_of_store(qa: Any) -> dict[str, str]:
    """Source texts of the documents in a configured store: the texts kept beside it, else
    (a store from before they were kept) read again from their files."""
    from ingest.loaders import load_file, load_jsonl_documents

    out: dict[str, str] = {}
    jsonl: dict[str, dict[str, str]] = {}
    for info in qa.documents():
        kept = qa.store.texts.get(info.doc_id)
        if kept is not None:
            out[info.doc_id] = kept
            continue
        path, _, doc_id = info.source.partition("#")
        try:
            if doc_id:
                if path not in jsonl:
                    jsonl[path] = {d.doc_id: d.text for d in load_jsonl_documents(Path(path))}
                out[info.doc_id] = jsonl[path].get(doc_id, "")
            else:
                out[info.doc_id] = load_file(Path(path)).text
        except Exception:  # a source file that is gone leaves its quotes unverifiable
            out[info.doc_id] = ""
    return out


def _ask_all(
    asker: Asker,
    questions: Sequence[EvalQuestion],
    sources: dict[str, str],
    progress: bool | None,
    desc: str,
) -> list[Scored]:
    from tqdm.auto import tqdm

    results = []
    for q in tqdm(
        questions, desc=desc, unit="q", disable=None if progress is None else not progress
    ):
        t0 = time.perf_counter()
        answer = ask_question(asker, q)
        ms = (time.perf_counter() - t0) * 1000
        results.append(score_answer(q, answer, sources, ms))
    return results


def _system_name(llm: str | None) -> str:
    if not llm:
        return "cited-qa"
    from qa.llm.models import parse_llm_spec

    spec = parse_llm_spec(llm)
    return f"cited-qa + {Path(spec.target).name if spec.kind == 'llamacpp' else spec.model}"


def run_eval(
    questions_path: Path,
    settings: Settings,
    *,
    docs: Sequence[SourceDocument] | None = None,
    embeddings: EmbeddingModel | None = None,
    baseline: bool = False,
    llm: str | None = None,
    limit: int | None = None,
    split: Split | None = None,
    progress: bool | None = None,
) -> EvalRun:
    """Evaluate `QA` on a question set; with `docs`, in a temporary store holding just them
    (`qa.evaluation.scratch`, removed at the end).

    The first system answers as `settings` say (extractive unless `settings.llm`); with `llm`
    the same questions also go through that LLM answerer, on the same store; with `baseline`
    through the stock LangChain recipe. `split` keeps to one half of an external set
    (`qa.evaluation.splits`: the docs' figures come from the `report` half).
    """
    with ExitStack() as temporary:  # the temporary stores are removed at the end
        return _run(
            questions_path,
            settings,
            temporary,
            docs=docs,
            embeddings=embeddings,
            baseline=baseline,
            llm=llm,
            limit=limit,
            split=split,
            progress=progress,
        )


def _run(
    questions_path: Path,
    settings: Settings,
    temporary: ExitStack,
    *,
    docs: Sequence[SourceDocument] | None,
    embeddings: EmbeddingModel | None,
    baseline: bool,
    llm: str | None,
    limit: int | None,
    split: Split | None,
    progress: bool | None,
) -> EvalRun:
    from datetime import UTC, datetime

    from qa.evaluation.scratch import scratch_folder, scratch_qa
    from qa.service import QA, load_embeddings
    from qa.store.client import open_client

    started = datetime.now(UTC).isoformat(timespec="seconds")
    questions = in_split(load_questions(questions_path), split)[:limit]
    embeddings = embeddings or load_embeddings(settings)
    ingest_s, n_chunks, n_docs = 0.0, 0, 0
    if docs is not None:
        scratch = temporary.enter_context(
            scratch_qa(
                docs, settings.with_(collection="eval"), embeddings=embeddings, progress=progress
            )
        )
        qa, settings = scratch.qa, scratch.qa.settings
        ingest_s, n_chunks = scratch.ingest_seconds, scratch.report.chunks_embedded
        n_docs = len(docs)
        sources = {d.doc_id: d.text for d in docs}
    else:
        qa = QA.from_settings(settings, embeddings=embeddings)
        sources = _sources_of_store(qa)
    if llm:  # the first column is then the extractive answerer, whatever QA_LLM says
        qa = QA(qa.store, embeddings, settings=settings.with_(llm=None))
    first = _system_name(qa.settings.llm)
    ours = _ask_all(qa, questions, sources, progress, first)
    systems = [SystemRun(first, tuple(ours), summarize(ours), ingest_s, n_chunks, n_docs)]
    if llm:
        with_llm = QA(qa.store, embeddings, settings=settings.with_(llm=llm))
        scored = _ask_all(with_llm, questions, sources, progress, "with LLM")
        systems.append(
            SystemRun(_system_name(llm), tuple(scored), summarize(scored), 0.0, n_chunks, n_docs)
        )
    if baseline:
        from qa.evaluation.baseline import BaselineQA

        corpus = list(docs) if docs is not None else []
        if not corpus:
            raise ValueError("--baseline needs --docs: the recipe ingests the documents itself")
        folder = temporary.enter_context(scratch_folder("qa-eval-base-"))
        client = open_client(settings.with_(persist_dir=folder, chroma_url=None), create=True)
        t0 = time.perf_counter()
        # The stock recipe, given the same k as ours, so retrieval figures compare like for like.
        base = BaselineQA(client, embeddings, corpus, k=settings.top_k)
        base_s = time.perf_counter() - t0
        scored = _ask_all(base, questions, sources, progress, "baseline")
        systems.append(
            SystemRun(
                "LangChain recipe",
                tuple(scored),
                summarize(scored),
                base_s,
                base.n_chunks,
                len(corpus),
            )
        )
    from qa.answering.ranker import RankerModel

    model = RankerModel.load()
    used = {
        "top_k": settings.top_k,
        "retrieval": settings.retrieval,
        "min_score": model.answer_at if settings.min_score is None else settings.min_score,
        "decline_score": (
            model.decline_below if settings.decline_score is None else settings.decline_score
        ),
        "min_support": settings.min_support,
        "llm": llm or settings.llm,
    }
    return EvalRun(str(questions_path), tuple(systems), used, started)
