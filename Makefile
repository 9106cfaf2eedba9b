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

.PHONY: demo test bench gpu-prepare gpu-check clean clean-cache

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

# The GPU machine cannot reach a package registry: fetch the wheels it lacks (CPython 3.12, manylinux) and copy the
# datasets into .gpu/ (git-ignored, never committed), which travels with the checkout to that machine.
GPU_PLATFORMS := manylinux_2_28_x86_64 manylinux_2_27_x86_64 manylinux_2_17_x86_64 manylinux2014_x86_64 \
	manylinux1_x86_64 any
gpu-prepare:
	rm -rf .gpu/wheels .gpu/datasets && mkdir -p .gpu/wheels
	$(PYTHON) -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
		$(addprefix --platform ,$(GPU_PLATFORMS)) -d .gpu/wheels -r tests/gpu_wheels.txt
	$(if $(GRAPHSAMPLE_MIRROR),cp -r $(GRAPHSAMPLE_MIRROR) .gpu/datasets,@echo "no dataset mirror: set GRAPHSAMPLE_MIRROR")

# On the GPU machine (its own python3): every GPU test and GPU benchmark, see tests/gpu_check.py.
GPU_PY ?= python3
gpu-check:
	$(GPU_PY) tests/gpu_check.py $(if $(wildcard .gpu/wheels),--wheels .gpu/wheels) \
		$(if $(wildcard .gpu/datasets),--mirror .gpu/datasets)

clean-cache:
	find graphsample cli -name '*.nbi' -delete -o -name '*.nbc' -delete

clean: clean-cache
	rm -rf $(VENV) build dist *.egg-info benchmarks/data .gpu
