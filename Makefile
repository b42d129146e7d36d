# kindbelang: `make run` and `make test` work on a fresh machine (Python 3.11, no internet but PyPI).
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test ui serve setup clean

run: $(STAMP)
	$(VENV)/bin/kindbelang run

test: $(STAMP)
	sh scripts/ensure_chromium.sh
	$(PY) -m pytest -q

ui: $(STAMP)
	$(VENV)/bin/kindbelang ui

serve: $(STAMP)
	$(VENV)/bin/kindbelang serve --start-automation

setup: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e '.[test]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) data/out
