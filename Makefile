# Two commands from a fresh clone: `make run` (try the bot) and `make test` (run the tests).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench lint check-content clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

## run: set up and start the bot (an offline chat in this terminal when no token is set)
run: $(STAMP)
	$(BIN)/mobility-coach run

## test: set up and run the whole test suite (SQLite always, PostgreSQL when reachable)
test: $(STAMP)
	$(BIN)/python -m pytest

## bench: set up and run the benchmarks (about 13 minutes); writes bench/RESULTS.md
bench: $(STAMP)
	$(BIN)/python -m bench

## lint: ruff and mypy, as CI runs them
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy bot handlers content bench

## check-content: the exercise texts must not repeat the seed article word for word
check-content:
	../shared/tools/seed-overlap content

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
