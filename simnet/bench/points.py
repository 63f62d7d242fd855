"""One point of an experiment as a job any executor can run: what to run, where its record goes, what it needs.

A :class:`PointJob` is plain data (it travels to a Dask worker): a simnet run (:class:`SimnetRun`, planned and
run through the one run pipeline, :mod:`simnet.pipeline`, on the machine that runs it) or a peer run
(:class:`PeerRun`, :func:`simnet.peers.run_peer`), the name of its record under the output folder and the
resources it holds while it runs (:func:`point_resources`). :func:`run_point` runs it wherever it is sent and
returns its measurement and the host that made it. Its record is written in place when that host sees the
client's output folder (the folder holds the token of :func:`marked_out_dir`), else it travels back as bytes and
:func:`deliver` writes it there; either way atomically.
"""
from __future__ import annotations

import os
import secrets
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Optional, Union

from simnet.analysis import equivalence
from simnet.base import atomic_files
from simnet.base.errors import UsageError
from simnet.machine.describe import describe_machine, host_kind
from simnet.peers import PEERS, run_peer
from simnet.pipeline import RunPlan, execute, plan_run
from simnet.record import files
from simnet.record.run_record import RunRecord
from simnet.report.run_summary import run_summary
from simnet.simulation.backends import BACKENDS
from simnet.simulation.settings import BRIAN2_WAY, RunSettings

__all__ = ["OUT_DIR_MARK", "MACHINE", "GPU", "SimnetRun", "PeerRun", "PointJob", "point_resources", "marked_out_dir",
           "run_point", "deliver", "one_line"]

#: A file in the output folder holding the current session's token: a host that reads the same token there sees
#: the client's folder and writes records in place.
OUT_DIR_MARK = ".simnet-out-dir"

#: The resource every timed point holds (one per worker: ``dask worker --resources machine=1``), so that a
#: worker runs one timed point at a time.
MACHINE = "machine"
#: Held in addition by a point on a GPU backend.
GPU = "gpu"


@dataclass(frozen=True)
class SimnetRun:
    """A run of a library model by a simnet backend, planned where it runs (the backend must be usable there)."""

    model: str
    options: dict
    duration_s: float
    backend: str
    settings: RunSettings = field(default_factory=lambda: RunSettings(progress=False))
    seed: int = 1
    pre_run_s: float = 0.0
    record_spikes: Optional[bool] = None
    command_line: str = ""
    skip_memory_check: bool = False

    def plan(self) -> RunPlan:
        return plan_run(self.model, self.options, duration_s=self.duration_s, pre_run_s=self.pre_run_s,
                        backend=self.backend, settings=self.settings, seed=self.seed,
                        record_spikes=self.record_spikes, skip_memory_check=self.skip_memory_check)


@dataclass(frozen=True)
class PeerRun:
    """A run of a peer program; ``arguments`` follow :mod:`simnet.peers`' protocol, ``threads`` None meaning
    every logical CPU of the machine that runs it (one for Brian2's runtime device)."""

    peer: str
    arguments: dict


@dataclass(frozen=True)
class PointJob:
    """One run to make somewhere, and where its record goes (``name`` plus .h5 or .json, under ``out_dir``)."""

    name: str
    run: Union[SimnetRun, PeerRun]
    out_dir: str
    out_dir_token: str = ""
    resources: dict = field(default_factory=lambda: {MACHINE: 1})


def point_resources(run: Union[SimnetRun, PeerRun]) -> dict:
    """The Dask resources a run holds: the machine (nothing else timed runs beside it), and a GPU if it uses one
    (``auto`` decides on the worker, so it holds the machine only)."""
    uses_gpu = isinstance(run, SimnetRun) and run.backend in BACKENDS and BACKENDS[run.backend]().uses_gpu
    return {MACHINE: 1, **({GPU: 1} if uses_gpu else {})}


@contextmanager
def marked_out_dir(out_dir: Path) -> Iterator[str]:
    """A fresh token written into ``out_dir`` while the block runs: a host that reads it there sees this folder."""
    token = secrets.token_hex(16)
    mark = atomic_files.write_text(Path(out_dir) / OUT_DIR_MARK, token)
    try:
        yield token
    finally:
        mark.unlink(missing_ok=True)


def _sees_out_dir(job: PointJob) -> bool:
    try:
        return bool(job.out_dir_token) and (Path(job.out_dir) / OUT_DIR_MARK).read_text() == job.out_dir_token
    except OSError:
        return False


def run_point(job: PointJob) -> dict:
    """Run ``job`` here: its measurement, where it ran and, unless written in place, its record as ``payload``.

    Never raises for a run that fails (``ok`` false and a one-line ``reason``), so one failing point does not
    stop the others. ``started_unix``/``ended_unix`` bracket the whole run on this host's clock (to count the
    points that ran beside it); ``load_1min`` is the host's load average at both ends.
    """
    machine = describe_machine()
    started, load_start = time.time(), _load_1min()
    if isinstance(job.run, SimnetRun):
        measured, record, suffix = _run_simnet(job.run)
    else:
        measured, record, suffix = _run_peer(job.run)
    outcome = {**measured, "host": machine["hostname"], "host_kind": host_kind(machine), "machine": machine,
               "started_unix": started, "ended_unix": time.time(), "load_1min": [load_start, _load_1min()]}
    if record is not None:
        outcome["file"] = job.name + suffix
        outcome["payload"] = _store(record, job, outcome["file"])
    return outcome


def deliver(outcome: dict, out_dir: Path) -> dict:
    """Write a record that travelled back (``payload``) into ``out_dir``, atomically; the outcome without it."""
    outcome = dict(outcome)
    payload = outcome.pop("payload", None)
    if payload is not None:
        target = Path(out_dir) / outcome["file"]
        with atomic_files.replacing(target) as tmp:
            tmp.write_bytes(payload)
    return outcome


def _store(record, job: PointJob, file: str) -> Optional[bytes]:
    """Write ``record`` in place (None) when this host sees the output folder, else return its bytes."""
    write = (lambda path: files.write(record, path, overwrite=True)) if isinstance(record, RunRecord) \
        else (lambda path: files.write_json(record, path))
    if _sees_out_dir(job):
        write(Path(job.out_dir) / file)
        return None
    with tempfile.TemporaryDirectory(prefix="simnet-point-") as scratch:
        path = Path(scratch) / Path(file).name
        write(path)
        return path.read_bytes()


def _run_simnet(run: SimnetRun) -> tuple[dict, Optional[RunRecord], str]:
    try:
        plan = run.plan()
    except UsageError as err:  # not usable on this host, or cannot run this point's network
        return {"ok": False, "reason": str(err)}, None, ""
    measured = {"threads": plan.backend.threads_used(run.settings)}
    try:
        record = execute(plan, command_line=run.command_line)
    except Exception as err:  # one failing point must not end a sweep of many; its reason is kept
        return {**measured, "ok": False, "reason": one_line(err)}, None, ""
    loop_s = record.timings.get("simulation_loop_s")
    if loop_s is None:
        return {**measured, "ok": False, "reason": f"backend {run.backend} reported no loop time"}, record, ".h5"
    total_s = record.timings.get("total_s")
    return {
        **measured, "ok": True,
        "sim_wall_s_per_bio_s": loop_s / record.duration_s,
        "total_wall_s_per_bio_s": total_s / record.duration_s if total_s is not None else None,
        "neurons": record.n_neurons, "synapses": record.n_synapses, "spikes": record.n_spikes,
        "mean_rate_hz": record.n_spikes / (record.n_neurons * record.duration_s),
        "compartments": (record.cost.get("cells") or {}).get("compartments"),
        "cell_spike_times_ms": _cell_spike_times(record),
        "population_rates_hz": run_summary(record)["rates_hz"],
        "versions": dict(record.backend.get("packages") or {}),
        "activity": equivalence.activity(record) if record.spike_trains else None,
        # settings a record made before they existed lacks were Brian2's
        "brian2_way": all(record.backend.get(key, value) == value for key, value in BRIAN2_WAY.items()),
        "peak_rss_bytes": max(record.cost_detail["memory"]["peak_rss"].get("self_bytes") or 0,
                              record.cost_detail["memory"]["peak_rss"].get("children_bytes") or 0) or None,
    }, record, ".h5"


def _cell_spike_times(record: RunRecord) -> Optional[dict]:
    """Each compartmental cell's spike times (ms) at the compartment it thresholds, by its population name, where
    every population is one such cell and the spikes were kept (compared spike by spike with a peer's); else None."""
    populations = record.counts.get("populations", {})
    cells = [name for name in record.populations if populations.get(name, {}).get("compartments")]
    if not cells or len(cells) != len(record.populations) or not record.spike_trains:
        return None
    return {name: [float(t) for t in record.spikes(name).times_ms] for name in cells}


def _run_peer(run: PeerRun) -> tuple[dict, dict, str]:
    arguments = dict(run.arguments)
    if arguments.get("threads") is None:
        arguments["threads"] = 1 if arguments.get("device") == "runtime" else os.cpu_count() or 1
    result = run_peer(PEERS[run.peer], arguments)
    record = {"arguments": arguments, "result": result}
    measured = {"threads": arguments["threads"]}
    if not result.get("ok"):
        return {**measured, "ok": False, "reason": str(result.get("reason", "no reason given"))}, record, ".json"
    if result.get("imports_simnet"):
        return {**measured, "ok": False, "reason": f"peer {run.peer} imported simnet: not a plain peer"}, \
            record, ".json"
    duration_s = arguments["duration_s"]
    return {
        **measured, "ok": True,
        "sim_wall_s_per_bio_s": result["loop_s"] / duration_s,
        "total_wall_s_per_bio_s": result["total_s"] / duration_s if result.get("total_s") is not None else None,
        "neurons": result["neurons"], "synapses": result["synapses"], "spikes": result["spikes"],
        "mean_rate_hz": result["mean_rate_hz"],
        "compartments": result.get("compartments"),
        "cell_spike_times_ms": result.get("population_spike_times_ms"),
        "population_rates_hz": dict(result.get("population_rates_hz") or {}),
        "versions": dict(result.get("versions") or {}),
        "peer_notes": list(result.get("notes") or []),
        "peak_rss_bytes": max(result.get("peak_rss_bytes") or 0, result.get("peak_rss_children_bytes") or 0) or None,
    }, record, ".json"


def _load_1min() -> Optional[float]:
    try:
        return os.getloadavg()[0]
    except OSError:
        return None


def one_line(err: BaseException) -> str:
    """The type and first line of an exception: why a point failed, as its summary keeps it."""
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0] if text else ''}".rstrip(": ")
