# The two commands: `make run` and `make test`. Everything else is set-up they do themselves.
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint locales bench clean

$(STAMP): requirements.lock pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.lock
	touch $(STAMP)

locales: $(STAMP)
	$(PY) -m tools.i18n compile

run: locales
	$(PY) webhook.py

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

test: locales lint
	$(PY) -m tools.i18n check
	$(PY) -m pytest -q $(PYTEST_ARGS)

bench: locales
	$(PY) -m bench

clean:
	rm -rf $(VENV) data
