# make demo -- set everything up and replay the seeds' two real cases (SQLite).
# make test -- the whole test suite, on SQLite and a throwaway PostgreSQL server (what CI runs).
# make check -- the quick inner loop: SQLite only, without the tests marked slow.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test check lint bench deps clean generated

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]' --config-settings editable_mode=compat  # a .pth mypy can read
	touch $(STAMP)

deps: $(STAMP)
	scripts/ensure-graphviz.sh
	PYTHON=$(PY) scripts/ensure-pdf.sh
	scripts/ensure-render-tools.sh
	scripts/ensure-chromium.sh

demo: deps
	$(VENV)/bin/wf demo
	$(VENV)/bin/wf diagrams build --out demo-output

test: deps
	scripts/test.sh

# The PostgreSQL half of the db_url fixture is deselected by its parameter id, not skipped.
check: deps
	$(PY) -m pytest -q -m "not slow" -k "not postgresql"

# make bench -- the performance figures against their yardsticks (bench/RESULTS.md); not part of make test.
bench: deps
	$(PY) -m pip install -q -e '.[test,bench]' --config-settings editable_mode=compat  # the peers
	scripts/ensure-time.sh
	$(PY) bench/run.py

# make generated -- regenerate the committed generated code (a test fails when it is stale).
generated: $(STAMP)
	$(PY) scripts/generate.py

lint: $(STAMP)
	$(VENV)/bin/ruff check workflow cli tests
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis
