#!/usr/bin/env bash
# Where there is network: put into .gpu-carry/ what experiments/gpu/check.sh needs on an offline GPU machine with
# Python 3.12: the cp312 wheels of the brian2cuda and Brian2GeNN environments, brian2 2.5.4's source (it has no
# cp312 wheel), and GeNN 4.9.0 with its CUDA >= 13 patch applied, packed. Nothing here is committed (.gpu-carry
# is ignored); carry it with the checkout (device tool: carry [".gpu-carry"]).
#   GENN_TARBALL, GENN_PATCH: the vendored GeNN release and patch (default ../shared/vendor/...)
set -euo pipefail
cd "$(dirname "$0")/../.."
carry=.gpu-carry
tarball=${GENN_TARBALL:?set GENN_TARBALL to genn-4.9.0.tar.gz}
patch_file=${GENN_PATCH:-$(dirname "$tarball")/genn-4.9.0-cuda13.patch}
python=${PYTHON:-python3}
rm -rf "$carry/wheels" "$carry/brian2-2.5.4" "$carry/build-env"
mkdir -p "$carry/wheels/cuda" "$carry/wheels/genn"
cp312=(--only-binary=:all: --no-deps --python-version 3.12 --implementation cp --platform manylinux2014_x86_64)
# The device machine has numpy, sympy, jinja2, cython, pyparsing, h5py and matplotlib; simnet's run, cost and
# roofline need nothing else but click (scipy only for fits and spike statistics, not used by the check).
# setuptools, wheel, setuptools-scm and packaging build simnet itself (pip install -e, without network).
build=('setuptools<82' wheel 'setuptools-scm>=8,<9' packaging)
"$python" -m pip download -q "${cp312[@]}" -d "$carry/wheels/cuda" brian2==2.10.1 brian2cuda==1.0b1 click "${build[@]}"
"$python" -m pip download -q "${cp312[@]}" -d "$carry/wheels/genn" brian2genn==1.7.0 numpy==1.26.4 sympy==1.12 \
    mpmath click "${build[@]}"
# brian2 2.5.4's source: getting it runs its build metadata, which needs these (not pip's isolated build, which
# would compile numpy from source)
"$python" -m venv "$carry/build-env"
"$carry/build-env/bin/pip" install -q 'setuptools<82' wheel setuptools_scm numpy==1.26.4 'cython<3.1'
work=$(mktemp -d)
"$carry/build-env/bin/pip" download -q --no-deps --no-binary=:all: --no-build-isolation brian2==2.5.4 -d "$work"
tar -xzf "$work"/*.tar.gz -C "$work"
mkdir -p "$carry/brian2-2.5.4" && mv "$work"/*/brian2 "$carry/brian2-2.5.4/"
rm -rf "$work" "$carry/build-env"
# GeNN: the release as vendored, the CUDA 13 patch applied, packed (about 1.5 MB instead of 21 MB of tree)
work=$(mktemp -d)
echo "887101ed95feffdc9bfa2f9dfa749e8544a562bb2c4cf99eb286c95dfdede7cb  $tarball" | sha256sum --check --quiet
tar -xzf "$tarball" -C "$work"
patch -s -p1 -d "$work/genn-4.9.0" < "$patch_file"
tar -czf "$carry/genn-4.9.0-cuda13.tar.gz" -C "$work" genn-4.9.0
rm -rf "$work" "$carry/genn-4.9.0" "$carry/env-cuda" "$carry/env-genn"
du -sh "$carry"
