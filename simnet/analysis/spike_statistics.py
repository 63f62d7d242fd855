"""Spike-train statistics of a population: rates, irregularity, correlation, synchrony, and distances between runs.

Pure functions on spike trains (numpy and scipy only; no Brian2, no files). A population's spikes are given as
they are stored in a run record (:meth:`simnet.record.run_record.RunRecord.spikes`): spike times in ms and
population-local node ids ``0 .. n_neurons - 1``, plus the population size (silent neurons leave no spikes, so
the size cannot be read from the spikes). Every statistic is computed over an analysis window
``[t_start_ms, t_stop_ms)``; by default the first :data:`DEFAULT_DISCARD_MS` of a run are discarded as the
start-up transient, as in the validation of Potjans & Diesmann (2014) reimplementations.

The statistics, and the choices each one makes:

- firing rate per neuron: spikes in the window / window length, silent neurons included as 0 Hz;
- CV of the inter-spike intervals per neuron (standard deviation / mean, ddof 0), over the neurons with at
  least :data:`CV_MIN_SPIKES` spikes in the window (two intervals); the others have no CV;
- pairwise Pearson correlation of spike counts in :data:`CORRELATION_BIN_MS` bins, over every pair of a random
  sample of at most :data:`CORRELATION_SAMPLE_NEURONS` neurons drawn (with a stated seed) from the neurons that
  spiked in the window: silent neurons are excluded because their count variance is 0 and their correlation is
  undefined;
- synchrony: variance / mean of the population spike count in :data:`SYNCHRONY_BIN_MS` bins, over a random
  sample of at most :data:`SYNCHRONY_SAMPLE_NEURONS` neurons (silent ones included). This is the measure of
  Potjans & Diesmann (2014, Cereb. Cortex 24:785, "synchrony": variance of the spike-count histogram divided by
  its mean, 3 ms bins). Independent Poisson neurons give 1 whatever their number; ``n`` neurons that always
  fire together give about ``n``. The value grows with the sample size for partly synchronous activity, so
  compare it only between runs with the same sample size;
- the two-sample Kolmogorov-Smirnov distance between the per-neuron distributions of two runs
  (:func:`scipy.stats.ks_2samp`): 0 for identical samples, 1 for samples with disjoint ranges.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Mapping, Optional

import numpy as np

__all__ = ["DEFAULT_DISCARD_MS", "CV_MIN_SPIKES", "CORRELATION_BIN_MS", "CORRELATION_SAMPLE_NEURONS",
           "SYNCHRONY_BIN_MS", "SYNCHRONY_SAMPLE_NEURONS", "DEFAULT_SAMPLE_SEED", "firing_rates_hz", "isi_cvs",
           "spike_count_correlations", "synchrony", "KSDistance", "ks_distance", "PopulationStatistics",
           "population_statistics", "network_statistics", "compare_populations"]

#: Start-up transient discarded before any statistic is computed (ms).
DEFAULT_DISCARD_MS = 500.0
#: A neuron needs at least this many spikes in the window (two inter-spike intervals) to have a CV.
CV_MIN_SPIKES = 3
#: Bin width of the spike counts whose pairwise correlation is computed (ms), as in pd14.md's validation.
CORRELATION_BIN_MS = 2.0
#: Spiking neurons sampled per population for the pairwise correlation; all pairs among them are used
#: (200 neurons give 19,900 pairs).
CORRELATION_SAMPLE_NEURONS = 200
#: Bin width of the population spike count for the synchrony measure (ms), as in Potjans & Diesmann (2014).
SYNCHRONY_BIN_MS = 3.0
#: Neurons sampled per population for the synchrony measure (all of them when the population is smaller).
SYNCHRONY_SAMPLE_NEURONS = 1000
#: Seed of the neuron samples when none is given, so that a statistic recomputed from a record is the same.
DEFAULT_SAMPLE_SEED = 0


def _window_mask(times_ms: np.ndarray, t_start_ms: float, t_stop_ms: float) -> np.ndarray:
    return (times_ms >= t_start_ms) & (times_ms < t_stop_ms)


def _checked(times_ms, node_ids, n_neurons: int, t_start_ms: float, t_stop_ms: float):
    """Spikes inside the window as (float times, int ids); raises ValueError on inconsistent input."""
    times = np.asarray(times_ms, dtype=np.float64).ravel()
    ids = np.asarray(node_ids).ravel().astype(np.int64)
    if times.shape != ids.shape:
        raise ValueError(f"{times.size} spike times but {ids.size} node ids")
    if n_neurons < 0:
        raise ValueError("a population cannot have a negative number of neurons")
    if not (math.isfinite(t_start_ms) and math.isfinite(t_stop_ms)) or t_stop_ms <= t_start_ms:
        raise ValueError(f"empty analysis window [{t_start_ms}, {t_stop_ms}) ms")
    if ids.size and (ids.min() < 0 or ids.max() >= n_neurons):
        raise ValueError(f"node ids must lie in 0..{n_neurons - 1} (population-local ids)")
    keep = _window_mask(times, t_start_ms, t_stop_ms)
    return times[keep], ids[keep]


def firing_rates_hz(times_ms, node_ids, n_neurons: int, t_start_ms: float, t_stop_ms: float) -> np.ndarray:
    """Firing rate of every neuron in the window, in Hz; silent neurons are 0.

    Returns
    -------
    ndarray, shape (n_neurons,)
    """
    _, ids = _checked(times_ms, node_ids, n_neurons, t_start_ms, t_stop_ms)
    counts = np.bincount(ids, minlength=n_neurons)
    return counts / ((t_stop_ms - t_start_ms) * 1e-3)


def isi_cvs(times_ms, node_ids, n_neurons: int, t_start_ms: float, t_stop_ms: float,
            min_spikes: int = CV_MIN_SPIKES) -> np.ndarray:
    """Coefficient of variation of the inter-spike intervals of each neuron with ``min_spikes`` or more spikes.

    Only intervals between two spikes inside the window are used. CV = standard deviation (ddof 0) / mean of a
    neuron's intervals: 0 for a perfectly regular train, about 1 for a Poisson train.

    Returns
    -------
    ndarray
        One CV per qualifying neuron, in order of node id (neurons with too few spikes are left out).
    """
    if min_spikes < 2:
        raise ValueError("a CV needs at least two spikes (one interval); min_spikes must be >= 2")
    times, ids = _checked(times_ms, node_ids, n_neurons, t_start_ms, t_stop_ms)
    order = np.lexsort((times, ids))
    times, ids = times[order], ids[order]
    same_neuron = ids[1:] == ids[:-1]
    intervals = np.diff(times)[same_neuron]
    owners = ids[1:][same_neuron]
    n_intervals = np.bincount(owners, minlength=n_neurons)
    qualifying = np.bincount(ids, minlength=n_neurons) >= min_spikes
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(owners, weights=intervals, minlength=n_neurons) / n_intervals
        # two passes (deviations from each neuron's mean) so a regular train gives exactly 0, not rounding noise
        deviations = intervals - mean[owners]
        variance = np.bincount(owners, weights=deviations ** 2, minlength=n_neurons) / n_intervals
        cv = np.sqrt(variance) / mean
    return cv[qualifying & (mean > 0)]


def _binned_counts(times: np.ndarray, ids: np.ndarray, rows: np.ndarray, n_neurons: int, t_start_ms: float,
                   t_stop_ms: float, bin_ms: float):
    """Sparse (len(rows) x n_bins) spike counts of the neurons ``rows``; the last partial bin is dropped."""
    from scipy import sparse

    n_bins = _n_bins(t_start_ms, t_stop_ms, bin_ms)
    row_of = np.full(n_neurons, -1, dtype=np.int64)
    row_of[rows] = np.arange(rows.size)
    row = row_of[ids]
    bins = np.floor((times - t_start_ms) / bin_ms).astype(np.int64)
    keep = (row >= 0) & (bins < n_bins)
    matrix = sparse.coo_matrix((np.ones(int(keep.sum())), (row[keep], bins[keep])),
                               shape=(rows.size, n_bins)).tocsr()
    return matrix, n_bins


def _n_bins(t_start_ms: float, t_stop_ms: float, bin_ms: float) -> int:
    """Whole bins in the window (a small tolerance keeps e.g. 1000 ms / 2 ms from rounding down to 499)."""
    n_bins = int(math.floor((t_stop_ms - t_start_ms) / bin_ms + 1e-9))
    if n_bins < 2:
        raise ValueError(f"the analysis window holds fewer than two {bin_ms:g} ms bins")
    return n_bins


def spike_count_correlations(times_ms, node_ids, n_neurons: int, t_start_ms: float, t_stop_ms: float,
                             bin_ms: float = CORRELATION_BIN_MS, sample_neurons: int = CORRELATION_SAMPLE_NEURONS,
                             seed: int = DEFAULT_SAMPLE_SEED) -> np.ndarray:
    """Pearson correlation coefficients of binned spike counts, for every pair of a sample of spiking neurons.

    Parameters
    ----------
    bin_ms : float
        Bin width; the window's last partial bin is dropped.
    sample_neurons : int
        At most this many neurons are drawn, without replacement, from those with at least one spike in the
        window (silent neurons have no defined correlation and are excluded); neurons whose binned count is
        constant are dropped after binning for the same reason.
    seed : int
        Seed of the sample (``numpy.random.default_rng``).

    Returns
    -------
    ndarray
        One coefficient per pair (upper triangle of the sample's correlation matrix); empty if fewer than two
        neurons qualify.
    """
    times, ids = _checked(times_ms, node_ids, n_neurons, t_start_ms, t_stop_ms)
    active = np.unique(ids)
    if active.size > sample_neurons:
        active = np.sort(np.random.default_rng(seed).choice(active, size=sample_neurons, replace=False))
    if active.size < 2:
        return np.empty(0)
    counts, n_bins = _binned_counts(times, ids, active, n_neurons, t_start_ms, t_stop_ms, bin_ms)
    sums = np.asarray(counts.sum(axis=1)).ravel()
    products = (counts @ counts.T).toarray()
    covariance = products / n_bins - np.outer(sums, sums) / n_bins ** 2
    variance = np.diag(covariance).copy()
    # a non-constant integer series has variance >= ~1/n_bins, far above the rounding error tolerated here
    varying = variance > 1e-12
    covariance = covariance[np.ix_(varying, varying)]
    sd = np.sqrt(variance[varying])
    correlation = covariance / np.outer(sd, sd)
    upper = np.triu_indices(correlation.shape[0], k=1)
    return np.clip(correlation[upper], -1.0, 1.0)


def synchrony(times_ms, node_ids, n_neurons: int, t_start_ms: float, t_stop_ms: float,
              bin_ms: float = SYNCHRONY_BIN_MS, sample_neurons: int = SYNCHRONY_SAMPLE_NEURONS,
              seed: int = DEFAULT_SAMPLE_SEED) -> float:
    """Variance / mean of the summed spike count of a neuron sample in ``bin_ms`` bins (Potjans & Diesmann 2014).

    The sample is at most ``sample_neurons`` neurons drawn without replacement from the whole population
    (silent neurons included, as in a recording). NaN when the sample did not spike in the window.
    """
    times, ids = _checked(times_ms, node_ids, n_neurons, t_start_ms, t_stop_ms)
    if n_neurons > sample_neurons:
        chosen = np.zeros(n_neurons, dtype=bool)
        chosen[np.random.default_rng(seed).choice(n_neurons, size=sample_neurons, replace=False)] = True
        times = times[chosen[ids]]
    n_bins = _n_bins(t_start_ms, t_stop_ms, bin_ms)
    bins = np.floor((times - t_start_ms) / bin_ms).astype(np.int64)
    histogram = np.bincount(bins[bins < n_bins], minlength=n_bins)
    mean = histogram.mean()
    return float(histogram.var() / mean) if mean > 0 else float("nan")


@dataclass(frozen=True)
class KSDistance:
    """Two-sample Kolmogorov-Smirnov comparison of two per-neuron distributions."""

    statistic: float
    pvalue: float
    n_a: int
    n_b: int

    def to_dict(self) -> dict:
        return {"statistic": self.statistic, "pvalue": self.pvalue, "n_a": self.n_a, "n_b": self.n_b}


def ks_distance(sample_a, sample_b) -> Optional[KSDistance]:
    """Two-sample KS statistic (largest gap between the empirical CDFs) and its p-value; NaNs are dropped.

    Returns None when either sample is empty (e.g. a population with no neuron that has a CV).
    """
    from scipy import stats

    a = np.asarray(sample_a, dtype=float).ravel()
    b = np.asarray(sample_b, dtype=float).ravel()
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if a.size == 0 or b.size == 0:
        return None
    result = stats.ks_2samp(a, b)
    return KSDistance(float(result.statistic), float(result.pvalue), int(a.size), int(b.size))


@dataclass(frozen=True)
class PopulationStatistics:
    """The statistics of one population over one analysis window, with the per-neuron samples behind them."""

    name: str
    n_neurons: int
    t_start_ms: float
    t_stop_ms: float
    #: per neuron, silent neurons included
    rates_hz: np.ndarray = field(repr=False)
    #: per neuron with at least CV_MIN_SPIKES spikes
    cvs: np.ndarray = field(repr=False)
    #: per sampled pair of spiking neurons
    correlations: np.ndarray = field(repr=False)
    synchrony: float = float("nan")

    def summary(self) -> dict:
        """Means and counts (JSON-safe); a mean over an empty sample is None."""
        def mean(values):
            return float(np.mean(values)) if np.size(values) else None

        return {
            "neurons": self.n_neurons,
            "mean_rate_hz": mean(self.rates_hz),
            "silent_neurons": int(np.count_nonzero(self.rates_hz == 0)),
            "mean_cv_isi": mean(self.cvs),
            "neurons_with_cv": int(self.cvs.size),
            "mean_correlation": mean(self.correlations),
            "correlation_pairs": int(self.correlations.size),
            "synchrony": None if math.isnan(self.synchrony) else self.synchrony,
        }


def population_statistics(name: str, times_ms, node_ids, n_neurons: int, t_start_ms: float, t_stop_ms: float,
                          seed: int = DEFAULT_SAMPLE_SEED) -> PopulationStatistics:
    """All statistics of one population (see the module docstring for each definition)."""
    return PopulationStatistics(
        name=name, n_neurons=n_neurons, t_start_ms=t_start_ms, t_stop_ms=t_stop_ms,
        rates_hz=firing_rates_hz(times_ms, node_ids, n_neurons, t_start_ms, t_stop_ms),
        cvs=isi_cvs(times_ms, node_ids, n_neurons, t_start_ms, t_stop_ms),
        correlations=spike_count_correlations(times_ms, node_ids, n_neurons, t_start_ms, t_stop_ms, seed=seed),
        synchrony=synchrony(times_ms, node_ids, n_neurons, t_start_ms, t_stop_ms, seed=seed),
    )


def network_statistics(spikes: Mapping[str, tuple], sizes: Mapping[str, int], t_start_ms: float, t_stop_ms: float,
                       seed: int = DEFAULT_SAMPLE_SEED) -> dict[str, PopulationStatistics]:
    """:func:`population_statistics` of every population in ``sizes`` (a population without spikes is silent)."""
    empty = (np.empty(0), np.empty(0, dtype=np.int64))
    return {
        name: population_statistics(name, *spikes.get(name, empty), size, t_start_ms, t_stop_ms, seed=seed)
        for name, size in sizes.items()
    }


def compare_populations(test: Mapping[str, PopulationStatistics],
                        reference: Mapping[str, PopulationStatistics]) -> dict[str, dict[str, Optional[dict]]]:
    """KS distances of per-neuron rates, CVs and pair correlations, population by population (shared names)."""
    compared = {}
    for name in test:
        if name not in reference:
            continue
        a, b = test[name], reference[name]
        compared[name] = {
            measure: (lambda d: d.to_dict() if d is not None else None)(
                ks_distance(getattr(a, attribute), getattr(b, attribute)))
            for measure, attribute in (("rate", "rates_hz"), ("cv_isi", "cvs"), ("correlation", "correlations"))
        }
    return compared
