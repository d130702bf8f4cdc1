# Two commands do everything on a fresh clone: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | sha256sum | cut -c1-12)
export GX_ANALYTICS_ENABLED := False
export DAGSTER_HOME := $(CURDIR)
# Run history lives beside the warehouse (OUT/dagster): `sto` sets STO_DAGSTER_DIR from --out / STO_OUT itself;
# `make ui` points the UI at the same folder.
UI_OUT ?= $(or $(STO_OUT),$(CURDIR)/data_out)
# Test tiers (tests/conftest.py): `make test` is the fast tier (every bad-input case at parser level, the
# non-parser cases and every third parser case through the CLI, 3 kill trials); `make test-full` runs
# everything (every corpus case through the CLI, 20 kill trials, tests marked `full`).

# Both tiers spread test files over two workers (pytest-xdist; each builds its own sample warehouse).
PYTEST_WORKERS ?= -n 2 --dist loadfile
# `dg check defs`: the definitions of pyproject.toml [tool.dg.project] load (about 3 s); its instance lives in a
# throw-away folder so that the check writes no run history.
DG_CHECK = d=$$(mktemp -d) && VIRTUAL_ENV=$(CURDIR)/$(VENV) STO_DAGSTER_DIR=$$d $(BIN)/dg check defs; rc=$$?; rm -rf $$d; exit $$rc

.PHONY: setup run test test-full ui lint format bench sample seor-reconstruction clean safety report
setup: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

## Materialise every asset (bundled synthetic sample unless STO_MIRROR / ARGS say otherwise).
run: $(STAMP)
	$(BIN)/sto run $(ARGS)

## Offline HTML report of the published database (data_out/report/index.html; also written by `make run`).
report: $(STAMP)
	$(BIN)/sto report $(ARGS)

## Lint, format check and the fast test tier (<= 6 minutes on 2 cores).
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(DG_CHECK)
	STO_TEST_TIER=fast $(BIN)/python -m pytest $(PYTEST_WORKERS) $(PYTEST_ARGS)

## Everything: the fast tier's tests plus every bad-input case through the CLI, 20 kill trials and the
## tests marked `full` (CI runs `make test` and then this).
test-full: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	STO_TEST_TIER=full $(BIN)/python -m pytest $(PYTEST_WORKERS) $(PYTEST_ARGS)

## Dagster UI on http://127.0.0.1:3000 with the project-local run history (`dg dev` loads the definitions named
## in pyproject.toml [tool.dg.project]).
ui: $(STAMP)
	VIRTUAL_ENV=$(CURDIR)/$(VENV) STO_DAGSTER_DIR=$(UI_OUT)/dagster $(BIN)/dg dev --host 127.0.0.1 --port 3000

## Publish-safety trials: SIGKILL at random moments (25 trials), readers during a refresh.
safety: $(STAMP)
	STO_KILL_TRIALS=25 $(BIN)/python -m pytest -s tests/test_publish_safety.py

lint: $(STAMP)
	$(BIN)/ruff check .
format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## Issue-11 performance targets on the real files in ../shared (not a test): one year, eight years, a year
## added, a run with nothing changed, usage errors; each beside the bare DuckDB script (scripts/bench_bare.py).
bench: $(STAMP)
	$(BIN)/python scripts/bench.py $(ARGS)

## Regenerate the bundled synthetic sample (tools/sample/README.md).
sample: $(STAMP)
	$(BIN)/python -m tools.sample

## Regenerate the SEOR 2023 reconstruction in data_raw/seor2023 (tools/seor_reconstruction/README.md; needs ../shared).
seor-reconstruction: $(STAMP)
	$(BIN)/python -m tools.seor_reconstruction

clean:
	rm -rf data_out/sto.duckdb data_out/.staging data_out/dagster
