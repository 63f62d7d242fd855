#!/usr/bin/env bash
# On a machine with an NVIDIA GPU and no network (the device machine): build the brian2cuda and Brian2GeNN
# environments from what `make gpu-carry` put in .gpu-carry/, then verify both GPU backends (check.py).
#
#   bash experiments/gpu/check.sh OUT.json [--cpu]
#
# Needs Python 3.12 with numpy, sympy, jinja2, cython, pyparsing, h5py and matplotlib installed (the device
# machine has them; its venvs see them with --system-site-packages), nvcc and libcurand under CUDA_PATH
# (default /usr/local/cuda). SYSTEM_SITE, if set, is a site-packages folder the environments see after their own
# (for testing this script where the system Python lacks those packages).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:?usage: check.sh OUT.json [--cpu]}
shift
carry=.gpu-carry
python=${PYTHON:-python3}
export CUDA_PATH=${CUDA_PATH:-/usr/local/cuda}
[ -d "$carry/wheels" ] || { echo "check.sh: $carry/wheels is missing: run 'make gpu-carry' where there is network" >&2; exit 2; }

make_env() {  # make_env DIR: a venv seeing the system's packages (or SYSTEM_SITE) after its own
    "$python" -m venv --system-site-packages "$1"
    if [ -n "${SYSTEM_SITE:-}" ]; then
        echo "$SYSTEM_SITE" > "$("$1/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/zz-system-site.pth"
    fi
}

if [ ! -x "$carry/env-cuda/bin/simnet" ]; then
    make_env "$carry/env-cuda"
    "$carry/env-cuda/bin/pip" install -q --no-index --no-deps "$carry"/wheels/cuda/*.whl
    "$carry/env-cuda/bin/pip" install -q --no-index --no-deps --no-build-isolation -e .
fi
if [ ! -x "$carry/env-genn/bin/simnet" ]; then
    make_env "$carry/env-genn"
    "$carry/env-genn/bin/pip" install -q --no-index --no-deps "$carry"/wheels/genn/*.whl
    # brian2 2.5.4 has no wheel for Python 3.12: its source, as released, on the path (pure Python is enough)
    echo "$(pwd)/$carry/brian2-2.5.4" > "$("$carry/env-genn/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/brian2-source.pth"
    "$carry/env-genn/bin/pip" install -q --no-index --no-deps --no-build-isolation -e .
fi
if [ ! -d "$carry/genn-4.9.0" ]; then
    tar -xzf "$carry/genn-4.9.0-cuda13.tar.gz" -C "$carry"
fi
export GENN_PATH="$(pwd)/$carry/genn-4.9.0"
exec "$carry/env-cuda/bin/python" experiments/gpu/check.py --cuda-python "$carry/env-cuda/bin/python" \
    --genn-python "$carry/env-genn/bin/python" --out "$out" "$@"
