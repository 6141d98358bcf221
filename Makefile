# The commands a newcomer needs: `make chat`, `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Versions every install uses (CI, the image, a clone): see `make constraints`.
CONSTRAINTS := constraints.txt
# Who you are in `make chat` (the console identity console:$(ME)).
ME ?= me

.PHONY: run chat test lint typecheck unit bench constraints clean translations

$(STAMP): pyproject.toml $(CONSTRAINTS)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c $(CONSTRAINTS) -e '.[dev]'
	@touch $(STAMP)

# Client-facing texts: English in conversations/texts.py, translations in LOCALES/<lang>/LC_MESSAGES.
# `make translations` extracts the texts, merges new ones into every messages.po (translate the
# empty and fuzzy entries, then run it again) and compiles the .mo files; run and test compile them.
LOCALES := conversations/locales
LANGUAGES := de es ru
# Two gettext domains: messages (conversations/texts.py, what clients read) and web (the coach web
# workspace: bot/web's templates and pages, extracted with bot/web/babel.cfg).
DOMAINS := messages web
MO_FILES := $(foreach lang,$(LANGUAGES),$(foreach domain,$(DOMAINS),$(LOCALES)/$(lang)/LC_MESSAGES/$(domain).mo))

$(LOCALES)/%/LC_MESSAGES/messages.mo: $(LOCALES)/%/LC_MESSAGES/messages.po | $(STAMP)
	$(BIN)/pybabel compile -l $* -i $< -o $@

$(LOCALES)/%/LC_MESSAGES/web.mo: $(LOCALES)/%/LC_MESSAGES/web.po | $(STAMP)
	$(BIN)/pybabel compile -l $* -D web -i $< -o $@

translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg --no-location --project=stripe-coach -o $(LOCALES)/messages.pot .
	$(BIN)/pybabel extract -F bot/web/babel.cfg --no-location --sort-output --project=stripe-coach -o $(LOCALES)/web.pot bot/web
	@# A fixed creation date: the .po files change only when a text does (no timestamp-only diffs).
	@sed -i 's/^"POT-Creation-Date: .*"$$/"POT-Creation-Date: 2026-12-06 00:00+0000\\n"/' $(LOCALES)/messages.pot $(LOCALES)/web.pot
	@for domain in $(DOMAINS); do for lang in $(LANGUAGES); do \
	  po=$(LOCALES)/$$lang/LC_MESSAGES/$$domain.po; \
	  if [ -f $$po ]; then $(BIN)/pybabel update --ignore-obsolete --no-fuzzy-matching -D $$domain -l $$lang -i $(LOCALES)/$$domain.pot -o $$po; \
	  else $(BIN)/pybabel init -D $$domain -l $$lang -i $(LOCALES)/$$domain.pot -o $$po; fi; \
	done; done
	$(BIN)/pybabel compile --statistics -d $(LOCALES) -D messages
	$(BIN)/pybabel compile --statistics -d $(LOCALES) -D web

# The database and the demo coach, once (idempotent).
.PHONY: demo
demo: $(STAMP) $(MO_FILES)
	@$(BIN)/coach db upgrade
	@$(BIN)/coach seed-demo --if-empty

run: demo
	$(BIN)/coach run

chat: demo
	@$(BIN)/coach chat --user $(ME)

test: $(STAMP) lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

# The tests run in parallel, one pytest-xdist worker per core (TEST_WORKERS=1 for one process); then
# the heavy subprocess scenarios and the tests that measure time (marked `heavy` or `once`) run alone,
# one at a time, so nothing else competes with them for the CPU. Both parts run; either failing fails
# (a part left with no test to run, exit 5, is no failure).
TEST_WORKERS ?= auto
SERIAL_TESTS := heavy or once

unit: $(STAMP) $(MO_FILES)
	@status=0; \
	$(BIN)/pytest -n $(TEST_WORKERS) -m "not ($(SERIAL_TESTS))" || { rc=$$?; [ $$rc -eq 5 ] || status=$$rc; }; \
	$(BIN)/pytest -m "$(SERIAL_TESTS)" || { rc=$$?; [ $$rc -eq 5 ] || status=$$rc; }; \
	exit $$status

bench: $(STAMP)
	$(BIN)/python -m bench

# Re-pin constraints.txt after changing dependencies in pyproject.toml: a fresh environment gets the
# newest versions pyproject allows, and the versions it resolved are written down.
constraints:
	rm -rf .venv-pin
	$(PYTHON) -m venv .venv-pin
	.venv-pin/bin/python -m pip install --quiet --upgrade pip
	.venv-pin/bin/python -m pip install --quiet -e '.[dev]'
	{ echo "# Versions every install uses: pip install -c constraints.txt -e '.[dev]' (make), and deploy/Dockerfile."; \
	  echo "# Regenerate after changing dependencies in pyproject.toml: make constraints"; \
	  .venv-pin/bin/python -m pip freeze --exclude-editable; } > $(CONSTRAINTS)
	rm -rf .venv-pin

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
