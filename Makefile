# Thin, incremental wrapper around `python -m pipeline <command>`; every target also runs without make.
# `make all` re-runs the pipeline only when an input (returns, public data, config, code) changed.

WAVE ?= 2018
VENV ?= .venv
PY := $(VENV)/bin/python
BOOTSTRAP_PY ?= $(shell command -v python3.11 || command -v python3)
INSTALLED := $(VENV)/.installed
OUT := data/processed/$(WAVE)
STAMP := $(OUT)/.run-complete
INPUTS := $(shell find data/raw/$(WAVE) data/raw/public data/raw/reference data/raw/external config pipeline -type f -not -name '*.pyc' 2>/dev/null | LC_ALL=C sort)
# The list of input files, rewritten only when it changes: a deleted return also re-runs the wave.
INPUT_LIST := $(OUT)/.inputs
_ := $(shell mkdir -p $(OUT) && printf '%s\n' $(INPUTS) > $(INPUT_LIST).new && { cmp -s $(INPUT_LIST).new $(INPUT_LIST) || mv $(INPUT_LIST).new $(INPUT_LIST); }; rm -f $(INPUT_LIST).new)

.DEFAULT_GOAL := help
.PHONY: all run figures test lint format clean bench templates synth docs help browser

help: ## list the targets
	@echo "Targets (WAVE=$(WAVE)):"
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | awk -F'\t' '{printf "  make %-10s %s\n", $$1, $$2}'

$(INSTALLED): pyproject.toml
	@test -x $(PY) || $(BOOTSTRAP_PY) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	@touch $@

all: $(STAMP) ## install if needed, then run every stage of the wave and print the reproduction summary
	@cat $(OUT)/summary.txt

$(STAMP): $(INSTALLED) $(INPUTS) $(INPUT_LIST)
	$(PY) -m pipeline run --wave $(WAVE) --no-summary || { cat $(OUT)/summary.txt 2>/dev/null; exit 1; }
	@touch $@

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
