# MyMovieList: `make run` serves the app on the embedded default with the demo catalog;
# `make test` runs the whole suite. Both set everything up on a fresh machine.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
PIP    := $(BIN)/python -m pip --disable-pip-version-check -q
export FLASK_APP := mymovielist

.PHONY: run test test-scale install install-dev db clean

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

test: install-dev
	$(BIN)/python -m pytest

# The scale-out run: the same suite (browser journeys aside) on PostgreSQL + Redis, which
# .ci/services installs from Debian packages and starts on 127.0.0.1 (needs root for apt-get).
test-scale: install-dev
	eval "$$(bash .ci/services)" && $(BIN)/python -m pytest -m "not browser"

clean:
	rm -rf $(VENV) build *.egg-info
