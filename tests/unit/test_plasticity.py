"""Pair STDP: pre-before-post potentiates, post-before-pre depresses, weights stay within bounds."""
import brian2
import pytest
from brian2 import ms, nS

from simnet.models.plasticity import PairSTDP, pair_stdp, pair_stdp_amplitudes


@pytest.fixture(autouse=True)
def numpy_runtime():
    brian2.prefs.codegen.target = "numpy"
    yield
    brian2.prefs.reset_to_defaults()


def final_weight(pre_ms: float, post_ms: float, w0=1.0 * nS, w_max_factor=2.0) -> float:
    rule = PairSTDP(w_max_factor=w_max_factor)
    parts = pair_stdp(rule, target="g", weight_unit="siemens")
    pre = brian2.SpikeGeneratorGroup(1, [0], [pre_ms] * ms)
    post_driver = brian2.SpikeGeneratorGroup(1, [0], [post_ms] * ms)
    post = brian2.NeuronGroup(1, "g : siemens\nspike_now : 1", threshold="spike_now > 0.5",
                              reset="spike_now = 0")
    # the postsynaptic neuron spikes exactly when the driver tells it to
    drive = brian2.Synapses(post_driver, post, on_pre="spike_now_post = 1")
    drive.connect()
    syn = brian2.Synapses(pre, post, model=parts["model"], on_pre=parts["on_pre"], on_post=parts["on_post"],
                          namespace={**parts["namespace"], **pair_stdp_amplitudes(rule, w_max_factor * w0)})
    syn.connect()
    syn.w = w0
    net = brian2.Network(pre, post_driver, post, drive, syn)
    net.run(max(pre_ms, post_ms) * ms + 5 * ms, namespace={})
    return float(syn.w[0] / nS)


def test_pre_before_post_potentiates():
    w = final_weight(pre_ms=10.0, post_ms=15.0)
    # potentiation = 0.01 * w_max * exp(-dt/tau_pre), with the post spike one step after its driver
    assert w > 1.0
    assert w == pytest.approx(1.0 + 0.01 * 2.0 * float(brian2.exp(-5.1 / 20.0)), rel=1e-3)


def test_post_before_pre_depresses():
    w = final_weight(pre_ms=15.0, post_ms=10.0)
    assert w < 1.0
    assert w == pytest.approx(1.0 - 1.05 * 0.01 * 2.0 * float(brian2.exp(-4.9 / 20.0)), rel=1e-3)


def test_weights_are_clipped_at_the_bounds():
    assert final_weight(pre_ms=10.0, post_ms=11.0, w_max_factor=1.0) == pytest.approx(1.0)
