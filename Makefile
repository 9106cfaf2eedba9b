# graphsample: `make demo` runs the main job, `make test` runs the test suite (both set up .venv).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
SHARED_DATASETS := $(abspath ../shared/datasets)
export GRAPHSAMPLE_MIRROR ?= $(if $(wildcard $(SHARED_DATASETS)),$(SHARED_DATASETS),)
# BLAS threads pinned for reproducible timings and fair comparisons.
export OPENBLAS_NUM_THREADS ?= 1
export MKL_NUM_THREADS ?= 1
export OMP_NUM_THREADS ?= 1

.PHONY: demo test bench gpu-check clean

$(VENV)/.installed: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test]"
	# PyTorch (CPU build) exercises the torch backend in the tests; the suite still runs without it.
	-$(PY) -m pip install -q "torch==2.13.0" || echo "torch not installed: torch backend tests will be skipped"
	touch $@

# The main job: a JDM/DCM-rescaled half-size sample of the wiki-vote graph, with its quality report.
demo: $(VENV)/.installed
	$(VENV)/bin/graphsample info dataset:wiki-vote
	$(VENV)/bin/graphsample sample dataset:wiki-vote --method jdm --fraction 0.5 --seed 1 --report -o wiki-vote-jdm-0.5.tsv

test: $(VENV)/.installed
	$(PY) -m pytest -q -n 2 --dist loadfile

bench: $(VENV)/.installed
	$(PY) -m pip install -q -e ".[bench]"
	for b in benchmarks/*.py; do $(PY) $$b || exit 1; done

gpu-check:
	$(PY) tests/gpu_check.py

clean:
	rm -rf $(VENV) build dist *.egg-info benchmarks/data
