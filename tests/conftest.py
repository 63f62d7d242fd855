"""Markers: ``unit`` or ``system`` by folder (tests/unit: one stage's functions on small inputs; tests/system: the
command line, the pipeline and the peers end to end), and skips for what this machine cannot run (CI has no GPU, no
GeNN, no NEST)."""
import importlib.util
import shutil
import subprocess

import pytest


def _has_gpu() -> bool:
    if shutil.which("nvidia-smi") is None:
        return False
    try:
        return subprocess.run(["nvidia-smi", "-L"], capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def _genn_cpu_usable() -> bool:
    if importlib.util.find_spec("brian2genn") is None:
        return False
    from simnet.simulation.backends import GennBackend

    return GennBackend(use_gpu=False).availability().usable


def pytest_collection_modifyitems(config, items):
    skips = {
        "needs_gpu": (not _has_gpu(), "needs an NVIDIA GPU"),
        "needs_genn": (not _genn_cpu_usable(), "needs Brian2GeNN (brian2 2.5.x) and a GeNN tree: make test-genn"),
        "needs_nest": (importlib.util.find_spec("nest") is None, "needs the NEST simulator"),
        "needs_neuron": (importlib.util.find_spec("neuron") is None, "needs NEURON: pip install neuron"),
    }
    for item in items:
        kind = item.path.parent.name
        if kind in ("unit", "system"):
            item.add_marker(getattr(pytest.mark, kind))
        for marker, (skip, why) in skips.items():
            if skip and marker in item.keywords:
                item.add_marker(pytest.mark.skip(reason=why))
