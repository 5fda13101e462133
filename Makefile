# Hive developer commands. `make up` starts everything; `make test` runs every test.
# Both create the virtualenv and install the pinned dependencies when needed.

PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
MUTATION_ARGS ?=
BENCH_ARGS ?=

# The console's front-end libraries (Pico CSS, htmx, ECharts) and the gateway's API reference
# page (Swagger UI): pinned in package.json and package-lock.json, installed by `npm ci` and
# copied next to the console's own static files, so pages load them from the service itself
# (no CDN, works offline).
NPM ?= npm
VENDOR := src/hive/console/static/vendor
VENDOR_STAMP := $(VENDOR)/.installed
VENDOR_FILES := node_modules/@picocss/pico/css/pico.min.css node_modules/htmx.org/dist/htmx.min.js \
	node_modules/echarts/dist/echarts.min.js node_modules/swagger-ui-dist/swagger-ui-bundle.js \
	node_modules/swagger-ui-dist/swagger-ui.css node_modules/swagger-ui-dist/favicon-32x32.png

.PHONY: up test lint bench mutation install clean-data

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

$(VENDOR_STAMP): package.json package-lock.json
	@command -v $(NPM) >/dev/null || { echo "npm is needed for the console's front-end libraries (apt-get install npm)" >&2; exit 1; }
	$(NPM) ci --no-audit --no-fund --ignore-scripts
	@mkdir -p $(VENDOR)
	cp $(VENDOR_FILES) $(VENDOR)/
	@touch $(VENDOR_STAMP)

install: $(STAMP) $(VENDOR_STAMP)

up: $(STAMP) $(VENDOR_STAMP)
	$(BIN)/hive up

test: $(STAMP) $(VENDOR_STAMP)
	@bash scripts/ensure-chromium.sh
	$(BIN)/pytest -n auto --dist worksteal $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests $(wildcard bench) scripts
	$(BIN)/ruff format --check src tests $(wildcard bench) scripts
	$(BIN)/mypy src

# Mutation testing of the money, resilience and feed-apply modules (docs/testing.md); slow,
# so not part of `make test`. Prints one RESULT line per module and exits 1 below the goal.
mutation: $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,mutation]'
	$(BIN)/python scripts/mutation.py $(MUTATION_ARGS)

# Every benchmark (BENCH_ARGS=--quick: about a minute each); fails when any goal is not met.
bench: $(STAMP)
	@failed=""; for script in bench/*_bench.py; do echo "== $$script"; \
		$(BIN)/python $$script $(BENCH_ARGS) || failed="$$failed $$script"; done; \
		if [ -n "$$failed" ]; then echo "goal not met or failed:$$failed"; exit 1; fi

clean-data:
	rm -rf .hive
