"""Document 001 (comments: brain FLOP/s, the RTX 4090 and GPT-3): its calculations.

Each default is the input as 001 states it; the calculations without defaults are used with several
inputs stated in 001 (the two ends of a range, two readings of the brain's rate).
"""
from __future__ import annotations

from simnet.audit.claims import Stated, calculation

__all__ = ["s001", "synaptic_spikes_per_s", "dense_emulation_flop_per_s", "gpus_for_bandwidth", "flop_over",
           "linguistic_cortex_flop", "gpt3_double_pass_flop", "electricity_usd_per_h"]


def s001(value: float, unit: str, where: str) -> Stated:
    """A figure as 001 states it; ``where`` quotes the text that states it."""
    return Stated(value, unit, "001", where)


@calculation
def synaptic_spikes_per_s(*, synapses, rate_hz) -> float:
    """Spikes through synapses per second: synapses x mean firing rate (001's range ends)."""
    return synapses * rate_hz


@calculation
def dense_emulation_flop_per_s(
        *,
        synapses=s001(1e14, "synapses", "The 1e14 synapses are at least 10x locally sparse"),
        sparsity_factor=s001(10, "x", "dense emulation requires 1e15 synapses (mostly zeroes)"),
        rate_hz=s001(100, "Hz", "running at 100hz"),
) -> float:
    """FLOP/s to run the brain's synapses as dense matrices (001)."""
    return synapses * sparsity_factor * rate_hz


@calculation
def gpus_for_bandwidth(
        *,
        bytes_per_s_needed=s001(1e14, "B/s", "so 1e14 bytes/s vs the 4090's 1e12 bytes/s"),
        bytes_per_s_per_gpu=s001(1e12, "B/s", "so 1e14 bytes/s vs the 4090's 1e12 bytes/s"),
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
        parameters=s001(200e9, "parameters", "nearly 200B parameters for one forward pass"),
        flop_per_parameter=s001(2, "FLOP", "the flops is probably 2x that"),
        passes=s001(2, "passes", "you are using a 'double pass', so closer to 800B flops"),
) -> float:
    """FLOP of two forward passes through GPT-3 (001)."""
    return parameters * flop_per_parameter * passes


@calculation
def electricity_usd_per_h(
        *,
        power_w=s001(20, "W", "20 W x 1000 x 10c/kWh = $2/hr"),
        multiple=s001(1000, "x", "20 W x 1000 x 10c/kWh = $2/hr"),
        usd_per_kwh=s001(0.10, "USD/kWh", "20 W x 1000 x 10c/kWh = $2/hr"),
) -> float:
    """Electricity cost per hour of a chip drawing ``multiple`` times the brain's power (001)."""
    return power_w * multiple / 1000 * usd_per_kwh
