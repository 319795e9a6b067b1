# E-Scribe: `make run` serves the blog, `make test` runs the suite (on SQLite, or on
# the PostgreSQL database ESCRIBE_DATABASE_URL names; `make test-postgres` makes one).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= $(or $(ESCRIBE_PORT),8000)
# What `make run` needs (requirements.txt), and what `make test` adds (requirements-dev.txt): a blog
# that is only run never gets pytest, Playwright or hypothesis.
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
PIP_INSTALL = $(BIN)/python -m pip install --quiet --disable-pip-version-check
# axe-core, the accessibility checker the browser tests inject (package.json; test-only).
NODE_STAMP := node_modules/.installed

export ESCRIBE_SECRET_KEY_FILE ?= $(CURDIR)/var/secret_key

.PHONY: run test test-fast test-postgres venv check-python clean bench bench-smoke bench-hosts screenshots stack

# Links made outside a request (the author's mail, Akismet's blog URL) name the
# address served here, unless the operator set the public one.
run: export ESCRIBE_SITE_URL ?= http://127.0.0.1:$(PORT)
run: $(STAMP) var/secret_key
	@set -e; \
	$(BIN)/python manage.py migrate --noinput -v 0; echo "Database ready."; \
	login="$$($(BIN)/python manage.py create_author)"; \
	$(BIN)/python manage.py seed_demo --author author; \
	$(BIN)/python manage.py collectstatic --noinput -v 0; echo "Static files collected."; \
	echo "Serving E-Scribe on http://127.0.0.1:$(PORT)/ (admin: http://127.0.0.1:$(PORT)/admin/). Ctrl-C stops it."; \
	printf '%s\n' "$$login"; \
	ESCRIBE_HTTPS=$${ESCRIBE_HTTPS:-0} ESCRIBE_SERVE_MEDIA=$${ESCRIBE_SERVE_MEDIA:-1} exec $(BIN)/gunicorn \
		-c deploy/gunicorn.conf.py --bind 127.0.0.1:$(PORT) --log-level warning escribe.wsgi

test: $(DEV_STAMP) $(NODE_STAMP) var/secret_key
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

# The loop while editing: each app's fast tests (tests/blog, comments, moving, escribe), without
# the tiers that start the stack, drive Chromium or run the installer (their folders and markers;
# docs/LAYOUT.md says what each costs). No ruff, no npm: `make test` still runs everything.
test-fast: $(DEV_STAMP) var/secret_key
	$(BIN)/python -m pytest tests/blog tests/comments tests/moving tests/escribe -m "not stack and not browser and not installer"

# The suite on a throwaway PostgreSQL cluster, started and deleted around the
# run as in CI (needs the distribution's postgresql package).
test-postgres: $(DEV_STAMP) $(NODE_STAMP) var/secret_key
	bash .ci/postgres.sh $(BIN)/python -m pytest

# The benchmark of the real stack (bench/run.py, bench/README.md; wrk comes from
# apt-get when missing): issue 9's targets, raw results in bench/results/ (git-ignored).
# BENCH_ARGS passes options, e.g. make bench BENCH_ARGS="--growth" or "--after-change".
# `make test` runs the smoke variant (tests/stack/test_bench_smoke.py).
bench: $(STAMP)
	$(BIN)/python -m bench.run $(BENCH_ARGS)

# Readers through the front with one app host and with two (bench/hosts.py, docs/SCALING.md), on a
# throwaway PostgreSQL cluster unless ESCRIBE_DATABASE_URL names a server.
bench-hosts: $(DEV_STAMP)
	@if [ -n "$$ESCRIBE_DATABASE_URL" ]; then exec $(BIN)/python -m bench.hosts $(BENCH_ARGS); \
	else exec bash .ci/postgres.sh $(BIN)/python -m bench.hosts $(BENCH_ARGS); fi

bench-smoke: $(STAMP)
	$(BIN)/python -m bench.run --smoke $(BENCH_ARGS)

# The production topology on loopback (docs/SCALING.md): a front nginx, HOSTS app hosts (nginx +
# gunicorn each, on 127.0.0.2, .3, ...), one PostgreSQL database (a throwaway cluster unless
# ESCRIBE_DATABASE_URL names a server) and an S3-compatible store (moto, from requirements-dev.txt).
# It prints the front's address and the author's login and describes itself in var/stack.json;
# Ctrl-C or SIGTERM stops everything. Every ESCRIBE_* setting given here reaches every host.
HOSTS ?= 1
stack: $(DEV_STAMP) var/secret_key
	@if [ -n "$$ESCRIBE_DATABASE_URL" ]; then \
		exec $(BIN)/python -m tools.stack --hosts $(HOSTS); \
	else \
		exec bash .ci/postgres.sh $(BIN)/python -m tools.stack --hosts $(HOSTS); \
	fi

# A developer's venv: the test tools too.
venv: $(DEV_STAMP)

# The README's screenshots: the demo blog in Chromium, desktop and phone, and WRITING.md's of the editor
# (tests/browser/test_screenshots.py writes them under artefacts/), copied into docs/.
screenshots: $(DEV_STAMP)
	ESCRIBE_ARTEFACTS_DIR=$(CURDIR)/artefacts $(BIN)/python -m pytest -q -p no:randomly tests/browser/test_screenshots.py
	for shot in artefacts/screenshots/readme-*.png; do cp "$$shot" "docs/screenshot-$${shot##*/readme-}"; done

define make_venv
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		(echo "E-Scribe needs Python 3.11 or newer; $(PYTHON) is $$($(PYTHON) --version)." >&2; exit 1)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
endef

# Re-install only when the requirements change; a second `make run` skips this.
$(STAMP): requirements.txt
	$(make_venv)
	@echo "Installing requirements.txt into $(VENV) (the first time takes a minute)..."
	@$(PIP_INSTALL) -r requirements.txt
	@touch $@
	@echo "Requirements installed."

# requirements-dev.txt includes requirements.txt: both stamps are then up to date.
$(DEV_STAMP): requirements.txt requirements-dev.txt
	$(make_venv)
	$(PIP_INSTALL) -r requirements-dev.txt
	touch $@ $(STAMP)

# Re-installed only when package-lock.json changes. Without npm the accessibility
# tests skip and say so (under CI they fail: .ci/run installs npm).
$(NODE_STAMP): package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --no-audit --no-fund --loglevel=error && touch $@; \
	else \
		echo "npm is not installed: the accessibility (axe-core) tests will be skipped."; \
	fi

# var/ holds the database, the secret key and backups: the owner's alone.
var/secret_key:
	@mkdir -p -m 0700 var
	@umask 077 && $(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))' > $@
	@echo "Generated a secret key in $@ (kept out of git)."

clean:
	rm -rf $(VENV) var/static node_modules
