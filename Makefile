# Two commands set everything up on a fresh machine with Python 3.11 and make:
#   make report   create .venv, install, run the main job on data/sample, write reports/
#   make test     create .venv if needed, run ruff (lint + format check), mypy, the tests, the doctests
#                 and every notebook
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: report test lint typecheck browser bench bench-history bench-forecast bench-accuracy \
	bench-policy bench-stockout bench-suppliers bench-peer clean data

$(STAMP): pyproject.toml requirements/constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check \
		-c requirements/constraints.txt -e ".[dev]"
	touch $(STAMP)

report: $(STAMP)
	$(VENV)/bin/stockout-forecast report data/sample --out reports --jobs 2

test: $(STAMP) browser
	$(VENV)/bin/ruff check src tests benchmarks docs
	$(VENV)/bin/ruff format --check src tests benchmarks docs
	$(VENV)/bin/mypy
	MPLBACKEND=Agg $(PY) -m pytest -q

# The browser test of the HTML report needs Debian's chromium; install it when missing (as
# root, or with sudo). Where that is not possible the test is skipped and says why.
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo -n ); \
	    ($$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium) >/dev/null 2>&1 \
	    || echo "chromium could not be installed: the browser test of the report will be skipped"; }

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks docs
	$(VENV)/bin/ruff format --check src tests benchmarks docs

typecheck: $(STAMP)
	$(VENV)/bin/mypy

# Regenerate the committed demo data (seeded; see data/README.md).
data: $(STAMP)
	$(PY) -m stockout_forecast.datasets data/sample --n-items 300 --n-days 730 --seed 20261126

# Benchmarks (not part of `make test`; figures in benchmarks/README.md).
bench: bench-history bench-forecast bench-accuracy bench-policy bench-stockout bench-suppliers

bench-history: $(STAMP)
	$(PY) benchmarks/bench_history.py

# statsforecast needs pandas < 3: it gets its own virtualenv, used only by the benchmarks.
PEER_STAMP := benchmarks/.venv-peer/.installed-stamp
$(PEER_STAMP): benchmarks/peer/requirements.txt
	$(PYTHON) -m venv benchmarks/.venv-peer
	benchmarks/.venv-peer/bin/pip install --quiet --disable-pip-version-check \
		-r benchmarks/peer/requirements.txt
	touch $(PEER_STAMP)

bench-peer: $(PEER_STAMP)

bench-forecast: $(STAMP) $(PEER_STAMP)
	$(PY) benchmarks/bench_forecast.py

bench-accuracy: $(STAMP) $(PEER_STAMP)
	$(PY) benchmarks/bench_accuracy.py --variants

bench-policy: $(STAMP)
	$(PY) benchmarks/bench_policy.py

bench-stockout: $(STAMP)
	$(PY) benchmarks/bench_stockout.py

bench-suppliers: $(STAMP)
	$(PY) benchmarks/bench_suppliers.py

clean:
	rm -rf $(VENV) reports .pytest_cache
