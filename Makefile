# Thin, incremental wrapper around `python -m pipeline <command>`; every target also runs without make.
# `make all` re-runs the pipeline only when an input (returns, public data, config, code) changed.

WAVE ?= 2018
# `make all` builds every configured wave (config/waves/*.yaml) whose returns folder exists, or only
# WAVE when it is given (make all WAVE=2023).
CONFIGURED_WAVES := $(basename $(notdir $(wildcard config/waves/*.yaml)))
returns_of = $(shell sed -n 's/^returns_dir: *//p' config/waves/$(1).yaml)
READY_WAVES := $(foreach w,$(CONFIGURED_WAVES),$(if $(and $(call returns_of,$(w)),$(wildcard $(call returns_of,$(w)))),$(w)))
WAVE_GIVEN := $(filter command line environment,$(origin WAVE))
WAVES := $(if $(WAVE_GIVEN),$(WAVE),$(READY_WAVES))
SKIPPED_WAVES := $(if $(WAVE_GIVEN),,$(filter-out $(READY_WAVES),$(CONFIGURED_WAVES)))
VENV ?= .venv
PY := $(VENV)/bin/python
BOOTSTRAP_PY ?= $(shell command -v python3.11 || command -v python3)
INSTALLED := $(VENV)/.installed
inputs_of = $(shell find data/raw/$(1) data/raw/public data/raw/reference data/raw/external config pipeline -type f -not -name '*.pyc' 2>/dev/null | LC_ALL=C sort)
# The list of input files of each wave, rewritten only when it changes: a deleted return also re-runs it.
write_input_list = $(shell mkdir -p data/processed/$(1) && printf '%s\n' $(call inputs_of,$(1)) > data/processed/$(1)/.inputs.new && { cmp -s data/processed/$(1)/.inputs.new data/processed/$(1)/.inputs || mv data/processed/$(1)/.inputs.new data/processed/$(1)/.inputs; }; rm -f data/processed/$(1)/.inputs.new)
_ := $(foreach w,$(WAVES),$(call write_input_list,$(w)))

.DEFAULT_GOAL := help
.PHONY: all run figures test lint format clean bench templates synth docs compare help browser

help: ## list the targets
	@echo "Targets (WAVE=$(WAVE)):"
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | awk -F'\t' '{printf "  make %-10s %s\n", $$1, $$2}'

$(INSTALLED): pyproject.toml
	@test -x $(PY) || $(BOOTSTRAP_PY) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	@touch $@

all: $(foreach w,$(WAVES),data/processed/$(w)/.run-complete) ## run every stage of each wave with returns (or WAVE=...) and print its summary
	@for w in $(SKIPPED_WAVES); do echo "wave $$w skipped: no returns yet (returns_dir of config/waves/$$w.yaml)"; done
	@for w in $(WAVES); do cat data/processed/$$w/summary.txt; done

.SECONDEXPANSION:
data/processed/%/.run-complete: $(INSTALLED) $$(call inputs_of,$$*) data/processed/%/.inputs
	$(PY) -m pipeline run --wave $* --no-summary || { cat data/processed/$*/summary.txt 2>/dev/null; exit 1; }
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

compare: $(INSTALLED) ## compare two waves: make compare OLD=2018 NEW=2023
	$(PY) -m pipeline compare $(OLD) $(NEW)

docs: $(INSTALLED) ## regenerate docs/data-contract*.md from the instruments
	$(PY) -m pipeline docs

clean: ## remove all outputs (data/processed, figures, out)
	rm -rf data/processed/*/ figures/*/ out/
