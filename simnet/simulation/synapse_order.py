"""The order in which a projection's synapses are stored: by source neuron, then by delay.

Brian2 keeps a projection's synapses in the order they were created, and its spike queue works in that order:
a spike of neuron i pushes each of i's synapses into the queue slot of its delay, and each step the pathway
reads the synapses of the current slot (their weights, target indices) by index. Drawn in random order, the
synapses of one neuron lie scattered over the whole projection, so every push and every delivery touches a new
cache line. Stored by source and, within a source, by delay, a spike's synapses of one delay are one contiguous
run: the push walks them in order and the pathway reads them in order. The network is the same (the same
synapses, weights and delays, only renumbered), so the dynamics are the same up to the order in which inputs
arriving in the same step are summed.
"""
from __future__ import annotations

from typing import Optional

import numpy as np

__all__ = ["SYNAPSE_ORDERS", "source_delay_order"]

#: Synapse orders a run can ask for: sorted by source, then delay (simnet's), or as drawn (Brian2's own).
SYNAPSE_ORDERS = ("source_delay", "drawn")

# Below these the sort runs on one packed int64 array (8 bytes per synapse) instead of an argsort's several.
_PACKED_KEY_LIMIT = 2**31
_PACKED_INDEX_LIMIT = 2**32
_CHUNK = 1 << 24


def source_delay_order(sources, delays_s=None, dt_s: Optional[float] = None) -> np.ndarray:
    """The permutation (int64) that sorts synapses by source neuron, then by delay in whole steps (stable).

    Parameters
    ----------
    sources : array of int
        Each synapse's source neuron index (within its group).
    delays_s : array of float, optional
        Each synapse's delay in seconds (a Brian2 quantity is read as seconds); None: by source only.
    dt_s : float, optional
        The time step the delays are rounded to, as Brian2's spike queue rounds them (needed with ``delays_s``).
    """
    n = len(sources)
    key = np.array(sources, dtype=np.int64)  # a copy, and the only array of the synapses' length made here
    chunks = [slice(start, start + _CHUNK) for start in range(0, n, _CHUNK)]
    if delays_s is not None and n:
        delays = np.asarray(delays_s, dtype=np.float64)
        span = int(np.floor(delays.max() / dt_s + 0.5)) + 1
        key *= span
        for part in chunks:  # in chunks, so that the delay steps never take a whole array
            key[part] += np.floor(delays[part] / dt_s + 0.5).astype(np.int64)
    if n and key.max() < _PACKED_KEY_LIMIT and n < _PACKED_INDEX_LIMIT and key.min() >= 0:
        # key in the high 32 bits, the synapse's index in the low ones: sorting the packed values sorts by key,
        # ties in index order, and the low bits are then the permutation.
        key <<= 32
        for part in chunks:
            key[part] |= np.arange(part.start, min(n, part.stop), dtype=np.int64)
        key.sort()
        key &= 0xFFFFFFFF
        return key
    return np.argsort(key, kind="stable")
