# wrans: search over UK Parliament written answers.
# `make run` and `make test` are all a newcomer needs; `make help` lists the rest.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
SIZE   ?= 100000
RELEVANCE_SIZES ?= 100000,300000
DURATION ?= 30
CLIENTS  ?= 8
WORKERS  ?= 2
# One sync worker per core: more only queue on the CPU (docs/performance.md, "Workers").
SERVE_WORKERS ?= $(shell nproc 2>/dev/null || echo 2)
export PORT

.DEFAULT_GOAL := help
.PHONY: help install run index update serve test test-fast lint bench bench-relevance screenshots loadtest clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml setup.py indexer/engine/_block_reader.c | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

$(VENV)/.installed-bench: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	touch $@

# axe-core for the browser tests, pinned by package-lock.json (npm writes the marker file).
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

install: $(VENV)/.installed ## create .venv and install wrans

index: install ## index new and changed records from scraped/ (builds the index the first time)
	$(BIN)/python -m indexer.cli index

update: install ## fetch what is new or corrected from the API and index it (what cron runs)
	$(BIN)/python -m indexer.cli update

run: index ## install, index the bundled sample, serve on http://127.0.0.1:$(PORT)
	$(BIN)/python -m indexer.cli serve --port $(PORT)

serve: index ## serve with gunicorn sync workers, one per core (production; SERVE_WORKERS=N)
	$(BIN)/python -m indexer.cli serve --port $(PORT) --workers $(SERVE_WORKERS)

test: $(VENV)/.installed-test node_modules/.package-lock.json ## run the whole test suite, browser tests included
	$(BIN)/python -m pytest -q

screenshots: $(VENV)/.installed-test ## save screenshots of the home, results and answer pages into docs/screenshots
	WRANS_SCREENSHOTS_DIR=docs/screenshots $(BIN)/python -m pytest -q tests/browser/test_screenshots.py

test-fast: $(VENV)/.installed-test ## run the tests that need no browser
	$(BIN)/python -m pytest -q -m "not browser"

lint: $(VENV)/.installed-test ## check style with ruff
	$(BIN)/python -m ruff check indexer webapp tests bench loadtest

bench: $(VENV)/.installed-bench ## benchmark build, update, search and web against SQLite FTS5 and tantivy (SIZE=100000; ~25 min)
	nice -n 10 $(BIN)/python -m bench.run --size $(SIZE)

bench-relevance: install ## known items among 100k and 300k answers: wrans vs FTS5 ranking (RELEVANCE_SIZES=1000000)
	nice -n 10 $(BIN)/python -m bench.relevance --sizes $(RELEVANCE_SIZES)

loadtest: install ## load gunicorn on loopback with normal and hostile requests (DURATION=30 CLIENTS=8 WORKERS=2)
	nice -n 10 $(BIN)/python -m loadtest.run --duration $(DURATION) --clients $(CLIENTS) --workers $(WORKERS)

clean: ## remove the virtualenv, the index and caches
	rm -rf $(VENV) var node_modules .pytest_cache .ruff_cache .hypothesis *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
