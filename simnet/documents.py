"""The seed documents' quantitative claims, recomputed and checked.

The seed documents (``shared/seeds/000`` to ``004``) estimate what it would cost to simulate a human brain,
or half a neocortex, and compare the result with the training compute of GPT-3 and PaLM. Each chain of
arithmetic they write down is a small named function below, whose keyword defaults are the inputs as the
document states them, each a :class:`Stated` value that says where it was stated (document id and a short
quote). :func:`reproduce_all` recomputes every claim, compares it with the figure the document wrote, and
returns one :class:`Reproduction` per claim; :func:`format_table` lays them out for a terminal.

Where a document reads published data, the claim is also checked against the data themselves
(``data/brian2genn_benchmarks`` through :mod:`simnet.published`, ``data/ml_training_compute.csv``,
``data/hardware.csv``), and the estimate is redone with the correct reading, by the document's own method.

Verdict rules
-------------
A claim is "consistent" when the recomputed value passes the rule named in its record, otherwise
"inconsistent: <reason>". The rules, from strictest to loosest:

``rounding``
    One line of arithmetic, recomputed from the values written on that line, or a value copied from an
    earlier line or from a table: rounded to as many significant figures as the document wrote, the
    recomputed value must equal the written figure (4.731e8 -> "4.73e8"; 17.7 -> "20"; but 8.06 -> "8",
    not "10"). Trailing zeros of whole numbers are not significant ("20", "3840"). This is what a correct
    restatement at the written precision satisfies, and it catches a number copied wrongly (4.73e8
    written again as 4.78e8).
``chain (2 %)``
    A whole chain recomputed from its primary inputs without the document's intermediate rounding: the
    document rounds each of up to four intermediate results to three figures, each by at most 0.5 %, so
    2 % separates rounding from error.
``log-axis reading (0.1 decade)``
    A value read off a logarithmic axis: within a factor 10**0.1 (26 %).
``orders of magnitude (+-0.5)``
    "about N OOMs over X": log10(estimate / X) must round to N.
``bound``
    "less than", "over", "at most": the recomputed value must satisfy the inequality.
"""
from __future__ import annotations

import functools
import inspect
import math
import re
import textwrap
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable, Sequence

from simnet import published
from simnet.reference import Table, read_table

# --------------------------------------------------------------------------------------------------
# Provenance and records
# --------------------------------------------------------------------------------------------------

#: The seed documents, by the id used in records (the file is ``shared/seeds/<id>_<hash>.txt``, e.g.
#: ``003_d37d81a3b6f24118.txt``).
DOCUMENTS = {
    "000": "comments: synaptic operations and thermodynamic limits",
    "001": "comments: brain FLOP/s, the RTX 4090 and GPT-3",
    "002": "comments by Gerald Monroe: synapses as MACs, GPUs for a human brain",
    "003": "post: compute to emulate half a neocortex (Numenta, spiking nets, Blue Brain)",
    "004": "post 'Parameter vs Synapse?' (Tomas B., 2021-03-11)",
}

#: Relative tolerance for a whole chain recomputed without intermediate rounding.
CHAIN_TOLERANCE = 0.02

#: How far (in decades) a value read off a logarithmic axis may be from the true one.
LOG_READING_DECADES = 0.1

#: "About N orders of magnitude" holds when log10 of the ratio is within this of N.
OOM_HALF_WIDTH = 0.5

#: Joules per electronvolt (exact in the 2019 SI).
JOULES_PER_EV = 1.602176634e-19


@dataclass(frozen=True)
class Stated:
    """A number as a source states it.

    Parameters
    ----------
    value : float
    unit : str
    source : str
        Seed document id (``"003"``), reference table (``"hardware.csv"``), ``"data"`` for a value derived
        from the published benchmark files, or ``"ext"`` for a figure from outside this repository.
    where : str
        A short quote or label locating it in the source.
    """

    value: float
    unit: str
    source: str
    where: str


@dataclass(frozen=True)
class StatedInput:
    """One named input of a recomputed claim, with where it was stated."""

    name: str
    value: float
    unit: str
    source: str
    where: str

    def to_dict(self) -> dict:
        return {"name": self.name, "value": _json_number(self.value), "unit": self.unit,
                "source": self.source, "where": self.where}


@dataclass(frozen=True)
class Reproduction:
    """One claim of a document: what it states, what recomputing it gives, and the verdict.

    ``stated_text`` is the figure as the document wrote it (its precision matters for the rounding rule);
    ``stated`` is its value in ``unit``. ``ratio`` is recomputed / stated.
    """

    id: str
    document: str
    claim: str
    inputs: tuple[StatedInput, ...]
    stated_text: str
    stated: float
    unit: str
    recomputed: float
    rule: str
    consistent: bool
    verdict: str
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ratio(self) -> float:
        """Recomputed over stated (NaN when the stated value is zero)."""
        return self.recomputed / self.stated if self.stated else math.nan

    def to_dict(self) -> dict:
        """Plain JSON types only (non-finite numbers become None)."""
        return {
            "id": self.id,
            "document": self.document,
            "claim": self.claim,
            "inputs": [item.to_dict() for item in self.inputs],
            "stated_text": self.stated_text,
            "stated": _json_number(self.stated),
            "unit": self.unit,
            "recomputed": _json_number(self.recomputed),
            "ratio": _json_number(self.ratio),
            "rule": self.rule,
            "consistent": self.consistent,
            "verdict": self.verdict,
            "notes": list(self.notes),
        }


def sci(value: float, figures: int = 4) -> str:
    """Compact figure for text: ``5.995e8`` for large or small values, ``873.7`` in between."""
    if not math.isfinite(value):
        return "-"
    if value == 0:
        return "0"
    mantissa, exponent = f"{value:.{figures - 1}e}".split("e")
    if not 1e-2 <= abs(value) < 1e5:
        if "." in mantissa:
            mantissa = mantissa.rstrip("0").rstrip(".")
        return f"{mantissa}e{int(exponent)}"
    rounded = float(f"{mantissa}e{exponent}")
    decimals = max(0, figures - 1 - int(exponent))
    text = f"{rounded:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _json_number(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def calculation(function: Callable[..., float]) -> Callable[..., float]:
    """Let a calculation take :class:`Stated` or plain numbers; its body sees plain floats.

    The wrapped function keeps its signature (``inspect.signature`` follows ``__wrapped__``), so the
    stated inputs can be read from its defaults by :func:`stated_inputs`.
    """
    signature = inspect.signature(function)

    @functools.wraps(function)
    def wrapper(**arguments):
        bound = signature.bind(**arguments)
        bound.apply_defaults()
        plain = {name: value.value if isinstance(value, Stated) else value
                 for name, value in bound.arguments.items()}
        return function(**plain)

    return wrapper


def stated_inputs(function: Callable[..., float], **overrides: Stated) -> tuple[StatedInput, ...]:
    """The inputs a calculation runs on: its defaults, replaced by ``overrides``.

    Raises
    ------
    TypeError
        When an input is missing or is not a :class:`Stated` (every number must say where it came from).
    """
    parameters = inspect.signature(function).parameters
    unknown = set(overrides) - set(parameters)
    if unknown:
        raise TypeError(f"{function.__name__}: no input named {', '.join(sorted(unknown))}")
    result = []
    for name, parameter in parameters.items():
        value = overrides.get(name, parameter.default)
        if not isinstance(value, Stated):
            raise TypeError(f"{function.__name__}: input {name!r} has no stated source ({value!r})")
        result.append(StatedInput(name, float(value.value), value.unit, value.source, value.where))
    return tuple(result)


# --------------------------------------------------------------------------------------------------
# Verdict rules: each takes (stated_text, recomputed) and returns (passes, description)
# --------------------------------------------------------------------------------------------------

Rule = Callable[[str, float], "tuple[bool, str]"]


def _number_in(stated_text: str) -> str:
    """The number inside a stated figure such as ``"<1"``, ``"<=1e10"`` or ``">6e8"``."""
    return stated_text.lstrip("<>=~ ")


def significant_figures(stated_text: str) -> int:
    """Significant figures of a number as written.

    Trailing zeros of a number written without a decimal point or exponent are taken as not significant
    (``"20"`` has one significant figure, ``"3840"`` three, ``"300e9"`` three), as in ordinary writing.
    """
    text = _number_in(stated_text)
    number = Decimal(text)
    if "." not in text and "e" not in text.lower():
        number = number.normalize()
    return max(1, len(number.as_tuple().digits))


def round_to_figures(value: float, figures: int) -> float:
    """``value`` rounded to ``figures`` significant figures."""
    return float(f"{value:.{figures - 1}e}")


def rounding(stated_text: str, recomputed: float) -> tuple[bool, str]:
    """Rounded to as many significant figures as the stated figure has, is ``recomputed`` that figure?"""
    stated = float(_number_in(stated_text))
    figures = significant_figures(stated_text)
    rounded = round_to_figures(recomputed, figures)
    # Relative slack of 1e-9 so that binary floating point cannot fail an exact decimal match.
    passes = math.isclose(rounded, stated, rel_tol=1e-9)
    plural = "s" if figures > 1 else ""
    return passes, f"rounding: must round to {stated_text} at {figures} significant figure{plural}"


def chain(stated_text: str, recomputed: float) -> tuple[bool, str]:
    """Whole chain, no intermediate rounding: within :data:`CHAIN_TOLERANCE`."""
    stated = float(_number_in(stated_text))
    return (abs(recomputed / stated - 1) <= CHAIN_TOLERANCE,
            f"chain: within {CHAIN_TOLERANCE:.0%} (intermediate rounding allowed)")


def log_axis_reading(stated_text: str, recomputed: float) -> tuple[bool, str]:
    """A value read off a logarithmic axis: within :data:`LOG_READING_DECADES` decades."""
    stated = float(_number_in(stated_text))
    return (abs(math.log10(recomputed / stated)) <= LOG_READING_DECADES,
            f"log-axis reading: within {LOG_READING_DECADES} decade")


def orders_of_magnitude(stated_text: str, recomputed: float) -> tuple[bool, str]:
    """"About N OOMs": the recomputed number of decades rounds to N."""
    stated = float(_number_in(stated_text))
    return (abs(recomputed - stated) <= OOM_HALF_WIDTH,
            f"orders of magnitude: within +-{OOM_HALF_WIDTH} of {stated_text}")


def bound(stated_text: str, recomputed: float) -> tuple[bool, str]:
    """The inequality written in ``stated_text`` (``"<1"``, ``"<=1e10"``, ``">6e8"``, ``"0<..<1"``)."""
    if "<..<" in stated_text:
        low, high = (float(part) for part in stated_text.split("<..<"))
        return low < recomputed < high, f"bound: between {low:g} and {high:g}"
    match = re.fullmatch(r"\s*(<=|>=|<|>)\s*(\S+)\s*", stated_text)
    if match is None:
        raise ValueError(f"not an inequality: {stated_text!r}")
    operator, number = match.group(1), float(match.group(2))
    passes = {"<": recomputed < number, "<=": recomputed <= number,
              ">": recomputed > number, ">=": recomputed >= number}[operator]
    return passes, f"bound: {operator} {match.group(2)}"


# --------------------------------------------------------------------------------------------------
# 003: the main document
# --------------------------------------------------------------------------------------------------

def _s003(value: float, unit: str, where: str) -> Stated:
    return Stated(value, unit, "003", where)


@calculation
def half_neocortex_neurons(
        *,
        neocortex_neurons=_s003(26e9, "neurons", "neurons in the human neocortex is around 26 billion"),
        fraction=_s003(0.5, "1", "So let's say 13 billion for the half-neocortex case"),
) -> float:
    """Neurons in half a human neocortex, the size 003 sets out to emulate."""
    return neocortex_neurons * fraction


@calculation
def seconds_per_year(
        *,
        days=Stated(365, "d", "ext", "calendar year"),
        seconds_per_day=Stated(86400, "s", "ext", "24 x 3600 s"),
) -> float:
    """Seconds in a 365-day year (to check 003's 3.154e7 s/year)."""
    return days * seconds_per_day


@calculation
def training_bio_seconds(
        *,
        seconds_per_year=_s003(3.154e7, "s/year", "3.154e7 sec/year * 15 years"),
        years=_s003(15, "years", "for 15 bio_years of 'training time'"),
) -> float:
    """Biological seconds of 'training' (a 15-year upbringing) in 003."""
    return seconds_per_year * years


@calculation
def numenta_pseudo_flop_per_s(
        *,
        int8_ops_per_s=_s003(33.3e12, "INT8 op/s", "Alveo U250 datasheet says it gets 33.3 INT8 TOPs"),
        int8_ops_per_flop=_s003(4, "INT8 op/FLOP", "maybe 4 FP-8bit-OPs per single precision FLOP"),
) -> float:
    """FP32-equivalent rate of the FPGA in 003's Numenta section."""
    return int8_ops_per_s / int8_ops_per_flop


@calculation
def peak_flop_per_s(
        *,
        cores=_s003(3840, "cores", "Titan Xp GPU (3840 cores)"),
        clock_hz=_s003(1.6e9, "Hz", "( 1.6e9 cycles / second)"),
        flop_per_cycle=_s003(2, "FLOP/cycle/core", "2 flops per cycle per core"),
) -> float:
    """Peak rate as 003 computes it: cores x clock x FLOP per cycle (defaults: its TITAN Xp)."""
    return cores * clock_hz * flop_per_cycle


@calculation
def clock_from_peak_hz(
        *,
        peak_flop_per_s,
        cores=_s003(3840, "cores", "Titan Xp GPU (3840 cores)"),
        flop_per_cycle=_s003(2, "FLOP/cycle/core", "2 flops per cycle per core"),
) -> float:
    """Clock implied by a peak rate: peak / (cores x FLOP per cycle)."""
    return peak_flop_per_s / (cores * flop_per_cycle)


@calculation
def snn_benchmark_flop(
        *,
        cores=_s003(3840, "cores", "(1 node * 3840 cores)"),
        clock_hz=_s003(1.6e9, "Hz", "( 1.6e9 cycles / second)"),
        flop_per_cycle=_s003(2, "FLOP/cycle/core", "( 2 flops / cycle)"),
        wall_s=_s003(1e3, "s", "*  1e3 seconds = 1.229e16"),
) -> float:
    """FLOP the GPU could have done while simulating one biological second (003's first line)."""
    return cores * clock_hz * flop_per_cycle * wall_s


@calculation
def flop_per_neuron(
        *,
        flop=_s003(1.229e16, "FLOP", "flops / 2.05e7 neurons = 6.14e6 flp/n"),
        neurons=_s003(2.05e7, "neurons", "for 2.05e7 neurons"),
) -> float:
    """FLOP per simulated neuron (defaults: 003's spiking-net line)."""
    return flop / neurons


@calculation
def training_flop_as_written(
        *,
        flop_per_neuron_bio_s=_s003(6.14e6, "FLOP/neuron/bio-s", "6.14e6 flp/n/s * 4.78e8 bio_seconds"),
        training_bio_s=_s003(4.78e8, "s", "* 4.78e8 bio_seconds * 1.3e9 neurons"),
        neurons=_s003(1.3e9, "neurons", "* 1.3e9 neurons = 3.82e24 flops"),
) -> float:
    """003's last line: rate per neuron x biological seconds x neurons, with its numbers as written."""
    return flop_per_neuron_bio_s * training_bio_s * neurons


@calculation
def spiking_net_training_flop(
        *,
        cores=_s003(3840, "cores", "Titan Xp GPU (3840 cores)"),
        clock_hz=_s003(1.6e9, "Hz", "( 1.6e9 cycles / second)"),
        flop_per_cycle=_s003(2, "FLOP/cycle/core", "2 flops per cycle per core"),
        benchmark_wall_s=_s003(1e4, "s", "10 bio_seconds took 10^4 wall clock seconds"),
        benchmark_bio_s=_s003(10, "s", "10 bio_seconds took 10^4 wall clock seconds"),
        benchmark_neurons=_s003(2.05e7, "neurons", "for 2.05e7 neurons"),
        training_bio_s=_s003(4.73e8, "s", "3.154e7 sec/year * 15 years = 4.73e8 seconds"),
        neurons=_s003(1.3e9, "neurons", "for 1.3e9 neurons of the Cortex+Plasticity simulation type"),
) -> float:
    """003's spiking-network estimate end to end: peak FLOP/s x wall-clock seconds per biological second,
    per benchmark neuron, x biological seconds of training x neurons."""
    peak = cores * clock_hz * flop_per_cycle
    per_neuron_per_bio_s = peak * (benchmark_wall_s / benchmark_bio_s) / benchmark_neurons
    return per_neuron_per_bio_s * training_bio_s * neurons


@calculation
def blue_brain_benchmark_flop(
        *,
        nodes=_s003(2048, "nodes", "(2048 nodes * 16 cores)"),
        cores_per_node=_s003(16, "cores", "each node 16 cores @ 1.6GHz"),
        clock_hz=_s003(1.6e9, "Hz", "( 1.6e9 cycles / second)"),
        flop_per_cycle=_s003(8, "FLOP/cycle/core", "PowerPC A2 (Blue Gene/Q) gets 8 64bit flops"),
        wall_s=_s003(2e3, "s", "requires 2e3 seconds of 2048 nodes"),
) -> float:
    """FLOP of the BlueGene/Q partition over the CoreNEURON run that 003 reads (its first BBP line)."""
    return nodes * cores_per_node * clock_hz * flop_per_cycle * wall_s


@calculation
def flop_per_neuron_bio_s(
        *,
        flop_per_neuron=_s003(3.83e12, "FLOP/neuron", "8.39e17 flops / 2.19e5 neurons = 3.83e12"),
        bio_s=_s003(0.001, "s", "for 0.001? seconds of biological time"),
) -> float:
    """FLOP per neuron per biological second (defaults: 003's Blue Brain line)."""
    return flop_per_neuron / bio_s


@calculation
def blue_brain_training_flop(
        *,
        nodes=_s003(2048, "nodes", "(2048 nodes * 16 cores)"),
        cores_per_node=_s003(16, "cores", "each node 16 cores @ 1.6GHz"),
        clock_hz=_s003(1.6e9, "Hz", "( 1.6e9 cycles / second)"),
        flop_per_cycle=_s003(8, "FLOP/cycle/core", "PowerPC A2 (Blue Gene/Q) gets 8 64bit flops"),
        benchmark_wall_s=_s003(2e3, "s", "requires 2e3 seconds of 2048 nodes"),
        benchmark_neurons=_s003(2.19e5, "neurons", "2.19e5 rodent cortex neurons"),
        benchmark_bio_s=_s003(0.001, "s", "for 0.001? seconds of biological time"),
        training_bio_s=_s003(4.73e8, "s", "3.154e7 sec/year * 15 years = 4.73e8 seconds"),
        neurons=_s003(1.3e9, "neurons", "for 1.3e9 neurons of the Cortex+Plasticity simulation type"),
) -> float:
    """003's Blue Brain (CoreNEURON on BlueGene/Q) estimate end to end."""
    flop = nodes * cores_per_node * clock_hz * flop_per_cycle * benchmark_wall_s
    per_neuron_per_bio_s = flop / benchmark_neurons / benchmark_bio_s
    return per_neuron_per_bio_s * training_bio_s * neurons


@calculation
def flop_in_petaflop(
        *,
        flop=_s003(2.37e33, "FLOP", "= 2.37e33 flops = 2.37e18 petaFLOPs"),
) -> float:
    """A FLOP count expressed in petaFLOP (1e15 FLOP)."""
    return flop / 1e15


@calculation
def orders_of_magnitude_above(*, estimate_flop, reference_flop) -> float:
    """Decades by which an estimate exceeds a reference: log10(estimate / reference)."""
    return math.log10(estimate_flop / reference_flop)


@calculation
def multiple_of(*, model_flop, reference_flop) -> float:
    """How many times a reference a model's training compute is (003's "x GPT-3" column)."""
    return model_flop / reference_flop


@calculation
def coreneuron_equations(
        *,
        neurons=_s003(31000, "neurons", "To simulate the microcircuit of 31,000 neurons"),
        equations_per_neuron=_s003(20000, "equations", "each neuron averages to about 20,000"),
) -> float:
    """Equations in the Markram et al. (2015) microcircuit, as 003 quotes the CoreNEURON paper."""
    return neurons * equations_per_neuron


@calculation
def figure_line_as_drawn_s(
        *,
        measured_simulation_s,
        line_bio_s=Stated(10, "s", "ext", "Stimberg et al. 2020 figure: middle line, labelled '10s'"),
) -> float:
    """Height of a simulation-time line in the Brian2GeNN paper's detailed-runtime figure, as drawn.

    The plotting script (brian2genn_benchmarks ``plot_benchmarks.py``, last changed in 90ef9fe,
    2019-08-27) draws ``simulate * biological_time`` for biological times 1, 10 and 100 s, where
    ``simulate`` is the measured duration of a 10-s run; it does not divide by the 10 s first
    (``plot_benchmarks_2020.py`` does). So each line is drawn 10x higher than its label implies.
    """
    return measured_simulation_s * line_bio_s


@calculation
def simulation_s_for(*, measured_simulation_s, measured_bio_s, bio_s) -> float:
    """Simulation wall-clock time for ``bio_s`` biological seconds, scaled linearly from a measurement."""
    return measured_simulation_s / measured_bio_s * bio_s


# --------------------------------------------------------------------------------------------------
# 002: Gerald Monroe's human-brain hardware estimate
# --------------------------------------------------------------------------------------------------

def _s002(value: float, unit: str, where: str) -> Stated:
    return Stated(value, unit, "002", where)


@calculation
def brain_synaptic_ops_per_s(
        *,
        neurons=_s002(68e9, "neurons", "68 billion neurons"),
        synapses_per_neuron=_s002(1000, "synapses", "about 1000 connections each"),
        rate_hz=_s002(1000, "Hz", "at 1khz"),
) -> float:
    """Synaptic MACs per second if every synapse updates at the given rate (002)."""
    return neurons * synapses_per_neuron * rate_hz


@calculation
def gpus_for_ops(
        *,
        ops_per_s=_s002(6.8e16, "op/s", "= 6.8e+16 = 68000 TOPs"),
        ops_per_s_per_gpu=Stated(3958e12, "op/s", "ext",
                                 "NVIDIA H100 SXM datasheet: INT8 tensor 3,958 TOPS with sparsity "
                                 "(002's GPU figure is missing from the text)"),
) -> float:
    """GPUs needed to reach a rate of operations."""
    return ops_per_s / ops_per_s_per_gpu


@calculation
def brain_weight_bytes(
        *,
        neurons=_s002(68e9, "neurons", "68 billion x 1000 x (1 byte)"),
        synapses_per_neuron=_s002(1000, "synapses", "68 billion x 1000 x (1 byte)"),
        bytes_per_synapse=_s002(1, "B", "68 billion x 1000 x (1 byte)"),
) -> float:
    """Bytes to hold one 8-bit weight per synapse (002)."""
    return neurons * synapses_per_neuron * bytes_per_synapse


@calculation
def cluster_memory_gb(
        *,
        nodes=_s002(3, "nodes", "maybe 2-3 nodes with 16 cards each"),
        cards_per_node=_s002(16, "cards", "maybe 2-3 nodes with 16 cards each"),
        memory_per_card_gb,
) -> float:
    """GPU memory of a cluster; 002 gives only the total, so the per-card figure comes from hardware.csv."""
    return nodes * cards_per_node * memory_per_card_gb


@calculation
def memory_fraction_percent(
        *,
        available_gb=_s002(3840, "GB", "a total of 3840 gigabytes of memory"),
        needed_gb=_s002(68000, "GB", "= 68 terabytes of weights"),
) -> float:
    """Share of the needed memory the cluster has, in percent (002)."""
    return 100 * available_gb / needed_gb


@calculation
def hardware_multiple(
        *,
        needed_gb=_s002(68000, "GB", "= 68 terabytes of weights"),
        available_gb=_s002(3840, "GB", "a total of 3840 gigabytes of memory"),
) -> float:
    """How many times the cluster is needed to hold the weights (002's "20 times as much hardware")."""
    return needed_gb / available_gb


@calculation
def gpu_count(
        *,
        multiple=_s002(20, "x", "20*3*16 = 960 A100s"),
        nodes=_s002(3, "nodes", "20*3*16 = 960 A100s"),
        cards_per_node=_s002(16, "cards", "20*3*16 = 960 A100s"),
) -> float:
    """Cards in ``multiple`` copies of the cluster (002)."""
    return multiple * nodes * cards_per_node


@calculation
def gpu_cost_usd(
        *,
        gpus=_s002(960, "GPUs", "960 A100s"),
        usd_per_gpu=_s002(25e3, "USD", "They are 25k each"),
) -> float:
    """Purchase price of the GPUs alone (002)."""
    return gpus * usd_per_gpu


# --------------------------------------------------------------------------------------------------
# 001: brain FLOP/s, RTX 4090, GPT-3
# --------------------------------------------------------------------------------------------------

def _s001(value: float, unit: str, where: str) -> Stated:
    return Stated(value, unit, "001", where)


@calculation
def synaptic_spikes_per_s(*, synapses, rate_hz) -> float:
    """Spikes through synapses per second: synapses x mean firing rate (001's range ends)."""
    return synapses * rate_hz


@calculation
def dense_emulation_flop_per_s(
        *,
        synapses=_s001(1e14, "synapses", "The 1e14 synapses are at least 10x locally sparse"),
        sparsity_factor=_s001(10, "x", "dense emulation requires 1e15 synapses (mostly zeroes)"),
        rate_hz=_s001(100, "Hz", "running at 100hz"),
) -> float:
    """FLOP/s to run the brain's synapses as dense matrices (001)."""
    return synapses * sparsity_factor * rate_hz


@calculation
def gpus_for_bandwidth(
        *,
        bytes_per_s_needed=_s001(1e14, "B/s", "so 1e14 bytes/s vs the 4090's 1e12 bytes/s"),
        bytes_per_s_per_gpu=_s001(1e12, "B/s", "so 1e14 bytes/s vs the 4090's 1e12 bytes/s"),
) -> float:
    """GPUs needed when memory bandwidth, not arithmetic, is the limit (001)."""
    return bytes_per_s_needed / bytes_per_s_per_gpu


@calculation
def flop_over(*, flop_per_s, seconds) -> float:
    """FLOP done at a constant rate over a time."""
    return flop_per_s * seconds


@calculation
def linguistic_cortex_flop(*, brain_flop_per_s, fraction, seconds) -> float:
    """FLOP of the language areas (a fraction of the brain) over some seconds (001)."""
    return brain_flop_per_s * fraction * seconds


@calculation
def gpt3_double_pass_flop(
        *,
        parameters=_s001(200e9, "parameters", "nearly 200B parameters for one forward pass"),
        flop_per_parameter=_s001(2, "FLOP", "the flops is probably 2x that"),
        passes=_s001(2, "passes", "you are using a 'double pass', so closer to 800B flops"),
) -> float:
    """FLOP of two forward passes through GPT-3 (001)."""
    return parameters * flop_per_parameter * passes


@calculation
def electricity_usd_per_h(
        *,
        power_w=_s001(20, "W", "20 W x 1000 x 10c/kWh = $2/hr"),
        multiple=_s001(1000, "x", "20 W x 1000 x 10c/kWh = $2/hr"),
        usd_per_kwh=_s001(0.10, "USD/kWh", "20 W x 1000 x 10c/kWh = $2/hr"),
) -> float:
    """Electricity cost per hour of a chip drawing ``multiple`` times the brain's power (001)."""
    return power_w * multiple / 1000 * usd_per_kwh


# --------------------------------------------------------------------------------------------------
# 000: energy per synaptic operation (implied)
# --------------------------------------------------------------------------------------------------

@calculation
def synaptic_power_w(
        *,
        ev_per_op=Stated(1e5, "eV", "000", "something on order 1e5 minimal 1eV units or more"),
        ops_per_s=Stated(1e15, "op/s", "000", "on order 1014 to 1015 low-medium precision multiply-adds"),
        joules_per_ev=Stated(JOULES_PER_EV, "J/eV", "ext", "SI definition of the electronvolt"),
) -> float:
    """Power of the synaptic operations implied by 000's energy per operation and operation rate."""
    return ev_per_op * joules_per_ev * ops_per_s


# --------------------------------------------------------------------------------------------------
# Building records
# --------------------------------------------------------------------------------------------------

def _record(record_id: str, document: str, claim: str, function: Callable[..., float], *,
            stated_text: str, unit: str, rule: Rule, reason: Callable[[float, float], str] | str,
            notes: Sequence[str] = (), **inputs: Stated) -> Reproduction:
    """Recompute one claim with ``function`` (its defaults overridden by ``inputs``) and judge it.

    ``reason`` explains an inconsistent verdict; as a callable it gets (stated, recomputed).
    """
    arguments = stated_inputs(function, **inputs)
    recomputed = function(**{item.name: item.value for item in arguments})
    stated = float(_number_in(stated_text.split("<..<")[-1]))
    passes, rule_text = rule(stated_text, recomputed)
    if passes:
        verdict = "consistent"
    else:
        why = reason(stated, recomputed) if callable(reason) else reason
        verdict = f"inconsistent: {why}"
    return Reproduction(id=record_id, document=document, claim=claim, inputs=arguments,
                        stated_text=stated_text, stated=stated, unit=unit, recomputed=float(recomputed),
                        rule=rule_text, consistent=passes, verdict=verdict, notes=tuple(notes))


@calculation
def _value_of(*, value) -> float:
    """Identity, for claims checked directly against one reference value."""
    return value


def _times(stated: float, recomputed: float) -> str:
    """The ratio recomputed / stated as text, e.g. ``"x97.6"``."""
    return "x" + sci(recomputed / stated, 3)


def _off_by(stated: float, recomputed: float) -> str:
    return f"recomputed {sci(recomputed, 4)} is {_times(stated, recomputed)} the stated value"


def _table_row(table: Table, column: str, value: str) -> dict[str, str]:
    rows = [row for row in table.rows if row[column] == value]
    if len(rows) != 1:
        raise LookupError(f"{table.name}: expected one row with {column} == {value!r}, found {len(rows)}")
    return rows[0]


def _hardware(table: Table, name: str, column: str, unit: str, scale: float = 1.0) -> Stated:
    row = _table_row(table, "name", name)
    return Stated(float(row[column]) * scale, unit, table.name, f"{name}: {column} {row[column]}")


def _training_flop(table: Table, model: str) -> Stated:
    row = _table_row(table, "model", model)
    return Stated(float(row["training_flop"]), "FLOP", table.name,
                  f"{model} ({row['year']}): {row['training_flop']}, {row['confidence']}")


def _parameters_in_name(model: str) -> float:
    """Parameter count written in a model's name (``"GPT-3 175B"`` -> 1.75e11); NaN if none."""
    match = re.search(r"(\d+(?:\.\d+)?)B\b", model)
    return float(match.group(1)) * 1e9 if match else math.nan


def _run_label(run: published.BenchmarkRun) -> str:
    strategy = f" {run.strategy}" if run.strategy else ""
    threads = "GPU" if run.device == "genn" and run.threads == 0 else f"{run.threads} threads"
    return (f"{run.model}, {run.neurons:,} neurons, {run.gpu_name if run.device == 'genn' else run.cpu_name}"
            f", {run.device}{strategy} ({threads}), {run.dtype}, {run.bio_time_s:g} s bio "
            f"[{run.source_file}:{run.source_line}]")


# --------------------------------------------------------------------------------------------------
# The audit
# --------------------------------------------------------------------------------------------------

def reproduce_all() -> list[Reproduction]:
    """Recompute every quantitative claim of the seed documents and check it; see the module docstring."""
    training = read_table("ml_training_compute.csv")
    hardware = read_table("hardware.csv")
    records: list[Reproduction] = []
    records += _audit_003_inputs()
    records += _audit_003_spiking_net(hardware, training)
    records += _audit_003_brian2genn_data(hardware)
    records += _audit_003_blue_brain(training)
    records += _audit_003_compute_table(training)
    records += _audit_002(hardware)
    records += _audit_001(hardware, training)
    records += _audit_000()
    records += _audit_004(training)
    return records


def _audit_003_inputs() -> list[Reproduction]:
    year_s = training_bio_seconds()
    return [
        _record(
            "003-half-neocortex", "003", "Half of a 26-billion-neuron neocortex is 13 billion neurons",
            half_neocortex_neurons, stated_text="13e9", unit="neurons", rule=rounding, reason=_off_by,
            notes=("For comparison only (not checked here): Azevedo et al. 2009 count about 16 billion "
                   "neurons in the whole human cerebral cortex.",)),
        _record(
            "003-neurons-used", "003",
            "The training lines use 1.3e9 neurons for the half neocortex it sized at 13 billion",
            _value_of, stated_text="1.3e9", unit="neurons", rule=rounding,
            reason=lambda stated, recomputed: (
                f"13 billion is {sci(recomputed, 2)}; the lines use {sci(stated, 2)}, "
                f"{_times(stated, recomputed)} fewer neurons than the document's own half neocortex"),
            value=_s003(13e9, "neurons", "So let's say 13 billion for the half-neocortex case"),
            notes=("All three training lines (Numenta template, spiking nets, Blue Brain) use 1.3e9.",)),
        _record(
            "003-seconds-per-year", "003", "A year is 3.154e7 s",
            seconds_per_year, stated_text="3.154e7", unit="s", rule=rounding, reason=_off_by,
            notes=("365 days; a Julian year (365.25 d) is 3.156e7 s.",)),
        _record(
            "003-bio-seconds", "003", "15 years of biological time: 3.154e7 s/year x 15 = 4.73e8 s",
            training_bio_seconds, stated_text="4.73e8", unit="s", rule=rounding, reason=_off_by),
        _record(
            "003-bio-seconds-restated", "003",
            "The training lines multiply by 4.78e8 bio-seconds, the 4.73e8 s derived just above",
            _value_of, stated_text="4.78e8", unit="s", rule=rounding,
            reason=lambda stated, recomputed: (
                f"the line above derives {sci(recomputed, 4)} s (4.73e8); 4.78e8 is a copying slip "
                f"({(stated / recomputed - 1):+.1%})"),
            value=Stated(year_s, "s", "003", "3.154e7 sec/year * 15 years = 4.73e8 seconds"),
            notes=("The slip appears in all three 'total compute needed for training' lines.",)),
        _record(
            "003-numenta-flops", "003", "Alveo U250: 33.3 INT8 TOPS / 4 = 8.325 pseudo-teraFLOP/s",
            numenta_pseudo_flop_per_s, stated_text="8.325e12", unit="FLOP/s", rule=rounding,
            reason=_off_by),
        _record(
            "003-numenta-flops-units", "003", "8.325 pseudo-teraFLOP/s written as 8.325e9 pseudoFLOPs/second",
            numenta_pseudo_flop_per_s, stated_text="8.325e9", unit="FLOP/s", rule=rounding,
            reason=lambda stated, recomputed: (
                f"8.325 tera is {sci(recomputed, 4)}, not {sci(stated, 4)} "
                f"(tera = 1e12; {_times(stated, recomputed)})"),
            notes=("The Numenta chain stops there ('? bio_seconds took ? wall clock seconds'): no estimate "
                   "to check.",)),
    ]


def _audit_003_spiking_net(hardware: Table, training: Table) -> list[Reproduction]:
    titan_peak = _hardware(hardware, "NVIDIA TITAN Xp", "fp32_tflops", "FLOP/s", scale=1e12)
    implied_boost_ghz = titan_peak.value / (3840 * 2) / 1e9
    gpt3 = _training_flop(training, "GPT-3 175B")
    palm = _training_flop(training, "PaLM 540B")
    doc_chain = spiking_net_training_flop()
    thirteen_billion = _s003(1.3e10, "neurons", "So let's say 13 billion for the half-neocortex case")
    return [
        _record(
            "003-titanxp-clock", "003", "TITAN Xp clock taken as 1.6 GHz (with 3840 cores x 2 FLOP/cycle)",
            clock_from_peak_hz, stated_text="1.6e9", unit="Hz", rule=rounding, reason=_off_by,
            peak_flop_per_s=titan_peak,
            notes=(f"The table's {titan_peak.value / 1e12:.2f} TFLOP/s FP32 implies a boost clock of "
                   f"{implied_boost_ghz:.3f} GHz, which rounds to 1.6 GHz; the document's peak "
                   f"({sci(peak_flop_per_s(), 4)} FLOP/s) is {peak_flop_per_s() / titan_peak.value - 1:+.1%} "
                   "above the specification. Reported, not corrected: the estimates below keep 1.6 GHz.",)),
        _record(
            "003-snn-benchmark-flop", "003",
            "Peak FLOP in 1e3 wall s: 3840 x 1.6e9 x 2 x 1e3 = 1.229e16",
            snn_benchmark_flop, stated_text="1.229e16", unit="FLOP", rule=rounding, reason=_off_by),
        _record(
            "003-snn-flop-per-neuron", "003", "1.229e16 FLOP / 2.05e7 neurons = 6.14e6 FLOP per neuron",
            flop_per_neuron, stated_text="6.14e6", unit="FLOP/neuron", rule=rounding,
            reason=lambda stated, recomputed: (
                f"1.229e16 / 2.05e7 = {sci(recomputed, 4)}, {_times(stated, recomputed)} the stated 6.14e6 "
                f"(6.14e6 is 1.229e16 / {sci(1.229e16 / stated, 3)})")),
        _record(
            "003-snn-total-as-written", "003",
            "6.14e6 FLOP/neuron/s x 4.78e8 s x 1.3e9 neurons = 3.82e24 FLOP",
            training_flop_as_written, stated_text="3.82e24", unit="FLOP", rule=rounding, reason=_off_by,
            notes=("The multiplication itself is right; its first two factors are not (see "
                   "003-snn-flop-per-neuron and 003-bio-seconds-restated).",)),
        _record(
            "003-snn-chain", "003",
            "Spiking-net estimate end to end from its stated inputs (TITAN Xp, 1e4 s per 10 bio-s)",
            spiking_net_training_flop, stated_text="3.82e24", unit="FLOP", rule=chain,
            reason=lambda stated, recomputed: (
                f"from its own inputs the chain gives {sci(recomputed, 3)} FLOP, "
                f"{_times(stated, recomputed)}: the division by 2.05e7 neurons is off by "
                f"{_times(6.14e6, flop_per_neuron())}"),
            notes=(f"At the 13 billion neurons the document says it wants (1.3e10): "
                   f"{sci(spiking_net_training_flop(neurons=thirteen_billion), 3)} FLOP.",)),
        _record(
            "003-snn-ooms-over-gpt3", "003", "3.82e24 FLOP is 'about 1 OOM over GPT-3'",
            orders_of_magnitude_above, stated_text="1", unit="OOM", rule=orders_of_magnitude,
            reason=_off_by, estimate_flop=_s003(3.82e24, "FLOP", "my estimate: 3.82e24 flops"),
            reference_flop=gpt3),
        _record(
            "003-snn-ooms-over-palm", "003", "3.82e24 FLOP is 'less than an OOM over PaLM'",
            orders_of_magnitude_above, stated_text="0<..<1", unit="OOM", rule=bound,
            reason=lambda stated, recomputed: f"log10(estimate / PaLM) = {recomputed:.2f}",
            estimate_flop=_s003(3.82e24, "FLOP", "my estimate: 3.82e24 flops"), reference_flop=palm,
            notes=(f"With the chain recomputed from its own inputs ({sci(doc_chain, 3)} FLOP) it would be "
                   f"{math.log10(doc_chain / gpt3.value):.1f} OOMs over GPT-3 and "
                   f"{math.log10(doc_chain / palm.value):.1f} over PaLM.",)),
    ]


def _titan_xp_machine(runs: Sequence[published.BenchmarkRun]) -> str:
    machines = sorted({run.machine for run in runs if run.gpu_name == "TITAN Xp"})
    if len(machines) != 1:
        raise LookupError(f"expected one TITAN Xp machine in the published benchmarks, found {machines}")
    return machines[0]


def _audit_003_brian2genn_data(hardware: Table) -> list[Reproduction]:
    """003 reads the Brian2GeNN paper's TITAN Xp figure; check the reading against the raw data."""
    titan_peak = _hardware(hardware, "NVIDIA TITAN Xp", "fp32_tflops", "FLOP/s", scale=1e12)
    mbody = published.load_benchmarks("Mbody_example")
    cobahh = published.load_benchmarks("COBAHH")
    titan = _titan_xp_machine(mbody)
    gpu = dict(machine=titan, device="genn", threads=0, monitors=False)
    largest_mbody = max(run.neurons for run in published.select(mbody, **gpu))
    largest_cobahh = max(run.neurons for run in published.select(cobahh, **gpu))

    # What the paper's single-precision detailed-runtime figure plots: the minimum over repeats and over
    # both GeNN strategies.
    best = published.fastest(mbody, dtype="float32", neurons=largest_mbody, **gpu)
    best_post = published.fastest(mbody, dtype="float32", neurons=largest_mbody, strategy="post", **gpu)
    best_double = published.fastest(mbody, dtype="float64", neurons=largest_mbody, **gpu)
    best_total = published.fastest(mbody, by="total_wall_s", dtype="float32", neurons=largest_mbody, **gpu)
    cpu = dict(machine=titan, device="cpp_standalone", dtype="float32", neurons=largest_mbody, monitors=False)
    most_threads = max(run.threads for run in published.select(mbody, **cpu))
    cpu_best = published.fastest(mbody, threads=most_threads, **cpu)
    cobahh_best = published.fastest(cobahh, dtype="float32", neurons=largest_cobahh, **gpu)

    def repeats(run: published.BenchmarkRun) -> int:
        return len(published.select(mbody if run.model == "Mbody_example" else cobahh,
                                    **{name: getattr(run, name) for name in published.CONFIGURATION_FIELDS}))

    measured = Stated(best.simulation_s, "s", "data",
                      f"min simulation time (t_after_run - t_before_run) over {repeats(best)} repeats: "
                      f"{_run_label(best)}")
    measured_bio = Stated(best.bio_time_s, "s", "data", f"biological time of {best.source_file}:"
                                                        f"{best.source_line}")
    data_neurons = Stated(best.neurons, "neurons", "data", f"largest Mbody_example size on {titan}")
    measured_for_10 = simulation_s_for(measured_simulation_s=best.simulation_s,
                                       measured_bio_s=best.bio_time_s, bio_s=10)
    breakdown = (f"Other readings of the same network: GeNN post {best_post.simulation_s:.1f} s, float64 "
                 f"{best_double.simulation_s:.1f} s, whole script (column 9) {best_total.total_wall_s:.1f} s "
                 f"[{best_total.source_file}:{best_total.source_line}], C++ {most_threads} threads on "
                 f"{cpu_best.cpu_name}: {cpu_best.simulation_s:.0f} s per {cpu_best.bio_time_s:g} bio-s.")

    corrected = dict(benchmark_wall_s=measured, benchmark_bio_s=measured_bio, benchmark_neurons=data_neurons)
    corrected_value = spiking_net_training_flop(**corrected)
    cobahh_inputs = dict(
        benchmark_wall_s=Stated(cobahh_best.simulation_s, "s", "data",
                                f"min simulation time over {repeats(cobahh_best)} repeats: "
                                f"{_run_label(cobahh_best)}"),
        benchmark_bio_s=Stated(cobahh_best.bio_time_s, "s", "data", "biological time of that run"),
        benchmark_neurons=Stated(cobahh_best.neurons, "neurons", "data",
                                 f"largest COBAHH size on the GPU of {titan}"))

    def corrected_reason(stated: float, recomputed: float) -> str:
        return (f"with the measured {best.simulation_s:.1f} s per {best.bio_time_s:g} bio-s the same method "
                f"gives {sci(recomputed, 3)} FLOP ({_times(stated, recomputed)}); the ~100x division slip "
                f"and the {1e4 / measured_for_10:.1f}x figure reading partly cancel")

    return [
        _record(
            "003-b2g-neurons", "003", "The benchmark network read in the paper has 2.05e7 neurons",
            _value_of, stated_text="2.05e7", unit="neurons", rule=rounding, reason=_off_by,
            value=data_neurons,
            notes=(f"Only Mbody_example (mushroom body with STDP, {best.synapses_per_neuron:.0f} synapses "
                   f"per neuron) reaches this size; COBAHH (~1000 synapses per neuron) stops at "
                   f"{largest_cobahh:,} neurons on this GPU.",)),
        _record(
            "003-b2g-figure-reading", "003",
            "The paper's TITAN Xp figure shows 10 bio-s taking 1e4 wall s at 2.05e7 neurons",
            figure_line_as_drawn_s, stated_text="1e4", unit="s", rule=log_axis_reading, reason=_off_by,
            measured_simulation_s=measured,
            notes=("The document reads the figure correctly: the plotting script draws the line labelled "
                   "'10s' at (time of the 10-s run) x 10 (see figure_line_as_drawn_s); the figure file in "
                   "brian-team/brian2genn_benchmarks (commit 90ef9fe), benchmark_results/"
                   "2018-10-02_f152b85d2726/gpu_detailed_runtime_single precision.pdf, shows it near "
                   "1e4 s. The printed paper figure is assumed to be that file (same caption); not checked "
                   "here.",)),
        _record(
            "003-b2g-data", "003",
            "10 bio-s of the 2.05e7-neuron network took 1e4 wall s on the TITAN Xp (raw data)",
            simulation_s_for, stated_text="1e4", unit="s", rule=log_axis_reading,
            reason=lambda stated, recomputed: (
                f"the data give {recomputed:.1f} s for 10 bio-s ({_times(stated, recomputed)}): the figure "
                "draws each simulation line 10x too high, so the document's 1e3 wall s per bio-s should be "
                f"{recomputed / 10:.1f}"),
            measured_simulation_s=measured, measured_bio_s=measured_bio,
            bio_s=_s003(10, "s", "10 bio_seconds took 10^4 wall clock seconds"),
            notes=(breakdown,)),
        _record(
            "003-snn-from-data", "003",
            "Spiking-net estimate redone by 003's method with the measured time (1.3e9 neurons)",
            spiking_net_training_flop, stated_text="3.82e24", unit="FLOP", rule=chain,
            reason=corrected_reason, **corrected,
            notes=(f"Same method and clock as the document (1.6 GHz); with the table's "
                   f"{titan_peak.value / 1e12:.2f} TFLOP/s peak it is "
                   f"{sci(corrected_value * titan_peak.value / peak_flop_per_s(), 3)} FLOP, with the whole-"
                   f"script time (column 9) instead of the simulation time "
                   f"{sci(corrected_value * best_total.total_wall_s / best.simulation_s, 3)} FLOP.",)),
        _record(
            "003-snn-from-data-13e9", "003",
            "The same, at the 13 billion neurons (1.3e10) the document sized half a neocortex at",
            spiking_net_training_flop, stated_text="3.82e24", unit="FLOP", rule=chain,
            reason=lambda stated, recomputed: (
                f"measured time and 1.3e10 neurons give {sci(recomputed, 3)} FLOP "
                f"({_times(stated, recomputed)})"),
            neurons=_s003(1.3e10, "neurons", "So let's say 13 billion for the half-neocortex case"),
            **corrected),
        _record(
            "003-snn-from-data-cobahh", "003",
            "The same method with COBAHH (~1000 synapses/neuron) instead of the mushroom body",
            spiking_net_training_flop, stated_text="3.82e24", unit="FLOP", rule=chain,
            reason=lambda stated, recomputed: (
                f"COBAHH's measured {cobahh_best.simulation_s:.1f} s per {cobahh_best.bio_time_s:g} bio-s at "
                f"{cobahh_best.neurons:,} neurons gives {sci(recomputed, 3)} FLOP "
                f"({_times(stated, recomputed)})"),
            **cobahh_inputs),
    ]


def _audit_003_blue_brain(training: Table) -> list[Reproduction]:
    gpt3 = _training_flop(training, "GPT-3 175B")
    palm = _training_flop(training, "PaLM 540B")
    bbp_estimate = _s003(2.37e33, "FLOP", "my estimate: 2.37e33 FLOPs")
    derived_rate = flop_per_neuron_bio_s()
    return [
        _record(
            "003-coreneuron-equations", "003",
            "31,000 neurons x ~20,000 equations each: 'over 600 million equations'",
            coreneuron_equations, stated_text=">6e8", unit="equations", rule=bound, reason=_off_by),
        _record(
            "003-bbp-benchmark-flop", "003", "2048 nodes x 16 cores x 1.6e9 x 8 FLOP/cycle x 2e3 s = 8.39e17",
            blue_brain_benchmark_flop, stated_text="8.39e17", unit="FLOP", rule=rounding, reason=_off_by,
            notes=("16 x 1.6 GHz x 8 = 204.8 GFLOP/s per node, the BlueGene/Q row of hardware.csv. The 2e3 s "
                   "and the 0.001 s of biological time are the author's readings of the CoreNEURON paper's "
                   "strong-scaling figure, both marked '?' in the text; no data here to check them.",)),
        _record(
            "003-bbp-flop-per-neuron", "003", "8.39e17 FLOP / 2.19e5 neurons = 3.83e12 FLOP per neuron",
            flop_per_neuron, stated_text="3.83e12", unit="FLOP/neuron", rule=rounding, reason=_off_by,
            flop=_s003(8.39e17, "FLOP", "8.39e17 flops / 2.19e5 neurons"),
            neurons=_s003(2.19e5, "neurons", "8.39e17 flops / 2.19e5 neurons")),
        _record(
            "003-bbp-per-bio-second", "003", "3.83e12 FLOP/neuron / 0.001 bio-s = 3.83e15 FLOP/neuron/bio-s",
            flop_per_neuron_bio_s, stated_text="3.83e15", unit="FLOP/neuron/bio-s", rule=rounding,
            reason=_off_by),
        _record(
            "003-bbp-rate-restated", "003",
            "The total and the line before it reuse 3.83e15 (and 3.83e12) as 3.82e15 (3.82e12)",
            _value_of, stated_text="3.82e15", unit="FLOP/neuron/bio-s", rule=rounding,
            reason=lambda stated, recomputed: (
                f"derived as {sci(recomputed, 4)}, copied as 3.82e15 ({stated / recomputed - 1:+.2%}), "
                "too small to matter"),
            value=Stated(derived_rate, "FLOP/neuron/bio-s", "003",
                         "3.82e12 flp/n / 0.001 bio_second = 3.83e15")),
        _record(
            "003-bbp-total-as-written", "003", "3.82e15 x 4.78e8 s x 1.3e9 neurons = 2.37e33 FLOP",
            training_flop_as_written, stated_text="2.37e33", unit="FLOP", rule=rounding, reason=_off_by,
            flop_per_neuron_bio_s=_s003(3.82e15, "FLOP/neuron/bio-s", "3.82e15 flp/n/s * 4.78e8 bio_seconds"),
            notes=("Typo history (in the comments): first posted as 3.82e12 flp/n/s x 4.78e8 x 1.3e9 = "
                   "2.37e30 FLOP = 2.37e15 petaFLOPs, i.e. FLOP per neuron without dividing by the 0.001 "
                   "bio-s; a commenter asked 'Should that be 3.82e15?', the author fixed it to 2.37e33.",)),
        _record(
            "003-bbp-chain", "003", "Blue Brain estimate end to end from its stated inputs",
            blue_brain_training_flop, stated_text="2.37e33", unit="FLOP", rule=chain, reason=_off_by,
            notes=("The 4.78e8 and 3.82 slips shift the written result by under 1 %, inside the chain "
                   f"tolerance. At 1.3e10 neurons: "
                   f"{sci(blue_brain_training_flop(neurons=13e9), 3)} FLOP.",)),
        _record(
            "003-bbp-petaflop", "003", "2.37e33 FLOP = 2.37e18 petaFLOP",
            flop_in_petaflop, stated_text="2.37e18", unit="PFLOP", rule=rounding, reason=_off_by),
        _record(
            "003-bbp-ooms-over-gpt3", "003", "2.37e33 FLOP is '10 OOMs over GPT-3'",
            orders_of_magnitude_above, stated_text="10", unit="OOM", rule=orders_of_magnitude,
            reason=_off_by, estimate_flop=bbp_estimate, reference_flop=gpt3),
        _record(
            "003-bbp-ooms-over-palm", "003", "2.37e33 FLOP is '9 OOMs over PaLM'",
            orders_of_magnitude_above, stated_text="9", unit="OOM", rule=orders_of_magnitude,
            reason=_off_by, estimate_flop=bbp_estimate, reference_flop=palm),
    ]


def _audit_003_compute_table(training: Table) -> list[Reproduction]:
    """003 copies a training-compute table (from blog.heim.xyz); check it against Epoch AI's data."""
    quoted = (("GPT-3 175B", "3.1e23", "GPT-3 (2020)3.1e231x"),
              ("Gopher 280B", "6.3e23", "Gopher (2021)6.3e232x"),
              ("Chinchilla 70B", "5.8e23", "Chinchilla (2022)5.8e232x"),
              ("PaLM 540B", "2.5e24", "PaLM (2022)2.5e2410x"))
    gpt3_quoted = _s003(3.1e23, "FLOP", "GPT-3 (2020)3.1e231x")
    records = []
    for model, text, where in quoted:
        short = model.split()[0].lower().replace("-", "")
        records.append(_record(
            f"003-table-{short}", "003", f"{model.split()[0]} training compute {text} FLOP (quoted table)",
            _value_of, stated_text=text, unit="FLOP", rule=rounding, reason=_off_by,
            value=_training_flop(training, model)))
    for model, multiple_text, where in (("Gopher 280B", "2", "Gopher (2021)6.3e232x"),
                                        ("Chinchilla 70B", "2", "Chinchilla (2022)5.8e232x"),
                                        ("PaLM 540B", "10", "PaLM (2022)2.5e2410x")):
        short = model.split()[0].lower()
        model_quoted = next(text for name, text, _ in quoted if name == model)
        epoch_multiple = _training_flop(training, model).value / _training_flop(training, "GPT-3 175B").value
        records.append(_record(
            f"003-table-{short}-x-gpt3", "003",
            f"{model.split()[0]} is '{multiple_text}x GPT-3' (quoted table)",
            multiple_of, stated_text=multiple_text, unit="x GPT-3", rule=rounding,
            reason=lambda stated, recomputed: (
                f"the table's own figures give {recomputed:.2f}x, which does not round to {stated:g}x "
                "(it is the order of magnitude, not the ratio)"),
            model_flop=_s003(float(model_quoted), "FLOP", where), reference_flop=gpt3_quoted,
            notes=(f"Epoch AI's figures give {epoch_multiple:.2f}x.",)))
    return records


def _audit_002(hardware: Table) -> list[Reproduction]:
    card_memory = _hardware(hardware, "NVIDIA A100 SXM 80GB", "memory_gb", "GB")
    return [
        _record(
            "002-synaptic-ops", "002", "68e9 neurons x 1000 synapses x 1 kHz = 6.8e16 op/s = 68,000 TOPS",
            brain_synaptic_ops_per_s, stated_text="6.8e16", unit="op/s", rule=rounding, reason=_off_by,
            notes=("For comparison only (not checked here): Azevedo et al. 2009 count about 86 billion "
                   "neurons in the human brain; 68 may be a transposition.",)),
        _record(
            "002-gpus-for-ops", "002",
            "'We would need 17 of them' (current data-centre GPUs) for 68,000 TOPS",
            gpus_for_ops, stated_text="17", unit="GPUs", rule=rounding, reason=_off_by,
            notes=("The GPU's figure is an image missing from the text; 68,000 / 17 = 4,000 TOPS per GPU "
                   "matches the H100 SXM's sparse INT8 peak (an outside figure, not in hardware.csv). The "
                   "A100s priced later (624 dense / 1,248 sparse INT8 TOPS, also outside figures) would "
                   "need 109 / 55.",)),
        _record(
            "002-weight-memory", "002", "68e9 x 1000 synapses x 1 byte = 68 TB of weights",
            brain_weight_bytes, stated_text="68e12", unit="B", rule=rounding, reason=_off_by),
        _record(
            "002-cluster-memory", "002", "3 nodes x 16 cards 'would have a total of 3840 gigabytes'",
            cluster_memory_gb, stated_text="3840", unit="GB", rule=rounding, reason=_off_by,
            memory_per_card_gb=card_memory,
            notes=("The text does not name the card's memory; 3840 / 48 = 80 GB, an 80 GB A100 or H100.",)),
        _record(
            "002-memory-fraction", "002", "3840 GB for 68 TB: 'We only have 5% as much memory as we need'",
            memory_fraction_percent, stated_text="5", unit="%", rule=rounding,
            reason=lambda stated, recomputed: (
                f"3840 / 68000 = {recomputed:.2f} %, which rounds to {round_to_figures(recomputed, 1):g} %, "
                f"not {stated:g} % (minor)")),
        _record(
            "002-hardware-multiple", "002",
            "68 TB / 3840 GB: 'brain scale perf with 20 times as much hardware'",
            hardware_multiple, stated_text="20", unit="x", rule=rounding, reason=_off_by,
            notes=("17.7x, rounded up to 20.",)),
        _record(
            "002-a100-count", "002", "20 x 3 x 16 = 960 A100s",
            gpu_count, stated_text="960", unit="GPUs", rule=rounding, reason=_off_by,
            notes=(f"Without rounding 17.7 up to 20: 68,000 GB / {card_memory.value:g} GB = "
                   f"{68000 / card_memory.value:.0f} cards of 80 GB.",)),
        _record(
            "002-gpu-cost", "002", "960 A100s at $25k each: '24 million for the GPUs'",
            gpu_cost_usd, stated_text="24e6", unit="USD", rule=rounding, reason=_off_by),
        _record(
            "002-rtx4090-memory", "002", "'your 24 gig 4090 example'",
            _value_of, stated_text="24", unit="GB", rule=rounding, reason=_off_by,
            value=_hardware(hardware, "NVIDIA GeForce RTX 4090", "memory_gb", "GB")),
    ]


def _audit_001(hardware: Table, training: Table) -> list[Reproduction]:
    spikes_range = "1e14-1e15 synapses x 0.1-1 spikes per second"
    gpt3 = _training_flop(training, "GPT-3 175B")
    return [
        _record(
            "001-spikes-low", "001", "Low end: 1e14 synapses x 0.1 spikes/s = 1e13 synaptic spikes/s",
            synaptic_spikes_per_s, stated_text="1e13", unit="spikes/s", rule=rounding, reason=_off_by,
            synapses=_s001(1e14, "synapses", spikes_range), rate_hz=_s001(0.1, "Hz", spikes_range)),
        _record(
            "001-spikes-high", "001", "High end: 1e15 synapses x 1 spike/s = 1e15 synaptic spikes/s",
            synaptic_spikes_per_s, stated_text="1e15", unit="spikes/s", rule=rounding, reason=_off_by,
            synapses=_s001(1e15, "synapses", spikes_range), rate_hz=_s001(1, "Hz", spikes_range)),
        _record(
            "001-rtx4090-flops", "001", "'the 8.3e13 FLOP/s that one can perform on the RTX 4090'",
            _value_of, stated_text="8.3e13", unit="FLOP/s", rule=rounding, reason=_off_by,
            value=_hardware(hardware, "NVIDIA GeForce RTX 4090", "fp32_tflops", "FLOP/s", scale=1e12)),
        _record(
            "001-dense-emulation", "001", "1e14 synapses x 10 (sparsity) x 100 Hz = 1e17 FLOP/s dense",
            dense_emulation_flop_per_s, stated_text="1e17", unit="FLOP/s", rule=rounding, reason=_off_by),
        _record(
            "001-rtx4090-bandwidth", "001", "'the 4090's 1e12 bytes/s'",
            _value_of, stated_text="1e12", unit="B/s", rule=rounding, reason=_off_by,
            value=_hardware(hardware, "NVIDIA GeForce RTX 4090", "mem_bandwidth_gb_s", "B/s", scale=1e9)),
        _record(
            "001-gpus-for-bandwidth", "001", "1e14 B/s / 1e12 B/s: 'require 100 4090's'",
            gpus_for_bandwidth, stated_text="100", unit="GPUs", rule=rounding, reason=_off_by),
        _record(
            "001-linguistic-training", "001", "Language cortex training: 1e13 FLOP/s x 1e9 s = 1e22 FLOP",
            flop_over, stated_text="1e22", unit="FLOP", rule=rounding, reason=_off_by,
            flop_per_s=_s001(1e13, "FLOP/s", "1e22 sparse flops for training linguistic cortex (1e13 flops"),
            seconds=_s001(1e9, "s", "(1e13 flops * 1e9 seconds)")),
        _record(
            "001-gpt3-training", "001", "'3e23 flops for training GPT-3'",
            _value_of, stated_text="3e23", unit="FLOP", rule=rounding, reason=_off_by, value=gpt3),
        _record(
            "001-linguistic-300b", "001", "1e13 FLOP/s x 10 % x 0.3 s = '300B flops for 0.3 seconds'",
            linguistic_cortex_flop, stated_text="300e9", unit="FLOP", rule=rounding, reason=_off_by,
            brain_flop_per_s=_s001(1e13, "FLOP/s", "the brain is using perhaps 1e13 flops/s"),
            fraction=_s001(0.1, "1", "if linguistic cortex is 10% of that"),
            seconds=_s001(0.3, "s", "or 300B flops for 0.3 seconds")),
        _record(
            "001-gpt3-double-pass", "001", "~200B parameters x 2 FLOP x 2 passes = 'closer to 800B flops'",
            gpt3_double_pass_flop, stated_text="800e9", unit="FLOP", rule=rounding, reason=_off_by,
            notes=(f"GPT-3 has {sci(_parameters_in_name('GPT-3 175B'), 3)} parameters (its name in "
                   f"ml_training_compute.csv): {sci(4 * _parameters_in_name('GPT-3 175B'), 2)} FLOP.",)),
        _record(
            "001-linguistic-3t", "001", "1e14 FLOP/s x 10 % x 0.3 s = '3T flops for 0.3s'",
            linguistic_cortex_flop, stated_text="3e12", unit="FLOP", rule=rounding, reason=_off_by,
            brain_flop_per_s=_s001(1e14, "FLOP/s", "Perhaps the total brain is 1e14 flops/s"),
            fraction=_s001(0.1, "1", "if linguistic cortex is 10% of that"),
            seconds=_s001(0.3, "s", "so 3T flops for 0.3s of linguistic cortex")),
        _record(
            "001-electricity", "001", "20 W x 1000 x 10 cents/kWh = $2/hr",
            electricity_usd_per_h, stated_text="2", unit="USD/h", rule=rounding, reason=_off_by),
    ]


def _audit_000() -> list[Reproduction]:
    return [
        _record(
            "000-synaptic-power", "000",
            "(implied) 1e5 eV per synaptic op at up to 1e15 op/s stays within a ~20 W brain",
            synaptic_power_w, stated_text="<=20", unit="W", rule=bound, reason=_off_by,
            notes=("000 writes no chain of its own; this combines its two figures, and compares with the "
                   "20 W brain power stated in 001. At 1e14 op/s it would be 1.6 W.",)),
    ]


def _audit_004(training: Table) -> list[Reproduction]:
    # The table has years only; models of 2020 or earlier certainly predate the post (2021-03-11).
    older = [row for row in training.rows
             if int(row["year"]) <= 2020 and math.isfinite(_parameters_in_name(row["model"]))]
    largest = max(older, key=lambda row: _parameters_in_name(row["model"]))
    parameters = _parameters_in_name(largest["model"])
    return [
        _record(
            "004-largest-model", "004",
            "The largest models we can train have 'at most 10 billion parameters'",
            _value_of, stated_text="<=1e10", unit="parameters", rule=bound,
            reason=lambda stated, recomputed: (
                f"{largest['model']} ({largest['year']}) has {sci(recomputed, 3)}, before the post's "
                "2021-03-11 date; the claim fits late 2019, the date of the earliest comments"),
            value=Stated(parameters, "parameters", "ml_training_compute.csv",
                         f"{largest['model']} ({largest['year']}), parameters from the model's name"),
            notes=("004's other figures (Moravec's estimate, retina synapses) come with no numbers to "
                   "recompute.",)),
    ]


# --------------------------------------------------------------------------------------------------
# Presentation
# --------------------------------------------------------------------------------------------------

def format_table(reproductions: Sequence[Reproduction], width: int = 100) -> str:
    """Plain-text table: one line per claim, then its claim text and, if inconsistent, the reason.

    Parameters
    ----------
    reproductions : sequence of Reproduction
    width : int
        Longest line wanted; claim and reason lines are wrapped to it.
    """
    consistent = sum(item.consistent for item in reproductions)
    lines = [f"Seed-document claims recomputed: {len(reproductions)} checks, {consistent} consistent, "
             f"{len(reproductions) - consistent} inconsistent",
             "ratio = recomputed / stated; rules: see simnet.documents"]
    header = f"{'id':<28} {'unit':<18} {'stated':>10} {'recomputed':>11} {'ratio':>8}  verdict"
    current = None
    for item in reproductions:
        if item.document != current:
            current = item.document
            title = f"-- {current}: {DOCUMENTS.get(current, '')}"
            lines += ["", title[:width], header]
        verdict = "consistent" if item.consistent else "INCONSISTENT"
        lines.append(f"{item.id:<28} {item.unit[:18]:<18} {item.stated_text:>10} {sci(item.recomputed):>11} "
                     f"{sci(item.ratio, 3):>8}  {verdict}")
        indent = " " * 4
        lines += textwrap.wrap(item.claim, width=width, initial_indent=indent, subsequent_indent=indent)
        if not item.consistent:
            reason = item.verdict.split(": ", 1)[-1]
            lines += textwrap.wrap("-> " + reason, width=width, initial_indent=indent,
                                   subsequent_indent=indent + "   ")
    return "\n".join(lines)
