"""network.py: a spec becomes Brian2 objects; activity counts are exact."""
import numpy as np
import pytest
from brian2 import ms

from simnet.pipeline import RunPlan, execute
from simnet.simulation.backends import CppBackend, RuntimeBackend
from simnet.simulation.settings import RunSettings
from simnet.specs.model_spec import ModelSpec, Population, Projection

# Every neuron integrates dv/dt = 1/period from v=0 and spikes when v reaches 1 (0.999, clear of rounding):
# one spike every 100 steps, at 9.9, 19.9, ... 99.9 ms: 10 spikes in 100 ms.
CLOCKWORK = Population(
    name="clock", size=10, equations="dv/dt = 1.0/period : 1", threshold="v > 0.999", reset="v = 0.0",
    method="euler", namespace={"period": 10.0 * ms}, subpopulations={"first": (0, 4), "rest": (4, 10)},
)


def tiny_spec(projections) -> ModelSpec:
    return ModelSpec(name="clockwork", parameters=None, populations=(CLOCKWORK,), projections=projections,
                     dt=0.1 * ms, description="test")


def run(spec, duration=100 * ms):
    return execute(RunPlan(spec, RuntimeBackend("numpy"), RunSettings(progress=False), duration_s=float(duration),
                           seed=5, record_spikes=True))


def test_counts_match_hand_arithmetic():
    # the pathways do some trivial work so that they exist (an empty on_pre creates no pathway)
    fixed = Projection(name="fixed", source="first", target="rest", model="n_in : 1", on_pre="n_in += 1",
                       total_number=13)
    listed = Projection(name="listed", source="clock", target="first", model="n_in : 1\nn_back : 1",
                        on_pre="n_in += 1", on_post="n_back += 1",
                        arrays=lambda rng: {"i": np.array([0, 0, 9]), "j": np.array([1, 2, 3])})
    record = run(tiny_spec((fixed, listed)))
    pops = record.counts["populations"]
    spikes_per_neuron = pops["clock"]["spikes"] / 10
    assert spikes_per_neuron == 10
    assert pops["first"]["spikes"] == 4 * 10 and pops["rest"]["spikes"] == 6 * 10
    assert pops["clock"]["neuron_steps"] == 10 * 1000 and pops["first"]["part_of"] == "clock"
    assert record.n_neurons == 10 and record.n_spikes == 100
    proj = record.counts["projections"]
    assert proj["fixed"]["synapses"] == 13
    assert proj["fixed"]["synaptic_events_pre"] == 13 * 10  # every source neuron spikes 10 times
    assert proj["fixed"]["synaptic_events_post"] == 0  # no post pathway
    assert proj["listed"]["synaptic_events_pre"] == 3 * 10
    assert proj["listed"]["synaptic_events_post"] == 3 * 10
    assert proj["listed"]["synapse_steps"] == 3 * 1000


def test_spikes_are_recorded_by_time():
    record = run(tiny_spec(()))
    # the group "clock" is tiled by its slices "first" (4 neurons) and "rest" (6): one population each, local ids
    assert record.populations == ["first", "rest"]
    first, rest = record.spikes("first"), record.spikes("rest")
    assert len(first) == 40 and len(rest) == 60
    assert np.all(np.diff(first.times_ms) >= 0) and np.all(np.diff(rest.times_ms) >= 0)
    assert set(first.node_ids.tolist()) == set(range(4)) and set(rest.node_ids.tolist()) == set(range(6))
    # rates per population (the group "clock", which they tile, is left out); bins unpack as (start ms, Hz)
    assert list(record.rates) == ["first", "rest"]
    t, rate = record.rates["first"]
    # 40 spikes / 4 neurons / 0.1 s = 100 Hz on average, in the bins and in the mean from the counts
    assert rate.mean() == pytest.approx(100.0, rel=0.02)
    assert record.rates["rest"].mean_hz == pytest.approx(100.0) and record.rates["rest"].size == 6


def test_projection_needs_exactly_one_rule():
    with pytest.raises(ValueError, match="exactly one"):
        Projection(name="p", source="a", target="b", on_pre="", probability=0.1, total_number=3)
    with pytest.raises(ValueError, match="exactly one"):
        Projection(name="p", source="a", target="b", on_pre="")


@pytest.mark.skipif(not CppBackend().availability().usable, reason="needs a C++ compiler")
def test_cpp_frees_the_set_up_arrays_only_after_the_network_has_its_values():
    """The connection and per-synapse arrays are freed early (program and Python) without losing a value."""
    import brian2

    from simnet.simulation import network_builder

    weights = np.array([0.25, 0.5, 0.75, 1.0])
    delays = np.array([0.3, 0.1, 0.4, 0.2]) * ms
    listed = Projection(name="listed", source="clock", target="clock", model="w : 1", on_pre="v_post += 0.0*w",
                        arrays=lambda rng: {"i": np.array([0, 1, 2, 9]), "j": np.array([5, 5, 6, 0]),
                                            "w": weights, "delay": delays})
    with CppBackend().session(RunSettings(threads=1, progress=False)) as session:
        built = network_builder.build(tiny_spec((listed,)), seed=1, record_spikes=False, mark=session.mark)
        session.simulate(built.net, 20 * ms, None)
        freed = session._set_up_arrays
        assert len(freed) == 4  # sources, targets, w, delay
        assert not set(freed) & set(brian2.get_device().static_arrays)
        main_cpp = (session.directory / "main.cpp").read_text()
        for name in freed:  # freed once, after the code that reads it
            assert main_cpp.count(f"delete [] {name};") == 1
            assert main_cpp.index(name) < main_cpp.index(f"if({name}!=0){{ delete [] {name};")
        syn = built.synapses["listed"]
        np.testing.assert_array_equal(syn.i[:], [0, 1, 2, 9])
        np.testing.assert_array_equal(syn.j[:], [5, 5, 6, 0])
        np.testing.assert_array_equal(syn.w[:], weights)
        np.testing.assert_allclose(np.asarray(syn.delay[:]), np.asarray(delays), rtol=1e-12)


def test_a_device_that_takes_no_seed_is_noted_in_the_record(monkeypatch):
    import brian2

    from simnet.simulation import network_builder

    def refuse(seed=None):
        raise AssertionError("a device that takes no seed must not be seeded")

    monkeypatch.setattr(network_builder, "_device_takes_seed", lambda: False)
    monkeypatch.setattr(brian2, "seed", refuse)
    record = run(tiny_spec(()))
    assert record.n_spikes == 100
    assert any("takes no seed" in note for note in record.notes)


def test_the_brian2genn_device_is_not_seeded(monkeypatch):
    """Brian2GeNN 1.7 accepts brian2.seed() and refuses it only when it builds, so the device is asked first."""
    import sys
    import types

    import brian2

    from simnet.simulation import network_builder

    class GeNNDevice:  # stands in for brian2genn.device.GeNNDevice
        pass

    assert network_builder._device_takes_seed()  # the runtime device is active
    monkeypatch.setitem(sys.modules, "brian2genn.device", types.SimpleNamespace(GeNNDevice=GeNNDevice))
    assert network_builder._device_takes_seed()  # imported, but another device is active
    monkeypatch.setattr(brian2, "get_device", GeNNDevice)
    assert not network_builder._device_takes_seed()
