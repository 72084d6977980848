# Two commands set everything up on a fresh machine: `make run` and `make test` (see README).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Debian packages the portal and its tests need: the browser, CJK fonts (screenshots, document
# rendering), gettext (translations), ffmpeg (video probing), LibreOffice (.doc/.ppt conversion,
# previews).
APT_PACKAGES := chromium fonts-noto-cjk fonts-arphic-ukai gettext ffmpeg libreoffice-writer-nogui libreoffice-impress-nogui
TEST_ENV := DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal \
	REDIS_URL=redis://127.0.0.1:6379/15 \
	CELERY_QUEUE=portal-test \
	SECRET_KEY=test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz \
	HTTPS=0 DEBUG=0

.PHONY: run test install system-deps services audit messages check-deploy

$(STAMP): pyproject.toml requirements.lock
	command -v $(PYTHON) >/dev/null || { echo "需要 Python 3.11（$(PYTHON)）"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.lock
	$(PY) -m pip install -q --no-deps -e .
	touch $@

install: $(STAMP)

# The portal with demo data on http://127.0.0.1:8000. Embedded (SQLite, tasks in-process)
# unless DATABASE_URL / REDIS_URL are set; with REDIS_URL a Celery worker runs alongside.
# DEBUG stays off (the Chinese 404/403/500 pages, as users see them): DEBUG=1 make run for
# Django's debug pages.
run: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	export DEMO_MODE=$${DEMO_MODE:-1} HTTPS=$${HTTPS:-0}; \
	if [ -n "$$DATABASE_URL$$REDIS_URL" ]; then $(PY) manage.py collectstatic --noinput -v 0; fi; \
	if [ -n "$$REDIS_URL" ]; then \
		$(PY) -m celery -A portal worker --loglevel=INFO --concurrency=2 & worker=$$!; \
		trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	fi; \
	$(PY) manage.py runserver 127.0.0.1:8000

# Installs what the suite needs where it is missing (root only), then starts PostgreSQL/Redis if stopped.
system-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
		else echo "请先安装：$$missing（需要 root）"; exit 1; fi; \
	fi

services:
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	@redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
	@for i in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && redis-cli ping >/dev/null 2>&1 && break; sleep 1; done
	@pg_isready -q -h 127.0.0.1 -p 5432 && redis-cli ping >/dev/null 2>&1 || { echo "PostgreSQL 或 Redis 未能启动"; exit 1; }
	@psql -h 127.0.0.1 -U postgres -tAc "select 1 from pg_database where datname='portal'" | grep -q 1 || createdb -h 127.0.0.1 -U postgres portal

# Each run has its own test database, Celery queue and cache prefix, so two runs at once (two
# checkouts, CI and a developer) never hand each other's tasks to the wrong worker or reset each
# other's rate-limit counters.
test: $(STAMP) system-deps services audit
	$(TEST_ENV) $(PY) manage.py makemigrations --check --dry-run >/dev/null
	$(TEST_ENV) DATABASE_TEST_NAME=test_portal_$$$$ CELERY_QUEUE=portal-test-$$$$ CACHE_KEY_PREFIX=test-$$$$ $(PY) -m pytest $(PYTEST_ARGS)

# Known vulnerabilities in the pinned dependencies fail the build (see scripts/audit_dependencies.py
# for what happens when the vulnerability service cannot be reached).
audit: $(STAMP)
	$(PY) scripts/audit_dependencies.py

# Production settings must pass Django's deployment checklist without a warning.
check-deploy: $(STAMP)
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal REDIS_URL=redis://127.0.0.1:6379/0 \
	SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))') ALLOWED_HOSTS=cases.example.org \
	$(PY) manage.py check --deploy --fail-level WARNING

# Refresh the zh_Hans catalogue after changing user-facing strings (then fill in the new msgstrs).
messages: $(STAMP)
	flock /tmp/po.lock $(PY) manage.py makemessages -l zh_Hans --no-location --ignore=.venv --ignore=var --ignore=tests --ignore=bench
	flock /tmp/po.lock $(PY) manage.py compilemessages --ignore=.venv
