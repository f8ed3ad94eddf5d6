# Two commands do everything on a fresh machine with Python 3.11+ and make:
#   make run   creates .venv, installs, starts the interview on the embedded SQLite default
#   make test  creates .venv, installs with the dev and teams extras, runs lint, type checks and
#              the tests
# `make test-without-teams` type-checks and tests again in a second environment without the
# optional Teams SDK (.venv-slack-only), as a Slack-only deployment installs it; .ci/run runs both.
PYTHON ?= python3
VENV ?= .venv
EXTRAS ?= dev,teams
BIN := $(VENV)/bin

.PHONY: run test test-without-teams lint typecheck pytest bench teams-package clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "mlops-advisor needs Python 3.11 or newer: run make PYTHON=python3.11 ...")'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[$(EXTRAS)]'
	touch $(VENV)/.installed $@

run: $(VENV)/.installed
	$(BIN)/mlops-advisor chat

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

pytest: $(VENV)/.installed-dev
	$(BIN)/pytest

test: lint typecheck pytest

# Lint does not depend on what is installed; types and tests do.
test-without-teams:
	$(MAKE) typecheck pytest VENV=.venv-slack-only EXTRAS=dev

bench: $(VENV)/.installed-dev
	$(BIN)/python bench/assess_throughput.py
	$(BIN)/python bench/import_throughput.py
	$(BIN)/python bench/ack_latency.py
	$(BIN)/python bench/digest_preview.py

# The Teams app package to upload, with the bot's Microsoft Entra app (client) id in place of the
# manifest's placeholder: make teams-package TEAMS_CLIENT_ID=<guid>
teams-package: | $(BIN)/python
	$(BIN)/python manifests/teams/package.py --output dist/mlops-advisor-teams.zip

clean:
	rm -rf .venv .venv-slack-only dist .mypy_cache .pytest_cache .ruff_cache .hypothesis
