"""A cheaper exact equivalent of Brian2's binomial sampler in generated C++, for ``PoissonInput``.

Brian2's ``PoissonInput`` draws, per target neuron and step, the number of input events from Binomial(n, p)
(``brian2.input.binomial``): unless n p > 5 (then a normal approximation), by inversion, numpy's
``rk_binomial_inversion``: one uniform U, then a loop that subtracts P(X = k) from U, k = 0, 1, ..., computing
each P(X = k) from the last with a multiplication and a division, until U no longer exceeds it; past a bound
(n p + 10 sqrt(n p q + 1)) it starts again with a new U. That loop (a division and a hard-to-predict branch per
step) costs more than the uniform itself.

:func:`tabulate_binomials` replaces the C++ of a ``PoissonInput``'s sampler by the same inversion with the
cumulative probabilities P(X <= k) computed once, by Brian2's recurrence, and written into the code: X is the
number of table entries below U, counted without branches. The same U gives the same X (up to the rounding of the
cumulative sums, about 1e-16), so the distribution, the random numbers drawn and the restart beyond the bound are
Brian2's. Only the ``cpp`` target is replaced (C++ standalone); Cython and numpy keep Brian2's code, and so do
draws that use the normal approximation.
"""
from __future__ import annotations

import math

from brian2.core.functions import DEFAULT_FUNCTIONS
from brian2.input.binomial import BinomialFunction, _pre_calc_constants

__all__ = ["TABLE_ENTRIES", "binomial_cdf", "tabulated_cpp", "tabulate_binomials"]

#: Attribute set on a tabulated BinomialFunction: the number of entries of its table (read by the FLOP count).
TABLE_ENTRIES = "simnet_table_entries"


def binomial_cdf(n: int, p: float) -> tuple[list[float], bool]:
    """P(X <= k) for k = 0 .. floor(bound) as Brian2's inversion computes them, and whether it returns n - X.

    Brian2's own constants (``_pre_calc_constants``: it samples min(p, 1 - p) and returns n - X for p > 0.5),
    written into its C++ with 15 decimals, and its recurrence ``px = ((n - k + 1) P px) / (k q)`` from
    ``px = q**n``.
    """
    reverse, q, small, qn, bound = _pre_calc_constants(n, p)
    q, small, px = (float(f"{value:.15f}") for value in (q, small, qn))
    cdf, total = [], 0.0
    for k in range(int(math.floor(float(f"{bound:.15f}"))) + 1):
        if k > 0:
            px = ((n - k + 1) * small * px) / (k * q)
        total += px
        cdf.append(total)
    return cdf, bool(reverse)


def tabulated_cpp(n: int, p: float, name: str) -> str:
    """C++ of ``long name(const int vectorisation_idx)``: Brian2's inversion of Binomial(n, p) with a table."""
    cdf, reverse = binomial_cdf(n, p)
    last = len(cdf) - 1
    table = ", ".join(f"{value:.17g}" for value in cdf)
    result = f"{int(n)} - X" if reverse else "X"
    return f"""
    long {name}(const int vectorisation_idx)
    {{
        // Brian2's binomial inversion with P(X <= k) tabulated (simnet.simulation.poisson_table): the same U gives the same X
        static const double _cdf[{last + 1}] = {{{table}}};
        double U = _rand(vectorisation_idx);
        while (U > _cdf[{last}])  // beyond Brian2's bound: a new uniform, as Brian2 does
            U = _rand(vectorisation_idx);
        long X = 0;
        for (int _k = 0; _k < {last}; _k++)
            X += U > _cdf[_k];
        return {result};
    }}
    """


def tabulate_binomials(poisson_input) -> int:
    """Give the C++ target of a ``PoissonInput``'s binomial sampler the tabulated code; returns how many
    samplers were replaced (none when Brian2 uses its normal approximation, n p > 5 and n (1 - p) > 5)."""
    n = int(poisson_input.N)
    p = float(poisson_input.rate * poisson_input.clock.dt)
    if n * p > 5 and n * (1 - p) > 5:
        return 0
    replaced = 0
    for variable in poisson_input.variables.values():
        if isinstance(variable, BinomialFunction):
            variable.implementations.add_implementation(
                "cpp", {"support_code": tabulated_cpp(n, p, variable.name)},
                dependencies={"_rand": DEFAULT_FUNCTIONS["rand"]}, name=variable.name)
            setattr(variable, TABLE_ENTRIES, len(binomial_cdf(n, p)[0]))
            replaced += 1
    return replaced
