"""Izhikevich's (2004, Fig. 2) FLOPs per millisecond of one neuron, by model type: a reference for scale.

The figures are read from ``data/izhikevich2004_flops.csv`` (:data:`IZHIKEVICH_TABLE`), which cites its source
and says how far it can be trusted. :func:`simnet.cost.flops.report.apply_activity` shows them beside the
counted neuron-update FLOPs of each population whose model type is known.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any, Dict

from simnet.base.data_tables import read_table
from simnet.base.errors import UsageError
from simnet.record.files import json_safe

__all__ = ["IZHIKEVICH_TABLE", "IzhikevichReference", "izhikevich_reference"]

IZHIKEVICH_TABLE = "izhikevich2004_flops.csv"

_MODEL_ALIASES = {
    "if": "integrate_and_fire",
    "iaf": "integrate_and_fire",
    "lif": "integrate_and_fire",
    "leaky_integrate_and_fire": "integrate_and_fire",
    "ifb": "integrate_and_fire_or_burst",
    "qif": "quadratic_integrate_and_fire",
    "izh": "izhikevich",
    "fhn": "fitzhugh_nagumo",
    "hr": "hindmarsh_rose",
    "ml": "morris_lecar",
    "hh": "hodgkin_huxley",
}


@dataclass(frozen=True)
class IzhikevichReference:
    """Izhikevich's (2004, Fig. 2) FLOPs to simulate 1 ms of one neuron of a model type."""

    model_type: str
    model_name: str
    flops_per_ms: float
    source: str

    def to_dict(self) -> Dict[str, Any]:
        return json_safe(asdict(self))


def _slug(text: str) -> str:
    words = re.sub(r"[^a-z0-9]+", " ", text.lower().replace("&", " and ")).split()
    slug = "_".join(words)
    # "I&F" is the figure's own abbreviation of integrate-and-fire
    return re.sub(r"^i_and_f(?=_|$)", "integrate_and_fire", slug)


def izhikevich_reference(model_type: str) -> IzhikevichReference:
    """Izhikevich's (2004, IEEE TNN 15:1063, Fig. 2) per-millisecond FLOPs for a neuron model type.

    A reference for scale, not a target: his counts assume his own integration scheme and time step.

    Parameters
    ----------
    model_type : str
        A model type of the figure, e.g. ``"hodgkin_huxley"``, ``"Hodgkin-Huxley"``, ``"hh"``,
        ``"integrate-and-fire"``, ``"I&F with adaptation"``.

    Raises
    ------
    UsageError
        If the model type is not one of the figure's.
    """
    table = read_table(IZHIKEVICH_TABLE)
    wanted = _slug(model_type)
    wanted = _MODEL_ALIASES.get(wanted, wanted)
    for row in table.rows:
        if wanted in (row["model_type"], _slug(row["model_name"])):
            return IzhikevichReference(
                model_type=row["model_type"],
                model_name=row["model_name"],
                flops_per_ms=float(row["flops_per_ms"]),
                source=table.source,
            )
    known = ", ".join(row["model_type"] for row in table.rows)
    raise UsageError(f"no Izhikevich (2004) figure for model type {model_type!r}; use one of: {known}")
