# MyMovieList: `make run` serves the app on the embedded default with the demo catalog;
# `make test` runs the whole suite. Both set everything up on a fresh machine.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
PIP    := $(BIN)/python -m pip --disable-pip-version-check -q
export FLASK_APP := mymovielist

.PHONY: run serve test test-scale install install-dev install-serve db clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) install -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(PIP) install -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

db: install
	$(BIN)/flask db upgrade
	$(BIN)/flask catalog load-demo --if-empty

run: db
	$(BIN)/flask run --host $(HOST) --port $(PORT)

$(VENV)/.installed-serve: pyproject.toml | $(BIN)/python
	$(PIP) install -e '.[serve]'
	touch $@ $(VENV)/.installed

install-serve: $(VENV)/.installed-serve

# Production-style: gunicorn (gunicorn.conf.py: WEB_CONCURRENCY sync workers on BIND) plus the
# scheduler (`flask jobs run`) as its own process; Ctrl-C stops both.
serve: install-serve db
	BIND=$${BIND:-$(HOST):$(PORT)} $(BIN)/gunicorn -c gunicorn.conf.py & web=$$!; \
	$(BIN)/flask jobs run & jobs=$$!; \
	trap 'kill $$web $$jobs 2>/dev/null' INT TERM EXIT; \
	wait $$web $$jobs

test: install-dev
	$(BIN)/python -m pytest

# The scale-out run: the same suite (browser journeys aside) on PostgreSQL + Redis, which
# .ci/services installs from Debian packages and starts on 127.0.0.1 (needs root for apt-get).
test-scale: install-dev
	services="$$(bash .ci/services)" && eval "$$services" && test -n "$$MYMOVIELIST_TEST_DATABASE_URL" \
		&& $(BIN)/python -m pytest -m "not browser"

clean:
	rm -rf $(VENV) build *.egg-info
