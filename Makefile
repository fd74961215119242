# Two commands on a fresh machine: `make run` and `make test`.
VENV := .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_DEV := $(VENV)/.installed-dev

.PHONY: run test test-postgres migrate lint format clean bench

# The bot needs Python 3.11 or newer. The interpreter the .venv is made with is the first of
# PYTHON (if given), python3.13, python3.12, python3.11 and python3 that is new enough.
PYTHON_CANDIDATES := $(PYTHON) python3.13 python3.12 python3.11 python3
# Prints the version of the interpreter $$py as 3.11 and succeeds if it is 3.11 or newer.
NEW_ENOUGH = v=$$("$$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) \
	&& case "$$v" in 3.1[1-9]|3.[2-9][0-9]|[4-9].*) true;; *) false;; esac
FOUND_PYTHON := $(shell for py in $(PYTHON_CANDIDATES); do \
	command -v "$$py" >/dev/null 2>&1 && $(NEW_ENOUGH) && { echo "$$py"; break; }; done)
# What there is instead, for the message when nothing fits: "python3 (3.10)".
OLD_PYTHONS := $(shell for py in $(PYTHON_CANDIDATES); do command -v "$$py" >/dev/null 2>&1 \
	&& v=$$("$$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) \
	&& printf '%s (%s) ' "$$py" "$$v"; done)
# A .venv made with an older Python (`make run` tried with 3.10 first) is made again.
VENV_STALE := $(if $(wildcard $(VENV)),$(shell py=$(BIN)/python; $(NEW_ENOUGH) || echo yes))
VENV_NEEDED := $(or $(VENV_STALE),$(if $(wildcard $(BIN)/python),,yes))

# Without a suitable Python, say so in one line before anything is done (`make clean` still
# works); a failing recipe would add make's own English error line.
ifeq ($(VENV_NEEDED):$(FOUND_PYTHON),yes:)
ifneq ($(filter-out clean,$(or $(MAKECMDGOALS),$(BIN)/python)),)
$(error Нужен Python 3.11 или новее, найден: $(or $(strip $(OLD_PYTHONS)),никакого). Установите Python 3.11+ (например, sudo apt install python3.11 python3.11-venv или с python.org) и укажите его: make run PYTHON=/путь/к/python3.11)
endif
endif

.DEFAULT_GOAL := $(BIN)/python
ifeq ($(VENV_STALE),yes)
.PHONY: $(BIN)/python
$(STAMP_RUN) $(STAMP_DEV): $(BIN)/python
endif

$(BIN)/python:
	rm -rf $(VENV)
	@$(FOUND_PYTHON) -m venv $(VENV) >/dev/null 2>&1 || { \
		echo "Не удалось создать $(VENV) с $(FOUND_PYTHON): установите для него модуль venv (в Debian и Ubuntu: sudo apt install python3.X-venv, где 3.X — его версия)" >&2; \
		rm -rf $(VENV); exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(STAMP_DEV): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(STAMP_RUN)

## run: install, apply migrations and start the bot with the settings from .env
run: $(STAMP_RUN)
	$(BIN)/python -m bot migrate
	$(BIN)/python -m bot run

## test: install the dev extras, check style, types and import rules, and run the whole suite
test: $(STAMP_DEV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q
	@# The whole suite again on PostgreSQL (a schema per test), with the tests of several
	@# workers when Redis answers too. A server that does not answer is one line saying
	@# what was skipped (a failure in CI, where REQUIRE_POSTGRES=1 REQUIRE_REDIS=1).
	@pg=$$($(BIN)/python -m tests.stores postgres) || { [ $$? -eq 1 ] && exit 0; exit 2; }; \
	redis=$$($(BIN)/python -m tests.stores redis) || { [ $$? -eq 1 ] || exit 2; redis=none; }; \
	echo "Весь набор ещё раз на PostgreSQL ($$pg)"; \
	TEST_DATABASE_URL=$$pg TEST_REDIS_URL=$$redis $(BIN)/python -m pytest -q

## test-postgres: only the run on PostgreSQL
test-postgres: $(STAMP_DEV)
	TEST_DATABASE_URL=$$($(BIN)/python -m tests.stores postgres) $(BIN)/python -m pytest -q

migrate: $(STAMP_RUN)
	$(BIN)/python -m bot migrate

lint: $(STAMP_DEV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(STAMP_DEV)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) *.egg-info
