# Runback: `make run` serves the demo clinic, `make test` runs the test suite. Both set everything up first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test install worker lint format e2e bench bench-worker bench-load clean

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_exercise_library
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py runserver 127.0.0.1:8000

# The quick suite on every core (pytest-xdist; a worker out of tests takes some of another's), its databases made from
# the models (--no-migrations, pyproject.toml; tests/test_migrations.py applies the migrations), without the tests
# marked `thorough`. .ci/run also runs it single-process on PostgreSQL with a real worker, on a schema built by the
# migrations, thorough (RUNBACK_THOROUGH=1). Compiled modules are kept even where PYTHONDONTWRITEBYTECODE is set
# (pytest's rewritten test modules among them): compiling them again costs each test process some 5 s of CPU.
test: install
	@$(PYTHON) scripts/check_system.py --install --for-tests
	PYTHONDONTWRITEBYTECODE= $(BIN)/pytest -n auto --dist worksteal

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt scripts/check_system.py
	@$(PYTHON) scripts/check_system.py --install
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev]"
	@touch $@

# A real Celery worker (needs REDIS_URL; without it tasks already run inside the web process).
worker: install
	$(BIN)/celery -A clinic worker --loglevel INFO --concurrency 2

# Browser journeys in Chromium (tests/e2e, marked e2e; `make test` leaves them out). npm ci installs the pinned
# axe-core that scans every page; screenshots go to test-artifacts/screenshots/.
e2e: install
	cd tests/e2e && npm ci --no-audit --no-fund
	rm -rf test-artifacts/screenshots
	$(BIN)/pytest -m e2e tests/e2e

# The benchmarks that need nothing but Python: the plan builder and the PDF handout (README "Performance", "PDF
# handouts"). Each prints its figures and targets and exits 1 when a target is missed; both always run.
bench: install
	status=0; \
	$(BIN)/python bench/plan_builder.py || status=1; \
	$(BIN)/python bench/handout_render.py || status=1; \
	exit $$status

# Handouts through a real Celery worker on Redis, concurrency 1 then 2 (needs PostgreSQL and redis-server; it starts
# its own Redis and workers and recreates its database, BENCH_DATABASE_URL, default .../runback_handout_bench).
bench-worker: install
	$(BIN)/python bench/handout_worker.py

# The load benchmark: seeds clinics of 2,000 and 20,000 patients in PostgreSQL (BENCH_PATIENTS; databases named
# after DATABASE_URL's, default .../runback_bench_2000 and _20000), serves each with gunicorn and measures pages with
# wrk (bench/load/run.sh; README "Performance"). It installs wrk and psql when missing, as `make` does Pango.
bench-load: install
	PYTHON=$(BIN)/python bench/load/run.sh

# Ruff, then the floor plan: each app imports only the apps below it (pyproject.toml [tool.importlinter]).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) staticfiles
