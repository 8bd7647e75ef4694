# Two commands do everything: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
SCALE ?= small
TEST_PROCESSES ?= 2

.PHONY: run test install lint format check messages bench-demo clean

$(VENV)/.installed: requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "需要 Python 3.11 或更新版本 (Python 3.11+ is required)")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	@touch $@

install: $(VENV)/.installed

# One process migrates, loads the demo data the first time (SCALE) and serves, with
# DEBUG off (DJANGO_DEBUG=1 for Django's debug pages); Ctrl-C stops the web server
# and the worker.
run: install
	@case "$(SCALE)" in small|county|province) ;; *) echo "SCALE=small|county|province (national is for the benchmarks: bench/demo_data.sh)"; exit 2 ;; esac
	$(PY) manage.py devserver --host $(HOST) --port $(PORT) --demo-scale $(SCALE)

# The suite on TEST_PROCESSES processes (pytest-xdist); an idle process takes tests
# from the other's queue (worksteal), so the long files end together; a file's
# shared test world is built at most once per process. TEST_PROCESSES=0: one.
test: install
	$(PY) -m pytest -n $(TEST_PROCESSES) --dist worksteal $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# makemigrations is clean and the Chinese catalogue is complete.
check: install
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py check
	$(PY) manage.py translations_check

messages: install
	$(PY) manage.py makemessages -l zh_Hans --no-obsolete --ignore '.venv/*' --ignore 'var/*'
	$(PY) manage.py compilemessages -l zh_Hans --ignore '.venv/*' --ignore 'var/*'

bench-demo: install
	bash bench/demo_data.sh

clean:
	rm -rf $(VENV) var
