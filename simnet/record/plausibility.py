"""What a results file may claim before simnet believes it: no links out of the file, no dataset larger than the
file could hold, and spikes, rates and counts that a run could have produced.

:func:`simnet.record.files.read` checks the layout (which groups and values exist, and of what kind); this module
checks the figures themselves, because a hand-edited, damaged or hostile file can have the right layout and still
lie: a loop time of NaN would pass a regression check, a neuron count of 10**13 would size every later
allocation, a dataset claiming 10**9 elements in a 160 KB file would make the reader allocate gigabytes. Each
problem is raised as :class:`Implausible` naming the place, and the reader turns it into one line of bad input.
"""
from __future__ import annotations

import math

import h5py
import numpy as np

__all__ = ["Implausible", "MAX_NEURONS", "MAX_SYNAPSES", "MAX_DATASET_BYTES", "check_structure", "check_spikes",
           "check_rates", "check_sizes", "check_monitor_times"]

#: The most neurons a record may claim for one population: ten times a human brain.
MAX_NEURONS = 10**12
#: The most synapses a record may claim for one projection: ten times a human brain's.
MAX_SYNAPSES = 10**16
#: However large the file, no dataset of a record is read when it would take more memory than this.
MAX_DATASET_BYTES = 8 * 2**30
#: How much larger than the file its datasets may be, together (the record's own arrays are gzip-compressed;
#: sorted spike times and counts compress well, but not by this much).
EXPANSION_LIMIT = 200


class Implausible(Exception):
    """A record's figure or layout that no run writes; the message names where it is."""


def check_structure(f: h5py.File, file_bytes: int) -> None:
    """No soft or external links (which would read another file, or loop), and datasets that fit in the file.

    Called before any dataset is read: the sizes are the ones the file declares, so nothing is allocated for a
    file that lies about them.
    """
    declared = 0
    pending = [("", f)]
    while pending:
        where, group = pending.pop()
        for name in group:
            link = group.get(name, getlink=True)
            if isinstance(link, (h5py.ExternalLink, h5py.SoftLink)):
                kind = "an external link" if isinstance(link, h5py.ExternalLink) else "a soft link"
                raise Implausible(f"{where}/{name} is {kind}; a record holds its data itself")
            item = group[name]
            if isinstance(item, h5py.Group):
                pending.append((f"{where}/{name}", item))
            elif isinstance(item, h5py.Dataset):
                if item.shape is None:
                    continue
                size = math.prod(item.shape) * max(item.dtype.itemsize, 1)
                if size > MAX_DATASET_BYTES:
                    raise Implausible(f"{where}/{name} claims {math.prod(item.shape):,} elements, more than any "
                                      "record holds")
                declared += size
    limit = EXPANSION_LIMIT * max(file_bytes, 0) + 2**20
    if declared > limit:
        raise Implausible(f"its datasets claim {declared:,} bytes, far more than a file of {file_bytes:,} bytes "
                          "can hold")


def check_sizes(counts: dict) -> None:
    """Population sizes and synapse counts no larger than any brain's (they size later arrays)."""
    for name, entry in counts.get("populations", {}).items():
        if entry["size"] > MAX_NEURONS:
            raise Implausible(f"/counts/populations/{name}/size is {entry['size']:.3g}, more than any network "
                              f"simnet runs ({MAX_NEURONS:.0e})")
    for name, entry in counts.get("projections", {}).items():
        if entry["synapses"] > MAX_SYNAPSES:
            raise Implausible(f"/counts/projections/{name}/synapses is {entry['synapses']:.3g}, more than any "
                              f"network simnet runs ({MAX_SYNAPSES:.0e})")


def check_spikes(spike_trains: dict, sizes: dict, window_ms: tuple[float, float]) -> None:
    """Spike times finite and within the recorded window (``(first, last)`` in ms, with slack given by the
    caller); node ids within their population's size, when the record says it."""
    for name, (times, ids) in spike_trains.items():
        where = f"/spikes/{name}"
        if len(times) and not np.all(np.isfinite(times)):
            raise Implausible(f"{where}/timestamps holds a value that is not a finite time")
        if len(times) and (float(np.min(times)) < window_ms[0] or float(np.max(times)) > window_ms[1]):
            raise Implausible(f"{where}/timestamps holds a time outside the run ({window_ms[0]:g} to "
                              f"{window_ms[1]:g} ms)")
        if len(ids) and np.asarray(ids).dtype.kind == "f" and not np.all(np.isfinite(ids)):
            raise Implausible(f"{where}/node_ids holds a value that is not a whole number")
        if len(ids) and float(np.min(ids)) < 0:
            raise Implausible(f"{where}/node_ids holds a negative id")
        size = sizes.get(name)
        limit = size if size is not None else MAX_NEURONS
        if len(ids) and float(np.max(ids)) >= limit:
            raise Implausible(f"{where}/node_ids holds id {int(np.max(ids)):,}, beyond the population's "
                              f"{limit:,} neurons")


def check_rates(rates: dict) -> None:
    """Rate bins at finite times, and rates finite and non-negative."""
    for name, (t_ms, rate_hz) in rates.items():
        if len(t_ms) and not (np.all(np.isfinite(t_ms)) and np.all(np.isfinite(rate_hz))
                              and float(np.min(rate_hz)) >= 0):
            raise Implausible(f"/rates/{name} holds a time or rate that is not finite, or a negative rate")



def check_monitor_times(times: dict) -> None:
    """A script's monitors (``/monitors``) recorded at finite times (their recorded variables may be anything,
    NaN included, as the script's own equations made them)."""
    for name, t in times.items():
        if t is not None and np.size(t) and not np.all(np.isfinite(np.asarray(t, dtype=np.float64))):
            raise Implausible(f"/monitors/{name}/t holds a value that is not a finite time")
