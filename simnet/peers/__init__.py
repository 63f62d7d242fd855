"""Peer programs: the same networks run by other means, to compare simnet with what a user would otherwise run.

Each peer is a standalone Python program in this folder that does not import simnet (that is the point of a
peer: a plain script with none of simnet's instrumentation); the program side of the protocol below, shared by
every peer, is ``peer_protocol.py``, which the peers import from their own folder. :func:`run_peer` starts it as
``sys.executable <peer>.py --json-args '<json>'`` in a subprocess (a peer may name one program per model, as the
NEST peer does), which also keeps a peer's global state
(Brian2's device, NEST's kernel) out of simnet's process, and reads back the one JSON line it prints.

The protocol, shared by every peer:

arguments (one JSON object)
    ``model``, ``options`` (model options as simnet's command line takes them), ``duration_s``, ``seed``,
    ``threads``, ``precision``, ``device`` (peer-specific; "" when a peer has one), ``record_spikes``,
    ``build_root`` (where a peer may build; null: the system's temporary directory), ``pre_run_s`` (simulated
    untimed before the measured run; only for the models in the peer's ``pre_run_models``, else 0)
result (the last line of stdout, one JSON object)
    ``ok`` (bool); if false, ``reason`` (one line); else ``loop_s`` (wall-clock around the simulation loop
    only), ``total_s`` (from network construction to results collected), ``neurons``, ``synapses``, ``spikes``,
    ``mean_rate_hz``, ``versions``, ``notes`` and ``imports_simnet`` (a self-check: whether any ``simnet``
    module was imported into the peer's process; it must be false)
"""
from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Optional

from simnet.base import child_processes

__all__ = ["PeerInfo", "PEERS", "ARGUMENTS_ON_COMMAND_LINE", "run_peer", "child_processes"]


@dataclass(frozen=True)
class PeerInfo:
    """What a peer program can run, for validating experiment files before anything runs."""

    name: str
    script: str
    summary: str
    #: model name -> the model options this peer understands
    models: Mapping[str, tuple[str, ...]]
    #: accepted values of a runner's ``device`` key (first: the default); empty: the key is not accepted
    devices: tuple[str, ...] = ()
    precisions: tuple[str, ...] = ("double",)
    #: device -> the simnet backend that runs the same code path (for simnet/peer loop-time ratios)
    same_code_path_as: Mapping[str, str] = field(default_factory=dict)
    #: model -> the program that runs it, where it is not ``script``
    model_scripts: Mapping[str, str] = field(default_factory=dict)
    #: models whose program simulates ``pre_run_s`` untimed before the measured run (as simnet's pre-run)
    pre_run_models: tuple[str, ...] = ()

    @property
    def path(self) -> Path:
        return Path(__file__).with_name(self.script)

    def path_for(self, model: str) -> Path:
        """The program that runs ``model`` (``script`` unless ``model_scripts`` names another)."""
        return Path(__file__).with_name(self.model_scripts.get(model, self.script))

    def device_for_backend(self, backend: str) -> Optional[str]:
        """The device of this peer that runs the same code path as simnet's ``backend`` (None if none does)."""
        return next((device for device, same in self.same_code_path_as.items() if same == backend), None)

    @property
    def paths(self) -> tuple[Path, ...]:
        """Every program of this peer."""
        return tuple(dict.fromkeys([self.path, *(self.path_for(m) for m in self.model_scripts)]))


PEERS: dict[str, PeerInfo] = {
    "brian2-plain": PeerInfo(
        name="brian2-plain",
        script="brian2_plain.py",
        summary="the same network as a plain Brian2 script (no simnet code)",
        models={"cobahh": ("neurons", "mode", "plasticity")},
        devices=("cpp_standalone", "runtime"),
        precisions=("double", "single"),
        same_code_path_as={"cpp_standalone": "cpp", "runtime": "runtime"},
    ),
    "nest": PeerInfo(
        name="nest",
        script="nest_cobahh.py",
        summary="NEST 3 (hh_cond_exp_traub for COBAHH, iaf_psc_exp for the microcircuit)",
        models={"cobahh": ("neurons", "mode", "plasticity"),
                "microcircuit": ("scale", "k_scale", "neuron_model", "synapse_model", "background")},
        model_scripts={"microcircuit": "nest_microcircuit.py"},
        pre_run_models=("cobahh", "microcircuit"),
    ),
    "nest-pd14-reference": PeerInfo(
        name="nest-pd14-reference",
        script="nest_pd14_reference.py",
        summary="NEST's own PD14 implementation (INM-6/microcircuit-PD14-model, a checkout named by "
                "SIMNET_PD14_REFERENCE), to check the NEST peer against",
        models={"microcircuit": ("scale", "k_scale", "neuron_model", "synapse_model", "background")},
        pre_run_models=("microcircuit",),
    ),
    "neuron": PeerInfo(
        name="neuron",
        script="neuron_cells.py",
        summary="NEURON 9 (built-in hh), its own solver or CoreNEURON, for the compartmental cells",
        models={"cell": ("cell", "cells"), "cells": ("level", "exc", "inh")},
        devices=("neuron", "coreneuron", "neuron-tables", "coreneuron-tables"),
        pre_run_models=("cell", "cells"),
    ),
}


#: Characters of JSON passed on the peer's command line; longer arguments go through a file (Linux refuses a
#: single argument over 128 KiB).
ARGUMENTS_ON_COMMAND_LINE = 32_000


def run_peer(peer: PeerInfo, arguments: dict, timeout_s: Optional[float] = None) -> dict:
    """Run ``peer`` with ``arguments`` in a subprocess and return its result.

    Never raises for a peer that fails: the result then has ``ok`` false and a one-line ``reason`` (the peer's
    own, or the last line it wrote to stderr, or the timeout). ``process_wall_s`` is the parent's wall-clock
    around the whole subprocess (interpreter start-up and imports included).
    """
    text = json.dumps(arguments)
    command = [sys.executable, str(peer.path_for(arguments.get("model", "")))]
    started = time.perf_counter()
    on_command_line = len(text) <= ARGUMENTS_ON_COMMAND_LINE
    with contextlib.nullcontext() if on_command_line else tempfile.TemporaryDirectory(prefix="simnet-peer-") as folder:
        if on_command_line:
            command += ["--json-args", text]
        else:  # a network's connections: longer than one argument of a command line may be
            path = Path(folder) / "arguments.json"
            path.write_text(text, encoding="utf-8")
            command += ["--json-args-file", str(path)]
        try:
            # Its own process group, stopped with everything it started if simnet is interrupted or dies.
            done = child_processes.output(command, timeout=timeout_s, env=_quiet_environment())
        except subprocess.TimeoutExpired:
            return {"ok": False, "reason": f"peer {peer.name} ran longer than {timeout_s:g} s and was stopped"}
    process_wall_s = time.perf_counter() - started
    result = _last_json_line(done.stdout)
    if result is None:
        last_error = next((line for line in reversed(done.stderr.splitlines()) if line.strip()), "")
        return {"ok": False, "reason": f"peer {peer.name} exited with status {done.returncode} without a "
                                       f"result: {last_error or 'no output'}", "process_wall_s": process_wall_s}
    if done.returncode != 0 and result.get("ok", False):
        result = {"ok": False, "reason": f"peer {peer.name} exited with status {done.returncode}"}
    result["process_wall_s"] = process_wall_s
    return result


def _last_json_line(stdout: str) -> Optional[dict]:
    # Simulators print banners and progress to stdout; the result is the last line that is a JSON object.
    for line in reversed(stdout.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                value = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(value, dict):
                return value
    return None


def _quiet_environment() -> dict:
    import os

    return {**os.environ, "PYNEST_QUIET": "1"}
