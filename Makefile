# One entry point for developers and CI. Each target creates .venv on first use and
# reinstalls only when pyproject.toml changes, so running it twice is fast.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test check lint format bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Legato needs Python 3.11 or newer"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,wsgi,db,redis,bench]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/legato run examples.showcase.app:app --host 127.0.0.1 --port 8000

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

check: $(STAMP)
	$(BIN)/ruff check legato tests examples
	$(BIN)/ruff format --check legato tests examples
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format legato tests examples
	$(BIN)/ruff check --fix legato tests examples

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
