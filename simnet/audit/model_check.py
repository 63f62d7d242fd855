"""What the back-tested performance model predicts for each document chain that projects a simulation.

The documents size a simulation by hand (003: a TITAN Xp benchmark scaled to 1.3e9 neurons for 15 years; 002:
960 A100s for a 68-billion-neuron brain in real time). :func:`model_checks` puts each configuration through
:mod:`simnet.projection.model` with the rates ``simnet backtest`` scores, and says what the model cannot describe.
Every assumption a configuration needs beyond what the document states is written in its record.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Optional

from simnet.base.units import SECONDS_PER_YEAR
from simnet.projection.model import Machine, Network, devices_by_memory, predict

__all__ = ["FIFTEEN_YEARS_S", "ModelCheck", "model_checks"]

#: 003's training horizon: 15 biological years.
FIFTEEN_YEARS_S = 15 * SECONDS_PER_YEAR


@dataclass(frozen=True)
class ModelCheck:
    """One document chain's configuration and the model's prediction for it (or why there is none)."""

    chains: str
    configuration: str
    assumptions: tuple
    devices: Optional[int] = None
    devices_by_memory: Optional[int] = None
    wall_s_per_bio_s: Optional[float] = None
    time_to_solution_s: Optional[float] = None
    bottleneck: str = ""
    flops_cse: Optional[float] = None
    peak_equivalent_flops: Optional[float] = None
    notes: tuple = ()
    reason: str = ""
    terms: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


def _check(chains, configuration, assumptions, network, machine, devices, rates, bio_seconds) -> ModelCheck:
    prediction = predict(network, machine, devices, rates[machine.kind])
    wall = prediction.wall_s_per_bio_s
    peak = machine.peak_flops_per_s.get(network.precision)
    return ModelCheck(
        chains=chains, configuration=configuration, assumptions=tuple(assumptions), devices=devices,
        devices_by_memory=devices_by_memory(network.state_bytes(), machine.memory_bytes) if machine.memory_bytes
        else None, wall_s_per_bio_s=wall, time_to_solution_s=wall * bio_seconds if wall else None,
        bottleneck=prediction.bottleneck, flops_cse=network.flops_per_bio_s(True) * bio_seconds,
        peak_equivalent_flops=devices * peak * wall * bio_seconds if wall and peak else None,
        notes=prediction.notes, terms={t.name: t.seconds for t in prediction.terms})


def model_checks(rates: dict, hardware_rows, costs: dict) -> list[ModelCheck]:
    """The model's prediction for every document configuration it can describe (``rates`` from
    :func:`simnet.projection.backtest.calibrated_rates`, ``costs`` by name from ``data/element_costs.csv``)."""
    machines = {row["name"]: Machine.from_row(row) for row in hardware_rows}
    checks = []
    titan = machines["NVIDIA TITAN Xp"]
    benchmark = Network("003: Brian2GeNN benchmark at 1.3e9 neurons", neurons=1.3e9, synapses=1.3e12,
                        mean_rate_hz=13.0, dt_s=1e-4, min_delay_s=0.0, costs=costs["cobahh_benchmark"],
                        precision="single")
    for neurons in (1.3e9, 1.3e10):
        network = replace(benchmark, neurons=neurons, synapses=neurons * 1000, label=f"{neurons:.3g} neurons")
        needed = devices_by_memory(network.state_bytes(), titan.memory_bytes)
        checks.append(_check(
            "003-snn-chain, 003-snn-from-data" + ("-13e9" if neurons > 2e9 else ""),
            f"003's spiking-network estimate: {neurons:.3g} neurons for 15 years on TITAN Xp GPUs "
            f"(as many as the state needs)",
            ["network: simnet's count of the Brian2GeNN COBAHH benchmark (1000 synapses per neuron, 13.0 Hz as "
             "simnet measured it, dt 0.1 ms, float32), standing in for the mushroom body 003 read (simnet has no "
             "model of it)"],
            network, titan, needed, rates, FIFTEEN_YEARS_S))
    a100 = machines["NVIDIA A100 SXM 80GB"]
    brain = Network("002: 68e9 neurons x 1000 synapses", neurons=68e9, synapses=68e12, mean_rate_hz=3.24,
                    dt_s=1e-3, min_delay_s=1e-3, costs=costs["pd14_lif_exp"], precision="single")
    checks.append(_check(
        "002-hardware-multiple, 002-a100-count",
        "002's brain on GPUs: 68e9 neurons x 1000 synapses on 960 A100 80GB, 'brain scale perf' (real time)",
        ["network: simnet's count of the PD14 column's LIF neurons and static synapses (float32); mean rate "
         "3.24 Hz (the PD14 reference rates' mean, an assumption: 002 gives none) and dt 1 ms (002's 1 kHz)"],
        brain, a100, 960, rates, 1.0))
    checks.append(ModelCheck(
        "003-bbp-chain", "003's Blue Brain estimate: CoreNEURON's multi-compartment neurons on Blue Gene/Q", (),
        reason="simnet has no model of multi-compartment neurons, so no per-element costs to put in the model"))
    checks.append(ModelCheck(
        "001-gpus-for-bandwidth", "001's dense emulation: 1e14 synapses at 100 Hz on 100 RTX 4090s", (),
        reason="001 states no neuron count, time step or firing rate, only a dense synapse-update rate"))
    return checks
