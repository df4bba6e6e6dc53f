# Two commands for a new user: `make run` and `make test`. `make install` is the set-up alone.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app eventapp
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000
WORKERS ?= 2
# Links in mails point here (set it to the public address in production).
PUBLIC_BASE_URL ?= http://$(HOST):$(PORT)/
# Noto Sans and Noto Sans CJK (one type family on pages and paper), HarfBuzz subsetting
# (WeasyPrint is ~10x slower without it), Chromium for the browser tests, poppler for looking
# at PDFs, libical with its Python bindings to check calendar files as calendar apps do.
APT_PACKAGES := fonts-noto-cjk fonts-noto-core libharfbuzz-subset0 chromium poppler-utils gir1.2-ical-3.0 python3-gi

LINTED := eventapp tests bench migrations
JS_STAMP := eventapp/static/vendor/.installed
CATALOGUES := eventapp/translations
MO_FILES := $(patsubst %.po,%.mo,$(wildcard $(CATALOGUES)/*/LC_MESSAGES/messages.po))

.PHONY: install run test lint typecheck lock system-packages python-packages bytecode js-packages translations messages database clean

install: system-packages python-packages bytecode js-packages translations database

system-packages:
	@missing=""; \
	for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "==> Installing Debian packages:$$missing"; \
	  sudo=""; [ "$$(id -u)" -ne 0 ] && sudo=sudo; \
	  $$sudo apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing; \
	fi

python-packages: $(STAMP)

# Exactly the versions in requirements.lock (those the tests passed with), then eventapp itself.
$(STAMP): pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is required"; exit 1; }
	@[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install -q --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

# eventapp's modules compiled ahead, as pip compiles the packages': a process that may not
# write bytecode (PYTHONDONTWRITEBYTECODE, a read-only checkout) would compile its 100
# modules on every start (0.13 s of each CLI command). Files already current are skipped.
bytecode: $(STAMP)
	@$(BIN)/python -m compileall -q -j 0 eventapp

# After changing the dependencies in pyproject.toml: resolve them again and write the lock.
lock:
	@[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -e '.[dev]'
	@{ echo "# Every package and version the tests passed with (make install installs exactly these)."; \
	  echo "# After changing dependencies in pyproject.toml: make lock"; \
	  $(BIN)/pip freeze --exclude-editable; } > requirements.lock

# The door page's QR reader comes from the npm registry and is served from static/vendor/.
js-packages: $(JS_STAMP)

$(JS_STAMP): $(wildcard package.json package-lock.json)
	@[ -f package.json ] || exit 0; \
	command -v npm >/dev/null || { echo "==> Installing Node.js and npm"; \
	  sudo=""; [ "$$(id -u)" -ne 0 ] && sudo=sudo; \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq nodejs npm; }; \
	npm ci --no-audit --no-fund --loglevel=error && npm run --silent vendor && \
	mkdir -p $(dir $(JS_STAMP)) && touch $(JS_STAMP)

# The compiled catalogues (.mo) are build output, made from the .po files kept in git.
translations: $(MO_FILES)

$(CATALOGUES)/%/LC_MESSAGES/messages.mo: $(CATALOGUES)/%/LC_MESSAGES/messages.po | python-packages
	@$(BIN)/pybabel compile -l $* -i $< -o $@

# For developers after marking new strings: extract them and merge them into zh and de.
messages: python-packages
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k _l -k ngettext:1,2 -k lazy_ngettext:1,2 -k plural_forms:1,2 \
	  --sort-by-file --no-wrap --project=eventapp -o $(CATALOGUES)/messages.pot .
	$(BIN)/pybabel update -i $(CATALOGUES)/messages.pot -d $(CATALOGUES) --no-wrap --ignore-obsolete

# Creates instance/ (database, secret key) and migrates the database named by DATABASE_URL
# (default: SQLite in instance/); loads the demo forum once (seed-demo is idempotent).
database: python-packages translations
	@mkdir -p instance
	$(FLASK) db upgrade
	$(FLASK) seed-demo

run: install
	@echo "==> Demo staff logins (sign in at http://$(HOST):$(PORT)/staff/login):"
	@$(FLASK) demo-accounts
	@echo "==> eventapp is serving at http://$(HOST):$(PORT)/ (background worker: huey)"
	@[ -n "$$MAIL_SERVER" ] || echo "==> Mails to delegates are written to instance/mail/ (set MAIL_SERVER to send them)"
	@export PUBLIC_BASE_URL=$(PUBLIC_BASE_URL); $(BIN)/huey_consumer eventapp.tasks.huey --workers 2 --worker-type process --quiet & consumer=$$!; \
	trap 'kill $$consumer 2>/dev/null' EXIT INT TERM; \
	$(BIN)/gunicorn -c eventapp/gunicorn_conf.py -w $(WORKERS) -b $(HOST):$(PORT) --access-logfile - --logger-class eventapp.serving.RedactingAccessLogger 'eventapp:create_app()'

# Lint and format (ruff), types (mypy), the security linter: settings in pyproject.toml.
lint: python-packages
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/mypy
	$(BIN)/bandit -ll -q -r eventapp

typecheck: python-packages
	$(BIN)/mypy

test: install lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) node_modules eventapp/static/vendor instance/*.sqlite3
