# Two commands do everything on a fresh machine with Python 3.11+ and make:
#   make run   creates .venv, installs, starts the interview on the embedded SQLite default
#   make test  creates .venv, installs with the dev and teams extras, runs lint, type checks and
#              the tests
# `make test-without-teams` type-checks and tests again in a second environment without the
# optional Teams SDK (.venv-slack-only), as a Slack-only deployment installs it; .ci/run runs both.
# `make test-teams-client` runs the Teams app in Microsoft's Teams client emulator (see below).
PYTHON ?= python3
VENV ?= .venv
EXTRAS ?= dev,teams
BIN := $(VENV)/bin

.PHONY: run test test-without-teams test-teams-client teams-client-prerequisites lint typecheck \
	pytest bench eval teams-package clean

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
	$(BIN)/lint-imports

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

pytest: $(VENV)/.installed-dev
	$(BIN)/pytest

test: lint typecheck pytest

# Lint does not depend on what is installed; types and tests do.
test-without-teams:
	$(MAKE) typecheck pytest VENV=.venv-slack-only EXTRAS=dev

# The advisor in Microsoft's own Teams client emulator, the Microsoft 365 Agents Playground (npm,
# pinned in tests/teams_client/package-lock.json), driven headless in Debian's Chromium by
# Playwright, which never downloads a browser of its own. Not part of `make test`: it needs npm and
# `apt-get install chromium`. Screenshots go to tests/teams_client/screenshots/.
CHROMIUM ?= /usr/bin/chromium
TEAMS_CLIENT := tests/teams_client

test-teams-client: teams-client-prerequisites $(VENV)/.installed-teams-client $(TEAMS_CLIENT)/node_modules/.package-lock.json
	$(BIN)/python $(TEAMS_CLIENT)/check_in_playground.py --chromium $(CHROMIUM)

teams-client-prerequisites:
	@test -x $(CHROMIUM) || { echo "$(CHROMIUM) is missing: apt-get install chromium (Debian's; Playwright must not download one)"; exit 1; }
	@command -v npm >/dev/null || { echo "npm is missing: install Node.js 20 or newer with npm"; exit 1; }

$(VENV)/.installed-teams-client: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[teams,teams-client]'
	touch $@

# npm ci writes node_modules/.package-lock.json: installed again when the lock file changes.
$(TEAMS_CLIENT)/node_modules/.package-lock.json: $(TEAMS_CLIENT)/package.json $(TEAMS_CLIENT)/package-lock.json
	cd $(TEAMS_CLIENT) && npm ci --no-audit --no-fund

bench: $(VENV)/.installed-dev
	$(BIN)/python bench/assess_throughput.py
	$(BIN)/python bench/import_throughput.py
	$(BIN)/python bench/ack_latency.py
	$(BIN)/python bench/digest_preview.py

# The advisor measured against the labelled corpus (tests/corpus/README.md): the frozen test half
# first, then the tuning half, each in its own table. Measures only; thresholds are not enforced here.
eval: $(VENV)/.installed-dev
	@echo "== frozen test half (measure only, never tune on it) =="
	$(BIN)/mlops-advisor eval tests/corpus/frozen.yaml
	@echo "== tuning half =="
	$(BIN)/mlops-advisor eval tests/corpus/tuning.yaml

# The Teams app package to upload, with the bot's Microsoft Entra app (client) id in place of the
# manifest's placeholder: make teams-package TEAMS_CLIENT_ID=<guid>
teams-package: | $(BIN)/python
	$(BIN)/python manifests/teams/package.py --output dist/mlops-advisor-teams.zip

clean:
	rm -rf .venv .venv-slack-only dist .mypy_cache .pytest_cache .ruff_cache .import_linter_cache .hypothesis
	rm -rf $(TEAMS_CLIENT)/node_modules $(TEAMS_CLIENT)/screenshots
