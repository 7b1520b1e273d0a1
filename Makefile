# The README's commands. Everything a fresh machine needs is installed from here.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
UV     := $(BIN)/uv
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test test-fast bench lint format lock install system-deps clean

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check uv==0.13.9
	$(UV) pip install -q --python $(BIN)/python -r requirements.lock
	$(UV) pip install -q --python $(BIN)/python --no-deps -e .
	touch $@

install: $(STAMP)

system-deps:
	./scripts/ensure-system-deps.sh

run: install
	$(BIN)/leadrouter serve

# Tests keep Python's compiled modules between runs even where PYTHONDONTWRITEBYTECODE is set:
# without them every test process compiles the libraries again and pytest rewrites the
# asserts of its plugins' packages (hypothesis, schemathesis, anyio), seconds per process.
KEEP_BYTECODE := PYTHONDONTWRITEBYTECODE=

# Everything, PostgreSQL and the browser included, on every core (at most TEST_WORKERS_MAX
# pytest-xdist workers, each with a PostgreSQL server of its own).
TEST_WORKERS_MAX ?= 4
test: install lint
	./scripts/ensure-system-deps.sh chromium fonts
	LEADROUTER_REQUIRE_POSTGRES=1 $(KEEP_BYTECODE) $(BIN)/python -m pytest -n auto --maxprocesses $(TEST_WORKERS_MAX)

# The quick loop while working: SQLite only, without the tests marked slow (nor the modules
# that hold only slow tests: tests/conftest.py does not import them), on every core. Only the
# slow fuzzing tests use schemathesis's pytest plugin: the quick loop does not load it.
test-fast: install
	$(KEEP_BYTECODE) $(BIN)/python -m pytest -q -n auto -p no:schemathesis -m "not slow and not postgres"

bench: install system-deps
	$(BIN)/python -m bench

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy src

format: install
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

# Known vulnerabilities in the pinned dependencies. Needs a vulnerability database to be
# reachable (PyPI's JSON API / OSV), so it is not part of `make test`; run it in CI where it is.
audit: install
	$(UV) tool run --from 'pip-audit>=2.7' pip-audit --strict --no-deps --disable-pip -r requirements.lock

lock: install
	$(UV) pip compile -q --no-header pyproject.toml --extra dev -o requirements.lock

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
