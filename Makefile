# Two commands for a new machine: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DIR := demo-data
DEMO_VAULT := $(DEMO_DIR)/vault
DEMO_PASSPHRASE := correct horse battery staple demo
DEMO_HUB := $(DEMO_DIR)/hub
DEMO_HUB_ADMIN_PASSWORD := demo hub administrator password

.PHONY: run test lint typecheck pytest clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml scripts/system-deps.sh | $(BIN)/python
	sh scripts/system-deps.sh
	$(BIN)/python -m pip install --quiet -e '.[dev,server]'
	touch $(STAMP)

run: $(STAMP)
	@if [ ! -f $(DEMO_VAULT)/key.json ]; then \
	  HUBDESK_PASSPHRASE='$(DEMO_PASSPHRASE)' $(BIN)/hubdesk demo seed --vault $(DEMO_VAULT) --cases 60 --seed 7; \
	fi
	@echo "Demo vault: $(DEMO_VAULT)"
	@echo "Demo passphrase: $(DEMO_PASSPHRASE)"
	@HUBDESK_ADMIN_PASSWORD='$(DEMO_HUB_ADMIN_PASSWORD)' sh scripts/run-with-hub.sh \
	  $(BIN) $(DEMO_HUB) $(BIN)/hubdesk --vault $(DEMO_VAULT)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/pytest -n 2

test: lint typecheck pytest

clean:
	rm -rf $(VENV) $(DEMO_DIR)
