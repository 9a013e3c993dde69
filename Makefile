# Set-up and everyday commands. `make demo` and `make test` do all set-up on a fresh machine.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PYTEST_ARGS ?=

.PHONY: demo test browser lint translations benchmark wrk screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-app: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.installed-app

## demo: the tool on SQLite with the built-in demo LMS on http://127.0.0.1:5000/demo/
## (another port: make demo DEMO_PORT=5001)
demo: $(VENV)/.installed-app
	$(BIN)/flask --app lti_tool demo $(if $(DEMO_PORT),--port $(DEMO_PORT))

## test: the whole suite (SQLite; PostgreSQL too when LTI_TOOL_DATABASE_URL is set).
## Compiled modules are kept (in the ignored __pycache__ folders) even where the environment
## sets PYTHONDONTWRITEBYTECODE: each test process and each gunicorn or job worker a test
## starts would otherwise compile the tool and the tests again (~2 s per test process).
test: $(VENV)/.installed-test browser node_modules/.installed
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -n auto $(PYTEST_ARGS)

## browser: Debian's Chromium for the browser tests (never a downloaded browser)
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium; }

## node_modules: front-end test tools (axe-core) from the committed lock file
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

lint: $(VENV)/.installed-test
	$(BIN)/ruff check lti_tool tests benchmark
	$(BIN)/ruff format --check lti_tool tests benchmark
	$(BIN)/mypy

## translations: extract, update and compile every catalogue in translations/ (en, it, de, fr); English is filled from the source
translations: $(VENV)/.installed-app
	$(BIN)/pybabel extract -F babel.cfg -k _l -o translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching
	$(BIN)/python translations/fill_english.py
	$(BIN)/pybabel compile -d translations --statistics

## benchmark: the tool beside its baselines through gunicorn and wrk (figures, never pass/fail);
## BENCHMARK_ARGS="--quick" for a few minutes, "--postgresql URL" to add PostgreSQL (its tables
## are dropped), "--help" for the sizes
BENCHMARK_ARGS ?= --quick
benchmark: $(VENV)/.installed-test wrk
	$(BIN)/python -m pip install --quiet -e ".[test,production]"
	$(BIN)/python -m benchmark $(BENCHMARK_ARGS)

## wrk: Debian's HTTP load generator for the benchmark (a Python client is used without it)
wrk:
	@command -v wrk >/dev/null 2>&1 || { \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq wrk; } || \
		echo "wrk could not be installed: the benchmark uses its Python client"

## screenshots: drive the demo in Chromium and write the README's pictures into docs/
screenshots: $(VENV)/.installed-test browser
	$(BIN)/python -m docs.screenshots

clean:
	rm -rf $(VENV) instance .pytest_cache node_modules
