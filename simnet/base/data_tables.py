"""Reference tables shipped in ``data/`` (installed as ``simnet.data``).

Each CSV table starts with ``#`` comment lines that name its sources; :func:`read_table` keeps them so
that every figure taken from a table can say where it came from.
"""
from __future__ import annotations

import csv
import os
import stat
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

__all__ = ["Table", "MAX_TABLE_BYTES", "data_path", "read_table", "read_csv"]


@dataclass(frozen=True)
class Table:
    """Rows of a reference table (column name -> text) and the source lines written above them."""

    name: str
    rows: tuple[dict[str, str], ...]
    source: str


def data_path(name: str) -> Path:
    """Path of a file in the installed data directory."""
    return Path(str(resources.files("simnet.data").joinpath(name)))


def read_table(name: str) -> Table:
    """Read ``data/<name>`` (a CSV whose leading ``#`` lines state its sources)."""
    return read_csv(data_path(name), name)


#: The largest CSV table read (the shipped ones are a few tens of KB).
MAX_TABLE_BYTES = 64 * 2**20


def read_csv(path: Path, name: str | None = None) -> Table:
    """Read any CSV in the tables' format (``#`` lines state its sources, then a header row); raises OSError when
    the file cannot be read and ValueError when it is not UTF-8 text or has no header row."""
    info = os.stat(path)  # (OSError when missing or unreadable, as before)
    if stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(21, "Is a directory", str(path))
    if not stat.S_ISREG(info.st_mode):  # a FIFO or /dev/zero would be read forever
        raise ValueError(f"{path} is not a regular file (a table is read from a file, not a device or pipe)")
    if info.st_size > MAX_TABLE_BYTES:
        raise ValueError(f"{path} is {info.st_size:,} bytes, more than a table of runs or hardware holds "
                         f"({MAX_TABLE_BYTES:,})")
    try:
        # utf-8-sig: a byte-order mark (spreadsheets write one) is not part of the first column's name
        text = Path(path).read_text(encoding="utf-8-sig").splitlines()
    except UnicodeDecodeError as err:
        raise ValueError(f"{path} is not UTF-8 text ({err.reason})") from None
    source_lines = [line.lstrip("# ").rstrip() for line in text if line.startswith("#")]
    body = [line for line in text if line.strip() and not line.startswith("#")]
    if not body:
        raise ValueError(f"{path} has no header row")
    rows = tuple(dict(row) for row in csv.DictReader(body))
    return Table(name=name or Path(path).name, rows=rows, source=" ".join(source_lines))
