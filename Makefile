# Archive-IO. `make demo` and `make test` create .venv and install the project first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: install spark-jars checkov shellcheck openapi demo serve test lint format unit integration bench clean

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

# checkov (the security scan of terraform/ in tests/unit/test_terraform.py) in a virtualenv of its own:
# it ships an `hcl2` module that conflicts with python-hcl2. Pinned: a new release brings new checks.
CHECKOV_VERSION := 3.3.30
CHECKOV := .checkov-venv/.installed-$(CHECKOV_VERSION)
$(CHECKOV):
	rm -rf .checkov-venv
	$(PYTHON) -m venv .checkov-venv
	.checkov-venv/bin/pip install -q 'checkov==$(CHECKOV_VERSION)'
	touch $(CHECKOV)

checkov: $(CHECKOV)

# shellcheck (deploy.sh is checked by the tests): the Debian package, installed where missing.
shellcheck:
	@command -v shellcheck >/dev/null || { \
		SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		echo "installing shellcheck with apt-get"; \
		$$SUDO apt-get update -qq && \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck >/dev/null; }

# The REST API's OpenAPI document, generated from the code (a test fails when the committed one differs).
openapi: $(INSTALLED)
	$(VENV)/bin/archive-io openapi > docs/openapi.json

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
test: lint $(SPARK_JARS) $(CHECKOV) shellcheck
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
	rm -rf $(VENV) .archive-io .mypy_cache .ruff_cache .pytest_cache .checkov-venv .cache
