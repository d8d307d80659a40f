# Thin, incremental wrapper around `python -m pipeline <command>`; every target also runs without make.
# `make all` re-runs the pipeline only when an input (returns, public data, config, code) changed.

WAVE ?= 2018
VENV ?= .venv
PY := $(VENV)/bin/python
BOOTSTRAP_PY ?= $(shell command -v python3.11 || command -v python3)
INSTALLED := $(VENV)/.installed
OUT := data/processed/$(WAVE)
# Inputs of a wave: any file under these paths (names with spaces, quotes, brackets or non-ASCII
# letters, links and links to nothing included). `python -m pipeline.inputs` lists them with size,
# time and link target; the wave re-runs when the listing differs from the last successful run's.
INPUT_PATHS := data/raw/$(WAVE) data/raw/public data/raw/reference data/raw/external config pipeline pyproject.toml
INPUT_STAMP := $(OUT)/.inputs

.DEFAULT_GOAL := help
.PHONY: all run figures test lint format clean bench templates synth docs help browser

help: ## list the targets
	@echo "Targets (WAVE=$(WAVE)):"
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | sed -E -e 's/:.*## /\t/' -e 's/\$$\(WAVE\)/$(WAVE)/g' | awk -F'\t' '{printf "  make %-10s %s\n", $$1, $$2}'

$(INSTALLED): pyproject.toml
	@test -x $(PY) || $(BOOTSTRAP_PY) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	@touch $@

all: $(INSTALLED) ## install if needed, then run every stage of the wave if an input changed; print the summary
	@if $(PY) -m pipeline.inputs unchanged $(INPUT_STAMP) $(INPUT_PATHS) && [ -f $(OUT)/summary.txt ]; \
	then cat $(OUT)/summary.txt; \
	else $(PY) -m pipeline run --wave $(WAVE) --no-summary || { cat $(OUT)/summary.txt 2>/dev/null; exit 1; }; \
	$(PY) -m pipeline.inputs record $(INPUT_STAMP); cat $(OUT)/summary.txt; fi

run: $(INSTALLED) ## run every stage of the wave now, changed or not
	$(PY) -m pipeline run --wave $(WAVE)

figures: $(INSTALLED) ## run the stages up to the figures (figures/<wave>/)
	$(PY) -m pipeline figures --wave $(WAVE)

test: $(INSTALLED) browser ## install if needed, then run the test suite
	$(PY) -m pytest

browser: ## install Debian's chromium + chromium-driver for the report's browser test, where missing
	@scripts/install-chromium

lint: $(INSTALLED) ## ruff lint and format check
	$(PY) -m ruff check pipeline tests
	$(PY) -m ruff format --check pipeline tests

format: $(INSTALLED) ## ruff format the code
	$(PY) -m ruff format pipeline tests

bench: $(INSTALLED) ## time `make all` from clean outputs against the import cost of pandas, matplotlib, statsmodels
	$(PY) -m pipeline bench --wave $(WAVE)

templates: $(INSTALLED) ## blank return workbooks for every LA into out/templates/$(WAVE)
	$(PY) -m pipeline template --wave $(WAVE) --out out/templates/$(WAVE)

synth: $(INSTALLED) ## regenerate the synthetic default wave (writes data/raw/2018/returns)
	$(PY) -m pipeline synth --wave 2018

docs: $(INSTALLED) ## regenerate docs/data-contract.md from the codebook
	$(PY) -m pipeline docs

clean: ## remove all outputs (data/processed, figures, out)
	rm -rf data/processed/*/ figures/*/ out/
