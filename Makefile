# Two commands from a fresh clone: `make run` (try the bot) and `make test` (run the tests).
# Both install from requirements.lock: every package pinned with its sha256 hashes, so an install
# is the same everywhere and a file that differs from the locked one stops it. After editing the
# dependencies in pyproject.toml, `make lock` refreshes the lock; commit both files.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SYNCED := $(VENV)/.synced
LOCK := requirements.lock
PIP := $(BIN)/python -m pip --disable-pip-version-check

.PHONY: run test bench lint lock check-content translations clean

# The venv's own pip (from the interpreter, nothing downloaded unverified) installs the lock,
# setuptools included, then the project itself without its dependencies and without build
# isolation, which would fetch an unpinned setuptools. `pip check` fails when the lock no longer
# satisfies pyproject.toml (a dependency added or a floor raised without `make lock`); `make lock`
# itself needs only the locked packages, so it still runs then.
$(SYNCED): $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --require-hashes -r $(LOCK)
	touch $(SYNCED)

$(STAMP): $(SYNCED) pyproject.toml
	$(PIP) install --quiet --no-deps --no-build-isolation -e .
	@out=$$($(PIP) check) || { echo "$$out" >&2; echo "$(LOCK) does not satisfy pyproject.toml: run make lock" >&2; exit 1; }
	touch $(STAMP)

## run: set up and start the bot (an offline chat in this terminal when no token is set)
run: $(STAMP)
	$(BIN)/mobility-coach run

## test: set up and run the whole test suite (SQLite always, PostgreSQL when reachable)
# On two workers (pytest-xdist): the suite mostly waits on the double, timers and databases.
test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist worksteal

## bench: set up and run the benchmarks (about 50 minutes); writes bench/RESULTS.md
bench: $(STAMP)
	$(BIN)/python -m bench

## lint: ruff and mypy, as CI runs them
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy bot handlers content bench

## lock: re-resolve requirements.lock from pyproject.toml (its dependencies, the dev extra and the
##       build backend), keeping current pins where they still fit; UPGRADE=1 takes the newest
# uv rather than pip-tools: one universal lock (any OS and CPU, Python 3.11 and newer) with the
# hashes of every file, in a second; pip-compile only locks for the machine it runs on. uv is in
# the dev extra, so the locking tool is itself pinned and hashed.
lock: $(SYNCED)
	$(BIN)/python -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["build-system"]["requires"]))' \
	| $(BIN)/uv pip compile --quiet --universal --python-version 3.11 --generate-hashes \
		--custom-compile-command "make lock" $(if $(UPGRADE),--upgrade) \
		--extra dev --output-file $(LOCK) pyproject.toml -

## translations: refresh the catalogs from the content (pybabel extract, update, compile);
##       then translate what is new or fuzzy in content/locales/<lang>/LC_MESSAGES/messages.po
##       and run it again. `make test` fails while any string is missing, fuzzy or stale.
LOCALES := content/locales
LANGUAGES := es pt_BR de ru
translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg --no-location --no-wrap --project "Mobility Coach" \
		--copyright-holder "Mobility Coach" --msgid-bugs-address "" -o $(LOCALES)/messages.pot .
	for lang in $(LANGUAGES); do \
		if [ -f $(LOCALES)/$$lang/LC_MESSAGES/messages.po ]; then \
			$(BIN)/pybabel update --no-wrap --ignore-obsolete -i $(LOCALES)/messages.pot \
				-d $(LOCALES) -l $$lang || exit 1; \
		else \
			$(BIN)/pybabel init --no-wrap -i $(LOCALES)/messages.pot -d $(LOCALES) -l $$lang || exit 1; \
		fi; \
	done
	$(BIN)/pybabel compile --statistics -d $(LOCALES)

## check-content: the exercise texts must not repeat the seed article word for word
check-content:
	../shared/tools/seed-overlap content

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
