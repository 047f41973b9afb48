# The two front-door commands:  `make run`  serves the dashboard;  `make test`  runs every test.
# Each sets up what it needs on a fresh Debian machine: a virtualenv from PyPI, and for the
# tests Debian's Chromium (never a browser downloaded by a test tool).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test chromium screenshot

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.run-deps: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.test-deps: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@ $(VENV)/.run-deps

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q chromium fonts-dejavu-core; }

run: $(VENV)/.run-deps
	$(BIN)/python app.py $(ARGS)

test: $(VENV)/.test-deps chromium
	$(BIN)/python -m pytest $(ARGS)

screenshot: $(VENV)/.test-deps chromium
	$(BIN)/python tools/screenshot.py docs/screenshot.png
