# clv-report: `make help` lists the targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# The lock beside this Makefile (also when it is run with make -f from another folder).
LOCK := $(dir $(abspath $(lastword $(MAKEFILE_LIST))))requirements.lock
# Install profiles, each a stamp in the venv: the runtime (`make report`: what builds reports from files) and
# dev (`make test`: test tools, the PostgreSQL and Spark drivers). Every version comes from $(LOCK). The runtime
# is installed without byte-code, then `clv_lib.runner.bytecode` compiles only the modules reports load.
RUNTIME := $(VENV)/.runtime-installed
DEV := $(VENV)/.dev-installed
PIP_INSTALL := $(PY) -m pip install --quiet --disable-pip-version-check --constraint $(LOCK)
PIP_QUIET := 2>&1 | grep -v -E "^WARNING: Location .* is ignored" ; test $${PIPESTATUS[0]} -eq 0

CLIENT ?= demo
PERIOD ?=
LANGUAGE ?=
PDF_ENGINE ?= auto
JOBS ?= 1
TEST_WORKERS ?= 2
DATA ?=

NOTEBOOK ?=
LAB_ARGS ?=

.PHONY: help setup setup-dev test report reports client notebook sync-notebooks lab bench lock clean

help: ## Show this help
	@echo "clv-report: Customer Lifetime Value reports (HTML + PDF) from client exports"
	@echo
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[1m%-10s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@echo
	@echo "Examples: make report CLIENT=demo | make report CLIENT=acme PERIOD=2025Q4 | make reports JOBS=2"

$(PY):
	@$(PYTHON) -m venv $(VENV)

$(RUNTIME): pyproject.toml $(LOCK) | $(PY)
	@echo "Installing the runtime into $(VENV) from $(LOCK) (first run takes about a minute)..."
	@$(PIP_INSTALL) --no-compile -e . $(PIP_QUIET) || { echo "error: the installation into $(VENV) failed (see above)"; exit 1; }
	@$(PY) -m clv_lib.runner.bytecode || { echo "error: the installation into $(VENV) failed (see above)"; exit 1; }
	@touch $(RUNTIME)

$(DEV): $(RUNTIME)
	@echo "Installing the development extras (tests, PostgreSQL and Spark drivers) into $(VENV) from $(LOCK)..."
	@$(PIP_INSTALL) -e '.[dev]' $(PIP_QUIET) || { echo "error: the installation into $(VENV) failed (see above)"; exit 1; }
	@touch $(DEV)

setup: $(RUNTIME) ## Create or update .venv with the runtime (what reports need), pinned by requirements.lock

setup-dev: $(DEV) ## Add the development extras (tests, database drivers) to .venv, pinned by requirements.lock

lock: $(DEV) ## Refresh requirements.lock from pyproject.toml (keeps current pins; UPGRADE=1 takes the latest)
	$(VENV)/bin/uv pip compile --quiet --universal --python-version 3.10 --all-extras pyproject.toml \
		--output-file $(LOCK) --custom-compile-command "make lock" $(if $(UPGRADE),--upgrade)

test: $(DEV) ## Run the test suite on TEST_WORKERS=2 workers (installs the development extras first) [TEST_WORKERS=0: serially]
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder $(PYTEST_ARGS)

report: $(RUNTIME) ## Build one report, or a series: CLIENT=demo [PERIOD=2025Q4|2025|2025-11|2025Q1..2025Q4] [LANGUAGE=it|en] [PDF_ENGINE=auto|weasyprint|chromium|none] [NOTEBOOK=path]
	@$(PY) -m clv_lib.runner report --client "$(CLIENT)" --period "$(PERIOD)" --language "$(LANGUAGE)" --pdf-engine "$(PDF_ENGINE)" --notebook "$(NOTEBOOK)"

reports: $(RUNTIME) ## Build the reports of every client in params/ (and the periods each lists) [JOBS=2]
	@$(PY) -m clv_lib.runner reports --jobs "$(JOBS)" --pdf-engine "$(PDF_ENGINE)"

client: $(RUNTIME) ## Write params/CLIENT.yaml for review from an export: CLIENT=acme DATA=path/to/export [LANGUAGE=it|en: of its messages]
	@$(PY) -m clv_lib.runner client --client "$(CLIENT)" --data "$(DATA)" --language "$(LANGUAGE)"

notebook: $(RUNTIME) ## Copy the report notebook for one client: CLIENT=acme -> notebooks/clients/acme.ipynb [FORCE=1|SYNCED=1]
	@$(PY) -m clv_lib.runner notebook --client "$(CLIENT)" $(if $(FORCE),--force) $(if $(SYNCED),--synced)

sync-notebooks: $(RUNTIME) ## Bring each notebook and its paired .py script (jupytext) up to date, newest wins
	@$(VENV)/bin/jupytext --sync $$(find notebooks -name '*.ipynb' -not -path '*/.ipynb_checkpoints/*')

lab: $(RUNTIME) ## Open JupyterLab on notebooks/ with the project's kernel (also as root) [LAB_ARGS="--port=8899 --no-browser"]
	@$(PY) -m clv_lib.runner kernel
	JUPYTER_PREFER_ENV_PATH=1 $(VENV)/bin/jupyter lab --notebook-dir=notebooks \
	  --MultiKernelManager.default_kernel_name=clv-report $$([ "$$(id -u)" = 0 ] && echo --allow-root) $(LAB_ARGS)

bench: $(RUNTIME) ## Measure speed and memory against peer libraries (installs them in bench/.envs)
	$(PY) bench/run.py $(BENCH_ARGS)

clean: ## Remove generated reports, caches and the virtual environment
	rm -rf reports/*/ $(VENV) .pytest_cache .hypothesis build *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
