# Quick start: `make demo` (whole job on sample data) and `make test` (every test).
# Each target creates the virtualenv and installs the pinned stack first.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin

export TELEMETRY_DB ?= $(CURDIR)/warehouse.duckdb
export DBT_PROFILES_DIR := $(CURDIR)
export DBT_PROJECT_DIR := $(CURDIR)
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export GX_ANALYTICS_ENABLED := false

SAMPLE_DIR ?= sample_data
SAMPLE_EVENTS ?= 20000
SAMPLE_DAYS ?= 28
SAMPLE_SEED ?= 42
SAMPLE_BAD_FRACTION ?= 0.01

.PHONY: help venv demo sample load build gx report chromium java docs test test-spark lint pytest quality-report bench bench-gx bench-pipeline fuzz clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

venv: $(VENV)/.installed ## Create .venv with the pinned stack

demo: venv sample load build gx report ## Generate sample data, load it, dbt build, validate, write the report
	@echo
	@echo "Warehouse: $(TELEMETRY_DB)"
	@echo "Try:  $(BIN)/duckdb $(TELEMETRY_DB) -c 'select event, count(*) from raw.events group by 1'"
	@echo "      $(BIN)/duckdb $(TELEMETRY_DB) -c 'from mart_training_runtimes limit 10'"
	@echo "      $(BIN)/duckdb $(TELEMETRY_DB) -c 'from mart_server_deployment_configs limit 10'"
	@echo "      $(BIN)/duckdb $(TELEMETRY_DB) -c 'from mart_nlu_test_sizes limit 10'"
	@echo "Data-quality report: reports/data_quality/summary.md"
	@echo "Telemetry report: $(CURDIR)/reports/telemetry/index.html"

sample: venv ## Write a sample Segment archive to $(SAMPLE_DIR)
	$(PY) -m generator --events $(SAMPLE_EVENTS) --days $(SAMPLE_DAYS) --seed $(SAMPLE_SEED) \
		--bad-fraction $(SAMPLE_BAD_FRACTION) --out $(SAMPLE_DIR)

load: venv ## Load $(SAMPLE_DIR) into the warehouse
	$(PY) -m loaders load $(SAMPLE_DIR)/segment-logs

build: venv ## dbt build (seeds, models, tests)
	$(BIN)/dbt build

# Exit 1 means an expectation's data crossed its threshold: the report says which. The demo's sample
# carries injected violations on purpose, so 1 is expected there; 2 (could not run) always fails.
gx: venv ## Great Expectations checkpoint and data-quality report (reports/data_quality/)
	@$(PY) -m expectations; rc=$$?; \
	if [ $$rc -eq 1 ]; then echo "GX: expectations failed on this data (see reports/data_quality/summary.md)"; \
	elif [ $$rc -ne 0 ]; then exit $$rc; fi

report: venv ## The telemetry report, one offline HTML file: reports/telemetry/index.html
	$(PY) -m report

# The report's browser test (tests/test_report_browser.py) runs Debian's Chromium; say so plainly when it is missing.
chromium:
	@test -x /usr/bin/chromium || { echo "Chromium is missing (/usr/bin/chromium): the report's browser test needs it."; \
		echo "Install it with: apt-get install -y chromium   (.ci/run does this in CI)"; exit 1; }

docs: venv ## dbt docs (static, offline)
	$(BIN)/dbt docs generate --static

lint: venv ## ruff and sqlfluff
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint models macros tests/dbt

# The Spark tests (tests/test_spark*.py, marked spark) run pyspark, which needs a Java 17 runtime.
java:
	@command -v java >/dev/null || { echo "Java is missing: the Spark test (make test-spark) needs a Java 17 or 21 runtime."; \
		echo "Install it with: apt-get install -y default-jre-headless   (.ci/run does this in CI)"; exit 1; }

# Every test but the Spark ones (test-spark), the fuzz included at its default budget (the ci Hypothesis profile,
# tests/conftest.py).
pytest: venv chromium
	$(BIN)/pytest -m "not spark"; rc=$$?; [ $$rc -eq 5 ] && { echo "pytest collected no tests"; exit 1; }; exit $$rc

test-spark: venv java ## The project on Apache Spark (local[2]) gives DuckDB's answers (the Spark loader, dbt on Spark)
	$(BIN)/pytest -m spark; rc=$$?; [ $$rc -eq 5 ] && { echo "pytest collected no tests"; exit 1; }; exit $$rc

fuzz: venv ## The loader's fuzz, long (tests/test_fuzz.py, nightly profile; make test runs a short one)
	$(BIN)/pytest -m fuzz --hypothesis-profile=nightly

# The data-quality report CI keeps: GX over a freshly loaded sample (with injected bad data).
QUALITY_WORK := .quality-sample
quality-report: venv
	rm -rf $(QUALITY_WORK) && mkdir -p $(QUALITY_WORK)
	$(PY) -m generator --events 5000 --days 14 --seed 1 --bad-fraction 0.01 --out $(QUALITY_WORK)/sample
	TELEMETRY_DB=$(CURDIR)/$(QUALITY_WORK)/warehouse.duckdb $(PY) -m loaders load $(QUALITY_WORK)/sample/segment-logs
	@TELEMETRY_DB=$(CURDIR)/$(QUALITY_WORK)/warehouse.duckdb $(PY) -m expectations --out reports/data_quality; \
	rc=$$?; [ $$rc -le 1 ] || exit $$rc
	@echo "Data-quality report: $(CURDIR)/reports/data_quality/summary.md (Data Docs: reports/data_quality/data_docs/index.html)"

test: lint pytest test-spark quality-report ## Lint, every test (the Spark one too), and the data-quality report on sample data

bench: venv ## Loader benchmark (1M events, clean and 1% bad)
	$(PY) bench/load.py --events 1000000

bench-gx: venv ## GX validation benchmark (10M synthetic landed events)
	$(PY) bench/gx.py

bench-pipeline: venv ## Whole-pipeline benchmark: load, dbt build, GX, then a nightly day (10M events, 60 days)
	$(PY) bench/pipeline.py

clean: ## Remove generated files (keeps .venv and the warehouse)
	rm -rf target logs $(SAMPLE_DIR) reports bench/out $(QUALITY_WORK) spark
