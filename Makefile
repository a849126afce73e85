# CivicGrid: `make demo` runs the demo server, `make test` runs the whole test suite.
# Both set everything up first (a virtualenv in .venv, the npm front-end libraries, and
# for tests Debian's chromium for the browser tests).

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PG_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/test

.PHONY: setup demo serve test test-sqlite test-postgres chromium bench clean

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[all]"
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

demo: setup
	$(VENV)/bin/civicgrid demo

serve: setup
	$(VENV)/bin/civicgrid serve

# Debian's chromium drives the browser tests, and a CJK font renders Chinese in pages
# and report charts; installed when missing and we are root.
chromium:
	@{ command -v chromium >/dev/null 2>&1 && fc-list :lang=zh 2>/dev/null | grep -q .; } || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk; \
	  else echo "chromium missing: browser tests will be skipped (apt-get install chromium)"; fi; }

test: setup chromium test-sqlite test-postgres

test-sqlite:
	$(PY) -m pytest -q -p no:cacheprovider

# The database tests again on PostgreSQL (each run in its own schema of database `test`).
test-postgres:
	CIVICGRID_TEST_DATABASE_URL=$(PG_TEST_URL) $(PY) -m pytest -q -p no:cacheprovider -m db

bench: setup
	$(PY) bench/core_api.py

clean:
	rm -rf $(VENV) node_modules test-artifacts
