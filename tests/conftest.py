"""Markers that skip what this machine cannot run (CI has no GPU, no GeNN, no NEST)."""
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


def pytest_collection_modifyitems(config, items):
    skips = {
        "needs_gpu": (not _has_gpu(), "needs an NVIDIA GPU"),
        "needs_genn": (importlib.util.find_spec("brian2genn") is None, "needs Brian2GeNN and GENN_PATH"),
        "needs_nest": (importlib.util.find_spec("nest") is None, "needs the NEST simulator"),
    }
    for item in items:
        for marker, (skip, why) in skips.items():
            if skip and marker in item.keywords:
                item.add_marker(pytest.mark.skip(reason=why))
