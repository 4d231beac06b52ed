# Two commands on a fresh machine: `make demo` (install, generate, import, serve) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_LIGNES ?= 200000
export DATAETAT_DATABASE_URL ?= duckdb:///var/dataetat.duckdb
VENDOR := src/dataetat/web/static/vendor
CHROMIUM := /usr/bin/chromium
# French language pack of Chromium (Debian's chromium-l10n): the browser tests run a French browser.
CHROMIUM_FR := /usr/lib/chromium/locales/fr.pak

.PHONY: install demo test test-cluster lint fmt bench clean wheel

$(BIN)/dataetat: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

# Front-end files (DSFR, htmx, MapLibre, ECharts, axe-core) from frontend/package-lock.json, copied into
# static/vendor/ (gitignored); redone only when the lock file or the copy script changes.
$(VENDOR)/versions.json: frontend/package-lock.json frontend/build.mjs
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	node frontend/build.mjs

# The browser tests drive Debian's Chromium (never a downloaded one), in French (chromium-l10n):
# installed here when we are root.
$(CHROMIUM) $(CHROMIUM_FR):
	@if [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-l10n >/dev/null; \
	elif [ -n "$$CI" ]; then \
	  echo "Chromium manque ($@) : apt-get install chromium chromium-l10n (root requis)." >&2; exit 1; \
	else \
	  echo "Chromium manque ($@) : les tests navigateur seront ignorés ou échoueront (sudo apt-get install chromium chromium-l10n)." >&2; \
	fi

install: $(BIN)/dataetat $(VENDOR)/versions.json

demo: install
	$(BIN)/dataetat db init
	$(BIN)/dataetat demo --lignes $(DEMO_LIGNES) --out demo-data

# Every test: pytest (DuckDB, PostgreSQL, Chromium), then the multi-host test (root only; on CI a
# missing root is a failure, as test-cluster refuses to run).
test: install $(CHROMIUM) $(CHROMIUM_FR)
	$(BIN)/python -m pytest -q
	@if [ "$$(id -u)" = 0 ] || [ -n "$$CI" ]; then \
	  $(MAKE) --no-print-directory test-cluster; \
	else \
	  echo "Test multi-hôtes ignoré : il faut être root (make test-cluster)." >&2; \
	fi

# Several hosts on this machine (network namespaces; root): PostgreSQL primary + streaming replica, two app
# servers behind haproxy, two workers, an S3 store; kills and restarts, each scenario asserted (issue 16 §6).
test-cluster: install
	$(BIN)/python tests/cluster/scenarios.py

lint: install
	$(BIN)/ruff check src tests bench scripts

fmt: install
	$(BIN)/ruff format src tests bench scripts

# The wheel with the front-end files inside (setup.py runs the npm build when they are missing or old):
# `pip install dist/dataetat-*.whl` (or pipx) then gives the whole application, anywhere.
wheel: install
	rm -rf dist
	$(BIN)/pip wheel --no-deps --no-build-isolation --wheel-dir dist .
	rm -rf build

bench: install
	$(BIN)/python bench/import_bench.py

clean:
	rm -rf var demo-data bench/out dist build
