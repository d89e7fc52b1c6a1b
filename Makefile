# workbench: `make report` runs every report on the bundled data, `make test` runs the tests.
# Both create .venv and install the exact versions of requirements/*.lock on first use; later runs
# reinstall only when a lock file or pyproject.toml changed. `make lock` refreshes the locks.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PARAMS ?= params/default.yaml params/demo_b2b.yaml
REPORTS ?= reports
WORKERS ?= auto
LOCKS  := requirements/runtime.lock requirements/dev.lock
PIP    := $(BIN)/python -m pip install --quiet --disable-pip-version-check
KERNEL := $(BIN)/python -m workbench.kernel $(VENV)
# One version per package for every Python >= 3.11 where one exists; hashes for every wheel.
COMPILE := $(BIN)/uv pip compile --quiet $(if $(UPGRADE),--upgrade) --universal --fork-strategy fewest --python-version 3.11 \
           --generate-hashes --custom-compile-command "make lock" pyproject.toml requirements/build.in

.DEFAULT_GOAL := help
.PHONY: help report test test-fast lab lock clean-venv system-deps strip

help: ## show the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-12s %s\n", $$1, $$2}'

report: $(VENV)/.installed ## run every report notebook on each bundled scenario (PARAMS="params/default.yaml ..." REPORTS=reports)
	@for params in $(PARAMS); do $(BIN)/workbench run --all --params $$params --reports $(REPORTS) --quiet || exit 1; done
	@echo "open: $(abspath $(REPORTS))/index.html"

test: $(VENV)/.installed-dev system-deps ## run the whole test suite: unit tests on WORKERS processes, then notebook, end-to-end and browser tests on WORKERS processes
	$(BIN)/python -m pytest -n $(WORKERS) --dist loadfile -m "not browser and not notebook"
	$(BIN)/python -m pytest -n $(WORKERS) --dist loadgroup -m "browser or notebook"

test-fast: $(VENV)/.installed-dev ## run the tests that need no browser and no notebook execution
	$(BIN)/python -m pytest -m "not browser and not notebook"

lab: $(VENV)/.installed ## open the notebooks in JupyterLab
	$(BIN)/jupyter lab notebooks/

lock: $(VENV)/.installed-dev ## re-resolve requirements/*.lock from pyproject.toml, keeping pins that still fit (UPGRADE=1: newest)
	$(COMPILE) -o requirements/runtime.lock
	$(COMPILE) --extra dev --extra spark -c requirements/runtime.lock -o requirements/dev.lock
	@echo "locks refreshed: review 'git diff requirements/', then run make test"

system-deps: ## install Chromium and a CJK font for the browser tests when missing (needs root + apt-get)
	@bash .ci/system-deps

strip: $(VENV)/.installed-dev ## remove outputs from every notebook before committing
	$(BIN)/nbstripout notebooks/*.ipynb

clean-venv: ## delete the virtual environment
	rm -rf $(VENV)

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "workbench needs Python >= 3.11 (set PYTHON=python3.x)")'
	$(PYTHON) -m venv $(VENV)

# --no-deps: nothing outside the lock is installed; --no-build-isolation: the locked setuptools
# builds the editable install.
$(VENV)/.installed: requirements/runtime.lock pyproject.toml Makefile | $(BIN)/python
	$(PIP) --require-hashes --no-deps -r requirements/runtime.lock
	$(PIP) --no-deps --no-build-isolation -e .
	$(KERNEL)
	@touch $@

$(VENV)/.installed-dev: $(LOCKS) pyproject.toml Makefile | $(BIN)/python
	$(PIP) --require-hashes --no-deps -r requirements/dev.lock
	$(PIP) --no-deps --no-build-isolation -e .
	$(KERNEL)
	@touch $@ $(VENV)/.installed
