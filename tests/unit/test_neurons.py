"""The neuron-fidelity ladder: names, contract with the column, calibration arithmetic and single-cell behaviour."""
import brian2
import numpy as np
import pytest
from brian2 import ms, mV, nA, nS, pA

from simnet.cost.flops import izhikevich_reference
from simnet.models.neurons import CONDUCTANCE_REFERENCE_VOLTAGE, NEURON_MODELS, REFERENCE_LEVEL, get_neuron_model


@pytest.fixture(autouse=True)
def numpy_runtime():
    brian2.prefs.codegen.target = "numpy"
    yield
    brian2.prefs.reset_to_defaults()


def test_ladder_names_and_order():
    assert list(NEURON_MODELS) == ["lif_exp", "lif_cond", "adex", "izhikevich", "hh_traub", "two_compartment"]
    reference = NEURON_MODELS[REFERENCE_LEVEL]
    assert REFERENCE_LEVEL == "lif_exp"
    assert (reference.synaptic_factor_ex, reference.synaptic_factor_in, reference.external_drive_factor) == (1, 1, 1)
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
    # current levels keep the sign; HH scales by its 200 pF over 250 pF and its synaptic factors
    assert float(NEURON_MODELS["lif_exp"].weight(-j, False) / pA) == pytest.approx(-87.81)
    hh = NEURON_MODELS["hh_traub"]
    assert hh.current_scale() == pytest.approx(0.8)
    assert float(hh.weight(j, True) / nS) == pytest.approx(1.5271 * 0.8 * hh.synaptic_factor_ex, rel=1e-4)
    assert float(hh.weight(-4 * j, False) / nS) == pytest.approx(15.611 * 0.8 * hh.synaptic_factor_in, rel=1e-4)


def _spiking_counts(name, currents, duration=400 * ms, excitatory=True):
    """Spikes after 150 ms of neurons of one level driven by constant currents (no synaptic input)."""
    level = NEURON_MODELS[name]
    group = _group_at_rest(level, len(currents), excitatory)
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


def _unitary_psp_peak_mv(level, excitatory, settle=300 * ms, window=60 * ms):
    """Peak of the somatic PSP after one synaptic event of PD14's mean amplitude, from rest (no other input).

    J = 87.81 pA excitatory, -4 J inhibitory, converted by the level's :meth:`weight`; the cell is the
    excitatory (regular-spiking) one; the PSP is the difference from an identical cell that receives no event.
    """
    group = _group_at_rest(level, 2, excitatory=True)
    params = level.parameters
    if "v_d" in level.initial_values:
        group.v_d = params.E_L
    monitor = brian2.StateMonitor(group, "v", record=True, when="end")
    brian2.run(settle)
    getattr(group, level.target_variable(excitatory))[0] = level.weight((1 if excitatory else -4) * 87.81 * pA,
                                                                         excitatory)
    start = len(monitor.t)
    brian2.run(window)
    difference = np.asarray((monitor.v[0] - monitor.v[1]) / mV)[start:]
    return float(difference.max() if excitatory else difference.min())


@pytest.mark.parametrize("name", [name for name in NEURON_MODELS if name not in ("lif_exp", "lif_cond")])
def test_unitary_psps_at_rest_match_the_reference_membrane(name):
    """Calibration rule 1: each level's synaptic factors give its unitary PSPs at rest the reference's height.

    The reference is the same synapse type on PD14's membrane: lif_exp (current) or lif_cond (conductance).
    """
    level = NEURON_MODELS[name]
    reference = NEURON_MODELS["lif_exp" if level.synaptic_input == "current" else "lif_cond"]
    for excitatory in (True, False):
        expected = _unitary_psp_peak_mv(reference, excitatory)
        assert _unitary_psp_peak_mv(level, excitatory) == pytest.approx(expected, rel=0.02), excitatory


def test_reference_unitary_psps_are_pd14s():
    # lif_exp: J = 87.81 pA gives PD14's 0.15 mV (and g = -4 gives -0.6 mV); lif_cond's conversion at V_ref
    # gives a larger EPSP and a smaller IPSP at rest (driving forces 65 / 15 mV instead of 57.5 / 22.5 mV)
    assert _unitary_psp_peak_mv(NEURON_MODELS["lif_exp"], True) == pytest.approx(0.150, abs=0.002)
    assert _unitary_psp_peak_mv(NEURON_MODELS["lif_exp"], False) == pytest.approx(-0.600, abs=0.006)
    assert _unitary_psp_peak_mv(NEURON_MODELS["lif_cond"], True) > 0.16
    assert -0.5 < _unitary_psp_peak_mv(NEURON_MODELS["lif_cond"], False) < -0.4


def _group_at_rest(level, size: int, excitatory: bool):
    """``size`` neurons of ``level`` at their resting state, in a fresh scope with dt = 0.1 ms (numpy runtime)."""
    brian2.start_scope()
    brian2.defaultclock.dt = 0.1 * ms
    group = brian2.NeuronGroup(size, level.equations, threshold=level.threshold, reset=level.reset,
                               refractory=level.refractory if level.refractory is not None else False,
                               method=level.method, namespace=level.namespace(excitatory))
    params = level.parameters
    group.v = getattr(params, "E_L", getattr(params, "El", -65.0 * mV))
    if "u" in level.initial_values:
        group.u = "b*v"
    return group
