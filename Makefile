# simnet: two commands set everything up on a fresh machine.
#   make run        creates .venv, installs simnet, runs the main job on the CPU
#   make test       creates/uses the same .venv (with test dependencies) and runs the whole test suite (CI)
#   make test-fast  the same suite without the tests marked slow (compiling C++ projects), for day-to-day work

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CORE_STAMP := $(VENV)/.simnet-core
DEV_STAMP := $(VENV)/.simnet-dev

.PHONY: run test test-fast clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(CORE_STAMP): $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(DEV_STAMP): $(CORE_STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,nest]'
	touch $@

# The main job: COBAHH classic (N=4000) with STDP, 1 s of biological time, C++ standalone on this machine's CPUs;
# then the audit of the documents' estimates, and that run extrapolated to human scale with its figures.
run: $(CORE_STAMP)
	$(BIN)/simnet run cobahh --neurons 4000 --duration 1s --mode classic --plasticity stdp \
		--backend cpp --out runs/cobahh.h5 --overwrite
	$(BIN)/simnet reproduce
	$(BIN)/simnet extrapolate runs/cobahh.h5 --figures figures \
		--scaling experiments/results/sweep-cobahh-benchmark-256k_epyc-2core_2026-11-22.json

test: $(DEV_STAMP)
	$(BIN)/python -m pytest -q

test-fast: $(DEV_STAMP)
	$(BIN)/python -m pytest -q -m "not slow"

clean:
	rm -rf $(VENV) runs figures .pytest_cache
