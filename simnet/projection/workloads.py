"""Named benchmark networks ("workloads", ``data/network_workloads.csv``) that a runs-table row can point at.

A published run on a well-known network (NEST's hpc_benchmark, say) is then described from the network's own
definition: a row whose ``workload`` cell names a workload gets, for each cell it leaves empty, the workload's time
step, minimum delay, stand-in cost model, synapses (neurons x in-degree), plastic synapses (plastic share x synapses)
and mean rate where a source states one. A cell the row states is never replaced: the row says what ran. Every filled
cell is named in the run's notes. Pure functions, no I/O: the caller reads the tables and passes their rows.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Optional

from simnet.projection.backtest import table_number

__all__ = ["Workload", "WORKLOAD_NUMBERS", "workloads_from_rows", "apply_workload", "apply_workloads",
           "unknown_workload"]

#: Parameters of a workload that are numbers, and the runs-table cell each fills (None: used to derive one).
WORKLOAD_NUMBERS = {"neurons_per_scale": None, "in_degree": "synapses", "plastic_share": "plastic_synapses",
                    "dt_ms": "dt_ms", "min_delay_ms": "min_delay_ms", "mean_rate_hz": "mean_rate_hz"}
#: Parameters that are words.
WORKLOAD_WORDS = ("neuron_model", "cost_model")


@dataclass(frozen=True)
class Workload:
    """One named network: its figures (None where no source states one) and the source of each."""

    name: str
    figures: dict
    words: dict
    sources: dict = field(default_factory=dict)

    def figure(self, parameter: str) -> Optional[float]:
        return self.figures.get(parameter)


def workloads_from_rows(rows) -> dict[str, Workload]:
    """Rows of ``data/network_workloads.csv`` as workloads by name; ValueError naming the row and column of a
    parameter that is unknown, a number that is not a non-negative finite number, or a row without a source."""
    figures, words, sources = {}, {}, {}
    for index, row in enumerate(rows, start=1):
        name, parameter = (row.get("workload") or "").strip(), (row.get("parameter") or "").strip()
        where = f"row {index} ({name or 'unnamed'} {parameter})"
        if not name:
            raise ValueError(f"{where}, column workload: empty")
        if not (row.get("source") or "").strip():
            raise ValueError(f"{where}, column source: empty (every figure cites its source)")
        value = (row.get("value") or "").strip()
        if parameter in WORKLOAD_WORDS:
            words.setdefault(name, {})[parameter] = value
        elif parameter in WORKLOAD_NUMBERS:
            number = None
            if value:
                try:
                    number = float(value)
                except ValueError:
                    number = float("nan")
                if not math.isfinite(number) or number < 0:
                    raise ValueError(f"{where}, column value: '{value}' is not a non-negative number")
            figures.setdefault(name, {})[parameter] = number
        else:
            raise ValueError(f"{where}, column parameter: '{parameter}' is not one of "
                             f"{', '.join(list(WORKLOAD_NUMBERS) + list(WORKLOAD_WORDS))}")
        sources.setdefault(name, {})[parameter] = row["source"].strip()
    return {name: Workload(name, figures.get(name, {}), words.get(name, {}), sources[name]) for name in sources}


def unknown_workload(row: dict, workloads: dict) -> str:
    """The row's ``workload`` cell when it names no workload of ``workloads`` (empty string when it is empty or
    known)."""
    name = (row.get("workload") or "").strip()
    return name if name and name not in workloads else ""


def _empty(row: dict, column: str) -> bool:
    return not (row.get(column) or "").strip()


def apply_workload(row: dict, workload: Workload) -> dict:
    """A copy of ``row`` with the cells it leaves empty filled from ``workload`` (see the module docstring); the
    filled cells are listed in ``workload_filled`` and, when the rate stays unknown, ``mean_rate_source`` says why."""
    out, filled = dict(row), []

    def fill(column: str, value, how: str) -> None:
        if value is None or not _empty(out, column):
            return
        out[column] = f"{value:.6g}" if isinstance(value, float) else str(value)
        filled.append(f"{column} = {out[column]} ({how})")

    fill("cost_model", workload.words.get("cost_model") or None,
         f"the stand-in cost model of workload {workload.name}")
    for parameter in ("dt_ms", "min_delay_ms", "mean_rate_hz"):
        fill(parameter, workload.figure(parameter), f"workload {workload.name}")
    neurons = table_number(out.get("neurons"))
    in_degree = workload.figure("in_degree")
    if neurons and in_degree is not None:
        fill("synapses", neurons * in_degree, f"neurons x in-degree {in_degree:g} of workload {workload.name}")
    synapses, share = table_number(out.get("synapses")), workload.figure("plastic_share")
    if synapses is not None and share is not None:
        fill("plastic_synapses", share * synapses, f"plastic share {share:g} of workload {workload.name}")
    if _empty(out, "mean_rate_hz") and _empty(out, "mean_rate_source"):
        out["mean_rate_source"] = (f"not stated (workload {workload.name}: no source read states its rate; "
                                   "data/network_workloads.csv says what was read)")
    out["workload_filled"] = "; ".join(filled)
    return out


def apply_workloads(rows, workloads: dict) -> list[dict]:
    """Every row, those naming a known workload with their empty cells filled (:func:`apply_workload`)."""
    return [apply_workload(row, workloads[name]) if (name := (row.get("workload") or "").strip()) in workloads
            else dict(row) for row in rows]
