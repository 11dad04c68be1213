# culturesurvey: `make demo` runs the demo, `make test` runs the tests.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
EMBEDDED := env -u DATABASE_URL -u CELERY_BROKER_URL
PIP := $(BIN)/pip install --quiet --disable-pip-version-check

.PHONY: demo test lint venv dev serve clean messages

## The product's runtime dependencies (requirements.txt): what the demo and production need
venv: $(VENV)/.installed

## The runtime plus the tests and tooling (requirements-dev.txt)
dev: $(VENV)/.installed-dev

# One stamp per requirements file: each is installed again when its file changes.
$(VENV)/.installed: requirements.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PIP) -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(PIP) -r requirements-dev.txt
	touch $@

## Install, migrate, load the demo organization and serve it on http://127.0.0.1:8000
demo: venv
	$(EMBEDDED) $(BIN)/python manage.py migrate --noinput
	$(EMBEDDED) $(BIN)/python manage.py load_demo
	$(EMBEDDED) $(BIN)/python manage.py runserver 127.0.0.1:8000

## Run the whole suite: on the embedded default, then on PostgreSQL + Redis with a worker
test: dev
	scripts/test.sh

lint: dev
	$(BIN)/ruff check .

## Extract the interface's texts into every catalogue and compile them (commit both files)
messages: dev
	$(BIN)/python manage.py makemessages -a -i ".venv/*" -i "node_modules/*" -i "tests/*" -i "bench/*"
	$(BIN)/python manage.py compilemessages -i .venv -i node_modules

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* test-artifacts
