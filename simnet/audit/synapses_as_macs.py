"""Document 002 (comments by Gerald Monroe: synapses as MACs, GPUs for a human brain): its calculations.

Each default is the input as 002 states it.
"""
from __future__ import annotations

from simnet.audit.claims import Stated, calculation

__all__ = ["s002", "brain_synaptic_ops_per_s", "gpus_for_ops", "brain_weight_bytes", "cluster_memory_gb",
           "memory_fraction_percent", "hardware_multiple", "gpu_count", "gpu_cost_usd"]


def s002(value: float, unit: str, where: str) -> Stated:
    """A figure as 002 states it; ``where`` quotes the text that states it."""
    return Stated(value, unit, "002", where)


@calculation
def brain_synaptic_ops_per_s(
        *,
        neurons=s002(68e9, "neurons", "68 billion neurons"),
        synapses_per_neuron=s002(1000, "synapses", "about 1000 connections each"),
        rate_hz=s002(1000, "Hz", "at 1khz"),
) -> float:
    """Synaptic MACs per second if every synapse updates at the given rate (002)."""
    return neurons * synapses_per_neuron * rate_hz


@calculation
def gpus_for_ops(
        *,
        ops_per_s=s002(6.8e16, "op/s", "= 6.8e+16 = 68000 TOPs"),
        ops_per_s_per_gpu=Stated(3958e12, "op/s", "ext",
                                 "NVIDIA H100 SXM datasheet: INT8 tensor 3,958 TOPS with sparsity "
                                 "(002's GPU figure is missing from the text)"),
) -> float:
    """GPUs needed to reach a rate of operations."""
    return ops_per_s / ops_per_s_per_gpu


@calculation
def brain_weight_bytes(
        *,
        neurons=s002(68e9, "neurons", "68 billion x 1000 x (1 byte)"),
        synapses_per_neuron=s002(1000, "synapses", "68 billion x 1000 x (1 byte)"),
        bytes_per_synapse=s002(1, "B", "68 billion x 1000 x (1 byte)"),
) -> float:
    """Bytes to hold one 8-bit weight per synapse (002)."""
    return neurons * synapses_per_neuron * bytes_per_synapse


@calculation
def cluster_memory_gb(
        *,
        nodes=s002(3, "nodes", "maybe 2-3 nodes with 16 cards each"),
        cards_per_node=s002(16, "cards", "maybe 2-3 nodes with 16 cards each"),
        memory_per_card_gb,
) -> float:
    """GPU memory of a cluster; 002 gives only the total, so the per-card figure comes from hardware.csv."""
    return nodes * cards_per_node * memory_per_card_gb


@calculation
def memory_fraction_percent(
        *,
        available_gb=s002(3840, "GB", "a total of 3840 gigabytes of memory"),
        needed_gb=s002(68000, "GB", "= 68 terabytes of weights"),
) -> float:
    """Share of the needed memory the cluster has, in percent (002)."""
    return 100 * available_gb / needed_gb


@calculation
def hardware_multiple(
        *,
        needed_gb=s002(68000, "GB", "= 68 terabytes of weights"),
        available_gb=s002(3840, "GB", "a total of 3840 gigabytes of memory"),
) -> float:
    """How many times the cluster is needed to hold the weights (002's "20 times as much hardware")."""
    return needed_gb / available_gb


@calculation
def gpu_count(
        *,
        multiple=s002(20, "x", "20*3*16 = 960 A100s"),
        nodes=s002(3, "nodes", "20*3*16 = 960 A100s"),
        cards_per_node=s002(16, "cards", "20*3*16 = 960 A100s"),
) -> float:
    """Cards in ``multiple`` copies of the cluster (002)."""
    return multiple * nodes * cards_per_node


@calculation
def gpu_cost_usd(
        *,
        gpus=s002(960, "GPUs", "960 A100s"),
        usd_per_gpu=s002(25e3, "USD", "They are 25k each"),
) -> float:
    """Purchase price of the GPUs alone (002)."""
    return gpus * usd_per_gpu
