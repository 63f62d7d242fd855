"""The COBAHH model description: sizes, connectivity modes, weights, plasticity."""
import pytest
from brian2 import nS

from simnet.base.errors import UsageError
from simnet.models import get_model
from simnet.models.cobahh import CobahhParams, build_spec


def test_classic_keeps_in_degree_80():
    for n in (4000, 1000, 16000):
        p = CobahhParams(n_neurons=n)
        assert p.connection_probability * n == pytest.approx(80.0)
    assert CobahhParams().connection_probability == pytest.approx(0.02)
    assert CobahhParams().weights == (6 * nS, 67 * nS)


def test_benchmark_mode_is_1000_synapses_per_neuron_with_zero_weights():
    p = CobahhParams(n_neurons=64000, mode="benchmark")
    assert p.connection_probability == pytest.approx(1000 / 64000)
    assert p.weights == (0 * nS, 0 * nS)


def test_spec_has_excitatory_and_inhibitory_slices():
    spec = build_spec(CobahhParams(n_neurons=1000))
    slices = spec.slices()
    assert slices["exc"] == ("neurons", 0, 800) and slices["inh"] == ("neurons", 800, 1000)
    assert {p.name for p in spec.projections} == {"exc_synapses", "inh_synapses"}
    assert not any(p.plastic for p in spec.projections)


def test_stdp_makes_excitatory_synapses_plastic():
    spec = build_spec(CobahhParams(plasticity="stdp"))
    exc = next(p for p in spec.projections if p.name == "exc_synapses")
    assert exc.plastic and exc.on_post and "clip" in exc.on_pre
    inh = next(p for p in spec.projections if p.name == "inh_synapses")
    assert not inh.plastic


def test_equations_avoid_integer_exponents_and_exprel():
    # GeNN has no exprel; nvcc rejects exp(<int>) in device code (gpu_stack.md)
    from simnet.models.cobahh import EQUATIONS

    assert "exprel" not in EQUATIONS
    assert "exp(8)" not in EQUATIONS


def test_registry_rejects_options_the_model_does_not_take():
    entry = get_model("cobahh")
    assert entry.parameters(neurons=100, mode="benchmark").n_neurons == 100
    with pytest.raises(UsageError, match="unknown COBAHH mode"):
        entry.parameters(mode="nope")


def test_initial_conductances_are_never_negative():
    """The benchmark's normal draws go negative for about 5 % of gi; simnet clips them at 0 (models/cobahh.py)."""
    import numpy as np

    from simnet.simulation import network_builder
    from simnet.simulation.backends import RuntimeBackend
    from simnet.simulation.settings import RunSettings

    spec = build_spec(CobahhParams(n_neurons=4000, mode="benchmark"))
    with RuntimeBackend("numpy").session(RunSettings(progress=False)) as session:
        built = network_builder.build(spec, seed=3, record_spikes=False, mark=session.mark)
        neurons = built.groups["neurons"]
        ge, gi = np.asarray(neurons.ge[:]), np.asarray(neurons.gi[:])
    assert ge.min() >= 0.0 and gi.min() >= 0.0
    assert 0.02 < np.mean(gi == 0.0) < 0.08  # the clipped tail: P(randn < -20/12) = 4.8 %
    assert np.median(gi) == pytest.approx(200e-9, rel=0.05)  # 20 x 10 nS, unchanged by the clip
