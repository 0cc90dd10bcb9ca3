# Two commands on a fresh machine: `make run` and `make test`. See README.md.
SHELL := /bin/bash
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
export NEXT_TELEMETRY_DISABLED := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test reliability schemathesis lint format typecheck seed migrate check-deploy clean help frontend frontend-e2e bench

help:
	@echo "make run        set up .venv, migrate, seed demo data and run web + workers + beat"
	@echo "make test       run the test suite (DATABASE_URL / REDIS_URL honoured)"
	@echo "make reliability  fault injection, fuzzing and a 1,000-client soak, 8-12 min (PostgreSQL + redis-server)"
	@echo "make lint       ruff check + ruff format --check"
	@echo "make typecheck  mypy with django-stubs"
	@echo "make seed       (re)create the demo accounts and data"
	@echo "make frontend   web client: npm ci, build, type check, lint, unit tests (Node 20.9+)"
	@echo "make frontend-e2e  browser tests against a running make run (E2E_BASE_URL)"
	@echo "make bench      benchmarks vs the FastAPI peer, ~15 min (BENCH_QUICK=1: ~2 min); see README"

$(BIN)/python:
	@if [ -z "$(PYTHON)" ]; then echo "Python 3.11 or newer is required (none found on PATH)." >&2; exit 1; fi
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.base-installed: requirements/base.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements/base.txt
	@touch $@

$(VENV)/.dev-installed: requirements/base.txt requirements/dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements/dev.txt
	@touch $@ $(VENV)/.base-installed

run: $(VENV)/.base-installed
	$(BIN)/python -m portfolio_site.devstack run

test: $(VENV)/.dev-installed
	$(BIN)/python -m portfolio_site.devstack test $(PYTEST_ARGS)

reliability: $(VENV)/.dev-installed  ## tests/reliability: killed workers, restarted Redis/PostgreSQL, fuzzing, soak
	$(BIN)/python -m portfolio_site.devstack test tests/reliability -m reliability $(PYTEST_ARGS)

schemathesis: $(VENV)/.dev-installed  ## fuzz the API from its OpenAPI schema (SCHEMATHESIS_CASES, default 2000)
	$(BIN)/python -m portfolio_site.devstack test tests/security/test_schemathesis.py -q

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.dev-installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: $(VENV)/.dev-installed
	$(BIN)/mypy portfolio_site market portfolio realtime

migrate: $(VENV)/.base-installed
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo

check-deploy: $(VENV)/.base-installed
	DJANGO_ENV=production SECRET_KEY=$$(head -c 48 /dev/urandom | base64) \
	JWT_SIGNING_KEY=$$(head -c 48 /dev/urandom | base64) ALLOWED_HOSTS=example.com \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache

# Needs PostgreSQL and Redis on 127.0.0.1 (BENCH_DATABASE_URL / BENCH_REDIS_URL); writes bench/results/.
bench: $(VENV)/.base-installed
	@command -v wrk >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq wrk >/dev/null; } \
		|| echo "[bench] wrk not installed (apt-get install wrk); closed-loop API load uses bench/http_load.py"
	$(BIN)/python -m pip install --quiet -r bench/requirements.txt
	$(BIN)/python -m bench.run $(BENCH_ARGS)

# The Next.js client (frontend/). `make run` installs, builds and serves it by itself.
frontend:
	node frontend/scripts/serve.mjs --prepare
	cd frontend && npm run typecheck && npm run lint && npm test

frontend-e2e:
	cd frontend && npm run e2e
