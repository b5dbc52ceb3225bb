# cited-qa: `make run` (venv, install, ingest seeds/, chat UI) and `make test`;
# `make check` is the fast inner loop while developing.
VENV   ?= .venv
PY     := $(VENV)/bin/python
PORT   ?= 8501
API_PORT ?= 8000
# mkdocs: no --quiet, which would also hide the warnings that --strict fails on; quiet about
# the theme's notice of its successor instead.
MKDOCS := NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: run serve install install-llm clean-llm ingest test check lint docs browser bench bench-api \
	screenshots clean train-reranker fit-ranker fit-relevance ablation

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	$(PY) -m qa.store.onnx_model  # the embedding model's ONNX export, once (kept in QA_MODELS_DIR)
	touch $@

install: $(VENV)/.installed

# The llm extra, for `make test` and written answers (QA_LLM); `make run` does not need it.
# llama-cpp-python is built from source *portably* (the flags, and the LLAMA_NATIVE=1 opt-in,
# are in the script); it is built again only when its version or the flags change.
install-llm: install
	VENV=$(VENV) bash scripts/install-llm.sh

# Remove the llama.cpp build and its cached wheel (e.g. a native build from before the
# portable flags), so that the next `make install-llm` builds it again.
clean-llm:
	-$(PY) -m pip uninstall --quiet -y llama-cpp-python
	rm -f $(VENV)/.installed-llm
	rm -rf $${XDG_CACHE_HOME:-$$HOME/.cache}/cited-qa/llama-wheels

ingest: install
	$(VENV)/bin/qa ingest seeds/

run: ingest
	$(VENV)/bin/streamlit run ui/app.py --server.address 127.0.0.1 --server.port $(PORT)

# The HTTP API (FastAPI on uvicorn) on 127.0.0.1; docs at http://127.0.0.1:$(API_PORT)/docs.
serve: ingest
	$(VENV)/bin/qa serve --host 127.0.0.1 --port $(API_PORT)

# ruff (lint and format), mypy on qa, ingest, ui and api, the layers contract of
# pyproject.toml (a wrong-way import fails), and the docs site built with --strict (a broken
# page link or anchor fails).
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	$(MKDOCS) build --strict

# The docs site (docs/, mkdocs.yml) on http://127.0.0.1:$(DOCS_PORT), rebuilt on each change.
DOCS_PORT ?= 8001
docs: install
	$(MKDOCS) serve --dev-addr 127.0.0.1:$(DOCS_PORT)

browser:
	bash scripts/ensure-chromium.sh

test: lint browser install-llm
	$(PY) -m pytest

# The fast inner loop: the linters and the tests that need no model, server or browser.
check: lint
	$(PY) -m pytest -q -m "not slow and not browser"

# The screenshots in docs/ (README and docs site), made by the real-browser tests.
screenshots: install browser
	$(PY) -m pytest -q tests/ui/test_browser.py
	cp artifacts/chat.png artifacts/documents.png docs/

# Warm query latency and ingest beside the LangChain recipe, then whole processes (cold `qa ask`,
# ingest of 1,000 files, ingests with nothing to embed) for the ONNX and torch backends.
bench: install
	$(PY) bench/bench_core.py
	$(PY) bench/bench_cold.py

# The store at 100k chunks (synthetic vectors, real texts), built once and cached in
# ~/.cache/cited-qa/bench-scale/; prints figures beside the old code's in the same run.
.PHONY: bench-scale
bench-scale: install
	$(PY) bench/bench_scale.py

# 1 client, then 8 at once for 60 s, against `qa serve` on 127.0.0.1 (bounded in time and count).
bench-api: install
	$(PY) bench/bench_api.py

# The cross-encoder reranker, trained here from open data (SelQA, QNLI dev; read from
# ../shared/data, never copied): variants compared on validation splits, the best exported to
# ONNX int8 into qa/answering/models/ with its provenance (about 50 minutes on 2 cores).
# Then refit the answerer's ranker on it (fit-ranker) and measure (ablation).
DATA ?= ../shared/data
train-reranker: install
	$(PY) training/train_reranker.py --data $(DATA)

# The answerer's logistic ranker, answerability model and thresholds, on the fit halves of the
# SQuAD 2.0 and HotpotQA samples (about 10 minutes): the default (no cross-encoder) and the
# one for QA_RERANKER=cross-encoder, from one collection of features.
fit-ranker: install
	D=$$(mktemp -d) && $(PY) bench/fit_ranker.py --cache $$D \
		--out qa/answering/ranker-cross-encoder.json && \
	$(PY) bench/fit_ranker.py --cache $$D --exclude ce --out qa/answering/ranker.json && \
	rm -rf $$D

# The LLM path's relevance floor (below it: declined without asking the model), on the fit
# halves of the same sets, each asked of its own documents and of the other's (~10 minutes).
fit-relevance: install
	CITED_QA_DATA=$(DATA) $(PY) bench/fit_relevance.py

# Each lever's effect on the seed set, the report halves, SelQA report articles and WikiQA test.
ablation: install
	$(PY) bench/ablation.py

clean:
	rm -rf $(VENV) .pytest_cache artifacts site
