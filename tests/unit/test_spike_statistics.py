"""Spike-train statistics on synthetic trains whose answer is known by construction."""
import math

import numpy as np
import pytest

from simnet.analysis import spike_statistics


def poisson_trains(n_neurons, rate_hz, t_stop_ms, seed, t_start_ms=0.0):
    """Independent homogeneous Poisson trains, merged and sorted by time like a run record."""
    rng = np.random.default_rng(seed)
    duration_s = (t_stop_ms - t_start_ms) * 1e-3
    counts = rng.poisson(rate_hz * duration_s, size=n_neurons)
    ids = np.repeat(np.arange(n_neurons), counts)
    times = rng.uniform(t_start_ms, t_stop_ms, size=ids.size)
    order = np.argsort(times, kind="stable")
    return times[order], ids[order]


def regular_trains(n_neurons, period_ms, t_stop_ms):
    """Neuron i fires every period_ms, shifted by i * 0.1 ms."""
    times, ids = [], []
    for i in range(n_neurons):
        t = np.arange(0.05 + 0.1 * i, t_stop_ms, period_ms)
        times.append(t)
        ids.append(np.full(t.size, i))
    times, ids = np.concatenate(times), np.concatenate(ids)
    order = np.argsort(times, kind="stable")
    return times[order], ids[order]


def test_rates_count_spikes_in_the_window_and_include_silent_neurons():
    times = np.array([100.0, 499.9, 500.0, 600.0, 700.0, 1499.0, 1500.0, 800.0])
    ids = np.array([0, 0, 0, 0, 1, 1, 1, 3])
    rates = spike_statistics.firing_rates_hz(times, ids, 5, 500.0, 1500.0)
    # window [500, 1500) ms = 1 s: neuron 0 has 2 spikes, 1 has 2 (1500 is outside), 3 has 1, 2 and 4 none
    assert rates.tolist() == [2.0, 2.0, 0.0, 1.0, 0.0]


def test_poisson_trains_have_cv_near_one_and_no_correlation():
    times, ids = poisson_trains(300, 20.0, 10_500.0, seed=3)
    cvs = spike_statistics.isi_cvs(times, ids, 300, 500.0, 10_500.0)
    assert cvs.size == 300
    assert abs(cvs.mean() - 1.0) < 0.03
    correlations = spike_statistics.spike_count_correlations(times, ids, 300, 500.0, 10_500.0)
    sample = spike_statistics.CORRELATION_SAMPLE_NEURONS
    assert correlations.size == sample * (sample - 1) // 2
    assert abs(correlations.mean()) < 0.005
    # the spread of independent pairs is sampling noise: sd ~ 1/sqrt(bins) = 1/sqrt(5000)
    assert correlations.std() == pytest.approx(1 / math.sqrt(5000), rel=0.15)


def test_regular_trains_have_cv_zero():
    times, ids = regular_trains(20, 25.0, 3000.0)
    cvs = spike_statistics.isi_cvs(times, ids, 20, 500.0, 3000.0)
    assert cvs.size == 20
    assert np.allclose(cvs, 0.0, atol=1e-9)


def test_cv_needs_the_stated_minimum_number_of_spikes():
    # neuron 0: 3 spikes (intervals 10 and 30 ms), neuron 1: 2 spikes, neuron 2: none
    times = np.array([0.0, 5.0, 10.0, 40.0, 50.0])
    ids = np.array([0, 1, 0, 0, 1])
    cvs = spike_statistics.isi_cvs(times, ids, 3, 0.0, 100.0)
    assert spike_statistics.CV_MIN_SPIKES == 3
    assert cvs.tolist() == pytest.approx([10.0 / 20.0])  # sd 10 ms / mean 20 ms
    assert spike_statistics.isi_cvs(times, ids, 3, 0.0, 100.0, min_spikes=2).size == 2


def test_identical_copies_correlate_perfectly_and_silent_neurons_are_excluded():
    times, ids = poisson_trains(1, 30.0, 5000.0, seed=5)
    other_times, _ = poisson_trains(1, 30.0, 5000.0, seed=6)
    # neurons 0 and 1 carry the same train, neuron 2 an independent one, neurons 3-5 are silent
    all_times = np.concatenate([times, times, other_times])
    all_ids = np.concatenate([np.zeros(times.size), np.ones(times.size), np.full(other_times.size, 2)])
    order = np.argsort(all_times, kind="stable")
    correlations = spike_statistics.spike_count_correlations(all_times[order], all_ids[order], 6, 500.0, 5000.0)
    assert correlations.size == 3  # pairs among the three spiking neurons only
    assert correlations[0] == pytest.approx(1.0)
    assert abs(correlations[1]) < 0.1 and abs(correlations[2]) < 0.1


def test_correlation_sample_is_seeded():
    times, ids = poisson_trains(400, 5.0, 2500.0, seed=8)
    a = spike_statistics.spike_count_correlations(times, ids, 400, 500.0, 2500.0, seed=1)
    b = spike_statistics.spike_count_correlations(times, ids, 400, 500.0, 2500.0, seed=1)
    c = spike_statistics.spike_count_correlations(times, ids, 400, 500.0, 2500.0, seed=2)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_synchronous_population_has_high_synchrony_and_independent_about_one():
    n = 50
    event_times, _ = poisson_trains(1, 10.0, 20_500.0, seed=11)
    sync_times = np.repeat(event_times, n)
    sync_ids = np.tile(np.arange(n), event_times.size)
    synchronous = spike_statistics.synchrony(sync_times, sync_ids, n, 500.0, 20_500.0)
    times, ids = poisson_trains(n, 10.0, 20_500.0, seed=12)
    independent = spike_statistics.synchrony(times, ids, n, 500.0, 20_500.0)
    # all n neurons in the same bin: count = n x events, so variance / mean = n exactly in expectation
    assert synchronous == pytest.approx(n, rel=0.05)
    assert independent == pytest.approx(1.0, abs=0.05)


def test_synchrony_of_a_silent_population_is_nan():
    assert math.isnan(spike_statistics.synchrony(np.empty(0), np.empty(0, dtype=int), 10, 500.0, 1500.0))


def test_ks_distance_zero_for_identical_one_for_disjoint_and_none_for_empty():
    rng = np.random.default_rng(0)
    sample = rng.normal(size=500)
    same = spike_statistics.ks_distance(sample, sample.copy())
    assert same.statistic == 0.0 and same.pvalue == pytest.approx(1.0)
    disjoint = spike_statistics.ks_distance(sample, sample + 100.0)
    assert disjoint.statistic == 1.0 and disjoint.pvalue < 1e-10
    assert spike_statistics.ks_distance(sample, []) is None
    assert spike_statistics.ks_distance([np.nan], sample) is None


def test_population_statistics_and_comparison_of_two_runs():
    a = spike_statistics.network_statistics({"E": poisson_trains(100, 8.0, 3000.0, seed=1)}, {"E": 100, "I": 20},
                                    500.0, 3000.0)
    b = spike_statistics.network_statistics({"E": poisson_trains(100, 16.0, 3000.0, seed=2)}, {"E": 100, "I": 20},
                                    500.0, 3000.0)
    summary = a["E"].summary()
    assert summary["mean_rate_hz"] == pytest.approx(8.0, rel=0.1)
    assert a["I"].summary() == {"neurons": 20, "mean_rate_hz": 0.0, "silent_neurons": 20, "mean_cv_isi": None,
                                "neurons_with_cv": 0, "mean_correlation": None, "correlation_pairs": 0,
                                "synchrony": None}
    compared = spike_statistics.compare_populations(a, b)
    # rates of 8 Hz vs 16 Hz over 2.5 s (20 vs 40 expected spikes) barely overlap; CVs do (both Poisson)
    assert compared["E"]["rate"]["statistic"] > 0.8
    assert compared["E"]["cv_isi"]["statistic"] < 0.3
    assert compared["I"]["rate"]["statistic"] == 0.0
    assert compared["I"]["cv_isi"] is None


@pytest.mark.parametrize("call, message", [
    (lambda: spike_statistics.firing_rates_hz([1.0], [5], 3, 0.0, 10.0), "node ids"),
    (lambda: spike_statistics.firing_rates_hz([1.0, 2.0], [0], 3, 0.0, 10.0), "node ids"),
    (lambda: spike_statistics.firing_rates_hz([1.0], [0], 3, 10.0, 10.0), "empty analysis window"),
    (lambda: spike_statistics.synchrony([1.0], [0], 3, 0.0, 4.0), "fewer than two"),
])
def test_inconsistent_input_is_rejected(call, message):
    with pytest.raises(ValueError, match=message):
        call()
