# Kuyakusho — the two commands: `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_RESIDENTS ?= 20000
PYTEST_ARGS ?=

.PHONY: run test e2e bench lint typecheck lock messages venv clean

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.lock pyproject.toml
	@test -x $(PY) || "$$(scripts/find-python)" -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@touch $@

run: export KUYAKUSHO_DEMO = 1
run: export PUBLIC_BASE_URL ?= http://$(HOST):$(PORT)
run: venv
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py demo_ward --if-empty --residents $(DEMO_RESIDENTS)
	@$(PY) manage.py demo_logins
	@echo "Kuyakusho: http://$(HOST):$(PORT)/  ·  console http://$(HOST):$(PORT)/console/  ·  kiosk http://$(HOST):$(PORT)/kiosk/"
	@echo "(counter traffic is simulated in the background during opening hours: manage.py demo_traffic --live)"
	@echo "(periodic jobs — audit checkpoints every 5 min into var/audit-checkpoints/, lapses, open data — are enqueued by manage.py run_schedule)"
	@echo "(background tasks, e.g. those jobs and the payment sandbox's webhooks, run in: manage.py db_worker)"
	@$(PY) manage.py demo_traffic --live -v0 & traffic=$$!; \
	  $(PY) manage.py run_schedule -v0 & schedule=$$!; \
	  $(PY) manage.py db_worker --no-reload -v0 & worker=$$!; \
	  trap 'kill $$traffic $$schedule $$worker 2>/dev/null' EXIT INT TERM; \
	  $(VENV)/bin/uvicorn config.asgi:application --host $(HOST) --port $(PORT) --lifespan off --no-access-log \
	    --timeout-graceful-shutdown 5

test: venv
	@scripts/ensure-test-tools
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) -m pytest -n 2 --dist loadgroup -q $(PYTEST_ARGS)

e2e: venv
	@scripts/ensure-test-tools
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) -m pytest -q tests/e2e $(PYTEST_ARGS)

bench: venv
	$(PY) -m bench $(BENCH_ARGS)

lint: venv
	$(VENV)/bin/ruff check .
	$(MAKE) typecheck

# mypy with django-stubs, configured in pyproject.toml ([tool.mypy]): strict for core, audit, accounts and every
# app's services; the rest of the tree with mypy's defaults.
typecheck: venv
	$(VENV)/bin/mypy

# Each app keeps its own catalogue (kuyakusho/<app>/locale); msgids are Japanese, English is the translation.
messages: venv
	for d in kuyakusho/*/locale; do (cd $$d/.. && ../../$(PY) ../../manage.py makemessages -l en --no-obsolete --no-location); done
	$(PY) scripts/po_fill.py

lock: venv
	$(PY) -m pip freeze --exclude-editable --exclude kuyakusho > requirements.lock

clean:
	rm -rf $(VENV) var/static
