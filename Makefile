# The commands a newcomer needs: `make chat`, `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Versions every install uses (CI, the image, a clone): see `make constraints`.
CONSTRAINTS := constraints.txt
# Who you are in `make chat` (the console identity console:$(ME)).
ME ?= me

.PHONY: run chat test lint typecheck unit bench constraints clean

$(STAMP): pyproject.toml $(CONSTRAINTS)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c $(CONSTRAINTS) -e '.[dev]'
	@touch $(STAMP)

# The database and the demo coach, once (idempotent).
.PHONY: demo
demo: $(STAMP)
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

unit: $(STAMP)
	$(BIN)/pytest

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
