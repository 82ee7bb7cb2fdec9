# The two commands of the README: `make run` and `make test`. Both build .venv themselves.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
WEB_PORT ?= 8000
export HOST WEB_PORT

.PHONY: run test lint bench bench-scale messages venv dev-venv clean

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "riskregister needs Python 3.11; set PYTHON=/path/to/python3.11")'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: $(PY) requirements.txt
	$(PY) -m pip install -q -r requirements.txt
	@touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install -q -r requirements-dev.txt
	@touch $@

venv: $(VENV)/.runtime
dev-venv: $(VENV)/.dev

# The Procfile's processes under supervisord (riskregister/supervise.py): one that dies is restarted,
# the others keep running; Ctrl-C stops them all. The demo and the first administrator are set up
# once the broker answers, and a summary is printed once everything does.
run: $(VENV)/.runtime
	@bash scripts/install-report-deps.sh
	@$(PY) manage.py migrate --noinput -v0
	@# Hashing and compressing every file takes ~30 s here: only when the packages that ship them changed.
	@manifest="$${RISKREGISTER_VAR_DIR:-var}/static/staticfiles.json"; \
	  if [ ! -f "$$manifest" ] || [ requirements.txt -nt "$$manifest" ]; then $(PY) manage.py collectstatic --noinput -v0; fi
	@exec $(PY) -m riskregister.supervise

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: lint
	bash scripts/install-test-services.sh
	bash scripts/install-report-deps.sh --tests
	bash scripts/test.sh

BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/riskregister_bench
bench: $(VENV)/.dev
	bash scripts/install-bench-tools.sh
	$(PY) bench/bench_register.py
	$(PY) bench/bench_monitoring.py
	$(PY) bench/bench_incidents.py
	$(PY) bench/bench_reviews.py
	$(PY) bench/bench_projections.py
	$(PY) bench/bench_slos.py
	$(PY) bench/bench_queues.py
	$(PY) bench/bench_audit.py
	@if $(PY) -c "import psycopg, sys; psycopg.connect(sys.argv[1].rsplit('/', 1)[0] + '/postgres', connect_timeout=3).close()" "$(BENCH_DATABASE_URL)" 2>/dev/null; then \
		$(PY) bench/bench_register.py --database-url "$(BENCH_DATABASE_URL)"; \
		$(PY) bench/bench_programmes.py --database-url "$(BENCH_DATABASE_URL)"; \
		$(PY) bench/bench_monitoring.py --database-url "$(BENCH_DATABASE_URL)"; \
		$(PY) bench/bench_api.py --database-url "$(BENCH_DATABASE_URL)"; \
		$(PY) bench/bench_incidents.py --database-url "$(BENCH_DATABASE_URL)"; \
		$(PY) bench/bench_reviews.py --database-url "$(BENCH_DATABASE_URL)"; \
		$(PY) bench/bench_slos.py --database-url "$(BENCH_DATABASE_URL)"; \
		$(PY) bench/bench_audit.py --database-url "$(BENCH_DATABASE_URL)"; \
	else echo "bench: no PostgreSQL at $(BENCH_DATABASE_URL); SQLite figures only"; fi

# Workers as separate hosts (network namespaces on a bridge of their own): needs root and PostgreSQL.
bench-scale: $(VENV)/.dev
	bash scripts/install-bench-tools.sh
	$(PY) bench/bench_scale_out.py --database-url "$(BENCH_DATABASE_URL)"

messages: $(VENV)/.dev
	$(PY) manage.py makemessages -l ja --ignore '.venv/*' --ignore 'tests/*' --ignore 'bench/*'
	$(PY) manage.py compilemessages --ignore '.venv/*'

clean:
	rm -rf $(VENV) var/static
