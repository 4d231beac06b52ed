# Two commands on a fresh machine: `make demo` (install, generate, import, serve) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_LIGNES ?= 200000
export DATAETAT_DATABASE_URL ?= duckdb:///var/dataetat.duckdb

.PHONY: install demo test lint fmt bench clean

$(BIN)/dataetat: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

install: $(BIN)/dataetat

demo: install
	$(BIN)/dataetat db init
	$(BIN)/dataetat demo --lignes $(DEMO_LIGNES) --out demo-data

test: install
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check src tests bench scripts

fmt: install
	$(BIN)/ruff format src tests bench scripts

bench: install
	$(BIN)/python bench/import_bench.py

clean:
	rm -rf var demo-data bench/out
