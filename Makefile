# Two commands do everything on a fresh Debian machine:
#   make run    install what is missing, run the sample batch, write out/
#   make test   install what is missing, then ruff, mypy and pytest
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint typecheck pytest system-run system-test samples bench clean

run: system-run $(STAMP)
	$(BIN)/paperdesk run samples/scans --online samples/online.xlsx --out out/
	@echo "Report: $(CURDIR)/out/report.html"
	@echo "Review screen: once, add a clerk:  $(BIN)/paperdesk user add NAME --db out/paperdesk.db"
	@echo "               then serve it:      $(BIN)/paperdesk serve --db out/paperdesk.db   → http://127.0.0.1:8000/"

test: system-test $(STAMP) lint typecheck pytest

system-run:
	@scripts/system-deps.sh run

system-test:
	@scripts/system-deps.sh test

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest -q

samples: $(STAMP)
	$(BIN)/python -m samples.generate --out samples

bench: $(STAMP)
	$(BIN)/python -m bench.accuracy
	$(BIN)/python -m bench.throughput

clean:
	rm -rf out .mypy_cache .pytest_cache .ruff_cache
