# zhaoshang — the two commands: `make demo` and `make test`. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
ZS := $(VENV)/bin/zhaoshang
STAMP := $(VENV)/.installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/zhaoshang
DEMO_ENV := DEBUG=1 DATABASE_URL=sqlite:///var/demo.sqlite3
TEST_ENV := DEBUG=1 SECRET_KEY=test-only-secret-key-for-the-suite-0123456789

.PHONY: help install demo test lint typecheck checks pytest pytest-sqlite pytest-postgres clean static

help:
	@echo "make demo   set up everything and serve the demo at http://127.0.0.1:8000 (web + task worker)"
	@echo "make test   lint, type check, migrations check and the whole suite (SQLite and PostgreSQL)"

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

static: $(STAMP)
	@bash scripts/install_static.sh

demo: install static
	mkdir -p var
	$(DEMO_ENV) $(ZS) migrate --noinput
	$(DEMO_ENV) $(ZS) load_reference
	$(DEMO_ENV) $(ZS) load_demo
	$(DEMO_ENV) $(ZS) generate --projects 2000 --seed 7 --if-empty
	$(DEMO_ENV) $(ZS) demo_user
	@echo "web server and task worker (Procfile); Ctrl-C stops both"
	$(DEMO_ENV) $(VENV)/bin/honcho start

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	PYTHONPATH=. $(VENV)/bin/lint-imports

typecheck: install
	$(TEST_ENV) $(VENV)/bin/mypy .

checks: install
	mkdir -p var
	env -u DATABASE_URL $(TEST_ENV) $(ZS) check
	env -u DATABASE_URL $(TEST_ENV) $(ZS) makemigrations --check --dry-run

pytest-sqlite: install static
	@echo "== pytest on SQLite =="
	mkdir -p var
	env -u DATABASE_URL $(TEST_ENV) DATABASE_URL=sqlite:///var/test.sqlite3 \
		$(VENV)/bin/pytest --cov --cov-report=term

pytest-postgres: install static
	@if [ -z "$$DATABASE_URL" ] || [[ "$$DATABASE_URL" != postgres* ]]; then \
		echo "== PostgreSQL pass skipped: DATABASE_URL does not point at PostgreSQL =="; \
	elif ! $(PY) scripts/pg_ready.py "$$DATABASE_URL"; then \
		echo "== PostgreSQL pass skipped: no server answers at $$DATABASE_URL =="; \
	else \
		echo "== pytest on PostgreSQL =="; \
		$(TEST_ENV) $(VENV)/bin/pytest -p no:cacheprovider; \
	fi

test: lint typecheck checks pytest-sqlite pytest-postgres

clean:
	rm -rf $(VENV) var/*.sqlite3* .mypy_cache .ruff_cache .pytest_cache .coverage htmlcov
