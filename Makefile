# cited-qa: `make run` (venv, install, ingest seeds/, chat UI) and `make test`.
VENV   ?= .venv
PY     := $(VENV)/bin/python
PORT   ?= 8501
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: run install install-llm ingest test lint browser bench screenshots clean

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

# The llm extra (llama-cpp-python builds from source, about 7 minutes): for `make test`, and
# for written answers (QA_LLM); `make run` does not need it.
$(VENV)/.installed-llm: $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[test,llm,test-llm]'
	touch $@

install: $(VENV)/.installed

install-llm: $(VENV)/.installed-llm

ingest: install
	$(VENV)/bin/qa ingest seeds/

run: ingest
	$(VENV)/bin/streamlit run ui/app.py --server.address 127.0.0.1 --server.port $(PORT)

lint: install
	$(VENV)/bin/ruff check .

browser:
	bash scripts/ensure-chromium.sh

test: lint browser install-llm
	$(PY) -m pytest

# The README's screenshots, made by the real-browser tests.
screenshots: install browser
	$(PY) -m pytest -q tests/ui/test_browser.py
	cp artifacts/chat.png artifacts/documents.png docs/

bench: install
	$(PY) bench/bench_core.py

clean:
	rm -rf $(VENV) .pytest_cache artifacts
