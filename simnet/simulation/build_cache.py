"""Where reused standalone projects live and what they are called.

With ``RunSettings.reuse_build`` a standalone run builds in ``<build root>/<project name>`` and keeps the
directory, so the next run of the same network recompiles only what changed (see
:class:`simnet.simulation.sessions.StandaloneSession`). This module names that directory after the network's code
(:func:`project_name`), finds the default root (:func:`default_build_cache`) and locks a directory for one
process at a time (:func:`claim_project_directory`).
"""
from __future__ import annotations

import hashlib
import os
import re
import socket
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Mapping, Optional

try:
    import fcntl
except ImportError:  # not a POSIX system: reused projects cannot be locked, so none is reused
    fcntl = None

import brian2
import numpy as np

from simnet.specs.model_spec import ModelSpec

__all__ = ["default_build_cache", "claim_project_directory", "project_name"]


def default_build_cache() -> Path:
    """Where reused standalone projects are kept by default: ``$XDG_CACHE_HOME/simnet/builds``, else
    ``~/.cache/simnet/builds``."""
    cache = os.environ.get("XDG_CACHE_HOME", "")
    # The XDG base-directory specification says a relative path there is to be ignored.
    base = Path(cache) if cache and os.path.isabs(cache) else Path.home() / ".cache"
    return base / "simnet" / "builds"


def claim_project_directory(root: Path, project: str) -> Optional[tuple[Path, int, bool]]:
    """Lock ``root/project`` for this process: (directory, lock descriptor, whether a build was there), or None
    when another process holds the lock (or the system has no ``flock``)."""
    if fcntl is None:
        return None
    root.mkdir(parents=True, exist_ok=True)
    lock_fd = os.open(root / f"{project}.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:  # BlockingIOError when held elsewhere
        os.close(lock_fd)
        return None
    directory = root / project
    reused = directory.is_dir() and any(directory.iterdir())
    directory.mkdir(exist_ok=True)
    return directory, lock_fd, reused


def project_name(spec: ModelSpec, backend_name: str, build: Mapping) -> str:
    """The name of a reusable standalone project: ``<model>-<backend>-<hash>``.

    The hash covers what decides the generated code: the spec's populations, projections, inputs and time
    step (sizes, equations, namespaces, rules; not the values of per-neuron or per-synapse arrays, nor the
    seed, which only change data files and ``main.cpp``), the backend's settings in ``build`` (precision,
    threads, package versions), the Brian2 version and this host (the compiler targets its CPU). It need not
    be exact: Brian2 rewrites every generated file whose content differs, so a key that misses something costs
    a recompilation, never a wrong result; one that includes too much costs a separate directory.
    """
    text = "\n".join([
        _code_text((spec.name, spec.populations, spec.projections, spec.inputs, spec.dt)),
        backend_name, _code_text(dict(build)), brian2.__version__, socket.gethostname(),
    ])
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    model = re.sub(r"[^A-Za-z0-9_.-]", "-", spec.name) or "model"
    return f"{model}-{backend_name}-{digest}"


def _code_text(value) -> str:
    """A stable text for the parts of a value that reach generated code (arrays by shape, type and unit)."""
    if isinstance(value, np.ndarray) and value.size > 1:  # Brian2 quantities are arrays too
        unit = repr(brian2.get_dimensions(value)) if isinstance(value, brian2.Quantity) else ""
        return f"array{value.shape}{value.dtype}{unit}"
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{key!r}:{_code_text(value[key])}" for key in sorted(value, key=repr)) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_code_text(item) for item in value) + "]"
    if is_dataclass(value) and not isinstance(value, type):
        return type(value).__name__ + _code_text({f.name: getattr(value, f.name) for f in fields(value)})
    if callable(value) and hasattr(value, "__qualname__"):
        return f"{getattr(value, '__module__', '')}.{value.__qualname__}"
    text = repr(value)
    # An object without a value repr shows its address, which differs between processes.
    return type(value).__name__ if " at 0x" in text else text
