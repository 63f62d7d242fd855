"""Figures read from simnet's reference tables (``hardware.csv``, ``ml_training_compute.csv``) as
:class:`~simnet.audit.claims.Stated` values that name the table and the row."""
from __future__ import annotations

import math
import re

from simnet.audit.claims import Stated
from simnet.base.data_tables import Table

__all__ = ["table_row", "hardware_figure", "training_flop", "parameters_in_name"]


def table_row(table: Table, column: str, value: str) -> dict[str, str]:
    """The one row of ``table`` whose ``column`` is ``value``; LookupError if there is not exactly one."""
    rows = [row for row in table.rows if row[column] == value]
    if len(rows) != 1:
        raise LookupError(f"{table.name}: expected one row with {column} == {value!r}, found {len(rows)}")
    return rows[0]


def hardware_figure(table: Table, name: str, column: str, unit: str, scale: float = 1.0) -> Stated:
    """One figure of a device in ``hardware.csv`` (times ``scale``, to reach ``unit``)."""
    row = table_row(table, "name", name)
    return Stated(float(row[column]) * scale, unit, table.name, f"{name}: {column} {row[column]}")


def training_flop(table: Table, model: str) -> Stated:
    """A model's training compute in ``ml_training_compute.csv``, with its year and confidence."""
    row = table_row(table, "model", model)
    return Stated(float(row["training_flop"]), "FLOP", table.name,
                  f"{model} ({row['year']}): {row['training_flop']}, {row['confidence']}")


def parameters_in_name(model: str) -> float:
    """Parameter count written in a model's name (``"GPT-3 175B"`` -> 1.75e11); NaN if none."""
    match = re.search(r"(\d+(?:\.\d+)?)B\b", model)
    return float(match.group(1)) * 1e9 if match else math.nan
