# Everything installs itself into .venv on first use: `make demo` and `make test` work on a
# fresh machine with only Python 3.11 and make.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DEMO_OUT ?= out/demo

.PHONY: install prefect-template demo test lint format bench quality clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) on PATH"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(MAKE) --no-print-directory prefect-template
	@touch $@

# An empty Prefect database migrated once here, copied into a fresh PREFECT_HOME by winnow's
# first run there (flows/server.py: seed_database) instead of migrating one on every new home.
prefect-template:
	rm -rf $(VENV)/share/winnow && mkdir -p $(VENV)/share/winnow/home
	env -u PREFECT_SERVER_DATABASE_CONNECTION_URL -u PREFECT_API_DATABASE_CONNECTION_URL \
		PREFECT_HOME=$(VENV)/share/winnow/home $(BIN)/prefect server database upgrade -y >/dev/null
	mv $(VENV)/share/winnow/home/prefect.db $(VENV)/share/winnow/prefect.db
	rm -rf $(VENV)/share/winnow/home

demo: $(STAMP)
	rm -rf $(DEMO_OUT)  # a fresh output each time: a rerun into the same OUT skips unchanged dumps
	$(BIN)/winnow clean fixtures/dumps fixtures/formats --out $(DEMO_OUT)

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The measured figures live in pages these commands write; rerun them rather than edit.
bench: $(STAMP)
	$(BIN)/python benchmarks/throughput.py --markdown docs/performance.md

quality: $(STAMP)
	$(BIN)/python benchmarks/quality.py --out docs/quality.md

clean:
	rm -rf out .pytest_cache .ruff_cache
