"""The tabulated binomial sampler of PoissonInput (simnet.simulation.poisson_table): Brian2's distribution, drawn another way.

The design claims the table turns every uniform into the count Brian2's inversion loop turns it into. The C++
tests compile both samplers into one small program fed the same uniforms and check that claim draw by draw, and
check the table's counts against the binomial distribution (scipy) with a chi-square test that fails for a wrong
table; a run of a network on the cpp backend gives the same spikes with either sampler.
"""
import shutil
import subprocess

import brian2
import numpy as np
import pytest
from brian2 import Hz, ms
from brian2.input.binomial import _generate_cpp_code

from simnet.pipeline import RunPlan, execute
from simnet.simulation.backends import get_backend
from simnet.simulation.poisson_table import binomial_cdf, tabulate_binomials, tabulated_cpp
from simnet.simulation.settings import RunSettings
from simnet.specs.model_spec import ModelSpec, PoissonBackground, Population

#: (n, p): the column's background (n p about 1.3 and 2.3 at dt 0.1 ms), small n, p > 0.5 (Brian2 draws n - X),
#: and n p close to the normal approximation's threshold (5)
CASES = [(1600, 0.0008), (2900, 0.0008), (10, 0.3), (10, 0.9), (30, 0.15)]


@pytest.mark.parametrize("n, p", CASES)
def test_binomial_table_is_the_binomial_distribution(n, p):
    from scipy import stats

    cdf, reverse = binomial_cdf(n, p)
    assert reverse == (p > 0.5)
    small = min(p, 1 - p)
    assert np.allclose(cdf, stats.binom.cdf(np.arange(len(cdf)), n, small), rtol=0, atol=1e-12)
    # the table reaches Brian2's bound, n p + 10 sqrt(n p q + 1), beyond which Brian2 draws again
    assert len(cdf) - 1 == int(min(n, n * small + 10 * np.sqrt(n * small * (1 - small) + 1)))
    assert f"static const double _cdf[{len(cdf)}]" in tabulated_cpp(n, p, "draw")
    assert (f"return {n} - X;" in tabulated_cpp(n, p, "draw")) == reverse


def test_only_the_inversion_is_tabulated():
    brian2.prefs.codegen.target = "numpy"
    try:
        group = brian2.NeuronGroup(3, "v : 1")
        assert tabulate_binomials(brian2.PoissonInput(group, "v", 1600, 8 * Hz, 0.1)) == 1
        assert tabulate_binomials(brian2.PoissonInput(group, "v", 100000, 8 * Hz, 0.1)) == 0  # n p = 80: normal
    finally:
        brian2.prefs.reset_to_defaults()


_HARNESS = """
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <vector>
static std::mt19937_64 _engine;
static double _rand(const int) { return (_engine() >> 11) / 9007199254740992.0; }  // uniform on [0, 1): 53 bits / 2^53
%(brian2)s
%(table)s
int main(int argc, char **argv) {
    const long draws = std::atol(argv[1]);
    std::vector<long> brian2_counts(draws);
    _engine.seed(20261126);
    for (long i = 0; i < draws; i++) brian2_counts[i] = brian2_draw(0);
    _engine.seed(20261126);  // the same uniforms again
    long differ = 0;
    std::map<long, long> histogram;
    for (long i = 0; i < draws; i++) {
        const long x = table_draw(0);
        differ += x != brian2_counts[i];
        histogram[x]++;
    }
    std::printf("%%ld\\n", differ);
    for (const auto &entry : histogram) std::printf("%%ld %%ld\\n", entry.first, entry.second);
    return 0;
}
"""


def _compile_samplers(n, p, directory):
    source = directory / f"samplers_{n}_{p}.cpp"
    source.write_text(_HARNESS % {"brian2": _generate_cpp_code(n, p, False, "brian2_draw")[0]["support_code"],
                                  "table": tabulated_cpp(n, p, "table_draw")})
    binary = directory / f"samplers_{n}_{p}"
    subprocess.run([shutil.which("g++") or "c++", "-O2", "-std=c++11", str(source), "-o", str(binary)], check=True)
    return binary


@pytest.mark.slow
@pytest.mark.parametrize("n, p", CASES)
def test_cpp_table_draws_brian2s_counts_and_the_binomial_distribution(n, p, tmp_path):
    from scipy import stats

    draws = 400_000
    output = subprocess.run([str(_compile_samplers(n, p, tmp_path)), str(draws)], capture_output=True, text=True,
                            check=True).stdout.split("\n")
    assert int(output[0]) == 0  # every uniform gave Brian2's count
    histogram = dict(tuple(map(int, line.split())) for line in output[1:] if line)
    assert sum(histogram.values()) == draws
    # chi-square goodness of fit against Binomial(n, p), the tails pooled until each bin expects >= 20 draws
    k = np.arange(n + 1)
    expected = stats.binom.pmf(k, n, p) * draws
    observed = np.array([histogram.get(int(x), 0) for x in k], dtype=float)
    keep = expected >= 20
    low, high = k[keep][0], k[keep][-1]
    bins_observed = np.concatenate([[observed[: low + 1].sum()], observed[low + 1: high], [observed[high:].sum()]])
    bins_expected = np.concatenate([[expected[: low + 1].sum()], expected[low + 1: high], [expected[high:].sum()]])
    assert len(bins_observed) >= 3
    result = stats.chisquare(bins_observed, bins_expected * draws / bins_expected.sum())
    assert result.pvalue > 1e-4, (result, bins_observed, bins_expected)


@pytest.mark.slow
def test_chi_square_rejects_a_wrong_table(tmp_path, monkeypatch):
    """The distribution test can fail: a table for a p 5 % too large is rejected."""
    from scipy import stats

    from simnet.simulation import poisson_table

    n, p, draws = 1600, 0.0008, 400_000
    right = poisson_table.binomial_cdf
    monkeypatch.setattr(poisson_table, "binomial_cdf", lambda n_, p_: right(n_, p_ * 1.05))
    output = subprocess.run([str(_compile_samplers(n, p, tmp_path)), str(draws)], capture_output=True, text=True,
                            check=True).stdout.split("\n")
    assert int(output[0]) > 0
    histogram = dict(tuple(map(int, line.split())) for line in output[1:] if line)
    k = np.arange(9)
    observed = np.array([histogram.get(int(x), 0) for x in k[:-1]] + [sum(v for x, v in histogram.items() if x >= 8)])
    expected = np.append(stats.binom.pmf(k[:-1], n, p), stats.binom.sf(7, n, p)) * draws
    assert stats.chisquare(observed, expected).pvalue < 1e-4


def _poisson_driven_spec():
    """Integrators driven only by a Poisson background (n = 200, p = 0.004 per step), weights exact."""
    population = Population("cells", 50, "v : 1", threshold="v > 4", reset="v = 0", method="euler")
    background = PoissonBackground("background", "cells", "v", 200, 40 * Hz, "1.0/16")
    return ModelSpec("poisson_driven", None, (population,), inputs=(background,), dt=0.1 * ms)


@pytest.mark.slow
def test_cpp_runs_with_either_sampler_give_identical_spikes(tmp_path):
    """The same seed gives the same uniforms, and the table turns them into the same counts: identical spikes.

    Also checks that the vector math library (simd_math) builds and runs, and that the FLOP count follows the
    sampler."""
    spikes, flops = {}, {}
    for sampler in ("brian2", "table"):
        settings = RunSettings(threads=1, progress=False, build_root=tmp_path, poisson_sampler=sampler)
        record = execute(RunPlan(_poisson_driven_spec(), get_backend("cpp"), settings, duration_s=0.2, seed=7,
                                 record_spikes=True))
        spikes[sampler] = tuple(record.spikes("cells"))
        flops[sampler] = next(row["flops_per_element"] for row in record.cost_detail["flops"]["rows"]
                              if row["category"] == "input")
        assert record.backend["poisson_sampler"] == sampler and record.backend["simd_math"] is True
    assert len(spikes["table"][0]) > 100
    for a, b in zip(spikes["brian2"], spikes["table"]):
        np.testing.assert_array_equal(a, b)
    # the rest of the statement is the same; the draw costs 4 + 12 n p (Brian2's loop) or 3 + T (the table)
    n, p = 200, float(40 * Hz * 0.1 * ms)
    assert flops["brian2"] - flops["table"] == pytest.approx((4 + 12 * n * p) - (3 + len(binomial_cdf(n, p)[0])))
