"""The audit: every quantitative claim of the seed documents recomputed and judged.

:func:`reproduce_all` returns one :class:`~simnet.audit.claims.Reproduction` per claim, document 003
first (:mod:`simnet.audit.half_neocortex_audit`), then 002, 001, 000 and 004. Where a document reads published
data, the claim is also checked against the data themselves (``data/ml_training_compute.csv``,
``data/hardware.csv`` and, for 003, ``data/brian2genn_benchmarks``).
"""
from __future__ import annotations

import math

from simnet.audit.brain_flops_gpt3 import (
    dense_emulation_flop_per_s,
    electricity_usd_per_h,
    flop_over,
    gpt3_double_pass_flop,
    gpus_for_bandwidth,
    linguistic_cortex_flop,
    s001,
    synaptic_spikes_per_s,
)
from simnet.audit.checks import check, off_by, value_of
from simnet.audit.claims import Reproduction, Stated, bound, round_to_figures, rounding, sci
from simnet.audit.half_neocortex_audit import audit_003
from simnet.audit.sources import hardware_figure, parameters_in_name, training_flop
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
from simnet.audit.synaptic_energy import synaptic_power_w
from simnet.base.data_tables import Table, read_table

__all__ = ["reproduce_all"]


def reproduce_all() -> list[Reproduction]:
    """Recompute every quantitative claim of the seed documents and check it (rules: see
    :mod:`simnet.audit.claims`)."""
    training = read_table("ml_training_compute.csv")
    hardware = read_table("hardware.csv")
    records: list[Reproduction] = []
    records += audit_003(hardware, training)
    records += _audit_002(hardware)
    records += _audit_001(hardware, training)
    records += _audit_000()
    records += _audit_004(training)
    return records


def _audit_002(hardware: Table) -> list[Reproduction]:
    card_memory = hardware_figure(hardware, "NVIDIA A100 SXM 80GB", "memory_gb", "GB")
    return [
        check(
            "002-synaptic-ops", "002", "68e9 neurons x 1000 synapses x 1 kHz = 6.8e16 op/s = 68,000 TOPS",
            brain_synaptic_ops_per_s, stated_text="6.8e16", unit="op/s", rule=rounding, reason=off_by,
            notes=("For comparison only (not checked here): Azevedo et al. 2009 count about 86 billion "
                   "neurons in the human brain; 68 may be a transposition.",)),
        check(
            "002-gpus-for-ops", "002",
            "'We would need 17 of them' (current data-centre GPUs) for 68,000 TOPS",
            gpus_for_ops, stated_text="17", unit="GPUs", rule=rounding, reason=off_by,
            notes=("The GPU's figure is an image missing from the text; 68,000 / 17 = 4,000 TOPS per GPU "
                   "matches the H100 SXM's sparse INT8 peak (an outside figure, not in hardware.csv). The "
                   "A100s priced later (624 dense / 1,248 sparse INT8 TOPS, also outside figures) would "
                   "need 109 / 55.",)),
        check(
            "002-weight-memory", "002", "68e9 x 1000 synapses x 1 byte = 68 TB of weights",
            brain_weight_bytes, stated_text="68e12", unit="B", rule=rounding, reason=off_by),
        check(
            "002-cluster-memory", "002", "3 nodes x 16 cards 'would have a total of 3840 gigabytes'",
            cluster_memory_gb, stated_text="3840", unit="GB", rule=rounding, reason=off_by,
            memory_per_card_gb=card_memory,
            notes=("The text does not name the card's memory; 3840 / 48 = 80 GB, an 80 GB A100 or H100.",)),
        check(
            "002-memory-fraction", "002", "3840 GB for 68 TB: 'We only have 5% as much memory as we need'",
            memory_fraction_percent, stated_text="5", unit="%", rule=rounding,
            reason=lambda stated, recomputed: (
                f"3840 / 68000 = {recomputed:.2f} %, which rounds to {round_to_figures(recomputed, 1):g} %, "
                f"not {stated:g} % (minor)")),
        check(
            "002-hardware-multiple", "002",
            "68 TB / 3840 GB: 'brain scale perf with 20 times as much hardware'",
            hardware_multiple, stated_text="20", unit="x", rule=rounding, reason=off_by,
            notes=("17.7x, rounded up to 20.",)),
        check(
            "002-a100-count", "002", "20 x 3 x 16 = 960 A100s",
            gpu_count, stated_text="960", unit="GPUs", rule=rounding, reason=off_by,
            notes=(f"Without rounding 17.7 up to 20: 68,000 GB / {card_memory.value:g} GB = "
                   f"{68000 / card_memory.value:.0f} cards of 80 GB.",)),
        check(
            "002-gpu-cost", "002", "960 A100s at $25k each: '24 million for the GPUs'",
            gpu_cost_usd, stated_text="24e6", unit="USD", rule=rounding, reason=off_by),
        check(
            "002-rtx4090-memory", "002", "'your 24 gig 4090 example'",
            value_of, stated_text="24", unit="GB", rule=rounding, reason=off_by,
            value=hardware_figure(hardware, "NVIDIA GeForce RTX 4090", "memory_gb", "GB")),
    ]


def _audit_001(hardware: Table, training: Table) -> list[Reproduction]:
    spikes_range = "1e14-1e15 synapses x 0.1-1 spikes per second"
    gpt3 = training_flop(training, "GPT-3 175B")
    return [
        check(
            "001-spikes-low", "001", "Low end: 1e14 synapses x 0.1 spikes/s = 1e13 synaptic spikes/s",
            synaptic_spikes_per_s, stated_text="1e13", unit="spikes/s", rule=rounding, reason=off_by,
            synapses=s001(1e14, "synapses", spikes_range), rate_hz=s001(0.1, "Hz", spikes_range)),
        check(
            "001-spikes-high", "001", "High end: 1e15 synapses x 1 spike/s = 1e15 synaptic spikes/s",
            synaptic_spikes_per_s, stated_text="1e15", unit="spikes/s", rule=rounding, reason=off_by,
            synapses=s001(1e15, "synapses", spikes_range), rate_hz=s001(1, "Hz", spikes_range)),
        check(
            "001-rtx4090-flops", "001", "'the 8.3e13 FLOP/s that one can perform on the RTX 4090'",
            value_of, stated_text="8.3e13", unit="FLOP/s", rule=rounding, reason=off_by,
            value=hardware_figure(hardware, "NVIDIA GeForce RTX 4090", "fp32_tflops", "FLOP/s", scale=1e12)),
        check(
            "001-dense-emulation", "001", "1e14 synapses x 10 (sparsity) x 100 Hz = 1e17 FLOP/s dense",
            dense_emulation_flop_per_s, stated_text="1e17", unit="FLOP/s", rule=rounding, reason=off_by),
        check(
            "001-rtx4090-bandwidth", "001", "'the 4090's 1e12 bytes/s'",
            value_of, stated_text="1e12", unit="B/s", rule=rounding, reason=off_by,
            value=hardware_figure(hardware, "NVIDIA GeForce RTX 4090", "mem_bandwidth_gb_s", "B/s",
                                  scale=1e9)),
        check(
            "001-gpus-for-bandwidth", "001", "1e14 B/s / 1e12 B/s: 'require 100 4090's'",
            gpus_for_bandwidth, stated_text="100", unit="GPUs", rule=rounding, reason=off_by),
        check(
            "001-linguistic-training", "001", "Language cortex training: 1e13 FLOP/s x 1e9 s = 1e22 FLOP",
            flop_over, stated_text="1e22", unit="FLOP", rule=rounding, reason=off_by,
            flop_per_s=s001(1e13, "FLOP/s", "1e22 sparse flops for training linguistic cortex (1e13 flops"),
            seconds=s001(1e9, "s", "(1e13 flops * 1e9 seconds)")),
        check(
            "001-gpt3-training", "001", "'3e23 flops for training GPT-3'",
            value_of, stated_text="3e23", unit="FLOP", rule=rounding, reason=off_by, value=gpt3),
        check(
            "001-linguistic-300b", "001", "1e13 FLOP/s x 10 % x 0.3 s = '300B flops for 0.3 seconds'",
            linguistic_cortex_flop, stated_text="300e9", unit="FLOP", rule=rounding, reason=off_by,
            brain_flop_per_s=s001(1e13, "FLOP/s", "the brain is using perhaps 1e13 flops/s"),
            fraction=s001(0.1, "1", "if linguistic cortex is 10% of that"),
            seconds=s001(0.3, "s", "or 300B flops for 0.3 seconds")),
        check(
            "001-gpt3-double-pass", "001", "~200B parameters x 2 FLOP x 2 passes = 'closer to 800B flops'",
            gpt3_double_pass_flop, stated_text="800e9", unit="FLOP", rule=rounding, reason=off_by,
            notes=(f"GPT-3 has {sci(parameters_in_name('GPT-3 175B'), 3)} parameters (its name in "
                   f"ml_training_compute.csv): {sci(4 * parameters_in_name('GPT-3 175B'), 2)} FLOP.",)),
        check(
            "001-linguistic-3t", "001", "1e14 FLOP/s x 10 % x 0.3 s = '3T flops for 0.3s'",
            linguistic_cortex_flop, stated_text="3e12", unit="FLOP", rule=rounding, reason=off_by,
            brain_flop_per_s=s001(1e14, "FLOP/s", "Perhaps the total brain is 1e14 flops/s"),
            fraction=s001(0.1, "1", "if linguistic cortex is 10% of that"),
            seconds=s001(0.3, "s", "so 3T flops for 0.3s of linguistic cortex")),
        check(
            "001-electricity", "001", "20 W x 1000 x 10 cents/kWh = $2/hr",
            electricity_usd_per_h, stated_text="2", unit="USD/h", rule=rounding, reason=off_by),
    ]


def _audit_000() -> list[Reproduction]:
    return [
        check(
            "000-synaptic-power", "000",
            "(implied) 1e5 eV per synaptic op at up to 1e15 op/s stays within a ~20 W brain",
            synaptic_power_w, stated_text="<=20", unit="W", rule=bound, reason=off_by,
            notes=("000 writes no chain of its own; this combines its two figures, and compares with the "
                   "20 W brain power stated in 001. At 1e14 op/s it would be 1.6 W.",)),
    ]


def _audit_004(training: Table) -> list[Reproduction]:
    # The table has years only; models of 2020 or earlier certainly predate the post (2021-03-11).
    older = [row for row in training.rows
             if int(row["year"]) <= 2020 and math.isfinite(parameters_in_name(row["model"]))]
    largest = max(older, key=lambda row: parameters_in_name(row["model"]))
    parameters = parameters_in_name(largest["model"])
    return [
        check(
            "004-largest-model", "004",
            "The largest models we can train have 'at most 10 billion parameters'",
            value_of, stated_text="<=1e10", unit="parameters", rule=bound,
            reason=lambda stated, recomputed: (
                f"{largest['model']} ({largest['year']}) has {sci(recomputed, 3)}, before the post's "
                "2021-03-11 date; the claim fits late 2019, the date of the earliest comments"),
            value=Stated(parameters, "parameters", "ml_training_compute.csv",
                         f"{largest['model']} ({largest['year']}), parameters from the model's name"),
            notes=("004's other figures (Moravec's estimate, retina synapses) come with no numbers to "
                   "recompute.",)),
    ]
