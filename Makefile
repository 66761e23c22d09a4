# Flagship: `make run` serves the app on SQLite with demo data; `make test` runs the tests.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := wsgi

.PHONY: run test lint worker clean-db

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.deps: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-deps: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.deps

# The embedded default settings for this machine: a random SECRET_KEY, never committed.
instance/local.env:
	mkdir -p instance
	$(BIN)/python -c "import secrets; print('SECRET_KEY=' + secrets.token_hex(32))" > $@

run: $(VENV)/.deps instance/local.env
	$(BIN)/flask db upgrade
	$(BIN)/flask demo --if-empty
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT) --debug

test: $(VENV)/.dev-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev-deps
	$(BIN)/ruff check .
	$(BIN)/lint-imports

worker: $(VENV)/.deps
	$(BIN)/python worker.py

clean-db:
	rm -f instance/flagship.sqlite3
