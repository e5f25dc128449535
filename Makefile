# Two entry points: `make demo` and `make test`. Each creates .venv with the
# machine's Python 3.11+ and installs autorisk (editable) with its dev extra.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench notebooks serve clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(PY) -m autorisk demo

# One worker per core (pytest-xdist): the suite takes about 10 minutes on 2 cores instead of 17.
test: $(STAMP)
	$(PY) -m pytest -n auto

# The quoting service on the demo plans (data/plans/), on 127.0.0.1:8000; Ctrl-C stops it.
serve: $(STAMP)
	$(PY) -m autorisk serve --plans data/plans --audit sqlite:///quotes.db

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks notebooks

# Re-run every notebook and save its outputs in place (they are committed with outputs).
notebooks: $(STAMP)
	$(PY) -m pytest notebooks --overwrite

bench: $(STAMP)
	for f in benchmarks/*.py; do $(PY) $$f || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build src/*.egg-info
