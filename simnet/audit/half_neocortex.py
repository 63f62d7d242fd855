"""Document 003 (post: compute to emulate half a neocortex): its calculations.

Its inputs (half a neocortex, 15 years of biological time), the Numenta FPGA rate, the spiking-network
estimate from the Brian2GeNN benchmark on a TITAN Xp, the Blue Brain (CoreNEURON on BlueGene/Q) estimate,
and the comparisons with GPT-3 and PaLM. Each default is the input as 003 states it.
"""
from __future__ import annotations

import math

from simnet.audit.claims import Stated, calculation

__all__ = ["s003", "half_neocortex_neurons", "seconds_per_year", "training_bio_seconds", "numenta_pseudo_flop_per_s",
           "peak_flop_per_s", "clock_from_peak_hz", "snn_benchmark_flop", "flop_per_neuron",
           "training_flop_as_written", "spiking_net_training_flop", "blue_brain_benchmark_flop",
           "flop_per_neuron_bio_s", "blue_brain_training_flop", "flop_in_petaflop", "orders_of_magnitude_above",
           "multiple_of", "coreneuron_equations", "bio_s_implied", "PLOT_SCRIPT_EVIDENCE", "figure_line_as_drawn_s", "simulation_s_for"]


def s003(value: float, unit: str, where: str) -> Stated:
    """A figure as 003 states it; ``where`` quotes the text that states it."""
    return Stated(value, unit, "003", where)


@calculation
def half_neocortex_neurons(
        *,
        neocortex_neurons=s003(26e9, "neurons", "neurons in the human neocortex is around 26 billion"),
        fraction=s003(0.5, "1", "So let's say 13 billion for the half-neocortex case"),
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
        seconds_per_year=s003(3.154e7, "s/year", "3.154e7 sec/year * 15 years"),
        years=s003(15, "years", "for 15 bio_years of 'training time'"),
) -> float:
    """Biological seconds of 'training' (a 15-year upbringing) in 003."""
    return seconds_per_year * years


@calculation
def numenta_pseudo_flop_per_s(
        *,
        int8_ops_per_s=s003(33.3e12, "INT8 op/s", "Alveo U250 datasheet says it gets 33.3 INT8 TOPs"),
        int8_ops_per_flop=s003(4, "INT8 op/FLOP", "maybe 4 FP-8bit-OPs per single precision FLOP"),
) -> float:
    """FP32-equivalent rate of the FPGA in 003's Numenta section."""
    return int8_ops_per_s / int8_ops_per_flop


@calculation
def peak_flop_per_s(
        *,
        cores=s003(3840, "cores", "Titan Xp GPU (3840 cores)"),
        clock_hz=s003(1.6e9, "Hz", "( 1.6e9 cycles / second)"),
        flop_per_cycle=s003(2, "FLOP/cycle/core", "2 flops per cycle per core"),
) -> float:
    """Peak rate as 003 computes it: cores x clock x FLOP per cycle (defaults: its TITAN Xp)."""
    return cores * clock_hz * flop_per_cycle


@calculation
def clock_from_peak_hz(
        *,
        peak_flop_per_s,
        cores=s003(3840, "cores", "Titan Xp GPU (3840 cores)"),
        flop_per_cycle=s003(2, "FLOP/cycle/core", "2 flops per cycle per core"),
) -> float:
    """Clock implied by a peak rate: peak / (cores x FLOP per cycle)."""
    return peak_flop_per_s / (cores * flop_per_cycle)


@calculation
def snn_benchmark_flop(
        *,
        cores=s003(3840, "cores", "(1 node * 3840 cores)"),
        clock_hz=s003(1.6e9, "Hz", "( 1.6e9 cycles / second)"),
        flop_per_cycle=s003(2, "FLOP/cycle/core", "( 2 flops / cycle)"),
        wall_s=s003(1e3, "s", "*  1e3 seconds = 1.229e16"),
) -> float:
    """FLOP the GPU could have done while simulating one biological second (003's first line)."""
    return cores * clock_hz * flop_per_cycle * wall_s


@calculation
def flop_per_neuron(
        *,
        flop=s003(1.229e16, "FLOP", "flops / 2.05e7 neurons = 6.14e6 flp/n"),
        neurons=s003(2.05e7, "neurons", "for 2.05e7 neurons"),
) -> float:
    """FLOP per simulated neuron (defaults: 003's spiking-net line)."""
    return flop / neurons


@calculation
def training_flop_as_written(
        *,
        flop_per_neuron_bio_s=s003(6.14e6, "FLOP/neuron/bio-s", "6.14e6 flp/n/s * 4.78e8 bio_seconds"),
        training_bio_s=s003(4.78e8, "s", "* 4.78e8 bio_seconds * 1.3e9 neurons"),
        neurons=s003(1.3e9, "neurons", "* 1.3e9 neurons = 3.82e24 flops"),
) -> float:
    """003's last line: rate per neuron x biological seconds x neurons, with its numbers as written."""
    return flop_per_neuron_bio_s * training_bio_s * neurons


@calculation
def spiking_net_training_flop(
        *,
        cores=s003(3840, "cores", "Titan Xp GPU (3840 cores)"),
        clock_hz=s003(1.6e9, "Hz", "( 1.6e9 cycles / second)"),
        flop_per_cycle=s003(2, "FLOP/cycle/core", "2 flops per cycle per core"),
        benchmark_wall_s=s003(1e4, "s", "10 bio_seconds took 10^4 wall clock seconds"),
        benchmark_bio_s=s003(10, "s", "10 bio_seconds took 10^4 wall clock seconds"),
        benchmark_neurons=s003(2.05e7, "neurons", "for 2.05e7 neurons"),
        training_bio_s=s003(4.73e8, "s", "3.154e7 sec/year * 15 years = 4.73e8 seconds"),
        neurons=s003(1.3e9, "neurons", "for 1.3e9 neurons of the Cortex+Plasticity simulation type"),
) -> float:
    """003's spiking-network estimate end to end: peak FLOP/s x wall-clock seconds per biological second,
    per benchmark neuron, x biological seconds of training x neurons."""
    peak = cores * clock_hz * flop_per_cycle
    per_neuron_per_bio_s = peak * (benchmark_wall_s / benchmark_bio_s) / benchmark_neurons
    return per_neuron_per_bio_s * training_bio_s * neurons


@calculation
def blue_brain_benchmark_flop(
        *,
        nodes=s003(2048, "nodes", "(2048 nodes * 16 cores)"),
        cores_per_node=s003(16, "cores", "each node 16 cores @ 1.6GHz"),
        clock_hz=s003(1.6e9, "Hz", "( 1.6e9 cycles / second)"),
        flop_per_cycle=s003(8, "FLOP/cycle/core", "PowerPC A2 (Blue Gene/Q) gets 8 64bit flops"),
        wall_s=s003(2e3, "s", "requires 2e3 seconds of 2048 nodes"),
) -> float:
    """FLOP of the BlueGene/Q partition over the CoreNEURON run that 003 reads (its first BBP line)."""
    return nodes * cores_per_node * clock_hz * flop_per_cycle * wall_s


@calculation
def flop_per_neuron_bio_s(
        *,
        flop_per_neuron=s003(3.83e12, "FLOP/neuron", "8.39e17 flops / 2.19e5 neurons = 3.83e12"),
        bio_s=s003(0.001, "s", "for 0.001? seconds of biological time"),
) -> float:
    """FLOP per neuron per biological second (defaults: 003's Blue Brain line)."""
    return flop_per_neuron / bio_s


@calculation
def blue_brain_training_flop(
        *,
        nodes=s003(2048, "nodes", "(2048 nodes * 16 cores)"),
        cores_per_node=s003(16, "cores", "each node 16 cores @ 1.6GHz"),
        clock_hz=s003(1.6e9, "Hz", "( 1.6e9 cycles / second)"),
        flop_per_cycle=s003(8, "FLOP/cycle/core", "PowerPC A2 (Blue Gene/Q) gets 8 64bit flops"),
        benchmark_wall_s=s003(2e3, "s", "requires 2e3 seconds of 2048 nodes"),
        benchmark_neurons=s003(2.19e5, "neurons", "2.19e5 rodent cortex neurons"),
        benchmark_bio_s=s003(0.001, "s", "for 0.001? seconds of biological time"),
        training_bio_s=s003(4.73e8, "s", "3.154e7 sec/year * 15 years = 4.73e8 seconds"),
        neurons=s003(1.3e9, "neurons", "for 1.3e9 neurons of the Cortex+Plasticity simulation type"),
) -> float:
    """003's Blue Brain (CoreNEURON on BlueGene/Q) estimate end to end."""
    flop = nodes * cores_per_node * clock_hz * flop_per_cycle * benchmark_wall_s
    per_neuron_per_bio_s = flop / benchmark_neurons / benchmark_bio_s
    return per_neuron_per_bio_s * training_bio_s * neurons


@calculation
def flop_in_petaflop(
        *,
        flop=s003(2.37e33, "FLOP", "= 2.37e33 flops = 2.37e18 petaFLOPs"),
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
        neurons=s003(31000, "neurons", "To simulate the microcircuit of 31,000 neurons"),
        equations_per_neuron=s003(20000, "equations", "each neuron averages to about 20,000"),
) -> float:
    """Equations in the Markram et al. (2015) microcircuit, as 003 quotes the CoreNEURON paper."""
    return neurons * equations_per_neuron


@calculation
def bio_s_implied(
        *,
        measured_flop_per_neuron_bio_s,
        benchmark_flop=s003(8.39e17, "FLOP", "flops = ... = 8.39e17"),
        benchmark_neurons=s003(2.19e5, "neurons", "2.19e5 rodent cortex neurons"),
        utilisation=Stated(1.0, "", "ext", "all of the partition's peak spent on the cells: an upper bound"),
) -> float:
    """The biological time 003's Blue Brain inputs imply, if each neuron cost what a measured detailed cell costs:
    the partition's FLOP (at ``utilisation`` of its peak) over the neurons and the cell's FLOP per biological
    second. 003 read the run's duration as "0.001?" s."""
    return benchmark_flop * utilisation / benchmark_neurons / measured_flop_per_neuron_bio_s


#: Where the Brian2GeNN paper's detailed-runtime figure draws each simulation line 10x too high: the upstream
#: plotting script, read at a stated commit, with the lines that do it.
PLOT_SCRIPT_EVIDENCE = (
    "brian-team/brian2genn_benchmarks at commit 6d1a6d9d97c05653cec2e413c9fd312cfe13e15c, plot_benchmarks.py "
    "(unchanged since 90ef9fe6fe53fe1e1fc9f432e54c9364e8a5d27e, 2019-08-27), plot_detailed_times(): line 179 "
    "`simulate = benchmark['duration_run']['amin']`, the absolute loop time of the run (duration_run, lines 67-69: "
    "(t_after_run - t_before_run) / 1e6, not divided by the run's biological time); lines 195-197 loop over "
    "biological_time in 1, 10 and 100 s; line 211 plots `simulate*biological_time`; lines 220-221 label each line "
    "at that height; the default data directory (line 17) holds only 10-s runs (line 205 asserts a single run "
    "length), so each line is drawn 10x too high. plot_benchmarks_2020.py divides by the run length first "
    "(lines 225 and 227: `simulate_old/runtime_old*biological_time`, `simulate/runtime...*biological_time`).")


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
    (``plot_benchmarks_2020.py`` does). So each line is drawn 10x higher than its label implies; the lines of
    the script are in :data:`PLOT_SCRIPT_EVIDENCE`.
    """
    return measured_simulation_s * line_bio_s


@calculation
def simulation_s_for(*, measured_simulation_s, measured_bio_s, bio_s) -> float:
    """Simulation wall-clock time for ``bio_s`` biological seconds, scaled linearly from a measurement."""
    return measured_simulation_s / measured_bio_s * bio_s
