# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PORT ?= 8501
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test lint format venv db secrets chromium postgres nginx poppler bench screenshots clean

run: db ## Set everything up and serve the dashboard on http://localhost:$(PORT)
	$(VENV)/bin/streamlit run serve.py --server.port $(PORT) --server.headless true \
		--browser.gatherUsageStats false

test: venv chromium postgres nginx poppler ## Set everything up and run the whole suite (lint, unit, AppTest, browser, both engines)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	cd tests/js && npm ci --no-audit --no-fund --loglevel=error  # ical.js for the .ics cross-check
	$(PY) -m pytest

venv: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev]"
	touch $(STAMP)

secrets: venv ## Generate instance/secrets.toml with a fresh cookie key when missing
	$(PY) -m core gen-secrets

db: secrets ## Create or migrate the database; load the demo data when it is empty (demo mode)
	$(PY) -m core init
	$(PY) -m core seed-demo --if-empty

chromium: ## Install Debian's chromium for the browser tests when missing
	@command -v chromium >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
		else sudo -n apt-get update -qq && sudo -n DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; fi; }

postgres: ## Install Debian's PostgreSQL server for the tests when missing (the tests start their own)
	@ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15; \
		else sudo -n apt-get update -qq && sudo -n DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15; fi; }

nginx: ## Install Debian's nginx for the replica test when missing (the test runs its own)
	@command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || { \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light; \
		else sudo -n apt-get update -qq && sudo -n DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light; fi; }

poppler: ## Install Debian's poppler-utils (pdfinfo, pdftotext) for the planning-brief tests when missing
	@command -v pdftotext >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils; \
		else sudo -n apt-get update -qq && sudo -n DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils; fi; }

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: venv chromium ## Print timings at realistic size and at ten years of data
	$(PY) -m tests.bench
	$(PY) -m tests.bench_load

screenshots: venv chromium db ## Save a PNG of every page into docs/screenshots/
	$(PY) -m tests.screenshots

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
