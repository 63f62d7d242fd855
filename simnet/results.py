"""Every file simnet reads or writes: run records (.h5), benchmark summaries (summary.json); the one JSON sanitiser.

One HDF5 file per run, readable with plain h5py (layout in the README), whose ``/spikes`` group is a SONATA spike
report (libsonata, bmtk and the SONATA developer guide read it):

``/`` attributes
    ``simnet_format``, ``model``, ``description``, ``duration_s``, ``dt_s``, ``pre_run_s``, ``populations`` (the
    model's populations in its order); SONATA's ``magic`` (0x0A7A) and ``version`` ([0, 1])
``/parameters/<name>``
    attributes ``value`` (float in the SI unit named by ``unit``, or the plain value), ``unit`` ("" if none),
    ``display`` (as Brian2 prints it)
``/backend``, ``/provenance``, ``/timings``, ``/counts``, ``/cost``
    nested groups of attributes; arrays are datasets, lists of records are numbered subgroups, and an
    unknown value (None) is an empty attribute
``/spikes/<population>/timestamps`` (ms, float64), ``/spikes/<population>/node_ids`` (uint64, local)
    one SONATA node population per model population, ``sorting`` the enum ``by_time``, uncompressed (the
    libsonata wheels have no deflate filter)
``/rates/<name>/time_ms``, ``/rates/<name>/rate_hz``
    population rates in bins
``/notes``
    a list of strings: caveats the run recorded about its own figures

Files of format 1 (spikes per Brian2 group) are still read: their spikes are split into populations on read and
a note says so. Files are written to a temporary name beside the target and renamed into place, so an
interrupted write never leaves a partial file under the requested name.
"""
from __future__ import annotations

import dataclasses
import json
import math
import tempfile
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from simnet import atomicfile
from simnet.errors import UsageError
from simnet.record import RunRecord, leaf_populations, split_group_spikes

__all__ = ["RunRecord", "FORMAT_VERSION", "check_writable", "write", "read", "write_json", "write_summary",
           "read_summary", "json_safe", "parameter_entry"]

#: 2: spikes per model population with local ids, as a SONATA spike report (1: per Brian2 group, gzip, text
#: ``sorting``; still read, see :func:`_migrate_format_1`).
FORMAT_VERSION = 2
#: The SONATA spike report's root attributes (SONATA developer guide: ``magic`` 0x0A7A, ``version`` [0, 1]).
SONATA_MAGIC = 0x0A7A
SONATA_VERSION = (0, 1)
#: SONATA's ``sorting`` attribute is an HDF5 enum with these members.
SONATA_SORTING = h5py.enum_dtype({"none": 0, "by_id": 1, "by_time": 2}, basetype="u1")
_LIST_MARKER = "_simnet_list"

#: The summary of a benchmark or sweep (``simnet bench``, ``simnet sweep``): ``<out>/summary.json``.
SUMMARY_FORMAT = "simnet-bench-summary"
SUMMARY_FORMAT_VERSION = 1
SUMMARY_FILE = "summary.json"


def check_writable(path: Path, overwrite: bool) -> Path:
    """Fail early, before any simulation, if a record cannot be written to ``path``."""
    path = Path(path)
    if path.is_dir():
        raise UsageError(f"output path {path} is a directory; give a file name such as {path}/run.h5")
    if path.exists() and not overwrite:
        raise UsageError(f"output file {path} already exists; overwrite it or choose another path",
                         parameter="overwrite")
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.exists():
        try:
            directory.mkdir(parents=True)
        except OSError as err:
            raise UsageError(f"cannot create output directory {directory}: {err.strerror}") from None
    try:
        probe = tempfile.NamedTemporaryFile(dir=directory, prefix=".simnet-probe-", delete=True)
        probe.close()
    except OSError as err:
        raise UsageError(f"cannot write to {directory}: {err.strerror}") from None
    return path


def write(record: RunRecord, path: Path, overwrite: bool = False) -> Path:
    """Write ``record`` to ``path`` atomically (temporary file in the same directory, then rename)."""
    path = check_writable(Path(path), overwrite)
    with atomicfile.replacing(path) as tmp:
        with h5py.File(tmp, "w") as f:
            _write_record(f, record)
    return path


def read(path: Path) -> RunRecord:
    """Read a record written by :func:`write`."""
    path = Path(path)
    if not path.exists():
        raise UsageError(f"no such results file: {path}")
    try:
        f = h5py.File(path, "r")
    except OSError:
        raise UsageError(f"{path} is not an HDF5 file") from None
    with f:
        if "simnet_format" not in f.attrs:
            raise UsageError(f"{path} is not a simnet results file (no simnet_format attribute)")
        return _read_record(f)


def _write_record(f: h5py.File, record: RunRecord) -> None:
    f.attrs["simnet_format"] = FORMAT_VERSION
    f.attrs["magic"] = np.uint32(SONATA_MAGIC)
    f.attrs["version"] = np.array(SONATA_VERSION, dtype=np.uint32)
    for name in ("model", "description", "duration_s", "dt_s", "pre_run_s"):
        f.attrs[name] = getattr(record, name)
    f.attrs.create("populations", list(record.populations), dtype=h5py.string_dtype())
    for name, value in (("parameters", record.parameters), ("backend", record.backend),
                        ("provenance", record.provenance), ("timings", record.timings), ("counts", record.counts),
                        ("cost", record.cost_detail)):
        _write_tree(f.create_group(name), value)
    spikes = f.create_group("spikes")
    for pop, (times, ids) in record.spike_trains.items():
        group = spikes.create_group(pop)
        group.attrs.create("sorting", 2, dtype=SONATA_SORTING)
        timestamps = group.create_dataset("timestamps", data=np.asarray(times, dtype=np.float64))
        timestamps.attrs["units"] = "ms"
        group.create_dataset("node_ids", data=np.asarray(ids, dtype=np.uint64))
    rates = f.create_group("rates")
    for name, (t_ms, rate_hz) in record.rates.items():
        group = rates.create_group(name)
        group.create_dataset("time_ms", data=np.asarray(t_ms, dtype=np.float64))
        group.create_dataset("rate_hz", data=np.asarray(rate_hz, dtype=np.float64))
    f.create_dataset("notes", data=list(record.notes), dtype=h5py.string_dtype())


def _read_record(f: h5py.File) -> RunRecord:
    version = int(_plain(f.attrs["simnet_format"]))
    if version > FORMAT_VERSION:
        raise UsageError(f"{f.filename} is a simnet_format {version} file, newer than this simnet reads "
                         f"({FORMAT_VERSION}); update simnet")
    spikes = {pop: (group["timestamps"][()], group["node_ids"][()]) for pop, group in f["spikes"].items()}
    rates = {name: (group["time_ms"][()], group["rate_hz"][()]) for name, group in f["rates"].items()}
    record = RunRecord(
        model=_plain(f.attrs["model"]),
        description=_plain(f.attrs["description"]),
        duration_s=_plain(f.attrs["duration_s"]),
        dt_s=_plain(f.attrs["dt_s"]),
        pre_run_s=_plain(f.attrs["pre_run_s"]),
        parameters=_read_tree(f["parameters"]),
        backend=_read_tree(f["backend"]),
        provenance=_read_tree(f["provenance"]),
        timings=_read_tree(f["timings"]),
        counts=_read_tree(f["counts"]),
        cost_detail=_read_tree(f["cost"]),
        spike_trains=spikes,
        rates=rates,
        notes=[str(s) for s in f["notes"].asstr()[()]],
        populations=[str(s) for s in f.attrs.get("populations", [])],
    )
    return _migrate_format_1(record) if version == 1 else record


def _migrate_format_1(record: RunRecord) -> RunRecord:
    """A format-1 record as format 2: spikes split from Brian2 groups into populations with local ids."""
    order = ()
    if record.model == "microcircuit":  # the one library model whose groups interleave its populations
        from simnet.models.microcircuit import POPULATIONS as order
    record.populations = leaf_populations(record.counts, order)
    record.spike_trains = split_group_spikes(record.counts, record.spike_trains, order)
    record.notes.append("read from a simnet_format 1 file (written before spike reports were SONATA-conformant): "
                        "its spikes are stored per Brian2 group and were split into populations on read; SONATA "
                        "readers such as libsonata cannot read that file (run it again, or write this record "
                        "anew with simnet.results.write)")
    return record


def write_json(data: Any, path: Path) -> Path:
    """Write ``data`` as indented JSON atomically (temporary file beside it, then rename)."""
    text = json.dumps(json_safe(data), indent=1, allow_nan=False) + "\n"
    return atomicfile.write_text(Path(path), text)


def write_summary(summary: dict, out_dir: Path) -> Path:
    """Write a benchmark summary as ``out_dir/summary.json``, atomically."""
    return write_json(summary, Path(out_dir) / SUMMARY_FILE)


def read_summary(path: Path, *, scaling_points_only: bool = False) -> dict:
    """A benchmark or sweep summary (a folder means its ``summary.json``).

    With ``scaling_points_only`` any JSON object with a ``points`` list is accepted (a hand-made scaling
    summary for ``extrapolate``); otherwise the file must say it is a simnet summary.

    Raises
    ------
    UsageError
        When the file is missing, not JSON, or not a summary.
    """
    what = "scaling summary" if scaling_points_only else "benchmark summary"
    path = Path(path)
    if path.is_dir():
        path = path / SUMMARY_FILE
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"no such {what}: {path}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise UsageError(f"{path} is not a readable JSON {what} ({err.__class__.__name__})") from None
    if scaling_points_only:
        if not isinstance(summary, dict) or "points" not in summary:
            raise UsageError(f"{path} is not a scaling summary: expected a JSON object with a 'points' list")
    elif not isinstance(summary, dict) or summary.get("format") != SUMMARY_FORMAT:
        raise UsageError(f"{path} is not a benchmark summary (no \"format\": \"{SUMMARY_FORMAT}\")")
    return summary


def json_safe(value: Any) -> Any:
    """``value`` as plain JSON types: dicts with string keys, lists, str, int, float, bool and None.

    The one sanitiser for everything simnet prints as JSON or stores as record attributes: numpy scalars and
    arrays become Python numbers and lists, dataclasses their fields, paths their text, and a non-finite float
    None (JSON has no NaN); anything else is stored as its text.
    """
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return json_safe(dataclasses.asdict(value))
    if isinstance(value, (list, tuple, set, np.ndarray)):
        return [json_safe(v) for v in value]
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.generic):
        return json_safe(value.item())
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, Path):
        return str(value)
    return str(value)


def _compression(data) -> dict:
    # only for the record's own arrays (never the SONATA spikes, which other readers must open)
    return {"compression": "gzip", "shuffle": True} if np.size(data) > 4096 else {}


def _escape(key) -> str:
    # h5py reads "/" in a name as a path separator; keys such as the division operator need escaping
    return str(key).replace("%", "%25").replace("/", "%2F")


def _unescape(name: str) -> str:
    return name.replace("%2F", "/").replace("%25", "%")


def _write_tree(group: h5py.Group, tree: dict) -> None:
    for key, value in tree.items():
        key = _escape(key)
        if isinstance(value, dict):
            _write_tree(group.create_group(key), value)
        elif isinstance(value, (list, tuple)) and value and all(isinstance(v, dict) for v in value):
            sub = group.create_group(key)
            sub.attrs[_LIST_MARKER] = True
            for index, item in enumerate(value):
                _write_tree(sub.create_group(f"{index:06d}"), item)
        elif isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
            # (an empty list is stored as an empty list of strings, so it reads back as a list)
            group.create_dataset(key, data=list(value), dtype=h5py.string_dtype())
        elif isinstance(value, (list, tuple, np.ndarray)):
            group.create_dataset(key, data=np.asarray(value), **_compression(value))
        elif value is None:
            group.attrs[key] = h5py.Empty("f8")
        else:
            group.attrs[key] = value


def _read_tree(group: h5py.Group):
    if group.attrs.get(_LIST_MARKER, False):
        return [_read_tree(group[name]) for name in sorted(group)]
    tree: dict[str, Any] = {}
    for key, value in group.attrs.items():
        tree[_unescape(key)] = _plain(value)
    for name, item in group.items():
        key = _unescape(name)
        if isinstance(item, h5py.Group):
            tree[key] = _read_tree(item)
        elif h5py.check_string_dtype(item.dtype) is not None:
            tree[key] = [str(s) for s in item.asstr()[()]]
        else:
            tree[key] = item[()]
    return tree


def _plain(value):
    """HDF5 attribute value -> plain Python value (None for an empty attribute)."""
    if isinstance(value, h5py.Empty):
        return None
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, np.generic):
        return value.item()
    return value


def parameter_entry(value) -> dict:
    """A parameter as stored: value in SI units, the SI unit's symbol, and Brian2's display string."""
    from brian2 import Quantity, get_unit

    if isinstance(value, Quantity):
        unit = "" if value.is_dimensionless else str(get_unit(value.dim))
        return {"value": float(np.asarray(value)), "unit": unit, "display": str(value)}
    if isinstance(value, (bool, int, float, str, np.generic)):
        return {"value": _plain(value), "unit": "", "display": str(value)}
    return {"value": repr(value), "unit": "", "display": repr(value)}
