"""Power laws fitted to measured scaling: wall-clock per biological second against network size.

:func:`fit_power_law` fits ``y = prefactor * x**exponent`` by least squares in log-log space and gives a
confidence interval for the exponent and a confidence band for the fitted mean at any ``x`` (Student's t with
n - 2 degrees of freedom). Extrapolating that band far beyond the measured range is exactly what a reader must be
warned about, so every prediction can also say how many orders of magnitude beyond the largest measured ``x`` it
reaches. :func:`scaling_series` reads the points of a sweep or bench summary. Pure functions, no I/O.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

__all__ = ["SIZE_OPTIONS", "PowerLawFit", "fit_power_law", "scaling_series", "fit_scaling", "mixes_hosts",
           "scaling_fits", "choose_fit"]

#: Model options that set the number of neurons (COBAHH's ``neurons``, the column's ``scale``): the x axis of a
#: scaling series, not a separate series.
SIZE_OPTIONS = ("neurons", "scale")


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



def scaling_series(points) -> dict[str, dict]:
    """The successful points of a sweep or bench summary as scaling series.

    One series per runner and per value of any swept option other than :data:`SIZE_OPTIONS`:
    ``name -> {"runner", "options", "neurons": [(neurons, median)], "synapses": [(synapses, median)],
    "host_kinds"}``, where median is the point's ``sim_wall_s_per_bio_s_median`` and ``host_kinds`` the kinds of
    host its points ran on (as far as the summary says). Failed points (``status`` other than "ok") are left
    out; their reasons stay in the summary.

    Raises
    ------
    ValueError
        When ``points`` is not a non-empty list, or a successful point lacks ``runner``, a positive
        ``neurons`` or a positive ``sim_wall_s_per_bio_s_median``.
    """
    if not isinstance(points, list) or not points:
        raise ValueError("the scaling summary has no points (expected a non-empty list under 'points')")
    series: dict[str, dict] = {}
    for index, point in enumerate(points):
        if not isinstance(point, dict):
            raise ValueError(f"scaling point {index} is not a JSON object")
        if point.get("status", "ok") != "ok":
            continue
        try:
            runner = str(point["runner"])
            neurons = float(point["neurons"])
            wall = float(point["sim_wall_s_per_bio_s_median"])
            synapses = float(point["synapses"]) if point.get("synapses") else None
        except (KeyError, TypeError, ValueError):
            raise ValueError(f"scaling point {index} lacks a runner, a number of neurons or a numeric "
                             "sim_wall_s_per_bio_s_median") from None
        if not (math.isfinite(neurons) and neurons > 0 and math.isfinite(wall) and wall > 0):
            raise ValueError(f"scaling point {index} ({runner}) has a non-positive size or wall time")
        options = point.get("options") if isinstance(point.get("options"), dict) else {}
        others = {k: v for k, v in options.items() if k not in SIZE_OPTIONS}
        name = runner + (f" ({', '.join(f'{k}={v}' for k, v in others.items())})" if others else "")
        entry = series.setdefault(name, {"runner": runner, "options": others, "neurons": [], "synapses": [],
                                         "host_kinds": []})
        entry["host_kinds"] = sorted(set(entry["host_kinds"]) | set(point.get("host_kinds") or []))
        entry["neurons"].append((neurons, wall))
        if synapses:
            entry["synapses"].append((synapses, wall, neurons))
    if not series:
        raise ValueError("the scaling summary has no successful points")
    for entry in series.values():
        entry["synapses"] = _synapses_by_size(entry["synapses"])
    return series


def _synapses_by_size(points: list) -> list[tuple[float, float]]:
    """``(synapses, wall)`` with one synapse count per network size: the median of its seeds' counts.

    Seeds of one size draw slightly different numbers of synapses; fitted as distinct sizes they would give an
    exponent from noise (a few synapses' difference against the spread of the loop times).
    """
    import statistics

    by_size: dict[float, list[float]] = {}
    for synapses, _, neurons in points:
        by_size.setdefault(neurons, []).append(synapses)
    median = {neurons: statistics.median(counts) for neurons, counts in by_size.items()}
    return [(median[neurons], wall) for _, wall, neurons in points]


def fit_scaling(pairs, confidence: float = 0.95) -> PowerLawFit | None:
    """The power law through ``(size, wall per biological second)`` pairs, or None with fewer than two sizes."""
    if len({x for x, _ in pairs}) < 2:
        return None
    return fit_power_law([x for x, _ in pairs], [y for _, y in pairs], confidence)


def mixes_hosts(entry: dict) -> bool:
    """Whether a series of :func:`scaling_series` was measured on hosts of more than one kind."""
    return len(entry.get("host_kinds") or ()) > 1


def scaling_fits(series: dict[str, dict], axis: str = "neurons", confidence: float = 0.95) -> dict[str, PowerLawFit]:
    """A power law per series (of :func:`scaling_series`) measured at two or more distinct sizes on ``axis``,
    on hosts of one kind (a law across kinds of machine would mix machines, so none is fitted)."""
    fits = {}
    for name, entry in series.items():
        if mixes_hosts(entry):
            continue
        fit = fit_scaling(entry[axis], confidence)
        if fit is not None:
            fits[name] = fit
    return fits


def choose_fit(fits: dict[str, PowerLawFit], backend: str) -> tuple[str, str]:
    """The runner whose fit a record of ``backend`` uses, and a note saying why.

    The record's own backend when the summary has it; otherwise the runner measured at the most sizes
    (ties by name), with a note that the fit comes from a different runner.
    """
    if not fits:
        raise ValueError("no runner in the scaling summary was measured at two or more distinct sizes")
    for name in (backend, f"simnet-{backend}"):  # bench names simnet's runners "simnet-<backend>"
        if name in fits:
            return name, f"runner '{name}' (the record's backend)"
    runner = sorted(fits, key=lambda name: (-fits[name].n_points, name))[0]
    return runner, (f"runner '{runner}' (the summary has no '{backend}' runner, the record's backend; "
                    f"its scaling exponent is borrowed)")
