"""The seed documents' quantitative claims, recomputed and checked.

The seed documents (not shipped with simnet) estimate what it would cost to simulate a human brain, or half
a neocortex, and compare it with the training compute of GPT-3 and PaLM. Each chain of arithmetic they write
down is a small named function in one module per document (:mod:`.doc003`, :mod:`.doc002`, :mod:`.doc001`,
:mod:`.doc000`), whose keyword defaults are its inputs as the document states them. :func:`reproduce_all`
(:mod:`.audit`) recomputes every claim and judges it by the rules in :mod:`.claims`; :func:`format_table`
(:mod:`.table`) lays the verdicts out for a terminal.
"""
from simnet.audit.brain_flops_gpt3 import (
    dense_emulation_flop_per_s,
    electricity_usd_per_h,
    flop_over,
    gpt3_double_pass_flop,
    gpus_for_bandwidth,
    linguistic_cortex_flop,
    synaptic_spikes_per_s,
)
from simnet.audit.claims import (
    CHAIN_TOLERANCE,
    DOCUMENTS,
    LOG_READING_DECADES,
    OOM_HALF_WIDTH,
    Reproduction,
    Stated,
    StatedInput,
    bound,
    calculation,
    chain,
    log_axis_reading,
    orders_of_magnitude,
    round_to_figures,
    rounding,
    sci,
    significant_figures,
    stated_inputs,
)
from simnet.audit.half_neocortex import (
    blue_brain_benchmark_flop,
    blue_brain_training_flop,
    clock_from_peak_hz,
    coreneuron_equations,
    figure_line_as_drawn_s,
    flop_in_petaflop,
    flop_per_neuron,
    flop_per_neuron_bio_s,
    half_neocortex_neurons,
    multiple_of,
    numenta_pseudo_flop_per_s,
    orders_of_magnitude_above,
    peak_flop_per_s,
    seconds_per_year,
    simulation_s_for,
    snn_benchmark_flop,
    spiking_net_training_flop,
    training_bio_seconds,
    training_flop_as_written,
)
from simnet.audit.reproduce import reproduce_all
from simnet.audit.synapses_as_macs import (
    brain_synaptic_ops_per_s,
    brain_weight_bytes,
    cluster_memory_gb,
    gpu_cost_usd,
    gpu_count,
    gpus_for_ops,
    hardware_multiple,
    memory_fraction_percent,
)
from simnet.audit.synaptic_energy import JOULES_PER_EV, synaptic_power_w
from simnet.audit.table import format_table

__all__ = [
    # the audit and its presentation
    "reproduce_all", "format_table",
    # provenance, records and verdict rules
    "DOCUMENTS", "CHAIN_TOLERANCE", "LOG_READING_DECADES", "OOM_HALF_WIDTH",
    "Stated", "StatedInput", "Reproduction", "calculation", "stated_inputs", "sci",
    "significant_figures", "round_to_figures", "rounding", "chain", "log_axis_reading",
    "orders_of_magnitude", "bound",
    # 003
    "half_neocortex_neurons", "seconds_per_year", "training_bio_seconds", "numenta_pseudo_flop_per_s",
    "peak_flop_per_s", "clock_from_peak_hz", "snn_benchmark_flop", "flop_per_neuron",
    "training_flop_as_written", "spiking_net_training_flop", "blue_brain_benchmark_flop",
    "flop_per_neuron_bio_s", "blue_brain_training_flop", "flop_in_petaflop", "orders_of_magnitude_above",
    "multiple_of", "coreneuron_equations", "figure_line_as_drawn_s", "simulation_s_for",
    # 002
    "brain_synaptic_ops_per_s", "gpus_for_ops", "brain_weight_bytes", "cluster_memory_gb",
    "memory_fraction_percent", "hardware_multiple", "gpu_count", "gpu_cost_usd",
    # 001
    "synaptic_spikes_per_s", "dense_emulation_flop_per_s", "gpus_for_bandwidth", "flop_over",
    "linguistic_cortex_flop", "gpt3_double_pass_flop", "electricity_usd_per_h",
    # 000
    "JOULES_PER_EV", "synaptic_power_w",
]
