# CoopESS — one command to run the demo, one to run the tests.
# Needs only python3 (3.11+) and make: uv is installed in .tools/, the project in .venv/.

PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON := $(PYTHON)

.PHONY: run install install-dev test test-fast lint format migrations-check deploy-check bench audit clean

run: install ## Start CoopESS with its demo data on http://127.0.0.1:8000 (web + worker)
	COOPESS_ENV=development $(PY) manage.py migrate --noinput
	COOPESS_ENV=development $(PY) manage.py demo_load
	COOPESS_ENV=development $(PY) scripts/run_demo.py

$(UV):
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ required"' \
	  || { echo "CoopESS demande Python 3.11 ou plus récent."; exit 1; }
	@$(PYTHON) -m venv $(TOOLS) || { echo "Impossible de créer un environnement virtuel : installez le paquet python3-venv (sudo apt-get install python3-venv)."; exit 1; }
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

install: $(UV) ## Runtime dependencies, exactly as locked in uv.lock
	$(UV) sync --frozen --no-dev --inexact

install-dev: $(UV) ## Runtime and development dependencies
	$(UV) sync --frozen

test: install-dev ## The whole test suite (SQLite unless DATABASE_URL is set)
	COOPESS_ENV=test $(VENV)/bin/pytest -p xdist -n 2 --dist loadfile

test-fast: install-dev
	COOPESS_ENV=test $(VENV)/bin/pytest -m "not browser" -x -q

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	PYTHONPATH=. $(VENV)/bin/lint-imports --no-cache

format: install-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

migrations-check: install-dev
	COOPESS_ENV=test $(PY) manage.py makemigrations --check --dry-run

deploy-check: install-dev ## Django's deployment checklist on production settings
	COOPESS_ENV=production SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))') \
	  ALLOWED_HOSTS=coopess.example.org DATABASE_URL=sqlite:///var/deploy-check.sqlite3 \
	  $(PY) manage.py check --deploy --fail-level WARNING

audit: install-dev ## Known vulnerabilities in the locked dependencies
	$(UV) export --frozen --format requirements-txt --no-emit-project > var/requirements-audit.txt
	$(VENV)/bin/pip-audit --strict --disable-pip --no-deps -r var/requirements-audit.txt

bench: install-dev ## Latency benchmark against gunicorn (see docs/performance.md)
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) $(TOOLS) var/coopess.sqlite3* staticfiles
