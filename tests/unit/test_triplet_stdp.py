"""Minimal triplet STDP (Pfister & Gerstner 2006): frequency-dependent potentiation, depression for post-pre.

A single synapse between two spike generators; the postsynaptic neuron spikes one time step after its driver.
The Brian2 result is compared with the rule applied by hand to the same spike times.
"""
import math

import brian2
import pytest
from brian2 import ms, nS

from simnet.models.plasticity import TripletSTDP, triplet_stdp, triplet_stdp_amplitudes

DT_MS = 0.1
W0, W_MAX_FACTOR = 1.0, 2.0  # nS; bound 2 nS


@pytest.fixture(autouse=True)
def numpy_runtime():
    brian2.prefs.codegen.target = "numpy"
    yield
    brian2.prefs.reset_to_defaults()


def pairing(offset_ms: float, frequency_hz: float, pairs: int) -> tuple[list, list]:
    """Spike times (ms): a presynaptic spike at each period start + 10 ms, the post driver ``offset_ms`` later."""
    period = 1000.0 / frequency_hz
    pre = [10.0 + k * period for k in range(pairs)]
    return pre, [t + offset_ms for t in pre]


def simulated_change(pre_ms, driver_ms) -> float:
    rule = TripletSTDP(w_max_factor=W_MAX_FACTOR)
    parts = triplet_stdp(rule, target="g", weight_unit="siemens")
    brian2.start_scope()
    brian2.defaultclock.dt = DT_MS * ms
    pre = brian2.SpikeGeneratorGroup(1, [0] * len(pre_ms), pre_ms * ms)
    driver = brian2.SpikeGeneratorGroup(1, [0] * len(driver_ms), driver_ms * ms)
    post = brian2.NeuronGroup(1, "g : siemens\nspike_now : 1", threshold="spike_now > 0.5", reset="spike_now = 0")
    drive = brian2.Synapses(driver, post, on_pre="spike_now_post = 1")
    drive.connect()
    syn = brian2.Synapses(pre, post, model=parts["model"], on_pre=parts["on_pre"], on_post=parts["on_post"],
                          namespace={**parts["namespace"],
                                     **triplet_stdp_amplitudes(rule, W_MAX_FACTOR * W0 * nS)})
    syn.connect()
    syn.w = W0 * nS
    net = brian2.Network(pre, driver, post, drive, syn)
    net.run((max(pre_ms + driver_ms) + 5.0) * ms, namespace={})
    return float(syn.w[0] / nS) - W0


def rule_by_hand(pre_ms, driver_ms) -> float:
    """The minimal all-to-all rule on the event list (post spikes one step after the driver)."""
    rule = TripletSTDP()
    w_max = W_MAX_FACTOR * W0
    events = sorted([(t, "pre") for t in pre_ms] + [(round(t + DT_MS, 6), "post") for t in driver_ms])
    r1 = o1 = o2 = 0.0
    last = 0.0
    w = W0
    for t, kind in events:
        r1 *= math.exp(-(t - last) / 16.8)
        o1 *= math.exp(-(t - last) / 33.7)
        o2 *= math.exp(-(t - last) / 114.0)
        last = t
        if kind == "pre":
            w = min(max(w - w_max * rule.a2_minus * o1, 0.0), w_max)
            r1 += 1.0
        else:
            w = min(max(w + w_max * r1 * (rule.a2_plus + rule.a3_plus * o2), 0.0), w_max)
            o1 += 1.0
            o2 += 1.0
    return w - W0


def test_single_pre_post_pair_does_not_potentiate_in_the_minimal_model():
    # A2+ = 0 and no earlier post spike (o2 = 0): the triplet term is zero
    assert simulated_change([10.0], [20.0]) == 0.0


def test_single_post_pre_pair_depresses_by_a2_minus():
    change = simulated_change([20.0], [10.0])
    # post at 10.1 ms, pre at 20 ms: -w_max A2- exp(-9.9/33.7)
    assert change == pytest.approx(-2.0 * 7.1e-3 * math.exp(-9.9 / 33.7), rel=1e-6)


def test_pre_post_pairing_at_50_hz_potentiates():
    pre, post = pairing(offset_ms=10.0, frequency_hz=50.0, pairs=10)
    change = simulated_change(pre, post)
    assert change == pytest.approx(rule_by_hand(pre, post), rel=1e-6)
    assert change > 0.02  # nS, on w0 = 1 nS: more than 2% potentiation


def test_post_pre_pairing_at_1_hz_depresses_and_pre_post_does_not_potentiate():
    # the triplet rule's frequency dependence (Sjöström et al. 2001): no LTP for pre-post pairs at low frequency
    pre, post = pairing(offset_ms=-10.0, frequency_hz=1.0, pairs=3)
    depression = simulated_change(pre, post)
    assert depression == pytest.approx(rule_by_hand(pre, post), rel=1e-6)
    assert depression < -0.03
    pre, post = pairing(offset_ms=10.0, frequency_hz=1.0, pairs=3)
    low_frequency = simulated_change(pre, post)
    assert low_frequency == pytest.approx(rule_by_hand(pre, post), rel=1e-6, abs=1e-12)
    assert low_frequency < 1e-3
