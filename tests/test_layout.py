"""Synapse order (simnet.layout) and the tabulated binomial sampler (simnet.sampling): the same network and the
same distribution, stored or computed another way."""
import brian2
import numpy as np
import pytest
from brian2 import Hz, mV, ms

from simnet import layout
from simnet.backends import RunSettings, RuntimeBackend, get_backend
from simnet.network import build
from simnet.sampling import binomial_cdf, tabulate_binomials, tabulated_cpp
from simnet.simulate import RunPlan, execute
from simnet.spec import ModelSpec, PoissonBackground, Population, Projection


def test_source_delay_order_by_hand():
    # synapse:  0    1    2    3    4
    sources = [2, 0, 1, 0, 0]
    delays = np.array([0.3, 0.2, 0.1, 0.1, 0.2]) * 1e-3  # 3, 2, 1, 1, 2 steps of 0.1 ms
    order = layout.source_delay_order(sources, delays, 1e-4)
    # source 0: synapse 3 (1 step), then 1 and 4 (2 steps, in their drawn order); source 1; source 2
    assert order.tolist() == [3, 1, 4, 2, 0] and order.dtype == np.int64
    assert layout.source_delay_order(sources).tolist() == [1, 3, 4, 2, 0]


def test_packed_and_argsort_orders_agree(monkeypatch):
    rng = np.random.default_rng(3)
    sources = rng.integers(0, 500, 20000)
    delays = rng.integers(1, 40, 20000) * 1e-4
    packed = layout.source_delay_order(sources, delays, 1e-4)
    monkeypatch.setattr(layout, "_PACKED_KEY_LIMIT", 0)  # too large to pack: the argsort path
    assert np.array_equal(layout.source_delay_order(sources, delays, 1e-4), packed)
    steps = np.floor(delays[packed] / 1e-4 + 0.5)
    assert np.all(np.diff(sources[packed]) >= 0)
    assert np.all((np.diff(sources[packed]) > 0) | (np.diff(steps) >= 0))


def _drawn_network_spec(n=40, synapses=600):
    def draw(rng):
        return {"i": rng.integers(0, n, synapses), "j": rng.integers(0, n, synapses),
                "w": rng.normal(0.5, 0.1, synapses) * mV, "delay": rng.integers(1, 30, synapses) * 0.1 * ms}

    population = Population("cells", n, "dv/dt = -v/(10*ms) : volt", threshold="v > 10*mV", reset="v = 0*mV",
                            method="exact")
    return ModelSpec(
        "drawn", None, (population,),
        projections=(Projection("recurrent", "cells", "cells", on_pre="v_post += w", model="w : volt",
                                arrays=draw),),
        inputs=(PoissonBackground("background", "cells", "v", 200, 40 * Hz, "0.2*mV"),),
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


@pytest.mark.parametrize("n, p", [(1600, 0.0008), (2900, 0.0008), (10, 0.3), (10, 0.9)])
def test_binomial_table_is_the_binomial_distribution(n, p):
    from scipy import stats

    cdf, reverse = binomial_cdf(n, p)
    assert reverse == (p > 0.5)
    small = min(p, 1 - p)
    assert np.allclose(cdf, stats.binom.cdf(np.arange(len(cdf)), n, small), rtol=0, atol=1e-12)
    # the table reaches Brian2's bound, n p + 10 sqrt(n p q + 1), beyond which Brian2 draws again
    assert len(cdf) - 1 == int(min(n, n * small + 10 * np.sqrt(n * small * (1 - small) + 1)))
    assert f"static const double _cdf[{len(cdf)}]" in tabulated_cpp(n, p, "draw")
    assert ("return 10 - X;" in tabulated_cpp(n, p, "draw")) == reverse


def test_only_the_inversion_is_tabulated():
    brian2.prefs.codegen.target = "numpy"
    try:
        group = brian2.NeuronGroup(3, "v : 1")
        assert tabulate_binomials(brian2.PoissonInput(group, "v", 1600, 8 * Hz, 0.1)) == 1
        assert tabulate_binomials(brian2.PoissonInput(group, "v", 100000, 8 * Hz, 0.1)) == 0  # n p = 80: normal
    finally:
        brian2.prefs.reset_to_defaults()


@pytest.mark.slow
def test_cpp_table_sampler_draws_what_brian2s_draws(tmp_path):
    """The same seed gives the same uniforms, and the table turns them into the same counts: identical spikes.

    Also checks that the vector math library (simd_math) builds and runs, and that the FLOP count follows the
    sampler."""
    spikes, flops = {}, {}
    for sampler in ("brian2", "table"):
        settings = RunSettings(threads=1, progress=False, build_root=tmp_path, poisson_sampler=sampler)
        record = execute(RunPlan(_drawn_network_spec(), get_backend("cpp"), settings, duration_s=0.2, seed=7,
                                 record_spikes=True))
        spikes[sampler] = record.spikes("cells")
        flops[sampler] = next(row["flops_per_element"] for row in record.cost_detail["flops"]["rows"]
                              if row["category"] == "input")
        assert record.backend["poisson_sampler"] == sampler and record.backend["simd_math"] is True
    assert len(spikes["table"][0]) > 100
    for a, b in zip(spikes["brian2"], spikes["table"]):
        np.testing.assert_array_equal(a, b)
    # the rest of the statement is the same; the draw costs 4 + 12 n p (Brian2's loop) or 3 + T (the table)
    n, p = 200, float(40 * Hz * 0.1 * ms)
    assert flops["brian2"] - flops["table"] == pytest.approx((4 + 12 * n * p) - (3 + len(binomial_cdf(n, p)[0])))
