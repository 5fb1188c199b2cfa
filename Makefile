# One entry point for developers and CI. Each target creates .venv on first use and
# reinstalls only when pyproject.toml changes, so running it twice is fast.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test check lint format bench bench-smoke clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Legato needs Python 3.11 or newer"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,wsgi,db,redis,bench,granian]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/legato run examples.showcase.app:app --host 127.0.0.1 --port 8000

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

check: $(STAMP)
	$(BIN)/ruff check legato tests examples bench
	$(BIN)/ruff format --check legato tests examples bench
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format legato tests examples bench
	$(BIN)/ruff check --fix legato tests examples bench

# Benchmarks hold a machine-wide lock so two never share the cores. `make bench` (about
# 20 minutes) rewrites docs/benchmarks.md and docs/benchmarks/*.png; BENCH_ARGS passes
# options on, e.g. BENCH_ARGS="--scenarios 1,2 --rounds 3". The smoke run is what CI
# runs (tests/bench/): every scenario for about a second, written under bench/runs/.
BENCH_LOCK := /tmp/legato-bench.lock
SMOKE_DIR := bench/runs/smoke

bench: $(STAMP)
	flock $(BENCH_LOCK) $(BIN)/python -m bench.run $(BENCH_ARGS)

bench-smoke: $(STAMP)
	flock $(BENCH_LOCK) $(BIN)/python -m bench.run --smoke --output $(SMOKE_DIR)/benchmarks.md \
		--charts $(SMOKE_DIR)/charts --results $(SMOKE_DIR)/results.json

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
