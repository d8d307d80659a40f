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
# Inputs of a wave: any file under these paths (names with spaces, quotes, brackets or non-ASCII
# letters, links and links to nothing included). `python -m pipeline.inputs` lists them with size,
# time and link target; the wave re-runs when the listing differs from the last successful run's.
INPUT_PATHS = data/raw/$(1) data/raw/public data/raw/reference data/raw/external config pipeline pyproject.toml

.DEFAULT_GOAL := help
.PHONY: all run figures test test-all lint format clean bench templates synth docs compare help browser

help: ## list the targets
	@echo "Targets (WAVE=$(WAVE)):"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E -e 's/:.*## /\t/' -e 's/\$$\(WAVE\)/$(WAVE)/g' | awk -F'\t' '{printf "  make %-10s %s\n", $$1, $$2}'

$(INSTALLED): pyproject.toml
	@test -x $(PY) || $(BOOTSTRAP_PY) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	@touch $@

all: $(INSTALLED) ## run every stage of each wave with returns (or WAVE=...) if an input changed; print its summary
	@for w in $(SKIPPED_WAVES); do echo "wave $$w skipped: no returns yet (returns_dir of config/waves/$$w.yaml)"; done
	@set -e; for w in $(WAVES); do out=data/processed/$$w; \
	if $(PY) -m pipeline.inputs unchanged $$out/.inputs $(call INPUT_PATHS,$$w) && [ -f $$out/summary.txt ]; \
	then cat $$out/summary.txt; \
	else $(PY) -m pipeline run --wave $$w --no-summary || { [ ! "$$out/summary.txt" -nt "$$out/.inputs.new" ] || cat "$$out/summary.txt"; exit 1; }; \
	if [ -f "$$out/.inputs.new" ]; then mv -f "$$out/.inputs.new" "$$out/.inputs"; fi; cat "$$out/summary.txt"; fi; done

run: $(INSTALLED) ## run every stage of the wave now, changed or not
	$(PY) -m pipeline run --wave $(WAVE)

figures: $(INSTALLED) ## run the stages up to the figures (figures/<wave>/)
	$(PY) -m pipeline figures --wave $(WAVE)

test: $(INSTALLED) browser ## install if needed, then run the test suite (tests marked slow: only with CI=true)
	$(PY) -m pytest

test-all: $(INSTALLED) browser ## the test suite with the slow tests, as CI runs it
	$(PY) -m pytest --run-slow

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

synth: $(INSTALLED) ## regenerate the synthetic wave WAVE (writes data/raw/$(WAVE)/returns)
	$(PY) -m pipeline synth --wave $(WAVE)

compare: $(INSTALLED) ## compare two waves: make compare OLD=2018 NEW=2023
	$(PY) -m pipeline compare $(OLD) $(NEW)

docs: $(INSTALLED) ## regenerate docs/data-contract*.md from the instruments
	$(PY) -m pipeline docs

clean: ## remove all outputs (data/processed, figures, out)
	rm -rf data/processed/*/ figures/*/ out/
