# workbench: `make report` runs every report on the bundled data, `make test` runs the tests.
# Both create .venv and install what is needed on first use; later runs reinstall only when
# pyproject.toml changed.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PARAMS ?= params/default.yaml
REPORTS ?= reports

.DEFAULT_GOAL := help
.PHONY: help report test test-fast lab clean-venv system-deps strip

help: ## show the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-12s %s\n", $$1, $$2}'

report: $(VENV)/.installed ## run every report notebook on the bundled data (PARAMS=params/default.yaml REPORTS=reports)
	$(BIN)/workbench run --all --params $(PARAMS) --reports $(REPORTS) --quiet
	@echo "open: $(abspath $(REPORTS))/index.html"

test: $(VENV)/.installed-dev system-deps ## run the whole test suite (unit, notebooks, end-to-end, browser)
	$(BIN)/python -m pytest

test-fast: $(VENV)/.installed-dev ## run the tests that need no browser and no notebook execution
	$(BIN)/python -m pytest -m "not browser and not notebook"

lab: $(VENV)/.installed ## open the notebooks in JupyterLab
	$(BIN)/jupyter lab notebooks/

system-deps: ## install Chromium and a CJK font for the browser tests when missing (needs root + apt-get)
	@bash .ci/system-deps

strip: $(VENV)/.installed-dev ## remove outputs from every notebook before committing
	$(BIN)/nbstripout notebooks/*.ipynb

clean-venv: ## delete the virtual environment
	rm -rf $(VENV)

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "workbench needs Python >= 3.11 (set PYTHON=python3.x)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml Makefile | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/python -m ipykernel install --prefix $(VENV) --name workbench --display-name "Python 3 (workbench)" >/dev/null
	@touch $@

$(VENV)/.installed-dev: pyproject.toml Makefile | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m ipykernel install --prefix $(VENV) --name workbench --display-name "Python 3 (workbench)" >/dev/null
	@touch $@ $(VENV)/.installed
