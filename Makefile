# Two entry points: `make run` (install, load the demo campaign, serve) and `make test` (the whole suite).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_CAMPAIGN := campaigns/chucai-liaocheng-2024.toml
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/test
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export DEBIAN_FRONTEND := noninteractive

.PHONY: run test system-deps test-system-deps messages lint test-sqlite test-postgres bench clean

## Debian packages the app needs: Python 3.11 with venv, and gettext to compile translations.
system-deps:
	@missing=""; \
	command -v $(PYTHON) >/dev/null || missing="$$missing python3 python3-venv python3-dev"; \
	$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || missing="$$missing python3-venv"; \
	command -v msgfmt >/dev/null || missing="$$missing gettext"; \
	if [ -n "$$missing" ]; then echo "apt-get install$$missing"; apt-get update -q && apt-get install -y -q $$missing; fi

## Debian packages the tests need: Chromium for the browser tests (never a downloaded browser).
test-system-deps: system-deps
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	[ -x /usr/sbin/dovecot ] || missing="$$missing dovecot-imapd"; \
	[ -x /usr/lib/dovecot/lmtp ] || missing="$$missing dovecot-lmtpd"; \
	[ -x /usr/bin/wrk ] || missing="$$missing wrk"; \
	if [ -n "$$missing" ]; then echo "apt-get install$$missing"; apt-get update -q && apt-get install -y -q $$missing; fi

$(VENV)/.installed-run: pyproject.toml
	[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml
	[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@ $(VENV)/.installed-run

messages: $(VENV)/.installed-run
	$(PY) -m xuanshu compilemessages -v0 --ignore "$(VENV)"

run: system-deps $(VENV)/.installed-run messages
	$(PY) -m xuanshu migrate --noinput -v0
	$(PY) -m xuanshu collectstatic --noinput -v0
	$(PY) -m xuanshu campaign load --rehearsal $(DEMO_CAMPAIGN)
	$(PY) -m xuanshu seed_demo --campaign chucai-liaocheng-2024 --count 200
	$(PY) -m xuanshu votes demo --campaign chucai-liaocheng-2024
	$(PY) -m xuanshu ensure_admin
	@echo
	@echo "  Nomination form: http://$(HOST):$(PORT)/c/chucai-liaocheng-2024/nominate/"
	@echo "  Status lookup:   http://$(HOST):$(PORT)/c/chucai-liaocheng-2024/status/"
	@echo "  Editors console: http://$(HOST):$(PORT)/console/"
	@echo "  Public vote:     http://$(HOST):$(PORT)/c/chucai-liaocheng-2024/candidates/"
	@echo "  Fraud dashboard: http://$(HOST):$(PORT)/console/voting/"
	@echo
	@echo "  Tasks run in a worker beside the web server (huey; Redis when REDIS_URL is set). Ctrl-C stops both."
	@echo
	@# Links sent to citizens (status links) name this server when it serves on loopback and no origin is set.
	case "$(HOST)" in 127.0.0.1|localhost) export XUANSHU_PUBLIC_BASE_URL="$${XUANSHU_PUBLIC_BASE_URL:-http://$(HOST):$(PORT)}";; esac; \
	XUANSHU_TASKS_IMMEDIATE=0 $(PY) -m xuanshu serve --bind $(HOST):$(PORT) --workers 2

test: test-system-deps $(VENV)/.installed-test messages lint test-sqlite test-postgres

lint:
	$(VENV)/bin/ruff check src bench

test-sqlite:
	@echo "== suite on SQLite"
	env -u TEST_DATABASE_URL $(PY) -m pytest -q

# PostgreSQL: TEST_DATABASE_URL if set; else the local server when one answers (CI sets it explicitly).
test-postgres:
	@url="$${TEST_DATABASE_URL:-}"; \
	if [ -z "$$url" ]; then \
	  if $(PY) -c 'import psycopg,sys; psycopg.connect("$(PG_TEST_URL)", connect_timeout=3).close()' 2>/dev/null; then url="$(PG_TEST_URL)"; \
	  else echo "PostgreSQL not reachable at $(PG_TEST_URL): set TEST_DATABASE_URL to run the suite on it."; exit 0; fi; \
	fi; \
	echo "== suite on PostgreSQL ($$url)"; TEST_DATABASE_URL="$$url" $(PY) -m pytest -q

bench: $(VENV)/.installed-test
	$(PY) bench/console_queue.py

clean:
	rm -rf $(VENV) var
