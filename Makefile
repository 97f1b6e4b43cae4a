# Two commands do everything: `make run` and `make test`.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
# Links in e-mail point where the site is served unless told otherwise.
BASE_URL ?= http://$(HOST):$(PORT)
export BASE_URL

.PHONY: run test setup install install-dev translations translations-update db demo lint format clean

## Set up everything, load the demo data and serve it on http://127.0.0.1:5000
run: install translations db
	@$(FLASK) seed demo --base-url $(BASE_URL)
	@# Once the server answers, read the demo partner feed it serves itself.
	@(sleep 4; $(FLASK) ingest run > instance/ingest.log 2>&1) &
	@$(FLASK) run --host $(HOST) --port $(PORT)

## Run the whole test suite on real PostgreSQL, Redis, SMTP and Chromium
test: install-dev translations
	@bash scripts/test-services.sh
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The stamp files make a second `make run` start at once.
$(VENV)/.installed: setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[prod]'
	@touch $@

$(VENV)/.installed-dev: setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[prod,dev]'
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## Compile the catalogs; a broken catalog stops the build
translations: install
	$(BIN)/pybabel compile -d translations

## Extract the messages from the code and merge them into every catalog
translations-update: install
	$(BIN)/pybabel extract -F babel.cfg --no-wrap --add-comments=TRANSLATORS: \
		--project=tsunagari-navi -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations \
		--no-wrap --ignore-obsolete

db: install
	$(FLASK) db upgrade
	$(FLASK) seed reference

demo: db
	$(FLASK) seed demo --base-url $(BASE_URL)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) instance test-artifacts .pytest_cache .ruff_cache
