"""Fits and projections: from measured runs to human scale. Pure functions, no I/O.

Scaling is measured, not assumed: :func:`fit_power_law` fits ``y = prefactor * x**exponent`` by least squares
in log-log space and gives a confidence interval for the exponent and a confidence band for the fitted mean at
any ``x`` (Student's t with n - 2 degrees of freedom). Extrapolating that band far beyond the measured range is
exactly what a reader must be warned about, so every prediction also says how many orders of magnitude beyond
the largest measured ``x`` it reaches.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

#: Seconds in a (Julian-ish) year as document 003 uses it: 3.154e7 s.
SECONDS_PER_YEAR = 3.154e7
#: The documents' training horizon: 15 biological years.
FIFTEEN_YEARS_S = 15 * SECONDS_PER_YEAR
#: The documents' range of simulated cortical neurons.
HUMAN_SCALE_NEURONS = (1.3e9, 1.3e10)


def total_flops(flops_per_neuron_per_bio_s: float, neurons: float, bio_seconds: float) -> float:
    """FLOPs to simulate ``neurons`` for ``bio_seconds``, at a per-neuron cost taken as constant with size."""
    return flops_per_neuron_per_bio_s * neurons * bio_seconds


def wall_seconds_linear(sim_wall_s_per_bio_s: float, measured_neurons: float, neurons: float,
                        bio_seconds: float) -> float:
    """Wall-clock seconds on the measured device if loop time grows linearly with neurons (the documents'
    assumption), for ``bio_seconds`` of biological time at ``neurons``."""
    return sim_wall_s_per_bio_s * (neurons / measured_neurons) * bio_seconds


@dataclass(frozen=True)
class PowerLawFit:
    """``y = prefactor * x**exponent`` fitted in log10 space to ``n_points`` measurements."""

    exponent: float
    exponent_low: float
    exponent_high: float
    prefactor: float
    confidence: float
    n_points: int
    x_min: float
    x_max: float
    #: residual standard deviation in log10(y)
    residual_sd_log10: float
    # Kept to compute the band at any x: mean of log10(x), sum of squared deviations, t quantile.
    mean_log10_x: float
    sxx_log10: float
    t_quantile: float

    def predict(self, x: float) -> tuple[float, float, float]:
        """(central, low, high) of the fitted mean at ``x``; low/high are the confidence band."""
        lx = math.log10(x)
        central = math.log10(self.prefactor) + self.exponent * lx
        if self.n_points > 2 and self.sxx_log10 > 0:
            se = self.residual_sd_log10 * math.sqrt(1.0 / self.n_points + (lx - self.mean_log10_x) ** 2 / self.sxx_log10)
        else:
            se = float("nan")
        half = self.t_quantile * se
        return 10 ** central, 10 ** (central - half), 10 ** (central + half)

    def orders_beyond(self, x: float) -> float:
        """How many orders of magnitude ``x`` lies beyond the largest measured x (0 inside the range)."""
        return max(0.0, math.log10(x / self.x_max))

    def to_dict(self) -> dict:
        return asdict(self)


def fit_power_law(x, y, confidence: float = 0.95) -> PowerLawFit:
    """Least-squares fit of ``log10 y = log10 prefactor + exponent * log10 x``.

    Parameters
    ----------
    x, y : sequences of positive floats
        At least two points with at least two distinct ``x``; with exactly two the fit is exact and the
        interval is unknown (NaN).
    confidence : float
        Two-sided confidence level of the exponent interval and of the band returned by ``predict``.
    """
    from scipy import stats

    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError("x and y must be one-dimensional and of the same length")
    if np.any(x <= 0) or np.any(y <= 0) or not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise ValueError("a power law needs positive, finite x and y")
    if len(np.unique(x)) < 2:
        raise ValueError("a power law needs measurements at two or more distinct sizes")
    if not 0 < confidence < 1:
        raise ValueError("confidence must lie between 0 and 1")
    lx, ly = np.log10(x), np.log10(y)
    n = len(x)
    mean_lx = float(lx.mean())
    sxx = float(((lx - mean_lx) ** 2).sum())
    exponent = float(((lx - mean_lx) * (ly - ly.mean())).sum() / sxx)
    intercept = float(ly.mean() - exponent * mean_lx)
    residuals = ly - (intercept + exponent * lx)
    if n > 2:
        residual_sd = float(math.sqrt((residuals ** 2).sum() / (n - 2)))
        t_quantile = float(stats.t.ppf(0.5 + confidence / 2, n - 2))
        half = t_quantile * residual_sd / math.sqrt(sxx)
    else:
        residual_sd, t_quantile, half = float("nan"), float("nan"), float("nan")
    return PowerLawFit(
        exponent=exponent, exponent_low=exponent - half, exponent_high=exponent + half,
        prefactor=10 ** intercept, confidence=confidence, n_points=n,
        x_min=float(x.min()), x_max=float(x.max()), residual_sd_log10=residual_sd,
        mean_log10_x=mean_lx, sxx_log10=sxx, t_quantile=t_quantile,
    )
