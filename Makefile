# FusionPortal: `make run` serves the demo, `make test` runs the whole suite.
# Both do their own set-up: a virtualenv in .venv, the project installed into it, and
# (for run) the database migrated and the demo network seeded.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# Hash-pinned locks made from pyproject.toml by `make lock`: the image installs the runtime one,
# make the dev one (the same runtime versions, plus the dev extra).
RUNTIME_LOCK := requirements/runtime.txt
DEV_LOCK := requirements/dev.txt
HOST ?= 127.0.0.1
PORT ?= 8000
# Extra arguments for pytest, e.g. make test PYTEST_ARGS="-x tests/cases".
PYTEST_ARGS ?=
# Processes the suite runs in (pytest-xdist): one per core by default; 0 runs it in this process
# alone, as --pdb needs.
TEST_WORKERS ?= auto

.PHONY: run test install lock lint check-deploy compose-check clean code

# The venv is (re)made when it is missing, broken (its Python was removed or moved), or made by
# a different Python minor version than $(PYTHON); the packages are (re)installed when
# pyproject.toml or the lock is newer than the stamp: every package from the lock, each checked
# against its hashes, then the project itself without dependencies (they all came from the lock).
# The stamp is touched only after pip succeeded, so an interrupted install is resumed by the next
# make.
install:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
	  echo "FusionPortal needs Python 3.11 or newer, and '$(PYTHON)' is not (or is not installed)." >&2; \
	  echo "Name one that is: make $(or $(MAKECMDGOALS),run) PYTHON=python3.11" >&2; exit 1; }
	@want=$$($(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])'); \
	have=$$($(BIN)/python -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null); \
	if [ "$$want" != "$$have" ]; then \
	  if [ -e $(VENV) ]; then echo "Re-creating $(VENV): it was made by another Python ($${have:-broken})."; \
	  else echo "Creating $(VENV) with $(PYTHON)"; fi; \
	  rm -rf $(VENV) && $(PYTHON) -m venv $(VENV) || exit 1; \
	fi
	@if [ ! -f $(STAMP) ] || [ pyproject.toml -nt $(STAMP) ] || [ $(DEV_LOCK) -nt $(STAMP) ]; then \
	  echo "Installing FusionPortal and its dependencies ($(DEV_LOCK)) into $(VENV)"; \
	  $(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r $(DEV_LOCK) \
	  && $(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e . \
	  && touch $(STAMP); \
	fi

# Regenerates the locks from pyproject.toml, for Python 3.11 on Linux (the image's and CI's
# platform) whatever Python runs uv: run it after changing a dependency in pyproject.toml, then
# commit pyproject.toml and both locks. A version already in a lock is kept unless pyproject.toml
# asks for another, so adding a dependency moves nothing else. The dev lock takes the runtime
# lock as a constraint: tests and the image run the same versions.
LOCK_WITH_UV = $(BIN)/uv pip compile pyproject.toml --quiet --python-version 3.11 \
	--python-platform linux --generate-hashes --custom-compile-command "make lock"
lock: install
	$(LOCK_WITH_UV) --output-file $(RUNTIME_LOCK)
	$(LOCK_WITH_UV) --extra dev --constraint $(RUNTIME_LOCK) --output-file $(DEV_LOCK)

# The embedded default: SQLite in the project folder, tasks in process, DEBUG on.
# The port is checked first, so a busy port is reported before any set-up work.
run: export DEBUG ?= 1
run: install
	@$(BIN)/python -c 'import socket, sys; s = socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind((sys.argv[1].strip("[]"), int(sys.argv[2])))' '$(HOST)' '$(PORT)' 2>/dev/null || { \
	  echo "Cannot serve on $(HOST):$(PORT): the port is in use (another FusionPortal, or another program)." >&2; \
	  echo "Stop that program, or pick another port: make run PORT=8001" >&2; exit 1; }
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@echo "Serving FusionPortal on http://$(HOST):$(PORT)/ (Ctrl-C stops it; the demo logins are above)"
	$(BIN)/python manage.py runserver --noreload $(HOST):$(PORT)

# The demo's second step of signing in: the current code of a demo account's authenticator app,
# e.g. make code USER=analyst_fl (the demo database of `make run`).
code: export DEBUG ?= 1
code: install
	@$(BIN)/python manage.py demo_code $(USER)

# The tests are shared out one by one among the workers, except those that start servers or
# workers of their own: --dist loadgroup keeps them on one worker, one after another (conftest.py).
test: install
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .

# The access-log CSV export of 10,000 and 100,000 rows in a scratch database (created and
# dropped by the command): time and peak memory, which must not grow with the rows.
# DATABASE_URL=postgres://... runs it on PostgreSQL.
.PHONY: bench-accesslog
bench-accesslog: export DEBUG ?= 1
bench-accesslog: install
	$(BIN)/python manage.py bench_accesslog

# The access log at scale (PostgreSQL only): one log write and the center's filtered log page at
# 10,000, 1,000,000 and 10,000,000 rows, with EXPLAIN (ANALYZE, BUFFERS) and the ratios, in a
# scratch database per size on the server of DATABASE_URL, kept for reruns (README, Access log).
.PHONY: bench-accesslog-scale
bench-accesslog-scale: export DEBUG ?= 1
bench-accesslog-scale: install
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/fusionportal} \
	nice -n 10 $(BIN)/python manage.py bench_accesslog_scale $(BENCH_ARGS)

# The partner pull: pages of 500 of /api/v1/items/ for a key that sees ~2% of 100,000 items
# (BENCH_ARGS=--million: 1,000,000), against a hand-written SQL floor. The production parts:
# PostgreSQL, in a database of its own on the server of DATABASE_URL (default: the local one),
# kept for reruns; the throttle counts in Redis (REDIS_URL, default: the local one).
.PHONY: bench-api
bench-api: install
	DEBUG=0 DEVTOOLS=1 SECRET_KEY=bench-api-only API_KEY_HMAC_SECRET=bench-api-only ALLOWED_HOSTS=testserver \
	WEBHOOK_SECRET_KEYS=YmVuY2gtYXBpLW9ubHktcGxhY2Vob2xkZXIta2V5ISE= \
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/fusionportal} \
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0} CACHE_KEY_PREFIX=bench-api \
	$(BIN)/python -W ignore::UserWarning manage.py bench_api $(BENCH_ARGS)

# The analyst's pages over HTTP (issue 17): case list, item list, a case page of 300 annotations,
# search, at 100,000 and 1,000,000 items, each in a PostgreSQL database of its own on the server
# of DATABASE_URL (bench_pages_<items>, seeded set-based on first use, kept for reruns), served by
# a gunicorn per size (DEBUG=0) the command starts on a free port: server time p50 / p95 per
# page, queries, the 1M / 100k ratio, and requests per second at 1, 4 and 16 concurrent against an
# empty page. BENCH_ARGS passes --rebuild, --requests N, --seconds S, --workers N, --drop.
.PHONY: bench-pages
bench-pages: install
	DEBUG=0 DEVTOOLS=1 SECRET_KEY=bench-pages-only API_KEY_HMAC_SECRET=bench-pages-only \
	ALLOWED_HOSTS=127.0.0.1 LOG_LEVEL=WARNING \
	WEBHOOK_SECRET_KEYS=YmVuY2gtcGFnZXMtb25seS1wbGFjZWhvbGRlci1rZXk= \
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/fusionportal} \
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0} CACHE_KEY_PREFIX=bench-pages \
	nice -n 10 $(BIN)/python -W ignore::UserWarning manage.py bench_pages $(BENCH_ARGS)

# The bulk import of tips (devtools/management/commands/bench_import.py): 10,000 generated tips
# imported into a scratch SQLite database, then again (0 created), printing rows, seconds, rows
# per second and queries; the same in PostgreSQL's fusionportal_bench_import when DATABASE_URL
# names PostgreSQL. Both scratch databases are dropped afterwards.
.PHONY: bench-import
BENCH_IMPORT_ENV = DEBUG=0 DEVTOOLS=1 SECRET_KEY=bench-import-only API_KEY_HMAC_SECRET=bench-import-only \
	ALLOWED_HOSTS=testserver WEBHOOK_SECRET_KEYS=YmVuY2gtYXBpLW9ubHktcGxhY2Vob2xkZXIta2V5ISE=
bench-import: install
	env -u REDIS_URL $(BENCH_IMPORT_ENV) DATABASE_URL=sqlite:////tmp/fusionportal_bench_import_base.sqlite3 \
	nice -n 10 $(BIN)/python -W ignore::UserWarning manage.py bench_import $(BENCH_ARGS)
	@case "$${DATABASE_URL:-}" in postgres*) env -u REDIS_URL $(BENCH_IMPORT_ENV) \
	nice -n 10 $(BIN)/python -W ignore::UserWarning manage.py bench_import $(BENCH_ARGS);; \
	*) echo "PostgreSQL: skipped (DATABASE_URL does not name PostgreSQL)";; esac

# The 28 CFR Part 23 review queue and compliance report at scale (devtools/management/commands/
# bench_cfr23.py: median, p90 and p95 server time and queries of each), in a PostgreSQL database
# of its own, kept for reruns: make bench-cfr23 BENCH_ARGS=--million (--repeat N: rounds).
.PHONY: bench-cfr23
bench-cfr23: install
	DEBUG=0 DEVTOOLS=1 SECRET_KEY=bench-cfr23-only API_KEY_HMAC_SECRET=bench-cfr23-only ALLOWED_HOSTS=testserver \
	WEBHOOK_SECRET_KEYS=YmVuY2gtYXBpLW9ubHktcGxhY2Vob2xkZXIta2V5ISE= \
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/fusionportal} \
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0} CACHE_KEY_PREFIX=bench-cfr23 \
	nice -n 10 $(BIN)/python -W ignore::UserWarning manage.py bench_cfr23 $(BENCH_ARGS)

# The link graph's 2-hop neighbourhood of a subject at 1,000,000 items (bench_graph.py: p50 / p95
# and queries), in the pages benchmark's database bench_pages_<items> (seeded on first use, kept):
# make bench-graph BENCH_ARGS="--items 100000 --repeat 20".
.PHONY: bench-graph
bench-graph: install
	DEBUG=0 DEVTOOLS=1 SECRET_KEY=bench-graph-only API_KEY_HMAC_SECRET=bench-graph-only ALLOWED_HOSTS=testserver \
	WEBHOOK_SECRET_KEYS=YmVuY2gtYXBpLW9ubHktcGxhY2Vob2xkZXIta2V5ISE= \
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/fusionportal} \
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0} CACHE_KEY_PREFIX=bench-graph \
	nice -n 10 $(BIN)/python -W ignore::UserWarning manage.py bench_graph $(BENCH_ARGS)

# What blind deconfliction adds to a subject's link (devtools/management/commands/
# bench_deconfliction.py) at 10,000,000 subject links (BENCH_ARGS=--links N), in a PostgreSQL
# database of its own on the server of DATABASE_URL, seeded set-based and kept for reruns.
.PHONY: bench-deconfliction
bench-deconfliction: install
	DEBUG=0 DEVTOOLS=1 SECRET_KEY=bench-deconfliction-only API_KEY_HMAC_SECRET=bench-deconfliction-only \
	ALLOWED_HOSTS=testserver WEBHOOK_SECRET_KEYS=YmVuY2gtYXBpLW9ubHktcGxhY2Vob2xkZXIta2V5ISE= \
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/fusionportal} \
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0} CACHE_KEY_PREFIX=bench-deconfliction \
	nice -n 10 $(BIN)/python -W ignore::UserWarning manage.py bench_deconfliction $(BENCH_ARGS)

# Cross-center notifications with a real worker and Redis (started by the command): commit ->
# notification latency over 200 cases (p50, p95) and webhook deliveries per second (one webhook
# per alert, then each alert to 10 partner systems), on the configured database
# (DATABASE_URL=postgres://... for PostgreSQL; give it a database of its own). As production
# runs: DEBUG off (Django then keeps no log of every query in the worker). BENCH_ARGS passes
# --cases / --partners. See README, Notifications.
.PHONY: bench-notifications
BENCH_NOTIFICATIONS_ENV = DEBUG=0 DEVTOOLS=1 SECRET_KEY=bench-notifications-only \
	API_KEY_HMAC_SECRET=bench-notifications-only ALLOWED_HOSTS=testserver \
	WEBHOOK_SECRET_KEYS=YmVuY2gtbm90aWZpY2F0aW9ucy1vbmx5LWtleS0wMDA= LOG_LEVEL=WARNING
bench-notifications: install
	$(BENCH_NOTIFICATIONS_ENV) $(BIN)/python manage.py migrate --noinput
	$(BENCH_NOTIFICATIONS_ENV) $(BIN)/python -W ignore::UserWarning manage.py bench_notifications $(BENCH_ARGS)

# What `manage.py check --deploy` says about a production configuration from the environment.
check-deploy: install
	DEBUG=0 $(BIN)/python manage.py check --deploy --fail-level WARNING

# Validates docker-compose.yml (there is no need for a Docker engine). The production secrets are
# required by the file, so placeholders stand in for them here.
compose-check:
	@command -v docker-compose >/dev/null || { \
	  echo "docker-compose is not installed (Debian: apt-get install docker-compose)." >&2; exit 1; }
	SECRET_KEY=compose-check API_KEY_HMAC_SECRET=compose-check ALLOWED_HOSTS=portal.example.gov \
	  WEBHOOK_SECRET_KEYS=Y29tcG9zZS1jaGVjay1wbGFjZWhvbGRlci1rZXkhISE= \
	  POSTGRES_PASSWORD=compose-check docker-compose config -q

# The README's screenshots of the main pages (docs/screenshots/, 1366 wide), taken by the browser
# test tests/browser/test_readme_screenshots.py from data it makes: run after changing a page.
.PHONY: screenshots
screenshots: install
	README_SCREENSHOTS=1 $(BIN)/python -m pytest -q -p no:xdist tests/browser/test_readme_screenshots.py

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm var staticfiles
