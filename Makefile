# Two commands matter: `make run` and `make test`. Everything else is what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test install lint typecheck bench cluster clean

run: install
	$(BIN)/facilitator serve

test: install
	@test -x "$(CHROMIUM)" || { echo "Browser tests need Chromium at $(CHROMIUM) (Debian: apt-get install chromium), or set CHROMIUM=/path/to/chromium."; exit 1; }
	$(BIN)/ruff check facilitator tests bench
	$(BIN)/mypy
	CHROMIUM_PATH="$(CHROMIUM)" $(BIN)/pytest

# The production topology from local processes: Redis (AOF always, a password), three app
# processes under gunicorn and nginx on http://127.0.0.1:8080 (docker-compose.yml runs the same).
cluster: install
	$(BIN)/python deploy/cluster.py

install: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

lint: install
	$(BIN)/ruff check facilitator tests bench

typecheck: install
	$(BIN)/mypy

# Every script in bench/, one after the other (each starts its own Redis).
bench: install
	for script in bench/*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache
