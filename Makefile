# gridgov: `make run` serves the demo town; `make test` runs the suite. Both set everything up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run serve test test-fast test-cluster lint i18n bench province install system-deps migrate demo periodic clean

$(BIN)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(BIN)/.installed node_modules/.installed

system-deps:
	./scripts/system-deps

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py seed_demo --if-empty

# DEBUG stays off (the project's own 404/403 pages, no settings or URL patterns shown) unless asked for:
# `make run GRIDGOV_DEBUG=1`. `--insecure` lets this development server serve the static files without DEBUG.
GRIDGOV_DEBUG ?= 0
run: demo
	@$(BIN)/python manage.py demo_accounts
	GRIDGOV_DEBUG=$(GRIDGOV_DEBUG) $(BIN)/python manage.py runserver --insecure $(HOST):$(PORT)

# The production configuration on one machine: gunicorn, WhiteNoise, DEBUG off, the periodic worker
# beside it, JSON logs on stdout; SQLite or DATABASE_URL (docs/deploy.md).
serve: install
	scripts/serve

# The periodic jobs (overdue matters, supervision cards, webhook retries): run beside `make run`.
periodic: migrate
	$(BIN)/python manage.py run_periodic

test: install system-deps
	DJANGO_SETTINGS_MODULE=gridgov.settings_test $(BIN)/python manage.py check --fail-level WARNING
	DJANGO_SETTINGS_MODULE=gridgov.settings_test $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest -q

test-fast: install
	$(BIN)/pytest -m "not browser"

# A PostgreSQL primary and streaming replica, two app nodes and two task workers on loopback:
# replication, failover of reads, exactly-once jobs, shared files, a bounded load test, kill -9 (docs/deploy.md).
test-cluster: install
	$(BIN)/python -m cluster

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Refresh the English catalog after changing UI text (needs Debian's gettext tools).
i18n: install
	scripts/i18n-refresh

bench: install
	$(BIN)/python -m bench

# A generated province on PostgreSQL for `make bench` (BENCH_PROVINCE_URL): COUNTIES counties of TOWNS towns
# (100 x 26: ~53M residents, ~53M visits, 10M matters; an hour or more and ~100 GB, see docs/deploy.md).
COUNTIES ?= 100
TOWNS ?= 26
province: install
	$(BIN)/python -m bench.province --counties $(COUNTIES) --towns $(TOWNS)

clean:
	rm -rf $(VENV) node_modules staticfiles
