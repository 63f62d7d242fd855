"""Which simnet this is: its version, and the commit it runs from.

The version comes from the package's metadata, written by setuptools-scm from git when simnet was built or
installed (``simnet/_version.py``, not committed). The commit is read from git at run time when simnet runs
from a git checkout (an editable install), so a checkout that moved on since it was installed, or has
uncommitted changes, says so; otherwise it is the commit setuptools-scm recorded at build time (abbreviated, as
``g<hash>``); otherwise unknown ("").
"""
from __future__ import annotations

import subprocess
from pathlib import Path

__all__ = ["version", "commit"]


def version() -> str:
    """The installed simnet's version ("0.0.0+unknown" when it was never built or installed)."""
    try:
        from simnet._version import __version__

        return __version__
    except ImportError:
        from importlib.metadata import PackageNotFoundError, version as installed_version

        try:
            return installed_version("simnet")
        except PackageNotFoundError:
            return "0.0.0+unknown"


def commit() -> dict:
    """``{"commit", "dirty", "source"}``: the commit simnet runs from and how it is known."""
    package = Path(__file__).resolve().parents[1]
    # only a checkout's own simnet/ (an editable install): a wheel installed into a virtual environment that lies
    # inside some checkout must not report that checkout's commit
    try:
        if not (package.parent / ".git").exists():
            raise FileNotFoundError
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=package, capture_output=True, text=True, timeout=5)
        if head.returncode == 0 and head.stdout.strip():
            status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", "."],
                                    cwd=package.parent, capture_output=True, text=True, timeout=10)
            return {"commit": head.stdout.strip(), "dirty": bool(status.stdout.strip()),
                    "source": "git checkout, read at run time"}
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        from simnet._version import __commit__, __dirty__
    except ImportError:
        return {"commit": "", "dirty": None, "source": "unknown (not a git checkout and no build record)"}
    return {"commit": __commit__ or "", "dirty": __dirty__, "source": "recorded by setuptools-scm at build time"}
