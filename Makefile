# Two commands matter: `make run` and `make test` (see README.md).
PYTHON_VERSION := $(shell cat .python-version)
PYTHON ?= $(shell command -v python$(PYTHON_VERSION) || echo python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint format bench faults install clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -c 'import sys; assert sys.version_info[:2] == (3, 12), "Python 3.12 is needed, found " + sys.version' 
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --group dev
	$(PY) -m pip install --quiet --no-deps --group scim-servers
	@touch $(STAMP)

run: install
	@$(PY) scripts/make_dot_env.py
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	SITE_URL=$${SITE_URL:-http://localhost:$${PORT:-8000}} exec $(PY) manage.py run_demo

test: install
	@bash scripts/ensure_chromium.sh
	$(PY) -m pytest $(PYTEST_ARGS)

# Prints the provisioning benchmarks' figures (not tests). DATABASE_URL and REDIS_URL give
# the production shape; without them: SQLite and the filesystem broker. Then the page
# benchmark's (PostgreSQL only; PAGES_ARGS, e.g. --scale 0.1 or --no-worker).
bench: install
	LOG_LEVEL=WARNING TASK_LOG_LEVEL=WARNING $(PY) bench/provisioning.py $(BENCH_ARGS)
	LOG_LEVEL=WARNING TASK_LOG_LEVEL=WARNING $(PY) bench/pages.py $(PAGES_ARGS)

# The fault suite (bench/faults): a real worker and beat on PostgreSQL and a redis-server of
# its own, scim2-servers behind a fault proxy; prints figures and PASS/FAIL per goal, fails on
# a correctness goal. FAULTS_ARGS=--short is the short version `make test` runs
# (tests/test_fault_suite.py); FAULTS_ARGS="--only worker-killed" one scenario.
faults: install
	$(PY) -m bench.faults $(FAULTS_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) staticfiles var
