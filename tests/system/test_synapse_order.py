"""Synapse order (simnet.simulation.synapse_order): the same network stored another way, so the same dynamics.

The design claims the sorted network is the drawn one renumbered, so a run differs from a run of the drawn order
only in the order in which inputs arriving in the same step are summed. Where those sums are exact (weights and
state that are multiples of a power of two), the spikes must be identical; with real-valued weights the activity
must be the same within the seed-to-seed spread (the rule of simnet.analysis.equivalence).
"""
from types import SimpleNamespace

import brian2
import numpy as np
import pytest
from brian2 import Hz, ms, mV

from simnet.analysis import equivalence
from simnet.pipeline import RunPlan, execute
from simnet.simulation import synapse_order
from simnet.simulation.backends import RuntimeBackend, get_backend
from simnet.simulation.network_builder import build
from simnet.simulation.settings import RunSettings
from simnet.specs.model_spec import ModelSpec, PoissonBackground, Population, Projection


def test_source_delay_order_by_hand():
    # synapse:  0    1    2    3    4
    sources = [2, 0, 1, 0, 0]
    delays = np.array([0.3, 0.2, 0.1, 0.1, 0.2]) * 1e-3  # 3, 2, 1, 1, 2 steps of 0.1 ms
    order = synapse_order.source_delay_order(sources, delays, 1e-4)
    # source 0: synapse 3 (1 step), then 1 and 4 (2 steps, in their drawn order); source 1; source 2
    assert order.tolist() == [3, 1, 4, 2, 0] and order.dtype == np.int64
    assert synapse_order.source_delay_order(sources).tolist() == [1, 3, 4, 2, 0]
    assert synapse_order.source_delay_order([]).tolist() == []


def test_packed_and_argsort_orders_agree(monkeypatch):
    rng = np.random.default_rng(3)
    sources = rng.integers(0, 500, 20000)
    delays = rng.integers(1, 40, 20000) * 1e-4
    packed = synapse_order.source_delay_order(sources, delays, 1e-4)
    monkeypatch.setattr(synapse_order, "_PACKED_KEY_LIMIT", 0)  # too large to pack: the argsort path
    assert np.array_equal(synapse_order.source_delay_order(sources, delays, 1e-4), packed)
    steps = np.floor(delays[packed] / 1e-4 + 0.5)
    assert np.all(np.diff(sources[packed]) >= 0)
    assert np.all((np.diff(sources[packed]) > 0) | (np.diff(steps) >= 0))
    assert sorted(packed.tolist()) == list(range(20000))  # a permutation


def test_chunked_delay_steps_are_the_unchunked_ones(monkeypatch):
    rng = np.random.default_rng(4)
    sources, delays = rng.integers(0, 50, 1000), rng.integers(1, 20, 1000) * 1e-4
    whole = synapse_order.source_delay_order(sources, delays, 1e-4)
    monkeypatch.setattr(synapse_order, "_CHUNK", 7)
    assert np.array_equal(synapse_order.source_delay_order(sources, delays, 1e-4), whole)


def _drawn_network_spec(n=40, synapses=600, exact=False):
    """A recurrent network with drawn synapses and delays and a Poisson background. With ``exact``, a pure
    integrator whose weights are multiples of 1/64: every sum is exact, so the order of summation cannot matter."""
    def draw(rng):
        w = rng.integers(4, 24, synapses) / 64 if exact else rng.normal(0.5, 0.1, synapses) * mV
        return {"i": rng.integers(0, n, synapses), "j": rng.integers(0, n, synapses), "w": w,
                "delay": rng.integers(1, 30, synapses) * 0.1 * ms}

    if exact:
        population = Population("cells", n, "v : 1", threshold="v > 4", reset="v = 0", method="euler")
        projection = Projection("recurrent", "cells", "cells", on_pre="v_post += w", model="w : 1", arrays=draw)
        background = PoissonBackground("background", "cells", "v", 200, 40 * Hz, "1.0/64")
    else:
        population = Population("cells", n, "dv/dt = -v/(10*ms) : volt", threshold="v > 10*mV",
                                reset="v = 0*mV", method="exact")
        projection = Projection("recurrent", "cells", "cells", on_pre="v_post += w", model="w : volt", arrays=draw)
        background = PoissonBackground("background", "cells", "v", 200, 40 * Hz, "0.2*mV")
    return ModelSpec("drawn", None, (population,), projections=(projection,), inputs=(background,),
                     dt=0.1 * ms)


def test_sorted_synapses_are_the_drawn_ones_renumbered():
    brian2.prefs.codegen.target = "numpy"
    try:
        tables = {}
        for order in ("drawn", "source_delay"):
            built = build(_drawn_network_spec(), seed=5, record_spikes=False, mark=lambda name: None,
                          synapse_order=order)
            syn = built.synapses["recurrent"]
            tables[order] = np.column_stack([syn.i[:], syn.j[:], syn.w[:] / mV, syn.delay[:] / ms])
    finally:
        brian2.prefs.reset_to_defaults()
    drawn, stored = tables["drawn"], tables["source_delay"]
    assert not np.array_equal(drawn, stored)
    assert np.array_equal(drawn[np.lexsort(drawn.T[::-1])], stored[np.lexsort(stored.T[::-1])])
    assert np.all(np.diff(stored[:, 0]) >= 0)


def _spikes(record):
    trains = record.spikes("cells")
    return trains.times_ms, trains.node_ids


def _run(spec, backend, seed, duration_s=0.2, **settings):
    settings = RunSettings(threads=1, progress=False, **settings)
    return execute(RunPlan(spec, backend, settings, duration_s=duration_s, seed=seed, record_spikes=True))


def test_exact_sums_give_identical_spikes_in_either_order():
    runs = {order: _run(_drawn_network_spec(exact=True), RuntimeBackend("numpy"), seed=2, synapse_order=order)
            for order in ("drawn", "source_delay")}
    assert runs["drawn"].backend["synapse_order"] == "drawn"
    drawn, stored = _spikes(runs["drawn"]), _spikes(runs["source_delay"])
    assert len(drawn[0]) > 200 and runs["drawn"].counts["projections"]["recurrent"]["synaptic_events_pre"] > 0
    np.testing.assert_array_equal(drawn[0], stored[0])
    np.testing.assert_array_equal(drawn[1], stored[1])


def test_real_valued_weights_give_the_same_activity_within_the_seed_spread():
    seeds = (1, 2, 3)
    points = [{"runner": order, "seed": seed, "options": {},
               "activity": equivalence.activity(_run(_drawn_network_spec(), RuntimeBackend("numpy"), seed,
                                                     synapse_order=order))}
              for order in ("drawn", "source_delay") for seed in seeds]
    runners = {"source_delay": SimpleNamespace(compare_to="drawn"), "drawn": SimpleNamespace(compare_to=None)}
    (entry,) = equivalence.compare(points, runners)
    assert entry["seeds"] == list(seeds) and {row["statistic"] for row in entry["rows"]} >= {"mean_rate_hz"}
    rate = next(row for row in entry["rows"] if row["statistic"] == "mean_rate_hz")
    assert rate["seed_spread"] > 0 and rate["baseline_mean"] > 5  # the seeds differ, and the network fires
    assert entry["all_within_spread"] is True, entry["outside_spread"]


@pytest.mark.slow
def test_cpp_sorted_and_drawn_orders_give_identical_spikes(tmp_path):
    """On the C++ device (where the order matters for speed), with exact sums: the same spikes either way. The
    order changes only the project's data files, so the second run reuses the first one's compiled project."""
    spikes, projects = {}, {}
    for order in ("drawn", "source_delay"):
        record = _run(_drawn_network_spec(exact=True), get_backend("cpp"), seed=7, build_root=tmp_path,
                      reuse_build=True, synapse_order=order)
        spikes[order], projects[order] = _spikes(record), record.backend.get("project")
    assert projects == {"drawn": "new", "source_delay": "reused"}
    assert len(spikes["drawn"][0]) > 200
    for a, b in zip(spikes["drawn"], spikes["source_delay"]):
        np.testing.assert_array_equal(a, b)
