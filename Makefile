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
# Fonts for Chinese on badges, HarfBuzz subsetting (WeasyPrint is ~10x slower without it),
# Chromium for the browser tests, poppler for looking at PDFs.
APT_PACKAGES := fonts-noto-cjk libharfbuzz-subset0 chromium poppler-utils

.PHONY: install run test system-packages python-packages database clean

install: system-packages python-packages database

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

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is required"; exit 1; }
	@[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

# Creates instance/ (database, secret key) and migrates the database named by DATABASE_URL
# (default: SQLite in instance/); loads the demo forum once (seed-demo is idempotent).
database: python-packages
	@mkdir -p instance
	$(FLASK) db upgrade
	$(FLASK) seed-demo

run: install
	@echo "==> Demo staff logins (sign in at http://$(HOST):$(PORT)/staff/login):"
	@$(FLASK) demo-accounts
	@echo "==> eventapp is serving at http://$(HOST):$(PORT)/"
	$(BIN)/gunicorn -w $(WORKERS) -b $(HOST):$(PORT) --access-logfile - 'eventapp:create_app()'

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) instance/*.sqlite3
