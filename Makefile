# Two commands: `make run` (the whole product) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# What only the system's package manager provides (Pango, fonts, Chromium) is checked first,
# by the system's Python before the venv exists, and installed when we run as root with
# apt-get: a machine that lacks it learns so in a second, not after the venv and lint.
SYSTEM := $(PYTHON) -I iop/systemdeps.py
# Under libfaketime (`faketime -f '@…' make test`) each new process would start at that
# instant again: the database server, pytest and every subprocess minutes apart. This keeps
# one clock for all of them, ticking from when faketime started. Inert without faketime.
export FAKETIME_DONT_RESET := 1

.PHONY: run test lint bench venv stop clean backup restore messages

# Rebuilt only when the lock file changes: a no-op in well under a second otherwise.
# uv (pinned in the lock) installs the ~110 locked packages in seconds; pip only bootstraps it.
$(STAMP): requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check "$$(grep '^uv==' requirements.lock)"
	@$(VENV)/bin/uv pip install --quiet --python $(PY) -r requirements.lock
	@touch $(STAMP)

venv: $(STAMP)

run:
	@$(SYSTEM) run
	@$(MAKE) --no-print-directory venv
	@$(PY) -m iop.devservers run

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy .
	$(VENV)/bin/lint-imports --no-cache

# Recursive rather than `test: lint`: a prerequisite would run before the system check.
test:
	@$(SYSTEM) test
	@$(MAKE) --no-print-directory lint
	$(PY) -m iop.devservers exec -- $(PY) -m pytest $(PYTEST_ARGS)

# Patient-facing documents' translations: extract the strings into locale/*/django.po, then
# compile the .mo files, which are committed so running the app needs no gettext (the suite
# checks each .mo matches its .po). Translate the new entries in the .po, then run it again.
MESSAGE_IGNORES := --ignore '.venv/*' --ignore '.data/*' --ignore 'staticfiles/*' --ignore 'tests/*' --ignore 'bench/*'
messages: $(STAMP)
	@$(SYSTEM) test
	$(PY) manage.py makemessages --locale es --no-obsolete $(MESSAGE_IGNORES)
	$(PY) manage.py compilemessages --locale es $(MESSAGE_IGNORES)

bench:
	@$(SYSTEM) bench
	@$(MAKE) --no-print-directory venv
	$(PY) -m iop.devservers exec -- $(PY) -m pytest bench -q -s $(PYTEST_ARGS)

# The whole database as the maintenance role (iop/backup.py; README, Backups). FILE defaults
# to backups/iop-<UTC instant>.dump, DATABASE to the app's database.
backup: $(STAMP)
	@$(PY) -m iop.backup dump $(FILE) $(if $(DATABASE),--database $(DATABASE))

restore: $(STAMP)
	@test -n "$(FILE)" || { echo "usage: make restore FILE=backups/….dump [DATABASE=name]"; exit 2; }
	@$(PY) -m iop.backup restore $(FILE) $(if $(DATABASE),--database $(DATABASE))

stop: $(STAMP)
	@$(PY) -m iop.devservers stop

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache
