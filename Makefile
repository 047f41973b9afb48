# The two front-door commands:  `make run`  serves the dashboard;  `make test`  runs every test.
# Each sets up what it needs on a fresh Debian machine: a virtualenv from PyPI, and for the
# tests Debian's Chromium (never a browser downloaded by a test tool).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test chromium redis screenshot
AXE := tests/browser/js/node_modules/axe-core/axe.min.js

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.run-deps: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.test-deps: requirements.txt requirements-dev.txt requirements-celery.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@ $(VENV)/.run-deps

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q chromium fonts-dejavu-core; }

run: $(VENV)/.run-deps
	$(BIN)/python app.py $(ARGS)

# axe-core (npm, pinned by tests/browser/js/package-lock.json) for the accessibility browser test.
$(AXE): tests/browser/js/package.json tests/browser/js/package-lock.json
	@command -v npm >/dev/null 2>&1 || { \
	  echo "Installing Debian's npm for axe-core"; \
	  $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q npm; }
	npm ci --prefix tests/browser/js --no-audit --no-fund
	touch $@

# Redis for the test of background jobs on Celery (tests/test_jobs_celery.py).
redis:
	@command -v redis-server >/dev/null 2>&1 || { \
	  echo "Installing Debian's redis-server for the Celery jobs test"; \
	  $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q redis-server; }

test: $(VENV)/.test-deps chromium redis $(AXE)
	$(BIN)/python -m pytest $(ARGS)

screenshot: $(VENV)/.test-deps chromium
	$(BIN)/python tools/screenshot.py docs/screenshot.png
