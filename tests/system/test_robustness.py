"""Bad input and faults through the real command line: each ends cleanly, nothing is damaged, nothing is left running.

One row per case, grouped by class (:data:`CLASSES`). Each row gives the command, the exit status and a phrase
of the one line simnet must print on stderr, and the files it may leave or change. Every row checks: the exit
status; no traceback; exactly one line on stderr (besides the progress lines a benchmark prints and, for a
process killed outright, none at all); and no file new, changed or gone outside the expected ones in the working
directory, the output directory and the temporary directory (Brian2's ``brian_debug_*.log`` and
``brian_script_*.py`` go there). Rows about signals, exit status, stdout, the environment and process groups run
simnet as a subprocess and also check that no process it started is left (every process inherits a tag in its
environment, which /proc shows); the rest call :func:`simnet.cli.main` in this process, which is fast. Rows that
compile C++ are marked slow. Faults that need root to stage for real (a full disk) are injected at the I/O
boundary instead, and say so.
"""
from __future__ import annotations

import dataclasses
import errno
import fcntl
import json
import os
import resource
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

import h5py
import numpy as np
import pytest

from simnet.base import atomic_files
from simnet.cli import main
from simnet.record import files

ROOT = Path(__file__).resolve().parents[2]
SIMNET = [sys.executable, "-m", "simnet"]
TAG = "SIMNET_ROBUSTNESS_TAG"


# --------------------------------------------------------------------------------------------------
# The sandbox a row runs in, and what it may leave behind
# --------------------------------------------------------------------------------------------------

@dataclass
class Sandbox:
    """``work`` (the working directory), ``out`` (an output directory) and ``tmp`` (TMPDIR) of one row."""

    root: Path
    records: dict

    @property
    def work(self) -> Path:
        return self.root / "work"

    @property
    def out(self) -> Path:
        return self.root / "out"

    @property
    def tmp(self) -> Path:
        return self.root / "tmp"

    def fill(self, text: str) -> str:
        return text.format(work=self.work, out=self.out, tmp=self.tmp, **{k: str(v) for k, v in self.records.items()})


def snapshot(sandbox: Sandbox) -> dict:
    """Every file and directory under the sandbox: relative path -> (kind, size, content hash for files)."""
    found = {}
    for base in (sandbox.work, sandbox.out, sandbox.tmp):
        for path in [base, *base.rglob("*")]:
            info = os.lstat(path)
            kind = stat.S_IFMT(info.st_mode)
            digest = hash(path.read_bytes()) if stat.S_ISREG(info.st_mode) else None
            found[str(path.relative_to(sandbox.root))] = (kind, info.st_size if digest is not None else 0, digest)
    return found


def _matches(name: str, patterns) -> bool:
    from fnmatch import fnmatch

    return any(fnmatch(name, pattern) for pattern in patterns)


@dataclass
class Case:
    """One row of the matrix."""

    id: str
    args: list
    status: int
    message: str = ""
    #: globs (relative to the sandbox: work/..., out/..., tmp/...) that may be new or changed
    files: tuple = ()
    #: globs that may disappear
    removed: tuple = ()
    #: a phrase stdout must contain
    stdout: str = ""
    setup: Optional[Callable] = None
    check: Optional[Callable] = None
    #: run as a subprocess: "pipe" (stdout captured), "devfull", "closed" (a pipe read by no one); None: in-process
    process: Optional[str] = None
    env: dict = field(default_factory=dict)
    #: for a subprocess: called with (process, sandbox) while it runs (e.g. to signal it); returns nothing
    during: Optional[Callable] = None
    #: in-process: called with (monkeypatch, sandbox) before the command
    patch: Optional[Callable] = None
    #: beginnings of the progress lines allowed on stderr besides the one line (a benchmark's "[1/2] ...")
    progress: tuple = ()
    preexec: Optional[Callable] = None
    slow: bool = False
    timeout_s: float = 120


def _runtime_numpy(monkeypatch, sandbox=None):
    """In-process runs that must finish: the runtime backend on numpy, which needs no compiler (seconds, not
    minutes of Cython compilation)."""
    from simnet.simulation import backends

    monkeypatch.setitem(backends.BACKENDS, "runtime", lambda: backends.RuntimeBackend("numpy"))


# --------------------------------------------------------------------------------------------------
# Records to read and damage
# --------------------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def real_records(tmp_path_factory):
    """Two records made by the real run pipeline: COBAHH and a tiny microcircuit (runtime backend on numpy)."""
    import warnings

    from simnet.pipeline import execute, plan_run
    from simnet.simulation.backends import RuntimeBackend
    from simnet.simulation.settings import RunSettings

    folder = tmp_path_factory.mktemp("records")
    made = {}
    for name, model, options in (("cobahh", "cobahh", {"neurons": 40}),
                                 ("mc", "microcircuit", {"scale": 0.005, "k_scale": 0.05})):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the tiny column's scaling warning
            plan = plan_run(model, options, duration_s=0.03, backend="runtime", record_spikes=True,
                            settings=RunSettings(progress=False))
        plan = dataclasses.replace(plan, backend=RuntimeBackend("numpy"))
        made[name] = files.write(execute(plan), folder / f"{name}.h5")
    return made


@pytest.fixture(scope="session")
def cpp_cache(tmp_path_factory):
    """Where the signal rows' reused C++ project is built, once per test session."""
    return tmp_path_factory.mktemp("cpp-cache")


@pytest.fixture
def sandbox(tmp_path, real_records, cpp_cache, monkeypatch):
    box = Sandbox(tmp_path, {})
    for folder in (box.work, box.out, box.tmp):
        folder.mkdir()
    records = {}
    for name, path in real_records.items():
        records[name] = box.out / path.name
        records[name].write_bytes(path.read_bytes())
    (box.out / "fid").mkdir()
    (box.out / "fid" / "lif_exp.h5").write_bytes(real_records["mc"].read_bytes())
    records["fid"] = box.out / "fid"
    records["cache"] = cpp_cache
    box.records = records
    monkeypatch.chdir(box.work)
    monkeypatch.setenv("TMPDIR", str(box.tmp))
    monkeypatch.setattr(tempfile, "tempdir", str(box.tmp))
    return box


# --------------------------------------------------------------------------------------------------
# Running a row
# --------------------------------------------------------------------------------------------------

def _tagged_processes(tag: str) -> list[str]:
    """Processes (not zombies) whose environment carries ``tag``: "pid command" each."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if f"{TAG}={tag}".encode() not in (entry / "environ").read_bytes().split(b"\0"):
                continue
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            if state != "Z":
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                found.append(f"{entry.name} {command[:120]}")
        except OSError:
            continue
    return found


def _wait_until_no_process(tag: str, timeout_s: float = 20) -> list[str]:
    deadline = time.monotonic() + timeout_s
    while True:
        left = _tagged_processes(tag)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.1)


def _kill_tagged(tag: str) -> None:
    for line in _tagged_processes(tag):
        try:
            os.kill(int(line.split(" ", 1)[0]), signal.SIGKILL)
        except ProcessLookupError:
            pass


def run_case(case: Case, sandbox: Sandbox, monkeypatch, capfd):
    args = [sandbox.fill(str(a)) for a in case.args]
    if case.setup:
        case.setup(sandbox)
    before = snapshot(sandbox)
    left = []
    if case.process is None:
        if case.patch:
            case.patch(monkeypatch, sandbox)
        capfd.readouterr()
        status = main(args)
        stdout, stderr = capfd.readouterr()
    else:
        tag = sandbox.records["_tag"] = uuid.uuid4().hex
        env = {**os.environ, TAG: tag, "TMPDIR": str(sandbox.tmp), "PYTHONPATH": str(ROOT),
               **{k: sandbox.fill(v) for k, v in case.env.items()}}
        stdout_target, stderr_target = subprocess.PIPE, subprocess.PIPE
        if case.process == "devfull":
            stdout_target = open("/dev/full", "w")
        elif case.process == "stderr-full":
            stderr_target = open("/dev/full", "w")
        elif case.process == "closed":
            read_end, stdout_target = os.pipe()
            os.close(read_end)
        proc = subprocess.Popen([*SIMNET, *args], cwd=sandbox.work, env=env, stdout=stdout_target,
                                stderr=stderr_target, stdin=subprocess.DEVNULL, text=True,
                                start_new_session=True, preexec_fn=case.preexec)
        if case.process == "closed":
            os.close(stdout_target)
        try:
            if case.during:
                case.during(proc, sandbox)
            out, err = proc.communicate(timeout=case.timeout_s)
            status, stdout, stderr = proc.returncode, out or "", err or ""
            left = _wait_until_no_process(tag)
        finally:
            _kill_tagged(tag)  # whatever a failing row left, so that it does not outlive the test
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    after = snapshot(sandbox)
    return status, stdout, stderr, before, after, left


def check_case(case: Case, sandbox: Sandbox, monkeypatch, capfd):
    status, stdout, stderr, before, after, left = run_case(case, sandbox, monkeypatch, capfd)
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert status == case.status, f"exit status {status}, expected {case.status}; stderr: {stderr}"
    assert "Traceback" not in stderr and "Traceback" not in stdout, stderr
    lines = [line for line in lines if not line.startswith(case.progress or ("\0",))]
    expected_lines = 0 if status < 0 or case.process == "stderr-full" else 1
    if status != 0 or case.message:
        assert len(lines) == expected_lines, f"expected {expected_lines} line(s) on stderr, got: {stderr}"
    else:
        assert not lines, f"expected nothing on stderr, got: {stderr}"
    assert case.stdout in stdout, f"{case.stdout!r} not in stdout"
    if case.message and expected_lines:
        assert case.message in lines[-1], f"{case.message!r} not in {lines[-1]!r}"
    if status in (1, 2) and expected_lines:
        assert lines[-1].startswith("simnet: error: "), lines[-1]
    new = sorted(name for name in after if name not in before)
    changed = sorted(name for name in after if name in before and after[name] != before[name])
    gone = sorted(name for name in before if name not in after)
    allowed = [sandbox.fill(p) for p in case.files]
    assert not [n for n in new + changed if not _matches(n, allowed)], \
        f"new or changed outside the expected files: {[n for n in new + changed if not _matches(n, allowed)]}"
    assert not [n for n in gone if not _matches(n, case.removed)], f"removed: {gone}"
    assert not left, f"processes left running: {left}"
    if case.check:
        case.check(sandbox)


def _params(cases):
    return [pytest.param(c, id=c.id, marks=[pytest.mark.slow] if c.slow else []) for c in cases]


# --------------------------------------------------------------------------------------------------
# Setups and checks shared by rows
# --------------------------------------------------------------------------------------------------

def _write(relative: str, content: bytes | str = b"precious"):
    """Setup: a file in the sandbox (relative to it) with ``content``."""
    def setup(box: Sandbox):
        path = box.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode() if isinstance(content, str) else content)
    return setup


def _unchanged(relative: str, content: bytes = b"precious"):
    def check(box: Sandbox):
        assert (box.root / relative).read_bytes() == content
    return check


def _all(*steps):
    def run(*args):
        for step in steps:
            step(*args)
    return run


def _fifo(box):
    os.mkfifo(box.work / "pipe.h5")


def _socket(box):
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(box.work / "sock.h5"))
    box.records["_socket"] = server  # kept open for the row


def _symlink_to_record(box):
    (box.work / "link.h5").symlink_to(box.records["cobahh"])


def _dev_null_still_a_device(box):
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def _experiment(text: str):
    return _write("work/exp.toml", text)


_EXPERIMENT = ('name = "e"\nmodel = "cobahh"\nduration = "10ms"\n{extra}[sweep]\nneurons = {neurons}\n'
               '[[runners]]\nkind = "simnet"\nbackend = "runtime"\n')


def _bench_file(neurons="[20]", extra=""):
    return _experiment(_EXPERIMENT.format(neurons=neurons, extra=extra))


def _damaged(record: str, change: Callable):
    """Setup: ``change(h5py.File)`` applied to the sandbox's copy of a record."""
    def setup(box: Sandbox):
        with h5py.File(box.records[record], "r+") as f:
            change(f)
    return setup


def _delete(path: str):
    def change(f):
        del f[path]
    return change


def _set_attr(path: str, name: str, value):
    def change(f):
        f[path].attrs[name] = value
    return change


def _replace_group_by_number(path: str):
    def change(f):
        del f[path]
        f[path] = 5
    return change


def _truncate(record: str, keep: int):
    def setup(box):
        data = box.records[record].read_bytes()
        box.records[record].write_bytes(data[:keep])
    return setup


def _enospc(*_args, **_kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def _no_space_for(name: str):
    """A Path.write_text that fails with ENOSPC for the (temporary file of) ``name`` only."""
    write_text = Path.write_text

    def write(path, *args, **kwargs):
        if name in path.name:
            _enospc()
        return write_text(path, *args, **kwargs)
    return write


def _claim_held(relative: str):
    """Patch: another writer holds ``relative`` (an exclusive lock taken as simnet takes it)."""
    def patch(monkeypatch, box):
        held = atomic_files.claimed(box.root / relative)
        held.__enter__()
        box.records["_claim"] = held
    return patch


def _project_fails(*_args, **_kwargs):
    raise RuntimeError("Project run failed (injected)")


# --------------------------------------------------------------------------------------------------
# The matrix, by class
# --------------------------------------------------------------------------------------------------

R = ["run", "cobahh", "--no-progress"]  # a run that is refused before anything is built

OPTIONS = [
    Case("unknown-model", ["run", "nosuch"], 2, "'nosuch' is not one of 'cobahh', 'microcircuit'"),
    Case("unknown-backend", [*R, "--backend", "nosuch"], 2, "Invalid value for '--backend': 'nosuch' is not one of"),
    Case("unknown-option", [*R, "--frobnicate"], 2, "No such option"),
    Case("unknown-command", ["frobnicate"], 2, "No such command"),
    Case("missing-model", ["run"], 2, "Missing argument 'MODEL'. Choose from: cobahh, microcircuit"),
    Case("option-of-other-model", [*R, "--scale", "0.1"], 2, "does not take the option(s) scale"),
    Case("unknown-precision", [*R, "--precision", "half"], 2, "'half' is not one of 'single', 'double'"),
    Case("unknown-mode", [*R, "--mode", "sparse"], 2, "'sparse' is not one of 'classic', 'benchmark'"),
    Case("unknown-plasticity", [*R, "--plasticity", "bcm"], 2, "'bcm' is not one of 'none', 'stdp'"),
    Case("unknown-neuron-model", ["run", "microcircuit", "--neuron-model", "hh2"], 2, "hh2"),
    Case("unknown-synapse-model", ["run", "microcircuit", "--synapse-model", "bcm"], 2, "bcm"),
    Case("unknown-background", ["run", "microcircuit", "--background", "noise"], 2, "noise"),
    Case("threads-zero", [*R, "--threads", "0"], 2, "--threads must be at least 1"),
    Case("threads-negative", [*R, "--threads", "-4"], 2, "--threads must be at least 1"),
    Case("threads-text", [*R, "--threads", "many"], 2, "is not a valid integer"),
    Case("genn-cannot-run-column", ["run", "microcircuit", "--backend", "genn"], 2, "cannot run this network"),
    Case("cells-on-genn", ["run", "cells", "--backend", "genn"], 2,
         "model cells runs on runtime and cpp only; genn cannot run it"),
    Case("cells-on-cuda", ["run", "cells", "--backend", "cuda"], 2,
         "model cells runs on runtime and cpp only; cuda cannot run it"),
    Case("cells-compile-only", ["run", "cells", "--compile-only"], 2, "cannot be compiled without running it"),
    Case("cells-record-connectivity", ["run", "cells", "--record-connectivity"], 2,
         "cannot keep the network for export"),
    Case("cells-unknown-level", ["run", "cells", "--level", "pyramid"], 2, "'pyramid' is not one of"),
    Case("cells-none", ["run", "cells", "--exc", "0"], 2, "at least one cell in all"),
    Case("cells-too-many", ["run", "cells", "--exc", "30", "--inh", "20"], 2, "builds at most 40 cells"),
    Case("cells-fraction", ["run", "cells", "--inh", "0.5"], 2, "--inh must be a whole number, got 0.5"),
    Case("cells-option-of-another-model", ["run", "cells", "--neurons", "10"], 2,
         "model cells does not take the option(s) neurons"),
    Case("compute-capability-text", [*R, "--compile-only", "--compute-capability", "junk"], 2,
         "'junk' is not a valid float"),
    Case("compute-capability-zero", [*R, "--compile-only", "--compute-capability", "0"], 2,
         "--compute-capability must be a CUDA compute capability such as 9.0, got 0.0"),
    Case("compute-capability-nan", [*R, "--compile-only", "--compute-capability", "nan"], 2,
         "--compute-capability must be a CUDA compute capability such as 9.0, got nan"),
    Case("compute-capability-without-compile-only", [*R, "--compute-capability", "9.0"], 2,
         "is for compiling only"),
    Case("compile-only-runtime", [*R, "--compile-only", "--backend", "runtime"], 2,
         "backend runtime compiles as it runs"),
    Case("compile-only-genn", [*R, "--compile-only", "--backend", "genn"], 2, "backend genn compiles only where"),
    Case("compile-only-with-out", [*R, "--compile-only", "--out", "r.h5"], 2, "writes no results file"),
    Case("compile-only-with-overwrite", [*R, "--compile-only", "--overwrite"], 2, "writes no results file"),
    Case("sweep-bad-option", ["sweep", "cobahh", "--neurons", "20", "--option", "frob"], 2, "write NAME=VALUE"),
    Case("sweep-unknown-peer", ["sweep", "cobahh", "--neurons", "20", "--peer", "nosuch"], 2,
         "Invalid value for '--peer': 'nosuch' is not one of"),
    Case("sweep-repeats-zero", ["sweep", "cobahh", "--neurons", "20", "--repeats", "0"], 2, "repeats"),
    Case("fidelity-unknown-level", ["fidelity", "--levels", "nosuch"], 2, "unknown level 'nosuch'"),
    Case("fidelity-empty-levels", ["fidelity", "--levels", ","], 2, "levels is empty"),
    Case("fidelity-repeated-level", ["fidelity", "--levels", "adex,adex"], 2, "more than once"),
    Case("fidelity-from-dir-with-run-option", ["fidelity", "--from-dir", "{fid}", "--scale", "0.2"], 2,
         "takes no --scale"),
    Case("roofline-zero-bandwidth", ["roofline", "{cobahh}", "--bandwidth-gb-s", "0"], 2, "must be positive"),
    Case("roofline-nan-bandwidth", ["roofline", "{cobahh}", "--bandwidth-gb-s", "nan"], 2, "must be positive"),
    Case("roofline-negative-latency", ["roofline", "{cobahh}", "--bandwidth-gb-s", "1",
                                       "--launch-latency-us", "-1"], 2, "must be non-negative"),
    Case("extrapolate-negative-neurons", ["extrapolate", "{cobahh}", "--neurons", "-1"], 2, "positive numbers"),
    Case("extrapolate-text-neurons", ["extrapolate", "{cobahh}", "--neurons", "many"], 2, "not a comma-separated"),
    Case("extrapolate-zero-years", ["extrapolate", "{cobahh}", "--years", "0"], 2, "must be a positive number"),
    Case("extrapolate-bad-target", ["extrapolate", "{cobahh}", "--target-wall", "1parsec"], 2, "is not a duration"),
    Case("extrapolate-zero-price", ["extrapolate", "{cobahh}", "--price-per-kwh", "0"], 2, "positive number"),
    Case("extrapolate-missing-scaling", ["extrapolate", "{cobahh}", "--scaling", "none.json"], 2,
         "no such scaling summary"),
    Case("extrapolate-scaling-not-json", ["extrapolate", "{cobahh}", "--scaling", "{cobahh}"], 2,
         "not a readable JSON"),
    Case("extrapolate-scaling-without-points", ["extrapolate", "{cobahh}", "--scaling", "s.json"], 2,
         "expected a JSON object with a 'points' list", setup=_write("work/s.json", '{"x": 1}')),
    Case("extrapolate-scaling-points-not-a-list", ["extrapolate", "{cobahh}", "--scaling", "s.json"], 2,
         "s.json", setup=_write("work/s.json", '{"points": "many"}')),
    Case("bench-repeats-zero", ["bench", "exp.toml", "--repeats", "0"], 2, "repeats must be at least 1",
         setup=_bench_file()),
]

DURATIONS_AND_SIZES = [
    Case("duration-zero", [*R, "--duration", "0s"], 2, "--duration must be positive"),
    Case("duration-negative", [*R, "--duration", "-1s"], 2, "--duration must be positive"),
    Case("duration-not-a-time", [*R, "--duration", "5mV"], 2, "is not a time"),
    Case("duration-text", [*R, "--duration", "ten"], 2, "is not a time"),
    Case("duration-infinite", [*R, "--duration", "1e400s"], 2, "--duration must be positive"),
    Case("duration-below-one-step", [*R, "--duration", "0.01ms"], 2, "shorter than one time step"),
    Case("pre-run-below-one-step", [*R, "--pre-run", "0.05ms"], 2, "--pre-run 0.05 ms is shorter than one time step"),
    Case("pre-run-negative", [*R, "--pre-run", "-1s"], 2, "--pre-run must be non-negative"),
    Case("duration-below-coarse-step", ["run", "microcircuit", "--dt", "1ms", "--duration", "0.5ms"], 2,
         "shorter than one time step of the microcircuit model (1 ms)"),
    Case("dt-zero", ["run", "microcircuit", "--dt", "0ms"], 2, "dt must be positive"),
    Case("dt-text", ["run", "microcircuit", "--dt", "fine"], 2, "is not a time"),
    Case("fidelity-window-empty", ["fidelity", "--duration", "400ms"], 2, "must exceed discard"),
    Case("fidelity-negative-discard", ["fidelity", "--discard", "-1ms"], 2, "--discard must be non-negative"),
    Case("compile-only-duration-below-one-step", [*R, "--compile-only", "--duration", "0.01ms"], 2,
         "shorter than one time step"),
    Case("sweep-duration-below-one-step", ["sweep", "cobahh", "--neurons", "20", "--duration", "0.01ms"], 2,
         "shorter than one time step"),
    Case("neurons-zero", [*R, "--neurons", "0"], 2, "at least 2 neurons"),
    Case("neurons-negative", [*R, "--neurons", "-5"], 2, "at least 2 neurons"),
    Case("neurons-one", [*R, "--neurons", "1"], 2, "at least 2 neurons"),
    Case("neurons-fraction", [*R, "--neurons", "100.5"], 2, "--neurons must be a whole number, got 100.5"),
    Case("neurons-text", [*R, "--neurons", "abc"], 2, "--neurons must be a whole number, got 'abc'"),
    Case("neurons-nan", [*R, "--neurons", "nan"], 2, "--neurons must be a whole number"),
    Case("neurons-infinite", [*R, "--neurons", "inf"], 2, "--neurons must be a whole number"),
    Case("scale-zero", ["run", "microcircuit", "--scale", "0"], 2, "must be in (0, 1]"),
    Case("scale-above-one", ["run", "microcircuit", "--scale", "1.5"], 2, "must be in (0, 1]"),
    Case("scale-text", ["run", "microcircuit", "--scale", "half"], 2, "--scale must be a number, got 'half'"),
    Case("scale-nan", ["run", "microcircuit", "--scale", "nan"], 2, "--scale must be a number"),
    Case("k-scale-zero", ["run", "microcircuit", "--k-scale", "0"], 2, "must be in (0, 1]"),
    Case("sweep-neurons-fraction", ["sweep", "cobahh", "--neurons", "100.5,200"], 2,
         "point neurons=100.5: neurons must be a whole number, got 100.5"),
    Case("sweep-neurons-text", ["sweep", "cobahh", "--neurons", "abc"], 2, "neurons must be a whole number"),
    Case("sweep-neurons-empty", ["sweep", "cobahh", "--neurons", "20,,40"], 2, "has an empty value"),
    Case("memory-guard", [*R, "--neurons", "1000000000"], 2, "TB of memory (1,000,000,000 neurons x"),
    Case("memory-guard-compile-only", [*R, "--compile-only", "--neurons", "1000000000"], 2,
         "TB of memory (1,000,000,000 neurons x"),
    Case("memory-guard-limit-named", [*R, "--neurons", "4000"], 2, "more than a test limit allows here (1 MB)",
         patch=lambda mp, box: mp.setattr("simnet.pipeline.available_memory", lambda: (10**6, "a test limit"))),
    Case("memory-guard-skipped-then-index-range", [*R, "--neurons", "3000000000", "--skip-memory-check"], 2,
         "Brian2 numbers neurons with 32-bit integers"),
    Case("memory-guard-address-space", [*R, "--neurons", "6000000", "--backend", "runtime"], 2,
         "the address-space limit (ulimit -v)", process="pipe", env={"OPENBLAS_NUM_THREADS": "1"},
         preexec=lambda: resource.setrlimit(resource.RLIMIT_AS, (4 * 2**30, 4 * 2**30))),
    Case("memory-guard-sweep-every-run-refused", ["sweep", "cobahh", "--neurons", "1000000000",
                                                  "--out-dir", "sw", "--backend", "runtime"], 1,
         "every run failed (1 of 1; the first: the network needs at least", progress=("[",),
         files=("work/sw", "work/sw/summary.json", "work/sw/points", "work/sw/points/*.point.json",
                "work/sw/manifest.json")),
]

SEEDS = [
    Case("seed-negative", [*R, "--seed", "-1"], 2, "--seed must be a whole number from 0 to 2**32 - 1"),
    Case("seed-too-large", [*R, "--seed", "4294967296"], 2, "got 4294967296"),
    Case("seed-fraction", [*R, "--seed", "1.5"], 2, "is not a valid integer"),
    Case("seed-text", [*R, "--seed", "one"], 2, "is not a valid integer"),
    Case("sweep-seed-too-large", ["sweep", "cobahh", "--neurons", "20", "--seed", "4294967296"], 2,
         "--seed must be a whole number from 0 to 2**32 - 1"),
    Case("fidelity-seed-negative", ["fidelity", "--seed", "-3"], 2, "--seed must be a whole number"),
    Case("experiment-seed-negative", ["bench", "exp.toml"], 2, "seeds must be a non-empty list of whole numbers",
         setup=_bench_file(extra="seeds = [-1]\n")),
    Case("experiment-seed-too-large", ["bench", "exp.toml"], 2, "from 0 to 2**32 - 1",
         setup=_bench_file(extra="seeds = [4294967296]\n")),
    Case("experiment-seed-fraction", ["bench", "exp.toml"], 2, "seeds must be",
         setup=_bench_file(extra="seeds = [1.5]\n")),
    Case("experiment-seed-text", ["bench", "exp.toml"], 2, "seeds must be", setup=_bench_file(extra='seeds = ["a"]\n')),
    Case("experiment-seeds-empty", ["bench", "exp.toml"], 2, "seeds must be", setup=_bench_file(extra="seeds = []\n")),
    Case("experiment-seed-repeated", ["bench", "exp.toml"], 2, "seeds repeat a value",
         setup=_bench_file(extra="seeds = [3, 3]\n")),
]

OUTPUT_PATHS = [
    Case("plot-out-keeps-an-existing-figure", ["plot", "{cobahh}", "--out", "fig"], 2,
         "figure fig.png already exists; overwrite it or choose another path (--overwrite)",
         setup=_write("work/fig.png"), check=_unchanged("work/fig.png")),
    Case("plot-out-keeps-an-existing-svg", ["plot", "{cobahh}", "--out", "fig"], 2, "figure fig.svg already exists",
         setup=_write("work/fig.svg"), check=_unchanged("work/fig.svg")),
    Case("plot-out-overwrite-replaces-it", ["plot", "{cobahh}", "--out", "fig", "--overwrite"], 0,
         stdout="fig.png", setup=_write("work/fig.png"), files=("work/fig.png", "work/fig.svg")),
    Case("plot-out-dot", ["plot", "{cobahh}", "--out", "."], 2, ". names a directory"),
    Case("plot-out-dot-dot", ["plot", "{cobahh}", "--out", ".."], 2, ".. names a directory"),
    Case("plot-out-dev-null", ["plot", "{cobahh}", "--out", "/dev/null"], 2,
         "/dev/null is a character device, not a regular file"),
    Case("plot-out-a-folder", ["plot", "{cobahh}", "--out", "{out}"], 2, "is a directory"),
    Case("out-character-device", [*R, "--out", "/dev/null", "--overwrite"], 2,
         "/dev/null is a character device, not a regular file", check=_dev_null_still_a_device),
    Case("out-named-pipe", [*R, "--out", "pipe.h5", "--overwrite"], 2, "pipe.h5 is a named pipe", setup=_fifo),
    Case("out-socket", [*R, "--out", "sock.h5", "--overwrite"], 2, "sock.h5 is a socket", setup=_socket),
    Case("out-symlink", [*R, "--out", "link.h5", "--overwrite"], 2, "link.h5 is a symbolic link",
         setup=_symlink_to_record),
    Case("out-directory", [*R, "--out", "{out}"], 2, "is a directory; give a file name such as"),
    Case("out-trailing-slash-new", [*R, "--out", "newdir/"], 2, "newdir/ names a directory",
         check=lambda box: not (box.work / "newdir").exists() or pytest.fail("newdir created")),
    Case("out-trailing-slash-existing", [*R, "--out", "{out}/"], 2, "names a directory"),
    Case("out-empty", [*R, "--out", ""], 2, "names a directory"),
    Case("out-dot", [*R, "--out", "."], 2, ". names a directory"),
    Case("out-parent-is-a-file", [*R, "--out", "afile/sub/r.h5"], 2, "cannot create output directory",
         setup=_write("work/afile")),
    Case("out-exists", [*R, "--out", "r.h5"], 2, "already exists; overwrite it or choose another path (--overwrite)",
         setup=_write("work/r.h5"), check=_unchanged("work/r.h5")),
    Case("out-held-by-another-writer", [*R, "--out", "new.h5"], 2, "new.h5 is being written by another simnet process",
         patch=_claim_held("work/new.h5"), files=("work/.new.h5.lock",)),
    Case("out-dir-created-then-removed-on-failure", [*R, "--backend", "runtime", "--out", "a/b/new.h5"], 1,
         "Project run failed (injected)", patch=lambda mp, box: mp.setattr("simnet.pipeline._run", _project_fails)),
    Case("build-dir-is-a-file", [*R, "--build-dir", "afile"], 2, "Directory 'afile' is a file",
         setup=_write("work/afile")),
    Case("sweep-out-dir-is-a-file", ["sweep", "cobahh", "--neurons", "20", "--out-dir", "afile"], 2,
         "output folder afile is not a directory", setup=_write("work/afile")),
    Case("sweep-out-dir-has-summary", ["sweep", "cobahh", "--neurons", "20", "--out-dir", "sw"], 2,
         "summary.json already exists", setup=_write("work/sw/summary.json", "{}"),
         check=_unchanged("work/sw/summary.json", b"{}")),
    Case("sweep-out-dir-held", ["sweep", "cobahh", "--neurons", "20", "--backend", "runtime", "--out-dir", "sw"], 2,
         "is being written by another simnet process", setup=lambda box: (box.work / "sw").mkdir(),
         patch=_claim_held("work/sw/summary.json"), files=("work/sw/.summary.json.lock",)),
    Case("figures-dir-is-a-file", ["extrapolate", "{cobahh}", "--figures", "afile"], 2,
         "Directory 'afile' is a file", setup=_write("work/afile")),
    Case("figures-dir-inside-a-file", ["extrapolate", "{cobahh}", "--figures", "afile/figs"], 2,
         "cannot create figures directory afile/figs", setup=_write("work/afile")),
    Case("fidelity-figures-checked-before-running", ["fidelity", "--figures", "afile/sub"], 2,
         "cannot create figures directory afile/sub", setup=_write("work/afile")),
    Case("show-missing", ["show", "none.h5"], 2, "no such results file: none.h5"),
    Case("show-directory", ["show", "{out}"], 2, "is a directory, not a results file"),
    Case("show-named-pipe", ["show", "pipe.h5"], 2, "pipe.h5 is not a regular file", setup=_fifo),
    Case("show-character-device", ["show", "/dev/zero"], 2, "/dev/zero is not a regular file"),
    Case("show-text-file", ["show", "t.h5"], 2, "t.h5 is not an HDF5 file", setup=_write("work/t.h5", "hello")),
    Case("show-empty-file", ["show", "t.h5"], 2, "t.h5 is not an HDF5 file", setup=_write("work/t.h5", b"")),
]

#: (name, setup, phrase of the message) for damaged records; each is read by every command that reads records.
_DAMAGE = [
    ("spikes-missing", _delete("spikes"), "is not a valid simnet record: /spikes is missing"),
    ("cost-missing", _delete("cost"), "/cost is missing"),
    ("counts-missing", _delete("counts"), "/counts is missing"),
    ("timings-missing", _delete("timings"), "/timings is missing"),
    ("provenance-missing", _delete("provenance"), "/provenance is missing"),
    ("duration-a-string", _set_attr("/", "duration_s", "1 s"), "/duration_s is '1 s', not a positive number"),
    ("future-format", _set_attr("/", "simnet_format", files.FORMAT_VERSION + 1),
     f"is a simnet_format {files.FORMAT_VERSION + 1} file, newer than this simnet reads"),
]
_READERS = {
    "show": ["show", "{%s}"],
    "cost": ["cost", "{%s}"],
    "roofline": ["roofline", "{%s}", "--bandwidth-gb-s", "10"],
    "extrapolate": ["extrapolate", "{%s}"],
}

RECORDS = [
    Case(f"{reader}-{name}", [a.replace("%s", "cobahh") for a in args], 2, phrase,
         setup=_damaged("cobahh", change), files=("out/cobahh.h5",))
    for name, change, phrase in _DAMAGE for reader, args in _READERS.items()
] + [
    Case(f"fidelity-from-dir-{name}", ["fidelity", "--from-dir", "{fid}", "--discard", "0ms"], 2, phrase,
         setup=lambda box, change=change: _damaged_level(box, change), files=("out/fid/lif_exp.h5",))
    for name, change, phrase in _DAMAGE
] + [
    Case("parameters-missing", ["show", "{cobahh}"], 2, "/parameters is missing",
         setup=_damaged("cobahh", _delete("parameters")), files=("out/cobahh.h5",)),
    Case("backend-missing", ["cost", "{cobahh}"], 2, "/backend is missing",
         setup=_damaged("cobahh", _delete("backend")), files=("out/cobahh.h5",)),
    Case("rates-missing", ["show", "{cobahh}"], 2, "/rates is missing",
         setup=_damaged("cobahh", _delete("rates")), files=("out/cobahh.h5",)),
    Case("notes-missing", ["show", "{cobahh}"], 2, "/notes is missing",
         setup=_damaged("cobahh", _delete("notes")), files=("out/cobahh.h5",)),
    Case("cost-not-a-group", ["cost", "{cobahh}"], 2, "/cost is not a group",
         setup=_damaged("cobahh", _replace_group_by_number("cost")), files=("out/cobahh.h5",)),
    Case("steps-negative", ["roofline", "{cobahh}", "--bandwidth-gb-s", "1"], 2,
         "/counts/n_steps is -5, not a whole number >= 0",
         setup=_damaged("cobahh", _set_attr("counts", "n_steps", -5)), files=("out/cobahh.h5",)),
    Case("population-size-text", ["show", "{cobahh}"], 2, "/counts/populations/neurons/size is 'many'",
         setup=_damaged("cobahh", _set_attr("counts/populations/neurons", "size", "many")), files=("out/cobahh.h5",)),
    Case("cost-row-owner-a-number", ["cost", "{cobahh}"], 2, "/cost/flops/rows/000000/owner is 7, not text",
         setup=_damaged("cobahh", _set_attr("cost/flops/rows/000000", "owner", 7)), files=("out/cobahh.h5",)),
    Case("precision-unknown", ["extrapolate", "{cobahh}"], 2, "/backend/precision is 'half', not single or double",
         setup=_damaged("cobahh", _set_attr("backend", "precision", "half")), files=("out/cobahh.h5",)),
    Case("time-step-zero", ["show", "{cobahh}"], 2, "/dt_s is 0.0, not a positive number",
         setup=_damaged("cobahh", _set_attr("/", "dt_s", 0.0)), files=("out/cobahh.h5",)),
    Case("spike-arrays-differ", ["fidelity", "--from-dir", "{fid}", "--discard", "0ms"], 2,
         "timestamps and node_ids differ in length",
         setup=lambda box: _damaged_level(box, _shorten_spikes), files=("out/fid/lif_exp.h5",)),
    Case("format-as-text", ["show", "{cobahh}"], 2, "not a simnet results file (simnet_format is '1')",
         setup=_damaged("cobahh", _set_attr("/", "simnet_format", "1")), files=("out/cobahh.h5",)),
    Case("format-zero", ["show", "{cobahh}"], 2, "not a simnet results file (simnet_format is 0)",
         setup=_damaged("cobahh", _set_attr("/", "simnet_format", 0)), files=("out/cobahh.h5",)),
    Case("format-missing", ["show", "{cobahh}"], 2, "no simnet_format attribute",
         setup=_damaged("cobahh", lambda f: f.attrs.__delitem__("simnet_format")), files=("out/cobahh.h5",)),
    Case("truncated", ["show", "{cobahh}"], 2, "cobahh.h5 is", setup=_truncate("cobahh", 3000),
         files=("out/cobahh.h5",)),
    Case("extrapolate-a-directory", ["extrapolate", "{out}"], 2, "is a directory, not a results file"),
    Case("fidelity-from-dir-missing", ["fidelity", "--from-dir", "none"], 2,
         "none is not a directory of fidelity records (--from-dir)"),
    Case("fidelity-from-dir-empty", ["fidelity", "--from-dir", "empty"], 2, "holds no records",
         setup=lambda box: (box.work / "empty").mkdir()),
]


def _damaged_level(box, change):
    with h5py.File(box.records["fid"] / "lif_exp.h5", "r+") as f:
        change(f)


def _shorten_spikes(f):
    group = next(iter(f["spikes"].values()))
    ids = group["node_ids"][()]
    del group["node_ids"]
    group["node_ids"] = ids[:-1]


def _runs_with_negative_size(box):
    """Setup: the shipped runs table with one run's neuron count negative (set aside with its reason, not a
    traceback or a warning)."""
    import csv

    from simnet.base.data_tables import read_csv

    rows = [dict(row) for row in read_csv(ROOT / "data" / "published_runs.csv").rows]
    rows[0]["neurons"] = "-5"
    with open(box.work / "r.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


B = ["bench", "exp.toml"]

EXPERIMENT_FILES = [
    Case("experiment-missing", ["bench", "none.toml"], 2, "no such experiment file: none.toml"),
    Case("experiment-is-a-directory", ["bench", "{out}"], 2, "cannot read the experiment file"),
    Case("experiment-not-text", B, 2, "cannot read the experiment file", setup=_experiment(b"\xff\xfe\x00bin")),
    Case("experiment-empty", B, 2, "missing key 'name'", setup=_experiment("")),
    Case("experiment-not-toml", B, 2, "not valid TOML", setup=_experiment("name = [")),
    Case("experiment-unknown-key", B, 2, "unknown key(s) colour", setup=_bench_file(extra='colour = "red"\n')),
    Case("experiment-name-a-path", B, 2, "name must be letters, digits",
         setup=_experiment(_EXPERIMENT.format(neurons="[20]", extra="").replace('name = "e"', 'name = "../up"'))),
    Case("experiment-unknown-model", B, 2, "unknown model 'hh'",
         setup=_experiment(_EXPERIMENT.format(neurons="[20]", extra="").replace('"cobahh"', '"hh"'))),
    Case("experiment-size-text", B, 2, "neurons must be a whole number, got 'abc'", setup=_bench_file('["abc"]')),
    Case("experiment-size-fraction", B, 2, "neurons must be a whole number, got 100.5", setup=_bench_file("[100.5]")),
    Case("experiment-sizes-empty", B, 2, "[sweep] neurons must be a non-empty list", setup=_bench_file("[]")),
    Case("experiment-size-repeated", B, 2, "[sweep] neurons repeats a value", setup=_bench_file("[20, 20]")),
    Case("experiment-size-not-a-list", B, 2, "[sweep] neurons must be a non-empty list", setup=_bench_file("20")),
    Case("experiment-cells-on-genn", B, 2, "runner 1: model cells runs on runtime and cpp only; genn cannot",
         setup=_experiment('name = "e"\nmodel = "cells"\n[[runners]]\nkind = "simnet"\nbackend = "genn"\n')),
    Case("experiment-neuron-peer-unknown-device", B, 2, "peer neuron runs on neuron, coreneuron",
         setup=_experiment('name = "e"\nmodel = "cells"\n[[runners]]\nkind = "peer"\npeer = "neuron"\n'
                           'device = "gpu"\n')),
    Case("experiment-scale-true", B, 2, "scale must be a number, got True",
         setup=_experiment('name = "e"\nmodel = "microcircuit"\n[options]\nscale = true\n'
                           '[[runners]]\nkind = "simnet"\n')),
    Case("experiment-duration-a-number", B, 2, 'duration must be a string such as "1s"',
         setup=_experiment(_EXPERIMENT.format(neurons="[20]", extra="").replace('"10ms"', "5"))),
    Case("experiment-duration-below-one-step", B, 2, "shorter than one time step",
         setup=_experiment(_EXPERIMENT.format(neurons="[20]", extra="").replace('"10ms"', '"0.01ms"'))),
    Case("experiment-pre-run-negative", B, 2, "pre_run must be non-negative",
         setup=_bench_file(extra='pre_run = "-1s"\n')),
    Case("experiment-repeats-zero", B, 2, "repeats must be a positive integer",
         setup=_bench_file(extra="repeats = 0\n")),
    Case("experiment-repeats-text", B, 2, "repeats must be a positive integer",
         setup=_bench_file(extra='repeats = "3"\n')),
    Case("experiment-record-spikes-text", B, 2, "record_spikes must be true or false",
         setup=_bench_file(extra='record_spikes = "yes"\n')),
    Case("experiment-runners-missing", B, 2, "missing key 'runners'",
         setup=_experiment('name = "e"\nmodel = "cobahh"\n[sweep]\nneurons = [20]\n')),
    Case("experiment-runners-empty", B, 2, "runners must be a list of tables",
         setup=_experiment('name = "e"\nmodel = "cobahh"\nrunners = []\n')),
    Case("experiment-runner-kind", B, 2, 'kind must be "simnet" or "peer"',
         setup=_experiment('name = "e"\nmodel = "cobahh"\n[[runners]]\nkind = "nest"\n')),
    Case("experiment-runner-backend", B, 2, "unknown backend 'gpu'",
         setup=_experiment('name = "e"\nmodel = "cobahh"\n[[runners]]\nkind = "simnet"\nbackend = "gpu"\n')),
    Case("experiment-runner-threads", B, 2, "threads must be a positive integer",
         setup=_experiment('name = "e"\nmodel = "cobahh"\n[[runners]]\nkind = "simnet"\nthreads = 0\n')),
    Case("experiment-runner-precision", B, 2, "precision must be single or double",
         setup=_experiment('name = "e"\nmodel = "cobahh"\n[[runners]]\nkind = "simnet"\nprecision = "half"\n')),
    Case("experiment-unknown-peer", B, 2, "unknown peer 'nosuch'",
         setup=_experiment('name = "e"\nmodel = "cobahh"\n[[runners]]\nkind = "peer"\npeer = "nosuch"\n')),
    Case("experiment-peer-with-pre-run", B, 2, "peer brian2-plain has no pre-run for cobahh",
         setup=_experiment('name = "e"\nmodel = "cobahh"\npre_run = "10ms"\n[[runners]]\nkind = "peer"\n'
                           'peer = "brian2-plain"\n')),
    Case("experiment-labels-repeated", B, 2, "two runners are both called",
         setup=_experiment('name = "e"\nmodel = "cobahh"\n[[runners]]\nkind = "simnet"\n[[runners]]\n'
                           'kind = "simnet"\n')),
    Case("experiment-option-unknown", B, 2, "[options] colour: model cobahh takes the options",
         setup=_experiment('name = "e"\nmodel = "cobahh"\n[options]\ncolour = 1\n[[runners]]\nkind = "simnet"\n')),
    Case("experiment-option-fixed-and-swept", B, 2, "is both fixed under [options] and swept",
         setup=_experiment('name = "e"\nmodel = "cobahh"\n[options]\nneurons = 20\n[sweep]\nneurons = [20, 40]\n'
                           '[[runners]]\nkind = "simnet"\n')),
    Case("backtest-runs-missing", ["backtest", "--runs", "none.csv"], 2, "--runs none.csv: No such file"),
    Case("backtest-runs-a-directory", ["backtest", "--runs", "{out}"], 2, "Is a directory"),
    Case("backtest-runs-not-text", ["backtest", "--runs", "r.csv"], 2, "is not UTF-8 text",
         setup=_write("work/r.csv", b"\xff\xfe\x00binary")),
    Case("backtest-runs-columns-missing", ["backtest", "--runs", "r.csv"], 2, "lacks the column(s) id",
         setup=_write("work/r.csv", "a,b\n1,2\n")),
    Case("backtest-hardware-columns-missing", ["backtest", "--hardware", "h.csv"], 2, "lacks the column(s) name",
         setup=_write("work/h.csv", "a,b\n1,2\n")),
    Case("backtest-negative-size-refused", ["backtest", "--runs", "r.csv"], 2,
         "column neurons: '-5' is not a non-negative number", setup=_runs_with_negative_size),
]



# --------------------------------------------------------------------------------------------------
# Signals during compilation and during the loop (subprocesses; they compile C++, so slow)
# --------------------------------------------------------------------------------------------------

def _wait_for(predicate, what: str, proc, timeout_s: float = 400):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"simnet ended (status {proc.returncode}) before {what}: {proc.stderr.read()}")
        if predicate():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


def _loop_running(box) -> bool:
    """The reused project's program has marked the start of its loop."""
    for path in Path(box.records["cache"]).glob("*/simnet_phase_marks.txt"):
        try:
            if "loop_start" in path.read_text():
                return True
        except OSError:
            continue
    return False


def _compiling(box) -> bool:
    return any((box.work / "builds").glob("*/make.log"))


def _signal_when(ready, signal_number: int, group: bool, settle_s: float = 1.0):
    """During: once ``ready(box)``, send ``signal_number`` to simnet's process group or to its PID alone."""
    def during(proc, box):
        _wait_for(lambda: ready(box), "the moment to signal", proc)
        time.sleep(settle_s)
        (os.killpg if group else os.kill)(proc.pid, signal_number)
    return during


def _kill_program_alone(proc, box):
    """During: SIGKILL to the generated program only (found by its tag), as an out-of-memory killer would."""
    _wait_for(lambda: _loop_running(box), "the loop", proc)
    for line in _tagged_processes(box.records["_tag"]):
        pid, command = line.split(" ", 1)
        if command.startswith("./main"):  # the program itself, not the shell watching it
            os.kill(int(pid), signal.SIGKILL)
            return
    pytest.fail(f"no generated program found among {_tagged_processes(box.records['_tag'])}")


def _kill_python_and_watch_the_lock(proc, box):
    """During: SIGKILL to simnet's Python process in the loop; the project's lock must not be free while the
    program still runs."""
    _wait_for(lambda: _loop_running(box), "the loop", proc)
    (lock_path,) = Path(box.records["cache"]).glob("*.lock")
    os.kill(proc.pid, signal.SIGKILL)
    deadline = time.monotonic() + 30
    with open(lock_path) as handle:
        while time.monotonic() < deadline:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                time.sleep(0.01)
                continue
            still = [p for p in _tagged_processes(box.records["_tag"]) if "main" in p]
            fcntl.flock(handle, fcntl.LOCK_UN)
            assert not still, f"the project's lock was free while its program ran: {still}"
            return
    pytest.fail("the project stayed locked 30 s after simnet was killed")


#: A run whose loop lasts minutes, built once per test session in a reused project.
LOOP = ["run", "cobahh", "--neurons", "2000", "--duration", "100s", "--backend", "cpp", "--threads", "1",
        "--no-progress", "--reuse-build", "--build-dir", "{cache}", "--out", "r.h5"]
#: A run that compiles afresh in work/builds.
COMPILE = ["run", "cobahh", "--neurons", "200", "--duration", "10ms", "--backend", "cpp", "--threads", "1",
           "--no-progress", "--build-dir", "builds", "--out", "r.h5"]
#: The same project, compiled and not run (--compile-only).
COMPILE_ONLY = [*COMPILE[:-2], "--compile-only"]
_BUILDS = lambda box: (box.work / "builds").mkdir()  # noqa: E731  (made beforehand: simnet would leave it)
#: What a process killed outright cannot tidy: Brian2's logs (removed at exit) and the output's claim.
_KILLED_LEAVES = ("tmp/brian_*.log", "tmp/brian_script_*.py", "work/.r.h5.lock")


def _no_stale_marks(box):
    """Setup: an earlier row's phase marks in the reused project must not be taken for this run's loop."""
    for path in Path(box.records["cache"]).glob("*/simnet_phase_marks.txt"):
        path.unlink()

def _cluster_running_a_point(box) -> bool:
    """A ``--workers 2`` run is past starting its cluster: both worker processes are up, and the output folder
    for its points is made (the points are submitted next; the row's settling time lets them start)."""
    workers = [p for p in _tagged_processes(box.records["_tag"]) if "spawn_main" in p]
    return len(workers) == 2 and (box.work / "sw" / "points").is_dir()


#: A sweep on a local Dask cluster of two workers, each point long enough to be running when the signal comes.
WORKERS = ["sweep", "cobahh", "--neurons", "2000,2001", "--duration", "100s", "--backend", "runtime",
           "--out-dir", "sw", "--workers", "2"]
#: The same as an experiment file.
_LONG_BENCH = _experiment('name = "e"\nmodel = "cobahh"\nduration = "100s"\n[sweep]\nneurons = [2000, 2001]\n'
                          '[[runners]]\nkind = "simnet"\nbackend = "runtime"\n')
#: Seconds from the cluster's start to the signal, for the points to be running.
_POINTS_START_S = 4.0

SIGNALS = [
    # Dask's own lines (its nanny's "still alive ... killing"), workers' tracebacks or a process left would fail these
    Case("workers-2-sigterm", WORKERS, 143, "interrupted (SIGTERM); no results written", process="pipe",
         during=_signal_when(_cluster_running_a_point, signal.SIGTERM, group=False, settle_s=_POINTS_START_S)),
    Case("workers-2-sigint-to-group", WORKERS, 130, "interrupted; no results written", process="pipe",
         during=_signal_when(_cluster_running_a_point, signal.SIGINT, group=True, settle_s=_POINTS_START_S)),
    Case("workers-2-sighup-to-group", WORKERS, 129, "interrupted (SIGHUP); no results written", process="pipe",
         during=_signal_when(_cluster_running_a_point, signal.SIGHUP, group=True, settle_s=_POINTS_START_S)),
    Case("workers-2-sigterm-while-the-cluster-starts", WORKERS, 143, "interrupted (SIGTERM); no results written",
         process="pipe", during=_signal_when(
             lambda box: any("spawn_main" in p for p in _tagged_processes(box.records["_tag"])), signal.SIGTERM,
             group=False, settle_s=0)),
    Case("bench-workers-2-sigterm", ["bench", "exp.toml", "--out-dir", "sw", "--workers", "2"], 143,
         "interrupted (SIGTERM); no results written", process="pipe", setup=_LONG_BENCH,
         during=_signal_when(_cluster_running_a_point, signal.SIGTERM, group=False, settle_s=_POINTS_START_S)),
    Case("loop-sigint-to-group", LOOP, 130, "interrupted; no results written", process="pipe",
         setup=_no_stale_marks, during=_signal_when(_loop_running, signal.SIGINT, group=True), slow=True,
         timeout_s=600),
    Case("loop-sigint-to-pid", LOOP, 130, "interrupted; no results written", process="pipe",
         setup=_no_stale_marks, during=_signal_when(_loop_running, signal.SIGINT, group=False), slow=True),
    Case("loop-sigterm", LOOP, 143, "interrupted (SIGTERM); no results written", process="pipe",
         setup=_no_stale_marks, during=_signal_when(_loop_running, signal.SIGTERM, group=False), slow=True),
    Case("loop-sighup", LOOP, 129, "interrupted (SIGHUP); no results written", process="pipe",
         setup=_no_stale_marks, during=_signal_when(_loop_running, signal.SIGHUP, group=True), slow=True),
    Case("loop-program-killed", LOOP, 1, "Project run failed", process="pipe", setup=_no_stale_marks,
         during=_kill_program_alone, slow=True),
    Case("loop-python-killed", LOOP, -9, process="pipe", setup=_no_stale_marks,
         during=_kill_python_and_watch_the_lock, files=_KILLED_LEAVES, slow=True),
    Case("compile-sigint-to-group", COMPILE, 130, "interrupted; no results written", process="pipe", setup=_BUILDS,
         during=_signal_when(_compiling, signal.SIGINT, group=True), slow=True),
    Case("compile-sigint-to-pid", COMPILE, 130, "interrupted; no results written", process="pipe", setup=_BUILDS,
         during=_signal_when(_compiling, signal.SIGINT, group=False), slow=True),
    Case("compile-sigterm", COMPILE, 143, "interrupted (SIGTERM); no results written", process="pipe",
         setup=_BUILDS, during=_signal_when(_compiling, signal.SIGTERM, group=False), slow=True),
    Case("compile-only-sigterm", COMPILE_ONLY, 143, "interrupted (SIGTERM); no results written", process="pipe",
         setup=_BUILDS, during=_signal_when(_compiling, signal.SIGTERM, group=False), slow=True),
    Case("compile-python-killed", COMPILE, -9, process="pipe", setup=_BUILDS,
         during=_signal_when(_compiling, signal.SIGKILL, group=False),
         files=(*_KILLED_LEAVES, "work/builds/simnet-*", "work/builds/simnet-*/**"), slow=True),
]


# --------------------------------------------------------------------------------------------------
# A full disk, a full or closed stdout
# --------------------------------------------------------------------------------------------------

def _file_size_limit(limit: int):
    def preexec():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit then fails with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return preexec


_TINY_RUN = ["run", "cobahh", "--neurons", "20", "--duration", "5ms", "--backend", "runtime", "--no-progress"]

DISK_AND_STDOUT = [
    # No root to mount a full file system: ENOSPC is raised where simnet writes (injected, in this process).
    Case("record-write-no-space", [*_TINY_RUN, "--out", "r.h5", "--overwrite"], 2,
         "cannot write r.h5: No space left on device; nothing was written there", setup=_write("work/r.h5"),
         check=_unchanged("work/r.h5"),
         patch=lambda mp, box: (_runtime_numpy(mp), mp.setattr("simnet.record.files._write_record", _enospc))),
    Case("summary-write-no-space", ["sweep", "cobahh", "--neurons", "20", "--duration", "5ms", "--backend",
                                    "runtime", "--out-dir", "sw"], 2,
         "summary.json: No space left on device; nothing was written there", progress=("[",),
         files=("work/sw", "work/sw/points", "work/sw/points/*.h5", "work/sw/points/*.point.json"),
         patch=lambda mp, box: (_runtime_numpy(mp), mp.setattr(Path, "write_text", _no_space_for("summary.json")))),
    Case("sweep-folder-no-space", ["sweep", "cobahh", "--neurons", "20", "--backend", "runtime", "--out-dir", "sw"],
         2, "No space left on device; nothing was written there",
         patch=lambda mp, box: mp.setattr(Path, "write_text", _enospc)),
    Case("figure-write-no-space", ["extrapolate", "{cobahh}", "--figures", "figs"], 2,
         "cannot write figs/ladder.png: No space left on device", files=("work/figs",),
         patch=lambda mp, box: mp.setattr("matplotlib.figure.Figure.savefig", _enospc)),
    # A real file-size limit (ulimit -f) in the build directory: the compiler's writes fail.
    Case("build-dir-file-size-limit", COMPILE, 1, "Project compilation failed", process="pipe", setup=_BUILDS,
         preexec=_file_size_limit(256 * 1024), slow=True),
    Case("stdout-full", ["show", "{cobahh}"], 1, "cannot write to stdout: No space left on device",
         process="devfull"),
    Case("stdout-full-json", ["cost", "{cobahh}", "--json"], 1, "cannot write to stdout: No space left on device",
         process="devfull"),
    Case("stdout-closed", ["show", "{cobahh}"], 1, "cannot write to stdout: Broken pipe", process="closed"),
    Case("stderr-full", ["run", "nosuch"], 2, process="stderr-full"),
]


# --------------------------------------------------------------------------------------------------
# The environment: compiler and make
# --------------------------------------------------------------------------------------------------

def _bin(*links, scripts=None):
    """Setup: work/bin with symbolic links to the real tools named, and small scripts."""
    def setup(box):
        folder = box.work / "bin"
        folder.mkdir()
        for name in links:
            real = shutil.which(name)
            if real is None:
                pytest.skip(f"no {name} on this machine")
            (folder / name).symlink_to(real)
        for name, text in (scripts or {}).items():
            (folder / name).write_text(text)
            (folder / name).chmod(0o755)
    return setup


_CPP = ["run", "cobahh", "--neurons", "200", "--duration", "10ms", "--backend", "cpp", "--no-progress",
        "--build-dir", "builds", "--out", "r.h5"]

ENVIRONMENT = [
    Case("compiler-c++-but-no-g++", _CPP, 2, "needs the C++ compiler Brian2's makefile calls (g++",
         process="pipe", setup=_bin("c++", "make"), env={"PATH": "{work}/bin"}),
    Case("compiler-from-CXX-missing", _CPP, 2, "(CXX=/nonexistent/c++)", process="pipe",
         env={"CXX": "/nonexistent/c++"}),
    Case("make-missing", _CPP, 2, "needs make", process="pipe", setup=_bin("g++"), env={"PATH": "{work}/bin"}),
    Case("auto-without-compiler", [*_CPP[:6], "--backend", "auto"], 2, "needs the C++ compiler", process="pipe",
         setup=_bin("make"), env={"PATH": "{work}/bin"}),
    Case("compiler-broken", _CPP, 1, "Project compilation failed (make exit status 2): g++: fatal error: broken",
         process="pipe", setup=_all(_BUILDS, _bin(scripts={"g++": "#!/bin/sh\necho 'g++: fatal error: broken' >&2\n"
                                                                 "exit 1\n"})),
         env={"PATH": "{work}/bin:" + os.environ.get("PATH", "")}),
    Case("compile-only-compiler-broken", [*_CPP[:-2], "--compile-only"], 1,
         "Project compilation failed (make exit status 2): g++: fatal error: broken",
         process="pipe", setup=_all(_BUILDS, _bin(scripts={"g++": "#!/bin/sh\necho 'g++: fatal error: broken' >&2\n"
                                                                 "exit 1\n"})),
         env={"PATH": "{work}/bin:" + os.environ.get("PATH", "")}),
]


# --------------------------------------------------------------------------------------------------
# Benchmarks and sweeps: every run failed, overwriting, interruption; warnings
# --------------------------------------------------------------------------------------------------

def _earlier_sweep(summary: Optional[dict] = None, manifest: Optional[Callable] = lambda entries: entries):
    """Setup: work/sw as an earlier sweep left it: a point record, a figure and the summary, with the manifest
    simnet keeps of them (``manifest`` may change its entries, or be None for none), and the user's notes."""
    def setup(box):
        import hashlib

        folder = box.work / "sw"
        (folder / "points").mkdir(parents=True)
        (folder / "points" / "old.h5").write_bytes(b"old point")
        (folder / "scaling_neurons.png").write_bytes(b"old figure")
        (folder / "notes.txt").write_text("the user's own notes")
        (box.root / "precious.txt").write_text("outside the output folder")
        content = summary if summary is not None else {
            "format": files.SUMMARY_FORMAT, "points": [{"files": ["points/old.h5"]}],
            "figures": ["scaling_neurons.png"]}
        (folder / "summary.json").write_text(json.dumps(content))
        if manifest is not None:
            entries = {name: hashlib.sha256((folder / name).read_bytes()).hexdigest()
                       for name in ("summary.json", "points/old.h5", "scaling_neurons.png")}
            text = manifest(entries)
            (folder / "manifest.json").write_text(text if isinstance(text, str) else json.dumps(
                {"format": "simnet-output-manifest", "version": 1, "files": text}))
    return setup


def _listing(name: str, digest_of: str = ""):
    """A manifest change: list ``name`` too, with the SHA-256 of the sandbox file ``digest_of`` (else zeros)."""
    def change(entries):
        import hashlib

        digest = "0" * 64
        if digest_of:
            digest = hashlib.sha256(Path(digest_of).read_bytes()).hexdigest()
        return {**entries, name: digest}
    return change


def _link_out(box):
    _earlier_sweep(manifest=_listing("points/link.h5"))(box)
    (box.work / "sw" / "points" / "link.h5").symlink_to(box.root / "precious.txt")


def _summary_edited(box):
    _earlier_sweep()(box)
    (box.work / "sw" / "summary.json").write_text(json.dumps({"format": files.SUMMARY_FORMAT, "points": []}))


def _nothing_deleted(box):
    folder = box.work / "sw"
    assert (folder / "points" / "old.h5").read_bytes() == b"old point"
    assert (folder / "scaling_neurons.png").exists() and (folder / "notes.txt").exists()
    assert (box.root / "precious.txt").read_text() == "outside the output folder"


def _runs_then_interrupt(interruption):
    """Patch: the first run of a benchmark returns a real record, the second is interrupted."""
    def patch(monkeypatch, box):
        record = files.read(box.records["cobahh"])
        calls = []

        def execute(plan, command_line=""):
            calls.append(plan)
            if len(calls) > 1 or interruption is None:
                raise (interruption or KeyboardInterrupt)()
            return record
        monkeypatch.setattr("simnet.bench.points.execute", execute)
    return patch


def _levels_then_interrupt(monkeypatch, box):
    """Patch: the ladder's first level returns a real record, the second is interrupted."""
    record = files.read(box.records["mc"])
    calls = []

    def execute(plan, command_line=""):
        calls.append(plan)
        if len(calls) > 1:
            raise KeyboardInterrupt
        return record
    monkeypatch.setattr("simnet.bench.points.execute", execute)


def _interrupted_at_once(exception):
    def patch(monkeypatch, box):
        def execute(plan, command_line=""):
            raise exception
        monkeypatch.setattr("simnet.bench.points.execute", execute)
    return patch


def _summary_incomplete(box):
    summary = json.loads((box.work / "bo" / "summary.json").read_text())
    assert summary["complete"] is False and summary["points"][0]["status"] == "ok"


def _old_sweep_gone(box):
    assert not (box.work / "sw" / "points" / "old.h5").exists()
    assert (box.work / "sw" / "notes.txt").read_text() == "the user's own notes"
    assert json.loads((box.work / "sw" / "summary.json").read_text())["points"][0]["status"] == "failed"
    # the new sweep's own manifest lists what it wrote, and only that
    listed = json.loads((box.work / "sw" / "manifest.json").read_text())["files"]
    assert "summary.json" in listed and any(name.endswith(".point.json") for name in listed)
    assert all((box.work / "sw" / name).is_file() for name in listed) and "notes.txt" not in listed


def _record_with_threads_warning(mp, box):
    record = files.read(box.records["cobahh"])
    mp.setattr("simnet.pipeline._run", lambda plan, command_line: record)


OW = ["sweep", "cobahh", "--neurons", "20", "--out-dir", "sw", "--overwrite"]

BENCHMARKS = [
    Case("bench-every-run-failed", [*B, "--out-dir", "bo"], 1,
         "every run failed (1 of 1; the first: backend genn cannot run this network",
         progress=("[",), files=("work/bo", "work/bo/summary.json", "work/bo/points", "work/bo/points/*.point.json",
                                         "work/bo/manifest.json"),
         setup=_experiment('name = "e"\nmodel = "microcircuit"\n[[runners]]\nkind = "simnet"\nbackend = "genn"\n')),
    Case("sweep-overwrite-removes-old-points", ["sweep", "cobahh", "--neurons", "1000000000", "--backend", "runtime",
                                                "--out-dir", "sw", "--overwrite"], 1, "every run failed",
         progress=("[",), setup=_earlier_sweep(), files=("work/sw/summary.json", "work/sw/points/*.point.json",
                                                        "work/sw/manifest.json"),
         removed=("work/sw/points/old.h5", "work/sw/scaling_neurons.png"), check=_old_sweep_gone),
    Case("sweep-overwrite-refuses-a-foreign-summary", OW, 2, "sw has no manifest.json saying what simnet wrote "
         "there, so --overwrite deletes nothing", setup=_earlier_sweep({"mine": True}, manifest=None)),
    Case("sweep-overwrite-forged-summary-without-manifest", OW, 2, "has no manifest.json", check=_nothing_deleted,
         setup=_earlier_sweep({"format": files.SUMMARY_FORMAT, "points": [{"files": ["notes.txt", "../../precious.txt"]}]},
                              manifest=None)),
    Case("sweep-overwrite-manifest-lists-a-file-outside", OW, 2, "lists '../../precious.txt', which is not a file "
         "simnet writes inside sw, so --overwrite deletes nothing", check=_nothing_deleted,
         setup=_earlier_sweep(manifest=_listing("../../precious.txt"))),
    Case("sweep-overwrite-manifest-lists-an-absolute-path", OW, 2, "which is not a file simnet writes inside",
         check=_nothing_deleted, setup=_earlier_sweep(manifest=_listing("/etc/hostname"))),
    Case("sweep-overwrite-manifest-lists-a-link-out", OW, 2, "lists 'points/link.h5', which is not a file",
         check=_nothing_deleted, setup=_link_out),
    Case("sweep-overwrite-manifest-damaged", OW, 2, "manifest.json is damaged (JSONDecodeError), so --overwrite "
         "deletes nothing", check=_nothing_deleted, setup=_earlier_sweep(manifest=lambda entries: '{"format": ')),
    Case("sweep-overwrite-manifest-of-another-kind", OW, 2, "is not a simnet manifest", check=_nothing_deleted,
         setup=_earlier_sweep(manifest=lambda entries: json.dumps({"files": entries}))),
    Case("sweep-overwrite-manifest-lists-the-users-notes", OW, 2, "notes.txt changed since simnet wrote it, so "
         "--overwrite deletes nothing", check=_nothing_deleted, setup=_earlier_sweep(manifest=_listing("notes.txt"))),
    Case("sweep-overwrite-summary-edited-since", OW, 2, "summary.json changed since simnet wrote it",
         check=_nothing_deleted, setup=_summary_edited),
    Case("bench-overwrite-forged-manifest", [*B, "--out-dir", "sw", "--overwrite"], 2,
         "lists '../../precious.txt', which is not a file", check=_nothing_deleted, setup=_all(
             _bench_file(), _earlier_sweep(manifest=_listing("../../precious.txt")))),
    Case("bench-interrupted-after-a-point", [*B, "--out-dir", "bo"], 130,
         "interrupted; the 1 run(s) finished are in bo/summary.json (marked incomplete); run it again",
         setup=_bench_file("[20, 40]"), patch=_runs_then_interrupt(KeyboardInterrupt), progress=("[",),
         files=("work/bo", "work/bo/points", "work/bo/points/*.h5", "work/bo/points/*.point.json",
                "work/bo/summary.json", "work/bo/manifest.json"),
         check=_summary_incomplete),
    Case("bench-interrupted-before-any-point", [*B, "--out-dir", "bo"], 130, "interrupted; no results written",
         setup=_bench_file(), patch=_interrupted_at_once(KeyboardInterrupt())),
    Case("bench-terminated-before-any-point", [*B, "--out-dir", "bo"], 143,
         "interrupted (SIGTERM); no results written", setup=_bench_file(),
         patch=_interrupted_at_once(__import__("simnet.base.errors").base.errors.Interrupted(signal.SIGTERM))),
    Case("fidelity-interrupted-after-a-level", ["fidelity", "--levels", "lif_exp,adex", "--out-dir", "fo"], 130,
         "interrupted; the records of lif_exp are in fo", patch=_levels_then_interrupt,
         progress=("simnet: lif_exp written to",),
         files=("work/fo", "work/fo/lif_exp.h5")),
    Case("threads-above-cpus-warned", ["run", "cobahh", "--threads", "100000", "--out", "r.h5"], 0,
         "simnet: warning: threads=100000 is more than the", patch=_record_with_threads_warning,
         files=("work/r.h5",)),
    Case("threads-on-runtime-warned", ["run", "cobahh", "--backend", "runtime", "--threads", "4", "--out", "r.h5"], 0,
         "simnet: warning: backend runtime does not run on OpenMP threads", patch=_record_with_threads_warning,
         files=("work/r.h5",)),
]




# --------------------------------------------------------------------------------------------------
# Records that lie: the right layout with figures no run writes (checked on read, before any use)
# --------------------------------------------------------------------------------------------------

def _set_dataset(path: str, values):
    def change(f):
        del f[path]
        f.create_dataset(path, data=values)
    return change


def _one_spike(time_ms, node_id):
    """Change: population exc's spikes replaced by one spike, at ``time_ms`` by ``node_id``."""
    def change(f):
        for name, values, dtype in (("timestamps", time_ms, np.float64), ("node_ids", node_id, np.uint64)):
            del f["spikes/exc"][name]
            f["spikes/exc"].create_dataset(name, data=np.array([values], dtype=dtype))
    return change


def _external_link(f):
    del f["spikes/exc/timestamps"]
    f["spikes/exc/timestamps"] = h5py.ExternalLink("/etc/hostname", "/x")


def _huge_claim(f):
    """A dataset declaring 10**9 float64 elements, stored in a file of a few hundred KB (chunks never written)."""
    del f["rates"]
    group = f.create_group("rates").create_group("neurons")
    group.create_dataset("time_ms", shape=(10**9,), dtype="f8", chunks=(1024,))
    group.create_dataset("rate_hz", shape=(10**9,), dtype="f8", chunks=(1024,))


_LIES = [
    ("loop-time-nan", _set_attr("timings", "simulation_loop_s", float("nan")), "/timings/simulation_loop_s is nan"),
    ("loop-time-inf", _set_attr("timings", "simulation_loop_s", float("inf")), "/timings/simulation_loop_s is inf"),
    ("loop-time-negative", _set_attr("timings", "simulation_loop_s", -1.0), "/timings/simulation_loop_s is -1.0"),
    ("neurons-1e13", _set_attr("counts/populations/neurons", "size", 10**13), "more than any network"),
    ("spike-time-nan", _one_spike(float("nan"), 0), "not a finite time"),
    ("spike-time-after-the-run", _one_spike(1e9, 0), "a time outside the run"),
    ("node-id-2-63", _one_spike(1.0, 2**63), "beyond the population"),
    ("rate-negative", lambda f: _set_dataset(f"rates/{next(iter(f['rates']))}/rate_hz",
                                             -np.ones(len(f[f"rates/{next(iter(f['rates']))}/rate_hz"])))(f),
     "negative rate"),
    ("external-link", _external_link, "is an external link"),
    ("datasets-claim-gigabytes", _huge_claim, "far more than a file of"),
    ("cost-figure-inf", _set_attr("cost/flops", "flops_per_synaptic_event", float("inf")),
     "/cost/flops/flops_per_synaptic_event is inf"),
]

LIES = [
    Case(f"{reader}-{name}", [a.replace("%s", "cobahh") for a in args], 2, phrase,
         setup=_damaged("cobahh", change), files=("out/cobahh.h5",))
    for name, change, phrase in _LIES for reader, args in (("show", _READERS["show"]), ("cost", _READERS["cost"]))
] + [
    Case(f"compare-fail-above-{name}", ["compare", "{mc}", "{cobahh}", "--fail-above", "1.1"], 2, phrase,
         setup=_damaged("cobahh", change), files=("out/cobahh.h5",))
    for name, change, phrase in _LIES[:3]
] + [
    Case("compare-fail-above-loop-time-unknown", ["compare", "{mc}", "{cobahh}", "--fail-above", "1.1"], 2,
         "--fail-above cannot be checked: the loop time per biological second of", files=("out/cobahh.h5",),
         setup=_damaged("cobahh", _set_attr("timings", "simulation_loop_s", h5py.Empty("f8")))),
]


# --------------------------------------------------------------------------------------------------
# User scripts in account: exits, crashes, working-directory changes, children, endless loops, own devices
# --------------------------------------------------------------------------------------------------

_NET = ("from brian2 import *\n"
        "G = NeuronGroup(20, 'dv/dt = (1.1 - v)/(10*ms) : 1', threshold='v > 1', reset='v = 0', method='exact')\n")


def _script(tail: str, name: str = "net.py"):
    """Setup: work/net.py, a small Brian2 network followed by ``tail``."""
    return _write(f"work/{name}", _NET + tail)


A = ["account", "net.py", "--backend", "runtime", "--duration", "10ms", "--no-progress", "--out", "r.h5"]
_SLEEPER = "import subprocess\nchild = subprocess.Popen(['sleep', '300'])\n"


def _no_child_left(box):
    from simnet.specs.script_guard import descendants

    assert not [pid for pid in descendants(os.getpid())
                if b"sleep" in Path(f"/proc/{pid}/cmdline").read_bytes()], "the script's child is still running"


def _results_in_work(box):
    assert (box.work / "r.h5").is_file() and not (box.work / "sub" / "r.h5").exists()


def _no_output_folder(box):
    assert not (box.work / "output").exists()


SCRIPTS = [
    Case("account-script-sys-exit-3", A, 2, "net.py called sys.exit(3) while building its network",
         setup=_script("import sys\nsys.exit(3)\n")),
    Case("account-script-sys-exit-0", A, 2, "net.py called sys.exit(0) while building its network",
         setup=_script("import sys\nsys.exit(0)\n")),
    Case("account-script-os-exit", A, 2, "net.py called os._exit(4)", process="pipe",
         setup=_script("import os\nos._exit(4)\n")),
    Case("account-script-undefined-name", A, 2, "failed while building its network: NameError",
         setup=_script("x = undefined_name + 1\n")),
    Case("account-script-wrong-units", A, 2, "DimensionMismatchError", patch=_runtime_numpy,
         setup=_write("work/net.py", "from brian2 import *\nG = NeuronGroup(2, 'dv/dt = (1.1 - v)/(10*ms) : volt', "
                                     "threshold='v > 1', reset='v = 0')\n")),
    Case("account-script-no-threshold", A, 2, "without a threshold", patch=_runtime_numpy,
         setup=_script("H = NeuronGroup(2, 'dv/dt = 1/second : 1')\n")),
    Case("account-script-chdir", A, 0, "changed the working directory; simnet put it back", patch=_runtime_numpy,
         setup=_script("import os\nos.makedirs('sub', exist_ok=True)\nos.chdir('sub')\n"),
         files=("work/r.h5", "work/sub"), check=_results_in_work),
    Case("account-script-child-left-running", A, 0, "started 1 process(es) that were still running; simnet "
         "stopped them", patch=_runtime_numpy, setup=_script(_SLEEPER), files=("work/r.h5",), check=_no_child_left),
    Case("account-script-child-then-crash", A, 2, "ZeroDivisionError", process="pipe",
         setup=_script(_SLEEPER + "1/0\n")),
    Case("account-script-endless-loop", [*A, "--timeout", "2s"], 1,
         "net.py did not finish building its network within 2 s (timeout)", process="pipe",
         setup=_script("while True:\n    pass\n")),
    Case("account-script-sleeps-forever", [*A, "--timeout", "1s"], 1, "within 1 s (timeout)",
         setup=_script("import time\ntime.sleep(10**6)\n")),
    Case("account-timeout-not-a-time", [*A, "--timeout", "soon"], 2, "--timeout 'soon' is not a time",
         setup=_script("")),
    Case("account-script-set-device", A, 0, "selects Brian2 device 'cpp_standalone' with set_device; simnet's "
         "backend's device took over", patch=_runtime_numpy, setup=_script("set_device('cpp_standalone')\n"),
         files=("work/r.h5",), check=_no_output_folder),
    Case("account-script-network-operation-on-cpp", [*A[:2], "--duration", "10ms", "--no-progress", "--out", "r.h5"],
         2, "uses network_operation (kick), Python code that a standalone program cannot run; run it with --backend "
         "runtime", setup=_script("@network_operation(dt=1*ms, name='kick')\ndef kick():\n    G.v += 0.01\n"),
         files=("tmp/*",)),
    Case("account-script-network-operation-on-runtime", A, 0, "network_operation kick runs Python code every step",
         patch=_runtime_numpy, files=("work/r.h5",),
         setup=_script("@network_operation(dt=1*ms, name='kick')\ndef kick():\n    G.v += 0.01\n")),
    Case("account-script-custom-function", A, 0, "could not be counted (SyntaxError", process="pipe", slow=True,
         files=("work/r.h5",),
         setup=_write("work/net.py", "from brian2 import *\n@implementation('numpy', discard_units=True)\n"
                                     "@check_units(x=1, result=1)\ndef squash(x):\n    return x / (1 + abs(x))\n"
                                     "G = NeuronGroup(20, 'dv/dt = (1.1 - squash(v))/(10*ms) : 1', "
                                     "threshold='v > 1', reset='v = 0', method='euler')\n")),
    Case("account-no-such-script", ["account", "nope.py", "--no-progress"], 2, "no such script: nope.py"),
]


# --------------------------------------------------------------------------------------------------
# Inputs that ask for the impossible: tables that never end, sizes beyond any machine, conflicting options
# --------------------------------------------------------------------------------------------------

def _bom_runs(box):
    (box.work / "bom.csv").write_bytes(b"\xef\xbb\xbf" + (ROOT / "data" / "published_runs.csv").read_bytes())


def _hardware_with(column: str, value: str):
    """Setup: work/hw.csv, the shipped hardware table with ``column`` of its fifth device set to ``value``."""
    def setup(box: Sandbox):
        import csv
        import io

        lines = (ROOT / "data" / "hardware.csv").read_text().splitlines()
        header = next(i for i, line in enumerate(lines) if line.startswith("name,"))
        rows = list(csv.reader(io.StringIO("\n".join(lines[header:]))))
        rows[5][rows[0].index(column)] = value
        text = io.StringIO()
        csv.writer(text, lineterminator="\n").writerows(rows)
        (box.work / "hw.csv").write_text("\n".join(lines[:header]) + "\n" + text.getvalue())
    return setup


_HUGE_TOML = ('name = "huge"\nmodel = "cobahh"\n[sweep]\nneurons = [{n}]\nmode = ["classic", "benchmark"]\n'
              'plasticity = ["none", "stdp"]\n[[runners]]\nkind = "simnet"\nbackend = "runtime"\n')
_MANY = ",".join(str(20 + i) for i in range(20_000))

IMPOSSIBLE = [
    Case("backtest-hardware-negative-peak", ["backtest", "--hardware", "hw.csv"], 2,
         "--hardware hw.csv: row 5 (NVIDIA A100 SXM 80GB), column fp64_tflops: '-1' is not a positive number",
         setup=_hardware_with("fp64_tflops", "-1")),
    Case("backtest-hardware-zero-bandwidth", ["backtest", "--hardware", "hw.csv"], 2,
         "row 5 (NVIDIA A100 SXM 80GB), column mem_bandwidth_gb_s: '0' is not a positive number",
         setup=_hardware_with("mem_bandwidth_gb_s", "0")),
    Case("backtest-hardware-nan-power", ["backtest", "--hardware", "hw.csv"], 2,
         "column board_power_w: 'nan' is not a positive number", setup=_hardware_with("board_power_w", "nan")),
    Case("backtest-hardware-minus-zero-memory", ["backtest", "--hardware", "hw.csv"], 2,
         "column memory_gb: '-0' is not a positive number", setup=_hardware_with("memory_gb", "-0")),
    Case("extrapolate-neurons-1e308", ["extrapolate", "{cobahh}", "--neurons", "1e308"], 2,
         "--neurons must be at most"),
    Case("extrapolate-synapses-per-neuron-1e308", ["extrapolate", "{cobahh}", "--synapses-per-neuron", "1e308"], 2,
         "--synapses-per-neuron must be at most"),
    Case("extrapolate-years-1e308", ["extrapolate", "{cobahh}", "--years", "1e308"], 2, "--years must be at most"),
    Case("extrapolate-target-wall-1e400", ["extrapolate", "{cobahh}", "--target-wall", "1e400"], 2,
         "--target-wall must be positive"),
    Case("extrapolate-price-1e308-names-its-option", ["extrapolate", "{cobahh}", "--price-per-kwh", "1e308"], 2,
         "--price-per-kwh must be at most"),
    Case("extrapolate-min-delay-1e308s", ["extrapolate", "{cobahh}", "--min-delay", "1e308s"], 2,
         "--min-delay must be at most 1 s"),
    Case("sweep-20000-sizes-counted-first", ["sweep", "cobahh", "--neurons", _MANY, "--out-dir", "sw"], 2,
         "the sweep has 20,000 points (20,000 neurons), more than the 10,000"),
    Case("sweep-cartesian-12000-points", ["sweep", "cobahh", "--neurons", _MANY[:_MANY.index(",3020,")],
                                          "--mode", "classic,benchmark", "--plasticity", "none,stdp",
                                          "--out-dir", "sw"], 2,
         "the sweep has 12,000 points (3,000 neurons x 2 mode x 2 plasticity)"),
    Case("sweep-repeats-beyond-the-run-limit", ["sweep", "cobahh", "--neurons", "20,40", "--repeats", "6000",
                                                "--out-dir", "sw"], 2,
         "the experiment has 12,000 runs (2 points x 1 seed(s) x 6,000 repeat(s) x 1 runner(s))"),
    Case("bench-experiment-a-billion-points", ["bench", "huge.toml", "--out-dir", "b"], 2,
         "the sweep has 4,000,000 points (1,000,000 neurons x 2 mode x 2 plasticity)",
         setup=_write("work/huge.toml", _HUGE_TOML.format(n=", ".join(str(20 + i) for i in range(1_000_000))))),
    Case("backtest-runs-dev-zero", ["backtest", "--runs", "/dev/zero"], 2, "/dev/zero is not a regular file"),
    Case("backtest-runs-a-fifo", ["backtest", "--runs", "pipe.h5"], 2, "pipe.h5 is not a regular file",
         setup=_fifo),
    Case("backtest-runs-with-a-bom", ["backtest", "--runs", "bom.csv"], 0, stdout="", setup=_bom_runs),
    Case("sweep-option-neurons-conflicts", ["sweep", "cobahh", "--neurons", "20", "--option", "neurons=40"], 2,
         "--option 'neurons=40' sets neurons, which --neurons sets already"),
    Case("run-neurons-1e300", ["run", "cobahh", "--neurons", "1e300", "--no-progress"], 2, "at most 1e+12"),
    Case("sweep-neurons-beyond-any-machine", ["sweep", "cobahh", "--neurons", "1e30", "--out-dir", "sw"], 2,
         "at most 1e+12"),
]

# --------------------------------------------------------------------------------------------------
# The environment: arguments that are not text, paths beyond the system's limit, a working directory that is gone,
# warnings made errors, few file descriptors
# --------------------------------------------------------------------------------------------------

_GONE = Path(tempfile.gettempdir()) / f"simnet-robustness-gone-{uuid.uuid4().hex}"


def _in_a_deleted_directory():
    """preexec: start simnet in a working directory that no longer exists."""
    os.mkdir(_GONE)
    os.chdir(_GONE)
    os.rmdir(_GONE)


def _few_descriptors():
    resource.setrlimit(resource.RLIMIT_NOFILE, (12, 12))


SURROUNDINGS = [
    Case("non-utf8-byte-in-a-path", ["show", "c\udcff.h5"], 2,
         "argument 2 (b'c\\xff.h5') is not valid UTF-8", process="pipe"),
    Case("non-utf8-byte-in-an-option", ["extrapolate", "{cobahh}", "--neurons", "1e9\udcfe"], 2,
         "argument 4 (b'1e9\\xfe') is not valid UTF-8", process="pipe"),
    # the path shown by its two ends, the line kept readable
    Case("out-longer-than-4096", ["plot", "{cobahh}", "--out", "a" * 5000], 2,
         f"error: cannot use {'a' * 100}...{'a' * 80} (a path of 5,000 characters): File name too long (--out)"),
    Case("record-path-longer-than-4096", ["show", "b/" * 2500 + "r.h5"], 2,
         f"error: cannot use {'b/' * 50}...{'b/' * 38}r.h5 (a path of 5,004 characters): File name too long"),
    Case("run-out-longer-than-4096", ["run", "cobahh", "--out", "d/" * 2500 + "r.h5"], 2,
         "(a path of 5,004 characters): File name too long (--out)"),
    Case("sweep-out-dir-name-longer-than-255", ["sweep", "cobahh", "--neurons", "20", "--out-dir", "c" * 300], 2,
         "(a path of 300 characters): File name too long (--out-dir)"),
    Case("bench-file-name-longer-than-255", ["bench", "f" * 300 + ".toml"], 2,
         "(a path of 305 characters): File name too long"),
    Case("account-script-name-longer-than-255", ["account", "g" * 300 + ".py"], 2,
         "(a path of 303 characters): File name too long"),
    Case("working-directory-deleted", ["show", "{cobahh}"], 0, process="pipe", preexec=_in_a_deleted_directory,
         stdout="cobahh"),
    Case("pythonwarnings-error-show", ["show", "{cobahh}"], 0, process="pipe", env={"PYTHONWARNINGS": "error"},
         stdout="cobahh"),
    Case("pythonwarnings-error-bad-input", ["show", "nope.h5"], 2, "no such results file: nope.h5",
         process="pipe", env={"PYTHONWARNINGS": "error"}),
    Case("dask-scheduler-tls-nothing-there", ["sweep", "cobahh", "--neurons", "20", "--out-dir", "sw",
                                              "--scheduler", "tls://127.0.0.1:9"], 2,
         "tls://127.0.0.1:9 is a TLS address, and no client certificate is configured"),
    Case("dask-scheduler-ucx-nothing-there", ["sweep", "cobahh", "--neurons", "20", "--out-dir", "sw",
                                              "--scheduler", "ucx://127.0.0.1:9"], 2,
         "ucx://127.0.0.1:9 is a UCX address, and UCX (ucx-py) is not installed"),
    Case("dask-scheduler-inproc-nothing-there", ["sweep", "cobahh", "--neurons", "20", "--out-dir", "sw",
                                                 "--scheduler", "inproc://127.0.0.1/1/2"], 2,
         "names a scheduler inside this same process, and there is none"),
    Case("ulimit-n-12-plot", ["plot", "{cobahh}", "--out", "fig"], 0, process="pipe", preexec=_few_descriptors,
         stdout="fig.png", files=("work/fig.png", "work/fig.svg")),
    Case("ulimit-n-12-extrapolate", ["extrapolate", "{cobahh}"], 0, process="pipe", preexec=_few_descriptors,
         stdout="devices"),
]


# --------------------------------------------------------------------------------------------------
# The Python API: a wrong type or an impossible value is a UsageError naming the argument, never an internal
# TypeError, ValueError, AttributeError or OverflowError, and never a "no" taken as true
# --------------------------------------------------------------------------------------------------

def _api(name: str):
    import simnet.api

    return getattr(simnet.api, name)


@dataclass
class ApiCase:
    """One call of the API that must raise UsageError naming ``parameter``, with ``message`` in its text."""

    id: str
    call: Callable
    parameter: str
    message: str = ""


API_CASES = [
    ApiCase("extrapolate-neurons-as-text", lambda r: _api("extrapolate")(r["cobahh"], neurons="1e9"), "neurons",
            "must be a positive number"),
    ApiCase("extrapolate-neurons-overflow", lambda r: _api("extrapolate")(r["cobahh"], neurons=1e308), "neurons",
            "at most"),
    ApiCase("extrapolate-years-nan", lambda r: _api("extrapolate")(r["cobahh"], years=float("nan")), "years"),
    ApiCase("extrapolate-records-a-number", lambda r: _api("extrapolate")(3), "records", "RunRecord or the path"),
    ApiCase("compare-fail-above-as-text", lambda r: _api("compare")(r["cobahh"], r["cobahh"], fail_above="1.1"),
            "fail_above", "positive number"),
    ApiCase("compare-fail-above-inf", lambda r: _api("compare")(r["cobahh"], r["cobahh"], fail_above=float("inf")),
            "fail_above"),
    ApiCase("run-experiment-workers-as-text", lambda r: _api("run_experiment")("exp.toml", workers="2"), "workers",
            "whole number"),
    ApiCase("run-experiment-repeats-huge", lambda r: _api("run_experiment")("exp.toml", repeats=10**18), "repeats",
            "must be at most 10,000"),
    ApiCase("plan-precision-as-list", lambda r: _api("plan")("cobahh", precision=["double"]), "precision", "string"),
    ApiCase("plan-record-spikes-no", lambda r: _api("plan")("cobahh", record_spikes="no"), "record_spikes",
            "True or False"),
    ApiCase("plan-skip-memory-check-no", lambda r: _api("plan")("cobahh", skip_memory_check="no"),
            "skip_memory_check", "True or False"),
    ApiCase("plan-threads-float", lambda r: _api("plan")("cobahh", threads=2.0), "threads", "whole number"),
    ApiCase("plan-duration-a-list", lambda r: _api("plan")("cobahh", duration=[1]), "duration", "a time"),
    ApiCase("plan-duration-nan", lambda r: _api("plan")("cobahh", duration=float("nan")), "duration"),
    ApiCase("plan-duration-brian2-volt", lambda r: _api("plan")("cobahh", duration=__import__("brian2").volt),
            "duration", "a time"),
    ApiCase("plan-model-a-number", lambda r: _api("plan")(3), "model", "string"),
    ApiCase("plan-neurons-1e300", lambda r: _api("plan")("cobahh", neurons=1e300), "neurons", "at most"),
    ApiCase("plan-seed-negative", lambda r: _api("plan")("cobahh", seed=-1), "seed"),
    ApiCase("read-a-number", lambda r: _api("read")(3), "path", "a path"),
    ApiCase("summary-a-list", lambda r: _api("summary")([r["cobahh"]]), "record", "RunRecord or the path"),
    ApiCase("plot-out-a-number", lambda r: _api("plot")(r["cobahh"], out=3), "out", "a path"),
    ApiCase("plot-out-dev-null", lambda r: _api("plot")(r["cobahh"], out="/dev/null"), "out", "character device"),
    ApiCase("plot-out-dot", lambda r: _api("plot")(r["cobahh"], out="."), "out", "names a directory"),
    ApiCase("plot-overwrite-yes", lambda r: _api("plot")(r["cobahh"], out="fig", overwrite="yes"), "overwrite",
            "True or False"),
    ApiCase("roofline-latency-as-text", lambda r: _api("roofline")(r["cobahh"], launch_latency_us="5"),
            "launch_latency_us"),
    ApiCase("cost-table-bandwidth-negative", lambda r: _api("cost_table")(r["cobahh"], bandwidth_gb_s=-1),
            "bandwidth_gb_s", "positive"),
    ApiCase("backtest-runs-a-number", lambda r: _api("backtest")(runs=5), "runs", "a path"),
    ApiCase("sweep-values-a-list", lambda r: _api("sweep")("cobahh", [20]), "values", "a dict"),
    ApiCase("sweep-peers-a-string", lambda r: _api("sweep")("cobahh", {"neurons": [20]}, peers="brian2"), "peers",
            "list of strings"),
    ApiCase("fidelity-levels-a-number", lambda r: _api("fidelity")(levels=3), "levels", "string"),
    ApiCase("account-overwrite-yes", lambda r: _api("account")("net.py", overwrite="yes"), "overwrite",
            "True or False"),
    ApiCase("account-timeout-negative", lambda r: _api("account")("net.py", timeout=-1), "timeout"),
    ApiCase("sweep-cartesian-counted-first", lambda r: _api("sweep")("cobahh", {"neurons": list(range(20, 120)),
                                                                                "mode": ["classic"] * 200}),
            "values", "the sweep has 20,000 points (100 neurons x 200 mode)"),
    ApiCase("extrapolate-min-delay-100s", lambda r: _api("extrapolate")(r["cobahh"], min_delay="100s"), "min_delay",
            "at most 1 s"),
    ApiCase("api-unknown-keyword", lambda r: _api("compare")(r["cobahh"], r["cobahh"], fail_abov=1.1), "",
            "unexpected keyword"),
    ApiCase("run-experiment-out-dir-too-long", lambda r: _api("run_experiment")("exp.toml", out_dir="o" * 5000),
            "out_dir", f"cannot use {'o' * 100}...{'o' * 80} (a path of 5,000 characters): File name too long"),
]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in API_CASES])
def test_api_case(case, sandbox):
    """Each API row raises UsageError naming its argument, before anything is built, written or read."""
    from simnet.base.errors import UsageError

    before = snapshot(sandbox)
    with pytest.raises(UsageError) as raised:
        case.call(sandbox.records)
    assert raised.value.parameter == case.parameter, (raised.value.parameter, str(raised.value))
    assert case.message in str(raised.value)
    assert "\n" not in str(raised.value)
    assert snapshot(sandbox) == before


CLASSES = {
    "options": OPTIONS,
    "durations and sizes": DURATIONS_AND_SIZES,
    "seeds": SEEDS,
    "output paths and special files": OUTPUT_PATHS,
    "damaged records": RECORDS,
    "records that lie": LIES,
    "user scripts in account": SCRIPTS,
    "inputs that ask for the impossible": IMPOSSIBLE,
    "experiment files and user tables": EXPERIMENT_FILES,
    "signals": SIGNALS,
    "full disk and stdout": DISK_AND_STDOUT,
    "compiler and make": ENVIRONMENT,
    "the environment": SURROUNDINGS,
    "benchmarks, sweeps and the fidelity ladder": BENCHMARKS,
}
ALL_CASES = [case for cases in CLASSES.values() for case in cases]


@pytest.mark.parametrize("case", _params(ALL_CASES))
def test_case(case, sandbox, monkeypatch, capfd):
    check_case(case, sandbox, monkeypatch, capfd)


def test_rows_have_distinct_names():
    names = [case.id for case in ALL_CASES]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("page", ["README.md", "docs/guide/robustness.md"])
def test_readme_lists_the_classes_and_counts(page):
    """The README's "Robustness" paragraph and the robustness guide say what this matrix covers, class by class."""
    readme = " ".join((ROOT / page).read_text().split()).lower()
    assert f"{len(ALL_CASES)} cases in {len(CLASSES)} classes" in readme
    for name, cases in CLASSES.items():
        assert f"{name} ({len(cases)})" in readme, name
    assert f"and {len(API_CASES)} calls of the python api" in readme
    assert f"the {sum(1 for c in ALL_CASES if c.process)} run as subprocesses" in readme
    assert f"the {sum(1 for c in ALL_CASES if c.slow)} cases that compile c++ are marked slow" in readme
