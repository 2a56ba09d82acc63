# clv-report: `make help` lists the targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

CLIENT ?= demo
PERIOD ?=
LANGUAGE ?=
PDF_ENGINE ?= auto
JOBS ?= 1

NOTEBOOK ?=
LAB_ARGS ?=

.PHONY: help setup test report reports notebook sync-notebooks lab bench clean

help: ## Show this help
	@echo "clv-report: Customer Lifetime Value reports (HTML + PDF) from client exports"
	@echo
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[1m%-10s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@echo
	@echo "Examples: make report CLIENT=demo | make report CLIENT=acme PERIOD=2025Q4 | make reports JOBS=2"

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "Installing the project into $(VENV) (first run takes about a minute)..."
	@$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]' 2>&1 | grep -v -E "^WARNING: Location .* is ignored" || true
	@$(PY) -c "import clv_lib, papermill, nbconvert, pandas, seaborn" || { echo "error: the installation into $(VENV) failed (see above)"; exit 1; }
	@touch $(STAMP)

setup: $(STAMP) ## Create or update the virtual environment (.venv) from pyproject.toml

test: $(STAMP) ## Run the test suite
	$(PY) -m pytest $(PYTEST_ARGS)

report: $(STAMP) ## Build one report, or a series: CLIENT=demo [PERIOD=2025Q4|2025|2025-11|2025Q1..2025Q4] [LANGUAGE=it|en] [PDF_ENGINE=auto|weasyprint|chromium|none] [NOTEBOOK=path]
	@$(PY) -m clv_lib.runner report --client "$(CLIENT)" --period "$(PERIOD)" --language "$(LANGUAGE)" --pdf-engine "$(PDF_ENGINE)" --notebook "$(NOTEBOOK)"

reports: $(STAMP) ## Build the reports of every client in params/ (and the periods each lists) [JOBS=2]
	@$(PY) -m clv_lib.runner reports --jobs "$(JOBS)" --pdf-engine "$(PDF_ENGINE)"

notebook: $(STAMP) ## Copy the report notebook for one client: CLIENT=acme -> notebooks/clients/acme.ipynb [FORCE=1|SYNCED=1]
	@$(PY) -m clv_lib.runner notebook --client "$(CLIENT)" $(if $(FORCE),--force) $(if $(SYNCED),--synced)

sync-notebooks: $(STAMP) ## Bring each notebook and its paired .py script (jupytext) up to date, newest wins
	@$(VENV)/bin/jupytext --sync $$(find notebooks -name '*.ipynb' -not -path '*/.ipynb_checkpoints/*')

lab: $(STAMP) ## Open JupyterLab on notebooks/ with the project's kernel (also as root) [LAB_ARGS="--port=8899 --no-browser"]
	@$(PY) -m clv_lib.runner kernel
	JUPYTER_PREFER_ENV_PATH=1 $(VENV)/bin/jupyter lab --notebook-dir=notebooks \
	  --MultiKernelManager.default_kernel_name=clv-report $$([ "$$(id -u)" = 0 ] && echo --allow-root) $(LAB_ARGS)

bench: $(STAMP) ## Measure speed and memory against peer libraries (installs them in bench/.envs)
	$(PY) bench/run.py $(BENCH_ARGS)

clean: ## Remove generated reports, caches and the virtual environment
	rm -rf reports/*/ $(VENV) .pytest_cache .hypothesis build *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
