# simnet: two commands set everything up on a fresh machine.
#   make run        creates .venv, installs simnet, runs the main job on the CPU
#   make test       creates/uses the same .venv (with test dependencies) and runs the whole test suite (CI)
#   make test-fast  the same suite without the tests marked slow (compiling C++ projects), for day-to-day work
#   make test-unit  tests/unit only: each stage's functions on small inputs (a minute or two)
#   make docs       the documentation site (Sphinx + MyST) into docs/_build/html, warnings as errors (CI runs it too)
#   make test-genn  a second environment with Brian2GeNN (brian2 2.5.4) and GeNN 4.9.0 from ../shared/vendor:
#                   the GeNN tests on GeNN's CPU backend, and the fast suite on brian2 2.5.4 (CI runs it too)
#   make compile-cuda   (opt-in, not in CI: about 30 min on 2 cores) Python 3.12 with brian2cuda and the CUDA 13
#                   toolkit from the package index; compiles the COBAHH and column projects for sm_90, no GPU
#   make gpu-carry  (needs network) .gpu-carry/: what experiments/gpu/check.sh needs on an offline GPU machine
#   make nest-sonata  (opt-in, not in CI: about 25 min on 2 cores; needs network, cmake and HDF5, GSL, Boost and
#                   ltdl headers) NEST 3.10.0 from its PyPI source with HDF5, outside the repo in NEST_PREFIX, for
#                   nest.SonataNetwork; then runs the SONATA tests against it (docs/guide/sonata_export.md)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CORE_STAMP := $(VENV)/.simnet-core
DEV_STAMP := $(VENV)/.simnet-dev
DOCS_STAMP := $(VENV)/.simnet-docs

.PHONY: run test test-fast test-unit test-genn docs compile-cuda gpu-carry nest-sonata clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(CORE_STAMP): $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(DEV_STAMP): $(CORE_STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,nest,neuron]'
	touch $@

$(DOCS_STAMP): $(CORE_STAMP)
	$(BIN)/python -m pip install --quiet -e '.[docs]'
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

test-unit: $(DEV_STAMP)
	$(BIN)/python -m pytest -q tests/unit

# The documentation: user guide, results, architecture and the API reference from the docstrings.
docs: $(DOCS_STAMP)
	$(BIN)/sphinx-build -W --keep-going -b html docs docs/_build/html

# Brian2GeNN's environment: Brian2GeNN 1.7 needs brian2 2.5.x (and numpy 1.26, sympy 1.12, setuptools < 82).
GENN_VENV := .venv-genn
GENN_STAMP := $(GENN_VENV)/.simnet-genn
# GeNN is on no package index: the released 4.9.0 tarball, kept outside the repository, extracted into an ignored
# folder (GeNN builds its libraries into its own tree on first use, so the tree must be writable).
GENN_TARBALL ?= $(firstword $(wildcard ../shared/vendor/genn-4.9.0.tar.gz ../../shared/vendor/genn-4.9.0.tar.gz) \
                             ../shared/vendor/genn-4.9.0.tar.gz)
GENN_SHA256 := 887101ed95feffdc9bfa2f9dfa749e8544a562bb2c4cf99eb286c95dfdede7cb
GENN_DIR := .genn/genn-4.9.0

$(GENN_STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(GENN_VENV)
	$(GENN_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(GENN_VENV)/bin/python -m pip install --quiet -e '.[genn,dev]'
	touch $@

$(GENN_DIR)/.extracted:
	@test -f "$(GENN_TARBALL)" || { echo "make test-genn: no GeNN 4.9.0 tarball at $(GENN_TARBALL) (set GENN_TARBALL)" >&2; exit 2; }
	echo "$(GENN_SHA256)  $(GENN_TARBALL)" | sha256sum --check --quiet
	rm -rf $(GENN_DIR) && mkdir -p .genn && tar -xzf "$(GENN_TARBALL)" -C .genn
	touch $@

test-genn: $(GENN_STAMP) $(GENN_DIR)/.extracted
	GENN_PATH=$(abspath $(GENN_DIR)) $(GENN_VENV)/bin/python -m pytest -q -m "needs_genn or not slow"

# brian2cuda needs Python >= 3.12 (brian2 2.10.1); the CUDA 13 toolkit wheels make a complete toolkit under
# site-packages/nvidia/cu13 (the 12.x nvcc wheel has no bin/nvcc), which needs libcurand.so beside libcurand.so.10.
PYTHON312 ?= $(shell for p in python3.12 $(HOME)/.pyenv/versions/3.12*/bin/python3; do \
	"$$p" -c 'import sys; assert sys.version_info[:2] == (3, 12)' 2>/dev/null && { echo "$$p"; break; }; done)
CUDA_VENV := .venv312
CUDA_STAMP := $(CUDA_VENV)/.simnet-cuda
CUDA_TOOLKIT = $(abspath $(CUDA_VENV))/lib/python3.12/site-packages/nvidia/cu13

$(CUDA_STAMP): setup.cfg pyproject.toml
	@test -n "$(PYTHON312)" || { echo "make compile-cuda: needs Python 3.12 (set PYTHON312)" >&2; exit 2; }
	$(PYTHON312) -m venv $(CUDA_VENV)
	$(CUDA_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(CUDA_VENV)/bin/python -m pip install --quiet -e '.[cuda,cuda-toolkit]'
	ln -sf libcurand.so.10 $(CUDA_TOOLKIT)/lib/libcurand.so
	touch $@

compile-cuda: $(CUDA_STAMP)
	CUDA_PATH=$(CUDA_TOOLKIT) $(CUDA_VENV)/bin/simnet run cobahh --neurons 4000 --plasticity stdp --backend cuda \
		--compile-only --compute-capability 9.0 --no-progress
	CUDA_PATH=$(CUDA_TOOLKIT) $(CUDA_VENV)/bin/simnet run microcircuit --scale 0.1 --backend cuda \
		--compile-only --compute-capability 9.0 --no-progress

gpu-carry:
	GENN_TARBALL=$(GENN_TARBALL) experiments/gpu/prepare_carry.sh

# NEST with HDF5 (the pip wheel has none, so no nest.SonataNetwork), built for .venv's Python into NEST_PREFIX, with
# the neuron models simnet's export maps (simnet/record/sonata_circuit.py), the nearest models of the levels it
# does not map (izhikevich, hh_cond_exp_traub, also COBAHH's NEST peer's), iaf_psc_alpha and the devices in use.
# NEST_MPI=ON builds it with MPI (the cluster's MPI must be found by cmake). System packages on Debian/Ubuntu:
# apt-get install cmake libhdf5-dev libgsl-dev libboost-dev libltdl-dev
NEST_VERSION := 3.10.0
NEST_SHA256 := 8fbd7df4a3e941784d4b1d5825ded234bdc915238faac0982c62e4cb80134d52
NEST_PREFIX ?= $(abspath ../nest-hdf5)
NEST_MPI ?= OFF
NEST_JOBS ?= 2
NEST_MODELS ?= iaf_psc_exp;iaf_psc_alpha;iaf_cond_exp;aeif_cond_exp;izhikevich;hh_cond_exp_traub;static_synapse;$\
	spike_recorder;spike_generator;poisson_generator;dc_generator;parrot_neuron;multimeter;weight_recorder
NEST_SOURCE := $(NEST_PREFIX)/src/nest_simulator-$(NEST_VERSION)

nest-sonata: $(DEV_STAMP)
	@command -v cmake >/dev/null && command -v h5cc >/dev/null || { echo "make nest-sonata: needs cmake and \
	HDF5's headers (apt-get install cmake libhdf5-dev libgsl-dev libboost-dev libltdl-dev)" >&2; exit 2; }
	mkdir -p $(NEST_PREFIX)/src $(NEST_PREFIX)/build
	test -f $(NEST_PREFIX)/src/nest_simulator-$(NEST_VERSION).tar.gz || $(abspath $(BIN))/python -m pip download \
		--no-binary :all: --no-deps -d $(NEST_PREFIX)/src nest-simulator==$(NEST_VERSION)
	echo "$(NEST_SHA256)  $(NEST_PREFIX)/src/nest_simulator-$(NEST_VERSION).tar.gz" | sha256sum --check --quiet
	test -d $(NEST_SOURCE) || tar -xzf $(NEST_PREFIX)/src/nest_simulator-$(NEST_VERSION).tar.gz -C $(NEST_PREFIX)/src
	cd $(NEST_PREFIX)/build && cmake $(NEST_SOURCE) -DCMAKE_INSTALL_PREFIX=$(NEST_PREFIX) -Dwith-hdf5=ON \
		-Dwith-mpi=$(NEST_MPI) -Dwith-openmp=ON -Dwith-python=ON -Dwith-gsl=ON \
		-DPython_EXECUTABLE=$(abspath $(BIN))/python "-Dwith-models=$(NEST_MODELS)"
	$(MAKE) -C $(NEST_PREFIX)/build -j$(NEST_JOBS) && $(MAKE) -C $(NEST_PREFIX)/build install
	SIMNET_NEST_PREFIX=$(NEST_PREFIX) $(BIN)/python -m pytest -q tests/system/test_sonata_export.py

clean:
	rm -rf $(VENV) $(GENN_VENV) $(CUDA_VENV) .genn .gpu-carry runs figures .pytest_cache docs/_build
