# Kiji: `make run` serves the demo site, `make test` runs every check. See README.md.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: run serve test lint types migrations-check pytest pytest-postgres browser-deps bench bench-comments bench-fanout bench-search clean

$(VENV)/.installed: requirements.lock
	@test -x $(PY) || "$$(scripts/find-python.sh)" -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r requirements.lock
	@touch $@

run: $(VENV)/.installed
	scripts/run.sh $(PORT)

serve: $(VENV)/.installed
	$(PY) manage.py collectstatic --no-input -v 0
	scripts/serve.sh $(PORT)

test: $(VENV)/.installed lint types migrations-check browser-deps pytest pytest-postgres

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

types: $(VENV)/.installed
	$(VENV)/bin/mypy .

migrations-check: $(VENV)/.installed
	$(PY) manage.py makemigrations --check --dry-run

browser-deps:
	scripts/browser-deps.sh

pytest: $(VENV)/.installed
	$(VENV)/bin/pytest

pytest-postgres: $(VENV)/.installed
	scripts/with-postgres.sh $(VENV)/bin/pytest

bench: $(VENV)/.installed
	scripts/bench.sh
	scripts/bench-comments.sh
	scripts/bench-fanout.sh
	scripts/bench-search.sh

bench-comments: $(VENV)/.installed
	scripts/bench-comments.sh

bench-fanout: $(VENV)/.installed
	scripts/bench-fanout.sh

bench-search: $(VENV)/.installed
	scripts/bench-search.sh

clean:
	rm -rf var/static var/bench var/postgres var/demo-build
