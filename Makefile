# Archive-IO. `make demo` and `make test` create .venv and install the project first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: install spark-jars demo serve test lint format unit integration bench clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip uv
	# uv resolves and installs in seconds; pip is the fallback where uv cannot run.
	$(VENV)/bin/uv pip install --python $(PY) -q -e '.[dev]' || $(PY) -m pip install -q -e '.[dev]'
	touch $(INSTALLED)

install: $(INSTALLED)

# The local Spark engine's jars (Iceberg runtime, JDBC drivers): installs Debian packages where missing.
SPARK_JARS := .spark-jars/.built
$(SPARK_JARS): scripts/spark_jars.sh $(INSTALLED)
	scripts/spark_jars.sh
	touch $(SPARK_JARS)

spark-jars: $(SPARK_JARS)

demo: $(INSTALLED)
	$(VENV)/bin/archive-io demo

serve: $(INSTALLED)
	$(VENV)/bin/archive-io serve

lint: $(INSTALLED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: $(INSTALLED)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# pytest exits 5 when it collects no test: for this project that is a broken suite, not a pass.
test: lint $(SPARK_JARS)
	$(PY) -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing the run"; exit 1; fi; exit $$rc

unit: $(INSTALLED)
	$(PY) -m pytest tests/unit $(PYTEST_ARGS)

integration: $(INSTALLED)
	$(PY) -m pytest tests/integration tests/e2e $(PYTEST_ARGS)

# Not part of `make test`: timings live in docs/benchmarks.md, measured against a floor in the same run.
bench: $(INSTALLED) $(SPARK_JARS)
	$(PY) benchmarks/archive_throughput.py
	$(PY) benchmarks/validation.py
	$(PY) benchmarks/file_bundling.py
	$(PY) benchmarks/spark_engine.py

clean:
	rm -rf $(VENV) .archive-io .mypy_cache .ruff_cache .pytest_cache
