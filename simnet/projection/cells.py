"""The compartmental cell levels (``data/cell_costs.csv``) projected to human scale, like the point-neuron levels.

Each level's counted FLOPs and state bytes per cell, measured on a single cell, times ``N`` cells and ``T``
biological seconds (per-cell cost taken as constant with size: a single cell has no synapses, so the synaptic
work of a network of such cells is left out and the totals are lower bounds). The performance model has no term for
compartments (its costs are per point-neuron step and per synaptic event), so no back-tested error band applies:
:data:`BAND_NONE` says so. Pure functions, no I/O.
"""
from __future__ import annotations

from simnet.base.units import SECONDS_PER_YEAR

__all__ = ["BAND_NONE", "cell_level_projection", "format_cell_levels"]

#: Why a cell level's projection carries no error band.
BAND_NONE = ("none: the performance model has no compartment term (its costs are per point-neuron step and per "
             "synaptic event), so it cannot predict a network of compartmental cells and its back-test scores no such "
             "run (CoreNEURON's rows are listed as not described)")


def _number(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number else None


def cell_level_projection(row: dict, neurons=(1.3e9, 1.3e10), bio_seconds: float = 15 * SECONDS_PER_YEAR) -> dict:
    """One ``data/cell_costs.csv`` row at each size in ``neurons`` for ``bio_seconds``: counted FLOPs (per-cell
    FLOPs per biological second x N x T), state bytes (per cell x N) and the measuring machine's wall-clock if its
    loop time per cell stayed linear in N (x N x T), each with what it is derived from, and :data:`BAND_NONE`."""
    flops = _number(row.get("flops_per_cell_per_bio_s"))
    state = _number(row.get("bytes_per_cell"))
    loop = _number(row.get("loop_s_per_bio_s_per_cell"))
    sizes = []
    for n in neurons:
        wall_s = loop * n * bio_seconds if loop is not None else None
        sizes.append({"neurons": n, "counted_flops": flops * n * bio_seconds if flops is not None else None,
                      "state_bytes": state * n if state is not None else None,
                      "wall_s_linear": wall_s,
                      "wall_years_linear": wall_s / SECONDS_PER_YEAR if wall_s is not None else None})
    return {
        "level": row.get("level", ""), "compartments": _number(row.get("compartments")),
        "flops_per_cell_per_bio_s": flops, "bio_seconds": bio_seconds, "sizes": sizes, "band": BAND_NONE,
        "derived_from": (f"data/cell_costs.csv ({row.get('level', '')}: one cell, {row.get('backend', '')} on "
                         f"{row.get('measured_on', '')}, 1-minute load {row.get('loadavg_1min_before', '?')} before "
                         f"the run, {row.get('date', '')}) x N cells x {bio_seconds:.4g} biological s; no synapses "
                         "(a lower bound); wall-clock assumes that machine's loop time linear in N"),
    }


def format_cell_levels(levels: list) -> str:
    """Terminal lines of the cell levels' projections (:func:`cell_level_projection` results)."""
    if not levels:
        return ""
    years = levels[0]["bio_seconds"] / SECONDS_PER_YEAR
    lines = [f"the compartmental cell levels at human scale ({years:g} biological years; derived, lower bounds: no "
             "synapses):",
             f"  {'level':<20}{'compartments':>13}{'neurons':>10}{'counted FLOP':>14}{'state bytes':>13}"
             f"{'wall years (linear)':>21}"]
    for level in levels:
        for size in level["sizes"]:
            lines.append(f"  {level['level']:<20}{level['compartments'] or 0:>13,.0f}{size['neurons']:>10.2g}"
                         f"{_g(size['counted_flops']):>14}{_g(size['state_bytes']):>13}"
                         f"{_g(size['wall_years_linear']):>21}")
    lines += [f"  from: {level['derived_from']}" for level in levels]
    lines.append(f"  band: {BAND_NONE}")
    return "\n".join(lines)


def _g(value) -> str:
    return "-" if value is None else f"{value:.3g}"
