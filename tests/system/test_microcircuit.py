"""The PD14 cortical microcircuit: parameters, connectivity rule, scaling, and runs of every level on cpp."""
import math
import warnings

import brian2
import numpy as np
import pytest
from brian2 import amp, ms, pA

from simnet.base.errors import UsageError
from simnet.models import get_model
from simnet.models.microcircuit import (
    CONNECTION_PROBABILITY,
    FULL_SIZES,
    POPULATIONS,
    MicrocircuitParams,
    MicrocircuitScalingWarning,
    build_spec,
    psp_to_current,
)
from simnet.models.neurons import NEURON_MODELS, REFERENCE_LEVEL
from simnet.simulation import synapse_order


def quiet_spec(params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MicrocircuitScalingWarning)
        return build_spec(params)


def test_psc_amplitude_for_a_015_mv_psp_is_8781_pa():
    # pd14.md: mean PSP 0.15 mV -> J = 87.81 pA on C_m 250 pF, tau_m 10 ms, tau_syn 0.5 ms
    j = psp_to_current(0.15 * brian2.mV, 250 * brian2.pF, 10 * ms, 0.5 * ms)
    assert float(j / pA) == pytest.approx(87.81, abs=0.005)


def test_full_scale_synapse_numbers_follow_the_fixed_total_number_rule():
    full = MicrocircuitParams(n_scaling=1.0).synapse_numbers()
    # L23E -> L23E by hand: ln(1 - 0.1009) / ln(1 - 1/20683^2) = 0.1063610 * 20683^2 = 4.54998e7
    assert full[0, 0] == pytest.approx(0.1063610 * 20683**2, rel=1e-6)
    # more than C * N_pre * N_post: with multapses, that many draws are needed for a fraction C of pairs connected
    assert full[0, 0] > 0.1009 * 20683**2
    # L5E <- L5I, the densest projection: -ln(1 - 0.3726) * 4850 * 1065
    assert full[4, 5] == pytest.approx(-math.log(1 - 0.3726) * 1065 * 4850, rel=1e-5)
    assert full.sum() == pytest.approx(2.989e8, rel=1e-3)  # "about 3e8" (pd14.md)
    assert full[0, 5] == 0  # C = 0 gives no synapses


@pytest.mark.parametrize("in_order", [False, True])
def test_scaled_numbers_and_drawn_synapses_agree_block_by_block(in_order):
    params = MicrocircuitParams(n_scaling=0.02, k_scaling=0.2)
    sizes = params.sizes()
    assert sizes == {name: round(n * 0.02) for name, n in zip(POPULATIONS, FULL_SIZES)}
    numbers = params.synapse_numbers()
    # round(K_full * n * k), K_full from the table
    c = CONNECTION_PROBABILITY[2][3]  # L4E <- L4I
    k_full = math.log(1 - c) / math.log(1 - 1 / (21915 * 5479))
    assert numbers[2, 3] == round(k_full * 0.02 * 0.2)
    spec = quiet_spec(params)
    slices = spec.slices()
    rng = np.random.default_rng(3)
    for proj in spec.projections:
        drawn = proj.arrays(rng, in_order=in_order)
        i, j = drawn["i"], drawn["j"]
        for target in POPULATIONS:
            _, t0, t1 = slices[target]
            if slices[target][0] != proj.target:
                continue
            for source in POPULATIONS:
                _, s0, s1 = slices[source]
                if slices[source][0] != proj.source:
                    continue
                block = (i >= s0) & (i < s1) & (j >= t0) & (j < t1)
                expected = numbers[POPULATIONS.index(target), POPULATIONS.index(source)]
                assert block.sum() == expected, (source, target)


@pytest.mark.parametrize("in_order", [False, True])
def test_weights_and_delays_follow_pd14(in_order):
    params = MicrocircuitParams(n_scaling=0.05, k_scaling=1.0)
    spec = quiet_spec(params)
    slices = spec.slices()
    rng = np.random.default_rng(5)
    drawn = {proj.name: proj.arrays(rng, in_order=in_order) for proj in spec.projections}
    ee = drawn["exc_to_exc"]
    w_pa = np.asarray(ee["w"] / pA)
    _, l23_0, l23_1 = slices["L23E"]
    _, l4_0, l4_1 = slices["L4E"]
    from_l4_to_l23 = (ee["i"] >= l4_0) & (ee["i"] < l4_1) & (ee["j"] >= l23_0) & (ee["j"] < l23_1)
    assert np.mean(w_pa[from_l4_to_l23]) == pytest.approx(2 * 87.81, rel=0.01)  # doubled
    assert np.mean(w_pa[~from_l4_to_l23]) == pytest.approx(87.81, rel=0.01)
    assert np.std(w_pa[~from_l4_to_l23]) == pytest.approx(8.781, rel=0.05)  # 10% relative SD
    ie_pa = np.asarray(drawn["inh_to_exc"]["w"] / pA)
    assert ie_pa.max() < 0 and np.mean(ie_pa) == pytest.approx(-4 * 87.81, rel=0.01)  # g = -4
    delays_ms = np.asarray(ee["delay"] / ms)
    assert delays_ms.min() == pytest.approx(0.1)  # at least one step
    assert np.allclose(delays_ms * 10, np.round(delays_ms * 10))  # on the 0.1 ms grid
    # the truncated normal (mean 1.5, SD 0.75, redrawn below 0.05 ms) has mean 1.5 + 0.75 phi(a)/(1 - Phi(a))
    a = (0.05 - 1.5) / 0.75
    truncated_mean = 1.5 + 0.75 * math.exp(-a * a / 2) / math.sqrt(2 * math.pi) / (0.5 * math.erfc(a / math.sqrt(2)))
    assert np.mean(delays_ms) == pytest.approx(truncated_mean, rel=0.01)
    assert np.mean(drawn["inh_to_inh"]["delay"] / ms) < 1.0  # inhibitory mean 0.75 ms


def test_synapses_drawn_in_order_come_as_the_builder_stores_them():
    """Drawn in order: by source, then delay step, with targets uniform in each block and weights that keep their
    sign; the same counts as the block-by-block draw (the test above), without a sort."""
    spec = quiet_spec(MicrocircuitParams(n_scaling=0.02, k_scaling=0.5))
    slices = spec.slices()
    assert all(proj.arrays_in_order for proj in spec.projections)
    for proj in spec.projections:
        drawn = proj.arrays(np.random.default_rng(11), in_order=True)
        i, j = np.asarray(drawn["i"]), np.asarray(drawn["j"])
        steps = np.rint(np.asarray(drawn["delay"] / ms) * 10).astype(np.int64)
        order = synapse_order.source_delay_order(i, np.asarray(drawn["delay"]), 1e-4)
        assert np.array_equal(order, np.arange(len(i)))  # the sort would leave them where they are
        assert steps.min() >= 1 and np.all((np.diff(i) > 0) | (np.diff(steps) >= 0))
        w = np.asarray(drawn["w"])
        assert np.all(np.sign(w) == (1 if proj.source == "excitatory" else -1))
        for target in POPULATIONS:
            group, t0, t1 = slices[target]
            if group == proj.target:
                into = j[(j >= t0) & (j < t1)]
                # uniform over the block's targets: the mean within 5 standard errors of the middle
                sd = (t1 - t0) / math.sqrt(12) / math.sqrt(len(into))
                assert abs(into.mean() - (t0 + t1 - 1) / 2) < 5 * sd, (proj.name, target)


def test_in_degree_scaling_compensates_with_weights_and_dc():
    full_k = MicrocircuitParams(n_scaling=0.1, k_scaling=1.0)
    scaled = MicrocircuitParams(n_scaling=0.1, k_scaling=0.25)
    assert scaled.background_current() / full_k.background_current() == pytest.approx(2.0)  # 1/sqrt(0.25)
    assert all(dc == 0 * amp for dc in full_k.dc_currents().values())
    dc = scaled.dc_currents()
    # L23E by hand, in units of J x Hz: background 1600 x 8 Hz; recurrent: full in-degree -ln(1 - C) N_pre times
    # the reference rate, times 1 (E), -4 (I), 2 (L4E); total x tau_syn 0.5 ms x (1 - sqrt(0.25)) x 87.81 pA
    rates = (0.903, 2.965, 4.414, 5.876, 7.569, 8.633, 1.105, 7.829)
    factors = (1, -4, 2, -4, 1, -4, 1, -4)
    recurrent = sum(-math.log(1 - c) * n * nu * f
                    for c, n, nu, f in zip(CONNECTION_PROBABILITY[0], FULL_SIZES, rates, factors))
    assert float(dc["L23E"] / pA) == pytest.approx(0.5e-3 * 0.5 * 87.81 * (1600 * 8 + recurrent), rel=1e-4)
    assert scaled.external_in_degrees()["L6E"] == round(2900 * 0.25)
    # DC background replaces the Poisson mean input tau_syn J K_ext nu
    dc_mode = MicrocircuitParams(n_scaling=0.1, k_scaling=1.0, background="dc")
    assert float(dc_mode.dc_currents()["L4E"] / pA) == pytest.approx(0.5e-3 * 87.81 * 2100 * 8, rel=1e-4)
    assert not quiet_spec(dc_mode).inputs


def test_unreliable_scaling_warns_and_is_noted_in_the_description():
    with pytest.warns(MicrocircuitScalingWarning, match="k-scaling 0.05"):
        spec = build_spec(MicrocircuitParams(n_scaling=0.02, k_scaling=0.05))
    assert "scaling warning" in spec.description
    with warnings.catch_warnings():
        warnings.simplefilter("error", MicrocircuitScalingWarning)
        build_spec(MicrocircuitParams(n_scaling=0.1, k_scaling=1.0))


def test_spec_shape_and_plastic_projection():
    spec = quiet_spec(MicrocircuitParams(n_scaling=0.05, synapse_model="triplet", neuron_model="lif_cond"))
    slices = spec.slices()
    assert [p.name for p in spec.populations] == ["excitatory", "inhibitory"]
    assert all(name in slices for name in POPULATIONS)
    plastic = [p.name for p in spec.projections if p.plastic]
    assert plastic == ["exc_to_exc"]
    inh = next(p for p in spec.projections if p.name == "inh_to_exc")
    assert inh.on_pre == "g_in_post += w"
    assert len(spec.inputs) == 8 and all(bg.target_var == "g_ex" for bg in spec.inputs)


def test_registry_options_and_bad_values():
    entry = get_model("microcircuit")
    params = entry.parameters(scale=0.05, k_scale=0.5, neuron_model="adex", synapse_model="stdp",
                              background="dc", dt=0.05 * ms)
    assert (params.n_scaling, params.k_scaling, params.neuron_model) == (0.05, 0.5, "adex")
    assert params.dt == 0.05 * ms
    with pytest.raises(UsageError, match="choose one of lif_exp, lif_cond, adex"):
        entry.parameters(neuron_model="hodgkin")
    with pytest.raises(UsageError, match="static, stdp, triplet"):
        entry.parameters(synapse_model="bcm")
    with pytest.raises(UsageError, match=r"n_scaling \(--scale\) must be in"):
        entry.parameters(scale=1.5)
    with pytest.raises(UsageError, match="does not take the option.s. neurons"):
        entry.parameters(neurons=100)


def _run(params, duration_s):
    from simnet.pipeline import RunPlan, execute
    from simnet.simulation.backends import get_backend
    from simnet.simulation.settings import RunSettings

    spec = quiet_spec(params)
    brian2.prefs.devices.cpp_standalone.extra_make_args_unix = ["-j2"]
    try:
        return execute(RunPlan(spec, get_backend("cpp"), RunSettings(threads=1, progress=False), duration_s=duration_s,
                               seed=1, record_spikes=True))
    finally:
        brian2.prefs.reset_to_defaults()


def _rates_hz(record, params, discard_s):
    rates = {}
    assert record.populations == list(POPULATIONS)
    for name in POPULATIONS:
        train = record.spikes(name)
        assert train.size == params.sizes()[name]
        rates[name] = (train.times_ms >= discard_s * 1e3).sum() / train.size / (record.duration_s - discard_s)
    return rates


@pytest.mark.slow
@pytest.mark.parametrize("level", [name for name in NEURON_MODELS if name != REFERENCE_LEVEL])
def test_every_level_builds_and_spikes_on_cpp(level):
    """Each non-reference level at n = 0.02, k = 0.2 (1543 neurons, 1.2e6 synapses) for 300 ms.

    The reference level runs in the validation test below. Asserts activity in both groups after the first
    100 ms and no runaway (largest population rate under 50 Hz; at n = k = 0.1 the highest, two_compartment's
    L5E, is 25 Hz).
    """
    params = MicrocircuitParams(n_scaling=0.02, k_scaling=0.2, neuron_model=level)
    record = _run(params, 0.3)
    rates = _rates_hz(record, params, discard_s=0.1)
    exc = np.mean([rates[p] for p in POPULATIONS if p.endswith("E")])
    inh = np.mean([rates[p] for p in POPULATIONS if p.endswith("I")])
    assert exc > 0.1 and inh > 0.1
    assert max(rates.values()) < 50.0


@pytest.mark.slow
def test_reference_level_rates_match_the_published_rates():
    """Reference level at n = k = 0.1 (the reference implementation's own example scale), 1.2 s, first 0.5 s cut.

    Tolerance and why it is this wide: :func:`simnet.analysis.column.published_rate_check` (every population within a
    factor 2.5 of the NEST 3 reference run's rate, data/pd14_published_rates.csv, and the mean |ln ratio| below
    ln 1.5); tests/system/test_fidelity.py shows the check failing on rates that are off.
    """
    from simnet.analysis.column import published_rate_check

    params = MicrocircuitParams(n_scaling=0.1, k_scaling=0.1)
    record = _run(params, 1.2)
    rates = _rates_hz(record, params, discard_s=0.5)
    check = published_rate_check({name: rates[name] for name in POPULATIONS})
    assert check["passes"], (rates, check)


@pytest.mark.slow
def test_hh_traub_column_is_asynchronous_irregular_at_its_calibration_scale():
    """The Hodgkin-Huxley level at the scale its external drive factor was chosen at (n = k = 0.1, 1.5 s, seed 1).

    Bounds are the calibration rule's AI criterion with some room (simnet.models.neurons): mean synchrony at most
    twice the reference level's 2.3 (measured 2.0; 6.5 with the next grid value of the drive, 43 with drive 1)
    and mean ISI CV at least 0.45 (measured 0.52; 0.19 under the former single factor on all input).
    """
    from simnet.analysis import column, spike_statistics

    params = MicrocircuitParams(n_scaling=0.1, k_scaling=0.1, neuron_model="hh_traub")
    record = _run(params, 1.5)
    spikes, sizes = column.population_trains(record)
    stats = spike_statistics.network_statistics(spikes, sizes, 500.0, 1500.0)
    mean_cv = float(np.mean(np.concatenate([s.cvs for s in stats.values()])))
    mean_synchrony = float(np.nanmean([s.synchrony for s in stats.values()]))
    mean_rate_hz = float(np.mean(np.concatenate([s.rates_hz for s in stats.values()])))
    assert mean_synchrony <= 2 * 2.3, (mean_synchrony, mean_cv, mean_rate_hz)
    assert mean_cv >= 0.45, (mean_synchrony, mean_cv, mean_rate_hz)
    assert 0.5 < mean_rate_hz < 10.0
