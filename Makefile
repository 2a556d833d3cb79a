# The two commands README gives: `make run` (runtime packages only) and `make test` (and the
# dev tools). Both install what they need; `make serve` opens the local dashboard.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RUN_STAMP := $(VENV)/.installed-run
export GBESS_DATA_DIR ?= $(abspath ../shared/data)

.PHONY: run serve test lint typecheck pytest nodetest bench install install-run kernels clean chromium

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# Two installs: what running needs (requirements.txt) and, for `make test`, the dev tools too.
$(RUN_STAMP): $(BIN)/python requirements.txt pyproject.toml
	$(BIN)/pip install -q -r requirements.txt
	$(BIN)/pip install -q --no-deps -e .
	touch $(RUN_STAMP)

$(STAMP): $(RUN_STAMP) requirements-dev.txt
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $(STAMP)

install-run: $(RUN_STAMP)
install: $(STAMP)

## run: the main job on the embedded defaults (no Google account, no network)
run: install-run kernels
	$(BIN)/gbess run

## serve: the webhook and dashboard page on this machine only (loopback, no sign-in)
PORT ?= 8080
serve: install-run kernels
	@echo "gbess: serving http://127.0.0.1:$(PORT)/dashboard (loopback only, auth off); Ctrl-C stops"
	GBESS_AUTH=off GBESS_HOST=127.0.0.1 PORT=$(PORT) $(BIN)/gbess serve

## test: lint, type-check and every test (Python and Apps Script)
test: install chromium lint typecheck pytest nodetest

## chromium: the headless browser of the dashboard (and Apps Script sidebar) page tests
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
chromium:
	@test -x /usr/bin/chromium || $(SUDO) apt-get install -y chromium \
		|| ($(SUDO) apt-get update && $(SUDO) apt-get install -y chromium)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## typecheck: mypy, strict (pyproject.toml), over the code, its tests and the benchmarks
typecheck: install
	$(BIN)/mypy engine jobs server tests bench

## kernels: compile the numba kernels once (cached beside them in __pycache__), a build step.
## numba checks only a function's own file, so a change to any solver source (e.g. the shared
## engine/solvers/pwl.py that the kernels inline) clears the whole cache first.
KERNEL_STAMP := engine/solvers/__pycache__/.compiled
$(KERNEL_STAMP): $(RUN_STAMP) $(wildcard engine/solvers/*.py)
	rm -f engine/solvers/__pycache__/*.nbi engine/solvers/__pycache__/*.nbc
	$(BIN)/python -c "from engine.dispatch import warm_up; warm_up()"
	touch $@

kernels: $(KERNEL_STAMP)

pytest: install kernels
	$(BIN)/pytest

nodetest:
	@if [ -d appscript/tests ]; then node --test appscript/tests/; else echo "no Apps Script tests yet"; fi

## bench: every benchmark (bench/lookup_http.py is a helper of bench/lookup.py --http);
## bench/dispatch.py runs energy-py-linear once (~25 min here): BENCH_ARGS=--skip-epl skips it
BENCHES := warehouse lookup duos dispatch revenue forecast btm dashboard fleet concurrency slow_clients mixed_load risk invest
bench: install
	@for b in $(BENCHES); do echo "== bench/$$b.py"; \
		args=""; [ "$$b" = dispatch ] && args="$(BENCH_ARGS)"; \
		$(BIN)/python bench/$$b.py $$args || exit 1; done

clean:
	rm -rf $(VENV) var/*.duckdb
