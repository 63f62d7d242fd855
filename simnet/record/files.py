"""Every file simnet reads or writes: run records (.h5), benchmark summaries (summary.json); the one JSON sanitiser.

One HDF5 file per run, readable with plain h5py (layout in docs/guide/files.md), whose ``/spikes`` group is a SONATA spike
report (libsonata, bmtk and the SONATA developer guide read it). bmtk's analyzer takes a SONATA *config* as its
first argument, so the file is given by name: ``bmtk.analyzer.spike_trains.to_dataframe(config_file=None,
spikes_file=path, population="exc")`` (with the population named, as the file holds several):

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
``/monitors/<name>/<variable>`` (optional: ``simnet account`` of a script with monitors of its own)
    each monitor the script made, by its variable name, with attributes ``kind`` (``SpikeMonitor``,
    ``StateMonitor``, ...) and ``source`` (the group it watched); one dataset per recorded variable in SI units,
    its attribute ``unit`` naming the unit (:class:`~simnet.record.run_record.MonitorData`)
``/network`` (optional: runs with ``record_connectivity``)
    ``groups/<group>``: equations, parameters, per-neuron constants; ``projections/<name>``: ``source_index``,
    ``target_index`` (group-local), ``weight`` (with ``weight_unit``), ``delay_s`` per synapse; what
    ``simnet export`` writes as a SONATA circuit (:mod:`simnet.record.sonata_circuit`)

Files of format 1 (spikes per Brian2 group) are still read: their spikes are split into populations on read and
a note says so. Files are written to a temporary name beside the target and renamed into place, so an
interrupted write never leaves a partial file under the requested name; only a regular file is replaced. A record
is checked when it is read against :data:`RECORD_LAYOUT` (what its readers index), and a format newer than
:data:`FORMAT_VERSION` is refused, so a damaged or foreign file is one line of bad input, never a traceback in a
reader.
"""
from __future__ import annotations

import dataclasses
import json
import math
import os
import stat
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Union

import h5py
import numpy as np

from simnet.base import atomic_files
from simnet.base.errors import UsageError, shown_path
from simnet.record import plausibility
from simnet.record.run_record import MonitorData, RunRecord, leaf_populations, split_group_spikes

__all__ = ["FORMAT_VERSION", "check_writable", "reserved", "write", "read", "write_json", "write_summary",
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


def check_writable(path: Union[str, Path], overwrite: bool, parameter: str = "out") -> Path:
    """Fail early, before any simulation, if a record cannot be written to ``path``.

    Only a regular file is ever replaced (with ``overwrite``); a path ending with a slash names a directory, not
    a file. A missing output directory is created.
    """
    path = atomic_files.check_replaceable(path, parameter)
    if path.exists() and not overwrite:
        raise UsageError(f"output file {path} already exists; overwrite it or choose another path",
                         parameter="overwrite")
    atomic_files.check_directory(path.parent, parameter, what="output directory")
    return path


@contextmanager
def reserved(path: Union[str, Path], overwrite: bool, parameter: str = "out") -> Iterator[Path]:
    """:func:`check_writable`, then hold ``path`` for this process until the block ends (a second writer to the
    same path is refused at once, before it simulates); an output directory created here and still empty when
    the block fails is removed again."""
    with atomic_files.created_directories(Path(path).parent):
        path = check_writable(path, overwrite, parameter)
        with atomic_files.claimed(path, parameter):
            yield path


def write(record: RunRecord, path: Union[str, Path], overwrite: bool = False) -> Path:
    """Write ``record`` to ``path`` atomically (temporary file in the same directory, then rename)."""
    path = check_writable(path, overwrite)
    with atomic_files.replacing(path) as tmp:
        with h5py.File(tmp, "w") as f:
            _write_record(f, record)
    return path


def read(path: Union[str, Path]) -> RunRecord:
    """Read a record written by :func:`write`, checked against the layout its readers rely on
    (:data:`RECORD_LAYOUT`).

    Raises
    ------
    UsageError
        When the file is missing, unreadable, not a simnet record, of a format this simnet does not know, or
        lacks a group or value the readers need (or holds one of the wrong type); the message names it.
    """
    path = Path(path)
    try:
        mode = os.stat(path).st_mode
        if stat.S_ISREG(mode):
            with open(path, "rb"):
                pass
    except FileNotFoundError:
        raise UsageError(f"no such results file: {path}") from None
    except OSError as err:
        raise UsageError(f"cannot read {shown_path(path)}: {err.strerror or err}") from None
    if not stat.S_ISREG(mode):
        raise UsageError(f"{path} is {'a directory' if stat.S_ISDIR(mode) else 'not a regular file'}, "
                         "not a results file")
    try:
        f = h5py.File(path, "r")
    except OSError:
        raise UsageError(f"{path} is not an HDF5 file") from None
    with f:
        try:
            plausibility.check_structure(f, os.stat(path).st_size)
        except plausibility.Implausible as problem:
            raise UsageError(f"{path} is not a valid simnet record: {problem}") from None
        except (OSError, RuntimeError, KeyError, ValueError, TypeError) as err:  # h5py on a damaged file
            raise UsageError(f"{path} is damaged: {str(err).splitlines()[0] if str(err) else type(err).__name__}") \
                from None
        if "simnet_format" not in f.attrs:
            raise UsageError(f"{path} is not a simnet results file (no simnet_format attribute)")
        version = _plain(f.attrs["simnet_format"])
        if not _is_int(version) or version < 1:
            raise UsageError(f"{path} is not a simnet results file (simnet_format is {_shown(version)})")
        if version > FORMAT_VERSION:
            raise UsageError(f"{path} is a simnet_format {version} file, newer than this simnet reads (formats 1 to "
                             f"{FORMAT_VERSION}): upgrade simnet to read it")
        try:
            return _read_record(f, version)
        except (_Malformed, plausibility.Implausible) as problem:
            raise UsageError(f"{path} is not a valid simnet record: {problem}") from None
        except (OSError, RuntimeError, KeyError, ValueError, TypeError) as err:  # h5py on a damaged file
            raise UsageError(f"{path} is damaged: {str(err).splitlines()[0] if str(err) else type(err).__name__}") \
                from None


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
    if record.network:
        _write_tree(f.create_group("network"), record.network)
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
    if record.monitors:
        monitors = f.create_group("monitors")
        for name, data in record.monitors.items():
            group = monitors.create_group(_escape(name))
            group.attrs["kind"], group.attrs["source"] = data.kind, data.source
            for variable, values in data.arrays.items():
                dataset = group.create_dataset(_escape(variable), data=np.asarray(values), **_compression(values))
                dataset.attrs["unit"] = data.units.get(variable, "")


class _Malformed(Exception):
    """A record whose layout is not what :data:`RECORD_LAYOUT` says; the message names the place."""


def _read_record(f: h5py.File, version: int) -> RunRecord:
    attrs = {name: _plain(f.attrs[name]) if name in f.attrs else _MISSING for name in _ROOT_ATTRIBUTES}
    for name, kind in _ROOT_ATTRIBUTES.items():
        _check(attrs[name], kind, f"/{name}")
    for name in (*RECORD_LAYOUT, "spikes", "rates"):
        if not isinstance(f.get(name), h5py.Group):
            raise _Malformed(f"/{name} is {'missing' if name not in f else 'not a group'}")
    notes = f.get("notes")
    if not isinstance(notes, h5py.Dataset) or h5py.check_string_dtype(notes.dtype) is None or notes.ndim != 1:
        raise _Malformed(f"/notes is {'missing' if notes is None else 'not a list of strings'}")
    trees = {name: _read_tree(f[name]) for name in RECORD_LAYOUT}
    for name, layout in RECORD_LAYOUT.items():
        _check(trees[name], layout, f"/{name}")
    populations = _plain(f.attrs["populations"]) if "populations" in f.attrs else []
    if isinstance(populations, str) or not all(isinstance(p, (str, bytes)) for p in np.atleast_1d(populations)):
        raise _Malformed("/populations is not a list of names")
    record = RunRecord(
        model=attrs["model"], description=attrs["description"], duration_s=attrs["duration_s"],
        dt_s=attrs["dt_s"], pre_run_s=attrs["pre_run_s"], parameters=trees["parameters"], backend=trees["backend"],
        provenance=trees["provenance"], timings=trees["timings"], counts=trees["counts"], cost_detail=trees["cost"],
        network=_read_tree(f["network"]) if isinstance(f.get("network"), h5py.Group) else {},
        spike_trains={pop: _pair(group, "timestamps", "node_ids", f"/spikes/{pop}")
                      for pop, group in f["spikes"].items()},
        rates={name: _pair(group, "time_ms", "rate_hz", f"/rates/{name}") for name, group in f["rates"].items()},
        notes=[str(s) for s in notes.asstr()[()]],
        populations=[p.decode() if isinstance(p, bytes) else str(p) for p in np.atleast_1d(populations)],
        monitors=_read_monitors(f.get("monitors")),
    )
    record = _migrate_format_1(record) if version == 1 else record
    _check_figures(record)
    return record


def _read_monitors(group) -> dict[str, MonitorData]:
    """A script's monitors (``/monitors``, absent from most records): numeric datasets with a text unit."""
    if group is None:
        return {}
    if not isinstance(group, h5py.Group):
        raise _Malformed("/monitors is not a group")
    monitors = {}
    for escaped, item in group.items():
        name, where = _unescape(escaped), f"/monitors/{escaped}"
        kind, source = (_plain(item.attrs.get(key, "")) if isinstance(item, h5py.Group) else None
                        for key in ("kind", "source"))
        if not (isinstance(kind, str) and isinstance(source, str)):
            raise _Malformed(f"{where} is not a monitor (a group with text attributes kind and source)")
        arrays, units = {}, {}
        for variable, dataset in item.items():
            unit = _plain(dataset.attrs.get("unit", "")) if isinstance(dataset, h5py.Dataset) else None
            if unit is None or not isinstance(unit, str) or dataset.dtype.kind not in "iufb":
                raise _Malformed(f"{where}/{variable} is not an array of numbers with a text unit")
            arrays[_unescape(variable)], units[_unescape(variable)] = dataset[()], unit
        monitors[name] = MonitorData(name, kind, source, arrays, units)
    return monitors


def _check_figures(record: RunRecord) -> None:
    """The record's figures are ones a run could have produced (:mod:`simnet.record.plausibility`)."""
    plausibility.check_sizes(record.counts)
    sizes = {name: entry["size"] for name, entry in record.counts["populations"].items()}
    slack_ms = 2 * record.dt_s * 1e3
    plausibility.check_spikes(record.spike_trains, sizes, (-record.pre_run_s * 1e3 - slack_ms,
                                                           (record.pre_run_s + record.duration_s) * 1e3 + slack_ms))
    plausibility.check_rates(record.rates)
    plausibility.check_monitor_times({name: data.arrays.get("t") for name, data in record.monitors.items()})


def _migrate_format_1(record: RunRecord) -> RunRecord:
    """A format-1 record as format 2: spikes split from Brian2 groups into populations with local ids."""
    order = ()
    if record.model == "microcircuit":  # the one library model whose groups interleave its populations
        from simnet.models.microcircuit import POPULATIONS as order
    record.populations = leaf_populations(record.counts, order)
    record.spike_trains = split_group_spikes(record.counts, record.spike_trains, order)
    record.rates = record._population_rates(record.rates)  # now that its populations are known
    record.notes.append("read from a simnet_format 1 file (written before spike reports were SONATA-conformant): "
                        "its spikes are stored per Brian2 group and were split into populations on read; SONATA "
                        "readers such as libsonata cannot read that file (run it again, or write this record "
                        "anew with simnet.record.files.write)")
    return record


def _pair(group, first: str, second: str, where: str) -> tuple[np.ndarray, np.ndarray]:
    """Two numeric datasets of one length in ``group`` (spike times and ids, or rate bins and rates)."""
    arrays = []
    for name in (first, second):
        item = group.get(name) if isinstance(group, h5py.Group) else None
        if not isinstance(item, h5py.Dataset) or item.ndim != 1 or item.dtype.kind not in "iuf":
            raise _Malformed(f"{where}/{name} is {'missing' if item is None else 'not a list of numbers'}")
        arrays.append(item[()])
    if len(arrays[0]) != len(arrays[1]):
        raise _Malformed(f"{where}: {first} and {second} differ in length")
    return arrays[0], arrays[1]


_MISSING = object()

#: The record's root attributes and their kinds (see :func:`_check`).
_ROOT_ATTRIBUTES = {"model": "text", "description": "text", "duration_s": "positive", "dt_s": "positive",
                    "pre_run_s": "non-negative"}

#: What the readers of a record (summary, cost table, roofline, projection, fidelity table) index directly, by
#: group: a key ending with "?" may be absent, "*" stands for every key, ``[spec]`` is a list of records, and a
#: kind ending with "|empty" may be an empty value. Everything else in a record is read with defaults.
RECORD_LAYOUT = {
    "parameters": {"*": {"value": "any", "unit": "text", "display": "text"},
                   "k_scaling?": {"value": "number"}},
    "backend": {"name": "text", "precision": "precision", "threads?": "count|empty",
                "packages?": {"*": "text|empty"}},
    "provenance": {"seed?": "count|empty", "machine?": {"gpus?": [{"name?": "text"}], "cpu_model?": "text|empty",
                                                         "hostname?": "text|empty"}},
    "timings": {"*": "non-negative|empty",
                "loop_profile?": {"clock": "text",
                                  "code_objects": [{"code_object": "text", "runner": "text", "seconds": "number"}]}},
    "counts": {
        "n_steps": "count",
        "populations": {"*": {"size": "count", "neuron_steps": "count", "spikes": "count", "part_of?": "text",
                              "start?": "count", "stop?": "count", "compartments?": "count",
                              "compartment_steps?": "count"}},
        "projections": {"*": {"synapses": "count", "synaptic_events_pre": "count", "synaptic_events_post": "count",
                              "plastic?": "bool"}},
    },
    "cost": {
        "flops": {
            "flops_per_neuron_per_bio_s": "number|empty", "flops_per_synaptic_event": "number|empty",
            "dense_flops_per_neuron_per_bio_s": "number|empty", "total_flops?": "number|empty",
            "total_flops_cse?": "number|empty", "flops_per_neuron_per_bio_s_by_category": {"*": "number|empty"},
            "unknown_operations": [{"operation?": "text"}],
            "neuron_models": [{"population?": "text", "flops_per_neuron_per_ms?": "number|empty",
                               "izhikevich_flops_per_ms?": "number|empty", "izhikevich_model_type?": "text|empty"}],
            "rows": [{"owner": "text", "role": "text", "category": "text", "element": "text",
                      "flops_per_element": "number|empty", "element_count": "number|empty"}],
        },
        "peak": {"flops_per_s?": "number|empty", "mem_bandwidth_bytes_per_s?": "number|empty",
                 "board_power_w?": "number|empty", "device?": "text", "device_name?": "text|empty",
                 "source?": "text|empty", "note?": "text|empty"},
        "peak_equivalent?": {"peak_equivalent_flops_per_neuron_per_bio_s?": "number|empty"},
        "utilisation?": "number|empty",
        "memory": {
            "state": {"bytes_per_neuron?": "number|empty", "bytes_per_synapse?": "number|empty",
                      "total_bytes?": "number",
                      "by_object?": {"*": {"type?": "text", "elements?": "count|empty", "bytes?": "number",
                                           "bytes_by_kind?": {"*": "number"}}}},
            "peak_rss": {"self_bytes?": "number|empty", "children_bytes?": "number|empty"},
            "gpu_memory_peak_mib?": "number|empty",
        },
        "energy": {"joules?": "number|empty", "method?": "text", "span?": "text", "joules_per_bio_s?": "number|empty",
                   "uJ_per_synaptic_event?": "number|empty", "whole_call?": {"joules?": "number|empty"}},
    },
}


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value) -> bool:
    """A finite int or float: NaN and infinity are never a measured or derived figure of a run."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


#: kind -> (test, what it is called in a message)
_KINDS = {
    "any": (lambda v: True, "a value"),
    "text": (lambda v: isinstance(v, str), "text"),
    "precision": (lambda v: v in ("single", "double"), "single or double"),
    "bool": (lambda v: isinstance(v, bool), "true or false"),
    "number": (_is_number, "a number"),
    "count": (lambda v: _is_int(v) and v >= 0, "a whole number >= 0"),
    "positive": (lambda v: _is_number(v) and math.isfinite(v) and v > 0, "a positive number"),
    "non-negative": (lambda v: _is_number(v) and math.isfinite(v) and v >= 0, "a number >= 0"),
}


def _check(value, spec, where: str) -> None:
    """Raise :class:`_Malformed` naming ``where`` if ``value`` does not fit ``spec`` (see RECORD_LAYOUT)."""
    if value is _MISSING:
        raise _Malformed(f"{where} is missing")
    if isinstance(spec, dict):
        if not isinstance(value, dict):
            raise _Malformed(f"{where} is {_shown(value)}, not a group")
        named = {key.rstrip("?") for key in spec if key != "*"}
        for key, sub in spec.items():
            name = key.rstrip("?")
            if key == "*":  # every key the spec does not name itself
                for item_name, item in value.items():
                    if item_name not in named:
                        _check(item, sub, f"{where}/{item_name}")
            elif name in value:
                _check(value[name], sub, f"{where}/{name}")
            elif not key.endswith("?"):
                raise _Malformed(f"{where}/{name} is missing")
    elif isinstance(spec, list):
        if not isinstance(value, list):
            raise _Malformed(f"{where} is {_shown(value)}, not a list")
        for index, item in enumerate(value):
            _check(item, spec[0], f"{where}/{index:06d}")
    else:
        kind, _, empty = spec.partition("|")
        accepts, described = _KINDS[kind]
        if not (accepts(value) or (empty and value is None)):
            raise _Malformed(f"{where} is {_shown(value)}, not {described}")


def _shown(value) -> str:
    """A value as a message shows it: short, and its kind where its text would mislead."""
    if value is None:
        return "empty"
    if isinstance(value, dict):
        return "a group"
    if isinstance(value, (list, np.ndarray)):
        return "a list"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def write_json(data: Any, path: Path) -> Path:
    """Write ``data`` as indented JSON atomically (temporary file beside it, then rename)."""
    text = json.dumps(json_safe(data), indent=1, allow_nan=False) + "\n"
    return atomic_files.write_text(Path(path), text)


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
        return [_read_node(group[name]) for name in sorted(group)]
    tree: dict[str, Any] = {}
    for key, value in group.attrs.items():
        tree[_unescape(key)] = _plain(value)
    for name, item in group.items():
        tree[_unescape(name)] = _read_node(item)
    return tree


def _read_node(item):
    if isinstance(item, h5py.Group):
        return _read_tree(item)
    if h5py.check_string_dtype(item.dtype) is not None:
        return [str(s) for s in item.asstr()[()]] if item.ndim == 1 else item.asstr()[()]
    return item[()]


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
