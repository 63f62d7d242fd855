"""The neuron-fidelity ladder: names, contract with the column, calibration arithmetic and single-cell behaviour."""
import brian2
import numpy as np
import pytest
from brian2 import mV, ms, nA, nS, pA

from simnet.cost.flops import izhikevich_reference
from simnet.models.neurons import (CONDUCTANCE_REFERENCE_VOLTAGE, NEURON_MODELS, REFERENCE_LEVEL, get_neuron_model)


@pytest.fixture(autouse=True)
def numpy_runtime():
    brian2.prefs.codegen.target = "numpy"
    yield
    brian2.prefs.reset_to_defaults()


def test_ladder_names_and_order():
    assert list(NEURON_MODELS) == ["lif_exp", "lif_cond", "adex", "izhikevich", "hh_traub", "two_compartment"]
    assert REFERENCE_LEVEL == "lif_exp" and NEURON_MODELS[REFERENCE_LEVEL].drive_factor == 1.0
    with pytest.raises(ValueError, match="choose one of lif_exp, lif_cond"):
        get_neuron_model("lif")


@pytest.mark.parametrize("name", list(NEURON_MODELS))
def test_every_level_keeps_the_column_contract(name):
    level = NEURON_MODELS[name]
    # the column sets I_dc and v, and adds synaptic input to the variables on_pre names
    assert "I_dc : amp (constant)" in level.equations and "dv/dt" in level.equations
    assert level.on_pre(True).split()[0] in {"I_syn_post", "g_ex_post"}
    assert level.on_pre(False).split()[0] in {"I_syn_post", "g_in_post"}
    assert f"d{level.target_variable(True)}/dt" in level.equations
    # float literals only, no exprel: valid code on GeNN and CUDA (gpu_stack.md)
    assert "exprel" not in level.equations and "exp(8)" not in level.equations
    # the cost accounting finds the level's type in the Izhikevich (2004) table
    assert izhikevich_reference(level.model_type).model_type == level.model_type
    assert set(level.backends) == {"runtime", "cpp"}
    brian2.Equations(level.equations)  # parses, with consistent units


def test_current_to_conductance_conversion_at_the_reference_voltage():
    j = 87.81 * pA
    lif_cond = NEURON_MODELS["lif_cond"]
    # 87.81 pA / (0 mV - (-57.5 mV)) = 1.527 nS; inhibitory -351.24 pA / (-80 mV + 57.5 mV) = 15.61 nS
    assert float(lif_cond.weight(j, True) / nS) == pytest.approx(1.5271, rel=1e-4)
    assert float(lif_cond.weight(-4 * j, False) / nS) == pytest.approx(15.611, rel=1e-4)
    assert float(CONDUCTANCE_REFERENCE_VOLTAGE / mV) == -57.5
    # current levels keep the sign; HH scales by its 200 pF over 250 pF and its drive factor
    assert float(NEURON_MODELS["lif_exp"].weight(-j, False) / pA) == pytest.approx(-87.81)
    hh = NEURON_MODELS["hh_traub"]
    assert hh.current_scale() == pytest.approx(0.8 * hh.drive_factor)


def _spiking_counts(name, currents, duration=400 * ms, excitatory=True):
    """Spikes after 150 ms of neurons of one level driven by constant currents (no synaptic input)."""
    level = NEURON_MODELS[name]
    brian2.start_scope()
    brian2.defaultclock.dt = 0.1 * ms
    group = brian2.NeuronGroup(len(currents), level.equations, threshold=level.threshold, reset=level.reset,
                               refractory=level.refractory if level.refractory is not None else False,
                               method=level.method, namespace=level.namespace(excitatory))
    params = level.parameters
    group.v = getattr(params, "E_L", getattr(params, "El", -65.0 * mV))
    if "u" in level.initial_values:
        group.u = "b*v"
    group.I_dc = currents
    monitor = brian2.SpikeMonitor(group)
    brian2.run(duration)
    return np.bincount(np.asarray(monitor.i[monitor.t > 150 * ms]), minlength=len(currents))


def test_lif_rheobase_is_g_l_times_threshold_distance():
    # 25 nS x 15 mV = 375 pA: just below it never fires, just above it fires
    counts = _spiking_counts("lif_exp", np.array([370.0, 380.0]) * pA)
    assert counts[0] == 0 and counts[1] > 0


def test_izhikevich_needs_about_one_nanoampere():
    # the calibration note: saddle-node at 4 mV/ms x 250 pF = 1.0 nA (Euler at 0.1 ms fires a little below it)
    counts = _spiking_counts("izhikevich", np.array([0.375, 0.8, 1.1]) * nA)
    assert counts[0] == 0 and counts[1] == 0 and counts[2] > 0


def test_hh_traub_is_quiescent_at_rest_with_the_column_leak_reversal():
    counts = _spiking_counts("hh_traub", np.array([0.0, 100.0]) * pA)
    assert counts[0] == 0 and counts[1] > 0


def test_adex_adapts():
    level = NEURON_MODELS["adex"]
    brian2.start_scope()
    group = brian2.NeuronGroup(1, level.equations, threshold=level.threshold, reset=level.reset,
                               refractory=level.refractory, method=level.method, namespace=level.namespace())
    group.v = -65 * mV
    group.I_dc = 0.8 * nA
    monitor = brian2.SpikeMonitor(group)
    brian2.run(500 * ms)
    intervals = np.diff(np.asarray(monitor.t / ms))
    # spike-triggered adaptation lengthens the inter-spike interval
    assert len(intervals) > 3 and intervals[-1] > 1.5 * intervals[0]
