"""The Potjans & Diesmann (2014) cortical microcircuit, with the neuron model as a parameter.

Potjans TC & Diesmann M (2014) Cereb. Cortex 24:785; parameters, connectivity rule, down-scaling and published
rates as in the reference PyNEST implementation (INM-6/microcircuit-PD14-model, PyNEST/src/microcircuit/:
network_params.py, network.py, helpers.py). Eight populations (L23E, L23I, L4E, L4I, L5E, L5I, L6E, L6I), 77,169
neurons and about 3e8 synapses at full scale.

Construction (derived quantities are computed in :class:`MicrocircuitParams`' methods, in one place):

* **Populations.** N = round(N_full * n_scaling). The four excitatory populations are slices of one Brian2 group
  (``excitatory``: L23E, L4E, L5E, L6E in that order) and the four inhibitory ones of another (``inhibitory``),
  so the column compiles to four synapse objects instead of 64 (a standalone project with one ``Synapses`` per
  population pair took minutes to compile on a 2-core machine).
* **Connectivity.** Fixed total number per population pair, sources and targets drawn uniformly (multapses and
  autapses allowed): K_full = ln(1 - C) / ln(1 - 1/(N_pre N_post)) with full-scale N, then
  K = round(K_full * n_scaling * k_scaling).
* **Weights.** PSC amplitude J = 87.81 pA (0.15 mV PSP on the reference neuron, recomputed by
  :func:`psp_to_current`), normal with 10% relative SD, redrawn until the sign is kept; inhibitory g = -4;
  L4E -> L23E doubled. Each level converts them with :meth:`simnet.models.neurons.NeuronModel.weight`, which
  applies the level's synaptic (recurrent-efficacy) factors.
* **Delays.** Normal, mean 1.5 ms (excitatory) / 0.75 ms (inhibitory), relative SD 0.5, redrawn below half a
  time step (the reference's truncation) and rounded to the time step (at least one step).
* **Order.** The synapses come in the order the network builder stores them (by source neuron, then delay step;
  :mod:`simnet.simulation.synapse_order`): per population pair the sources and delay steps are drawn as above and
  counted per (source, step), and targets and weights are drawn in that order, so no sort follows the draw. The
  network's distribution is that of the block-by-block draw (``in_order=False``, kept for ``synapse_order =
  "drawn"``); a seed's realisation differs between the two.
* **Background.** ``poisson``: K_ext inputs per neuron at 8 Hz with weight J (Brian2 ``PoissonInput``), or ``dc``:
  the mean of that input, tau_syn * J * K_ext * 8 Hz, as a constant current. A level's external drive factor
  multiplies the 8 Hz (and that DC); its background weight is its excitatory synaptic weight.
* **In-degree scaling** (k_scaling = f < 1), as the reference implementation: J -> J / sqrt(f),
  K_ext -> round(K_ext f), and the lost mean input is restored by a DC current per population,
  tau_syn (1 - sqrt(f)) (sum_x J_yx K_yx,full / N_y,full nu_x + [Poisson only] J K_ext nu_bg), with nu_x the
  full-scale reference rates; at each level the recurrent part is scaled by the level's synaptic factors and the
  background part by its external drive factor (:meth:`MicrocircuitParams.level_dc_currents`). This keeps the
  mean and variance of the input (diffusion approximation) but not the correlations;
  :meth:`MicrocircuitParams.scaling_warnings` says when a scaling is outside what it can carry.
* **Plasticity** (``synapse_model``): ``stdp`` (pair) or ``triplet`` (Pfister & Gerstner 2006) on the E -> E
  synapses only (projection ``exc_to_exc``); the other three projections stay static. The upper bound is
  ``w_max_factor`` times the largest mean E -> E weight (the doubled L4E -> L23E one).

Backends: the per-synapse delays are heterogeneous, which Brian2GeNN does not support; runtime and cpp are
tested, cuda is expected to work (unverified).
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from brian2 import Hz, Quantity, amp, ms, mV, second, siemens

from simnet.models.neurons import NEURON_MODELS, LifExpParams, NeuronModel, get_neuron_model
from simnet.models.plasticity import (
    PairSTDP,
    TripletSTDP,
    pair_stdp,
    pair_stdp_amplitudes,
    triplet_stdp,
    triplet_stdp_amplitudes,
)
from simnet.specs.model_spec import ModelSpec, PoissonBackground, Population, Projection, default

__all__ = ["SYNAPSE_MODELS", "BACKGROUNDS", "POPULATIONS", "EXCITATORY", "INHIBITORY", "FULL_SIZES",
           "FULL_EXTERNAL_IN_DEGREES", "CONNECTION_PROBABILITY", "FULL_MEAN_RATES_HZ", "GROUPS", "PROJECTIONS",
           "SMALLEST_RELIABLE_K_SCALING", "MicrocircuitScalingWarning", "psp_to_current", "MicrocircuitParams",
           "build_spec"]

SYNAPSE_MODELS = ("static", "stdp", "triplet")
BACKGROUNDS = ("poisson", "dc")

# Potjans & Diesmann (2014), Cereb. Cortex 24:785, Table 5; the same values are in the reference implementation's
# network_params.py (INM-6/microcircuit-PD14-model, PyNEST/src/microcircuit/).
POPULATIONS = ("L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E", "L6I")
EXCITATORY = ("L23E", "L4E", "L5E", "L6E")
INHIBITORY = ("L23I", "L4I", "L5I", "L6I")
FULL_SIZES = (20683, 5834, 21915, 5479, 4850, 1065, 14395, 2948)
FULL_EXTERNAL_IN_DEGREES = (1600, 1500, 2100, 1900, 2000, 1900, 2900, 2100)
#: Connection probabilities, rows = target, columns = source, both in POPULATIONS order.
CONNECTION_PROBABILITY = (
    (0.1009, 0.1689, 0.0437, 0.0818, 0.0323, 0.0, 0.0076, 0.0),
    (0.1346, 0.1371, 0.0316, 0.0515, 0.0755, 0.0, 0.0042, 0.0),
    (0.0077, 0.0059, 0.0497, 0.1350, 0.0067, 0.0003, 0.0453, 0.0),
    (0.0691, 0.0029, 0.0794, 0.1597, 0.0033, 0.0, 0.1057, 0.0),
    (0.1004, 0.0622, 0.0505, 0.0057, 0.0831, 0.3726, 0.0204, 0.0),
    (0.0548, 0.0269, 0.0257, 0.0022, 0.0600, 0.3158, 0.0086, 0.0),
    (0.0156, 0.0066, 0.0211, 0.0166, 0.0572, 0.0197, 0.0396, 0.2252),
    (0.0364, 0.0010, 0.0034, 0.0005, 0.0277, 0.0080, 0.0658, 0.1443),
)
#: Full-scale mean rates (Hz) of the reference implementation (network_params.py full_mean_rates, one NEST 3 run),
#: used only by the in-degree compensation.
FULL_MEAN_RATES_HZ = (0.903, 2.965, 4.414, 5.876, 7.569, 8.633, 1.105, 7.829)

#: Group holding each population, and the projection names by (source group, target group).
GROUPS = {"excitatory": EXCITATORY, "inhibitory": INHIBITORY}
PROJECTIONS = {("excitatory", "excitatory"): "exc_to_exc", ("excitatory", "inhibitory"): "exc_to_inh",
               ("inhibitory", "excitatory"): "inh_to_exc", ("inhibitory", "inhibitory"): "inh_to_inh"}

#: The reference implementation's example runs at N_scaling = K_scaling = 0.2 (INM-6/microcircuit-PD14-model,
#: PyNEST/examples/run_microcircuit.py); below this in-degree scaling the run warns. See
#: MicrocircuitParams.scaling_warnings for the other conditions.
SMALLEST_RELIABLE_K_SCALING = 0.2


class MicrocircuitScalingWarning(UserWarning):
    """A down-scaled column whose rates the reference compensation is not expected to preserve."""


def psp_to_current(psp: Quantity, C_m: Quantity, tau_m: Quantity, tau_syn: Quantity) -> Quantity:
    """PSC amplitude of an exponential current synapse giving a PSP of peak ``psp`` on a LIF membrane.

    The PSP is J/C_m * tau_m tau_s / (tau_m - tau_s) * (exp(-t*/tau_m) - exp(-t*/tau_s)) at its peak
    t* = tau_m tau_s / (tau_m - tau_s) ln(tau_m / tau_s); solved for J.
    """
    tm, ts = float(tau_m / ms), float(tau_syn / ms)
    t_peak = tm * ts / (tm - ts) * math.log(tm / ts)
    shape_ms = tm * ts / (tm - ts) * (math.exp(-t_peak / tm) - math.exp(-t_peak / ts))
    return psp * C_m / (shape_ms * ms)


@dataclass(frozen=True)
class MicrocircuitParams:
    """Parameters of the column: scaling, fidelity choices and PD14's network parameters.

    ``n_scaling`` and ``k_scaling`` are fractions in (0, 1]; ``neuron_model`` a key of
    :data:`simnet.models.neurons.NEURON_MODELS`; ``synapse_model`` one of ``static``, ``stdp``, ``triplet``;
    ``background`` ``poisson`` or ``dc``.
    """

    n_scaling: float = 0.1
    k_scaling: float = 1.0
    neuron_model: str = "lif_exp"
    synapse_model: str = "static"
    background: str = "poisson"
    dt: Quantity = default(0.1 * ms)
    psp_mean: Quantity = default(0.15 * mV)
    weight_rel_sd: float = 0.1
    g: float = -4.0
    #: PD14 doubles the L4E -> L23E weight.
    l4e_to_l23e_factor: float = 2.0
    delay_exc_mean: Quantity = default(1.5 * ms)
    delay_inh_mean: Quantity = default(0.75 * ms)
    delay_rel_sd: float = 0.5
    background_rate: Quantity = default(8.0 * Hz)
    stdp: PairSTDP = field(default_factory=PairSTDP)
    triplet: TripletSTDP = field(default_factory=TripletSTDP)

    def __post_init__(self):
        for name, option in (("n_scaling", "--scale"), ("k_scaling", "--k-scale")):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and 0 < value <= 1):
                raise ValueError(f"{name} ({option}) must be in (0, 1], got {value!r}")
        get_neuron_model(self.neuron_model)
        if self.synapse_model not in SYNAPSE_MODELS:
            raise ValueError(f"unknown synapse model {self.synapse_model!r}; choose one of "
                             f"{', '.join(SYNAPSE_MODELS)}")
        if self.background not in BACKGROUNDS:
            raise ValueError(f"unknown background {self.background!r}; choose one of {', '.join(BACKGROUNDS)}")
        if not float(self.dt) > 0 or self.dt > 1 * ms:
            raise ValueError(f"dt must be in (0, 1] ms, got {self.dt}")
        for n_full in FULL_SIZES:
            if round(n_full * self.n_scaling) < 1:
                raise ValueError(f"n-scaling {self.n_scaling} leaves a population with no neurons")

    # --- derived quantities -----------------------------------------------------------------------------

    @property
    def level(self) -> NeuronModel:
        return NEURON_MODELS[self.neuron_model]

    def reference_current(self) -> Quantity:
        """J: the PSC amplitude of the reference neuron for ``psp_mean`` (87.81 pA for 0.15 mV)."""
        ref = LifExpParams()
        return psp_to_current(self.psp_mean, ref.C_m, ref.tau_m, ref.tau_syn)

    def sizes(self) -> dict[str, int]:
        """Neurons per population."""
        return {name: int(round(n * self.n_scaling)) for name, n in zip(POPULATIONS, FULL_SIZES)}

    def full_synapse_numbers(self) -> np.ndarray:
        """K_full[target, source] = ln(1 - C) / ln(1 - 1/(N_pre N_post)) at full scale (float)."""
        n = np.asarray(FULL_SIZES, dtype=float)
        c = np.asarray(CONNECTION_PROBABILITY)
        pairs = np.outer(n, n)
        return np.log1p(-c) / np.log1p(-1.0 / pairs)

    def synapse_numbers(self) -> np.ndarray:
        """Synapses per projection [target, source]: round(K_full * n_scaling * k_scaling)."""
        return np.rint(self.full_synapse_numbers() * self.n_scaling * self.k_scaling).astype(np.int64)

    def external_in_degrees(self) -> dict[str, int]:
        """Poisson background inputs per neuron: round(K_ext * k_scaling)."""
        return {name: int(round(k * self.k_scaling)) for name, k in zip(POPULATIONS, FULL_EXTERNAL_IN_DEGREES)}

    def mean_currents_full(self) -> np.ndarray:
        """Mean PSC amplitude [target, source] before in-degree scaling (amp, as a float array)."""
        j = float(self.reference_current() / amp)
        means = np.array([[j if src.endswith("E") else self.g * j for src in POPULATIONS] for _ in POPULATIONS])
        means[POPULATIONS.index("L23E"), POPULATIONS.index("L4E")] *= self.l4e_to_l23e_factor
        return means

    def mean_currents(self) -> np.ndarray:
        """Mean PSC amplitude [target, source] after in-degree scaling, J / sqrt(k_scaling) (amp, floats)."""
        return self.mean_currents_full() / math.sqrt(self.k_scaling)

    def background_current(self) -> Quantity:
        """PSC amplitude of one background input after in-degree scaling."""
        return self.reference_current() / math.sqrt(self.k_scaling)

    def dc_components(self) -> dict[str, np.ndarray]:
        """The constant input per population in PD14 current units (amp, floats in POPULATIONS order), by origin.

        ``excitatory`` and ``inhibitory``: ``tau_syn (1 - sqrt(f))`` times the recurrent mean input from
        excitatory / inhibitory sources (full-scale weights, in-degrees and reference rates); ``background``:
        ``tau_syn (1 - sqrt(f)) J K_ext nu_bg`` (Poisson mode) or ``tau_syn J K_ext nu_bg`` (``dc`` mode). Kept
        apart because a level scales them differently: the first two stand for recurrent synapses, the last for
        the external drive (:mod:`simnet.models.neurons`, calibration).
        """
        tau_syn_s = float(LifExpParams().tau_syn / second)
        in_degree = self.full_synapse_numbers() / np.asarray(FULL_SIZES, dtype=float)[:, None]
        mean_input = self.mean_currents_full() * in_degree * np.asarray(FULL_MEAN_RATES_HZ)
        from_excitatory = np.array([name.endswith("E") for name in POPULATIONS])
        j = float(self.reference_current() / amp)
        background = j * np.asarray(FULL_EXTERNAL_IN_DEGREES, dtype=float) * float(self.background_rate / Hz)
        lost = 1.0 - math.sqrt(self.k_scaling)
        return {
            "excitatory": tau_syn_s * lost * mean_input[:, from_excitatory].sum(axis=1),
            "inhibitory": tau_syn_s * lost * mean_input[:, ~from_excitatory].sum(axis=1),
            "background": tau_syn_s * (lost if self.background == "poisson" else 1.0) * background,
        }

    def dc_currents(self) -> dict[str, Quantity]:
        """Constant input per population in PD14 current units: DC background and in-degree compensation.

        ``tau_syn (1 - sqrt(f)) * (recurrent mean input [+ Poisson background mean])`` with full-scale weights,
        in-degrees and reference rates, plus ``tau_syn J K_ext nu_bg`` in ``dc`` background mode; the sum of
        :meth:`dc_components`, as the reference level receives it.
        """
        dc = sum(self.dc_components().values())
        return {name: float(value) * amp for name, value in zip(POPULATIONS, dc)}

    def level_dc_currents(self) -> dict[str, Quantity]:
        """The constant input per population at this level: :meth:`dc_components` scaled by the level's factors.

        ``C_level / 250 pF x (s_ex * excitatory + s_in * inhibitory + e * background)``, with the level's
        synaptic factors ``s_ex``, ``s_in`` and external drive factor ``e``: the compensation for lost recurrent
        input scales as the recurrent synapses do, the DC standing for the background as the external drive.
        """
        level = self.level
        parts = self.dc_components()
        dc = level.current_scale() * (level.synaptic_factor(True) * parts["excitatory"]
                                      + level.synaptic_factor(False) * parts["inhibitory"]
                                      + level.external_drive_factor * parts["background"])
        return {name: float(value) * amp for name, value in zip(POPULATIONS, dc)}

    def level_background_rate(self) -> Quantity:
        """Rate of each Poisson background input at this level: ``background_rate`` x the external drive factor."""
        return self.background_rate * self.level.external_drive_factor

    def scaling_warnings(self) -> list[str]:
        """Why this scaling may not keep the full-scale rates (empty when nothing is known to go wrong).

        Raised for: an in-degree scaling below the reference example's 0.2; a projection that has synapses at
        full scale but none here; a population whose DC input alone (compensation and DC background, before the
        level's conversion) exceeds the reference neuron's rheobase g_L (V_th - E_L) = 375 pA, i.e. it fires
        without any fluctuation (mean-driven, not the fluctuation-driven regime PD14 is in).
        """
        found = []
        if self.k_scaling < SMALLEST_RELIABLE_K_SCALING:
            found.append(f"k-scaling {self.k_scaling} is below {SMALLEST_RELIABLE_K_SCALING}: the reference "
                         "compensation keeps mean and variance of the input but not its correlations")
        lost = (self.full_synapse_numbers() >= 1.0) & (self.synapse_numbers() == 0)
        for target, source in zip(*np.nonzero(lost)):
            found.append(f"projection {POPULATIONS[source]} -> {POPULATIONS[target]} has no synapses at this scale")
        ref = LifExpParams()
        rheobase = ref.C_m / ref.tau_m * (ref.V_th - ref.E_L)
        if self.background == "poisson":
            above = [name for name, dc in self.dc_currents().items() if dc > rheobase]
            if above:
                found.append(f"the compensating DC input alone exceeds the rheobase in {', '.join(above)}")
        return found


# ----------------------------------------------------------------------------------------------------------


def build_spec(params: MicrocircuitParams = MicrocircuitParams()) -> ModelSpec:
    """The column for ``params`` as a :class:`~simnet.specs.model_spec.ModelSpec` (warns when the scaling is unreliable)."""
    p = params
    level = p.level
    problems = p.scaling_warnings()
    for problem in problems:
        warnings.warn(problem, MicrocircuitScalingWarning, stacklevel=2)

    sizes = p.sizes()
    slices = _group_slices(sizes)
    dc = p.level_dc_currents()
    populations = tuple(
        Population(
            name=group,
            size=sum(sizes[name] for name in members),
            equations=level.equations,
            threshold=level.threshold,
            reset=level.reset,
            refractory=level.refractory,
            method=level.method,
            initial_values={
                **level.initial_values,
                "I_dc": np.concatenate([np.full(sizes[name], float(dc[name] / amp)) for name in members]) * amp,
            },
            namespace=level.namespace(excitatory=(group == "excitatory")),
            subpopulations={name: slices[name][1:] for name in members},
            model_type=level.model_type,
        )
        for group, members in GROUPS.items()
    )
    projections = tuple(_projection(p, level, source, target, slices) for (source, target) in PROJECTIONS)
    inputs = ()
    if p.background == "poisson":
        weight = level.weight(p.background_current(), excitatory=True)
        unit = level.weight_unit
        inputs = tuple(
            PoissonBackground(
                name=f"background_{name}", target=name, target_var=level.target_variable(True),
                inputs_per_neuron=k_ext, rate=p.level_background_rate(),
                # a literal: PoissonInput resolves no external names in standalone runs
                weight=f"{float(weight / _UNITS[unit])!r}*{unit}",
            )
            for name, k_ext in p.external_in_degrees().items() if k_ext > 0
        )
    description = (f"PD14 cortical microcircuit, {level.name} neurons, {p.synapse_model} synapses, "
                   f"{p.background} background, n-scaling {p.n_scaling:g}, k-scaling {p.k_scaling:g}")
    if problems:
        description += "; scaling warning: " + "; ".join(problems)
    return ModelSpec(name="microcircuit", parameters=p, populations=populations, projections=projections,
                     inputs=inputs, dt=p.dt, description=description, display_order=POPULATIONS)


def _group_slices(sizes: dict[str, int]) -> dict[str, tuple[str, int, int]]:
    """Population -> (group, start, stop); the populations tile their group in GROUPS order."""
    slices = {}
    for group, members in GROUPS.items():
        start = 0
        for name in members:
            slices[name] = (group, start, start + sizes[name])
            start += sizes[name]
    return slices


_UNITS = {"amp": amp, "siemens": siemens}


def _projection(p: MicrocircuitParams, level: NeuronModel, source_group: str, target_group: str,
                slices: dict) -> Projection:
    excitatory = source_group == "excitatory"
    name = PROJECTIONS[(source_group, target_group)]
    arrays = _connectivity(p, level, GROUPS[source_group], GROUPS[target_group], slices)
    numbers = p.synapse_numbers()
    drawn = int(sum(numbers[POPULATIONS.index(t), POPULATIONS.index(s)]
                    for t in GROUPS[target_group] for s in GROUPS[source_group]))
    if excitatory and target_group == "excitatory" and p.synapse_model != "static":
        # the bound sits above the largest mean E -> E weight (the doubled L4E -> L23E one)
        reference = level.weight(p.l4e_to_l23e_factor * p.background_current(), excitatory=True)
        target = level.target_variable(True)
        if p.synapse_model == "stdp":
            rule = pair_stdp(p.stdp, target=target, weight_unit=level.weight_unit)
            amplitudes = pair_stdp_amplitudes(p.stdp, p.stdp.w_max_factor * reference)
        else:
            rule = triplet_stdp(p.triplet, target=target, weight_unit=level.weight_unit)
            amplitudes = triplet_stdp_amplitudes(p.triplet, p.triplet.w_max_factor * reference)
        return Projection(name=name, source=source_group, target=target_group, model=rule["model"],
                          on_pre=rule["on_pre"], on_post=rule["on_post"], arrays=arrays, expected_synapses=drawn,
                          namespace={**rule["namespace"], **amplitudes}, plastic=True, arrays_in_order=True)
    return Projection(name=name, source=source_group, target=target_group, model=f"w : {level.weight_unit}",
                      on_pre=level.on_pre(excitatory), arrays=arrays, expected_synapses=drawn,
                      arrays_in_order=True)


def _connectivity(p: MicrocircuitParams, level: NeuronModel, sources: tuple, targets: tuple,
                  slices: dict) -> Callable[[np.random.Generator], dict]:
    """A function drawing the synapses, weights and delays of every population pair between two groups."""
    numbers = p.synapse_numbers()
    means = p.mean_currents()
    excitatory = sources[0].endswith("E")
    delay_mean_ms = float((p.delay_exc_mean if excitatory else p.delay_inh_mean) / ms)
    dt_ms = float(p.dt / ms)

    def draw(rng: np.random.Generator, in_order: bool = False) -> dict:
        # Filled block by block into arrays allocated once: at full scale (3e8 synapses) every extra
        # whole-network temporary costs gigabytes, and Brian2 keeps its own copy of each array as well.
        blocks = []  # (source, target, synapse count, mean current) per population pair with synapses
        for target in targets:
            for source in sources:
                t, s = POPULATIONS.index(target), POPULATIONS.index(source)
                if int(numbers[t, s]) > 0:
                    blocks.append((source, target, int(numbers[t, s]), means[t, s]))
        total = sum(count for _, _, count, _ in blocks)
        i = np.empty(total, dtype=np.int32)
        j = np.empty(total, dtype=np.int32)
        weight = np.empty(total)
        delay = np.empty(total)
        if in_order:
            _draw_in_order(rng, blocks, slices, p.weight_rel_sd, delay_mean_ms, p.delay_rel_sd, dt_ms,
                           i, j, weight, delay)
        else:
            start = 0
            for source, target, count, mean in blocks:
                block = slice(start, start + count)
                _, s_start, s_stop = slices[source]
                _, t_start, t_stop = slices[target]
                i[block] = rng.integers(s_start, s_stop, size=count, dtype=np.int32)
                j[block] = rng.integers(t_start, t_stop, size=count, dtype=np.int32)
                weight[block] = _redrawn_normal(rng, mean, abs(mean) * p.weight_rel_sd, count,
                                                lambda x, m=mean: np.sign(x) != np.sign(m))
                delay[block] = _delay_steps(rng, delay_mean_ms, p.delay_rel_sd, dt_ms, count)
                start += count
        # in place: current (A) -> this level's weight; delay (steps) -> seconds
        unit_weight = level.weight(1.0 * amp, excitatory)
        weight *= float(unit_weight)
        delay *= dt_ms * float(ms)
        return {
            "i": i,
            "j": j,
            "w": Quantity(weight, dim=unit_weight.dim, copy=False),
            "delay": Quantity(delay, dim=second.dim, copy=False),
        }

    return draw


def _delay_steps(rng: np.random.Generator, mean_ms: float, rel_sd: float, dt_ms: float, count: int) -> np.ndarray:
    """Delays in whole steps (float): normal, redrawn below half a step, rounded, at least one step."""
    steps = _redrawn_normal(rng, mean_ms, mean_ms * rel_sd, count, lambda x: x < 0.5 * dt_ms)
    np.divide(steps, dt_ms, out=steps)
    np.rint(steps, out=steps)
    np.maximum(steps, 1.0, out=steps)
    return steps


def _draw_in_order(rng, blocks, slices, weight_rel_sd, delay_mean_ms, delay_rel_sd, dt_ms, i, j, weight, delay):
    """The same draw as the block-by-block one, written in the order the network builder stores synapses in:
    by source neuron, then delay step, then block (:mod:`simnet.simulation.synapse_order`), with no sort.

    Per block, sources and delay steps are drawn as in the other order and only counted per (source, step);
    targets and weights, drawn independently of both, are then drawn in the final order. The distribution of the
    network is the same; the realisation for a seed is not.
    """
    start = 0
    for source in dict.fromkeys(block[0] for block in blocks):  # source populations, in the group's order
        mine = [block for block in blocks if block[0] == source]
        _, s_start, s_stop = slices[source]
        n_source = s_stop - s_start
        drawn = [(rng.integers(0, n_source, size=count, dtype=np.int64),
                  _delay_steps(rng, delay_mean_ms, delay_rel_sd, dt_ms, count).astype(np.int64))
                 for _, _, count, _ in mine]
        span = int(max(steps.max() for _, steps in drawn)) + 1
        # counts[source neuron, step, block]: how many synapses each cell of the final order holds
        counts = np.empty((n_source * span, len(mine)), dtype=np.int64)
        for b, (local, steps) in enumerate(drawn):
            local *= span
            local += steps
            counts[:, b] = np.bincount(local, minlength=n_source * span)
        del drawn
        counts = counts.ravel()
        stop = start + int(counts.sum())
        here = slice(start, stop)
        cells = np.arange(n_source * span * len(mine), dtype=np.int64)
        i[here] = np.repeat((cells // (span * len(mine)) + s_start).astype(np.int32), counts)
        delay[here] = np.repeat(((cells // len(mine)) % span).astype(np.float64), counts)
        which = np.repeat((cells % len(mine)).astype(np.int8), counts)
        del cells
        bounds = np.array([slices[target][1:] for _, target, _, _ in mine], dtype=np.int64)
        j[here] = rng.integers(bounds[which, 0], bounds[which, 1]).astype(np.int32)
        means = np.array([m for *_, m in mine])
        sign = np.sign(means[0])  # a source population's weights all have its sign
        assert np.all(np.sign(means) == sign)
        mean = means[which]
        del which
        weight[here] = _redrawn_normal(rng, mean, np.abs(mean) * weight_rel_sd, stop - start,
                                       lambda x: np.sign(x) != sign)
        start = stop
    assert start == len(i), "every block's synapses written"


def _redrawn_normal(rng: np.random.Generator, mean, sd, size: int, reject) -> np.ndarray:
    """Normal samples with every value for which ``reject`` is true drawn again (NEST's ``redraw``); ``mean`` and
    ``sd`` may be arrays of ``size`` values. Only redrawn values are tested again (the others passed)."""
    values = rng.normal(mean, sd, size)
    bad = np.flatnonzero(reject(values))
    while bad.size:
        if np.ndim(mean) or np.ndim(sd):
            values[bad] = rng.normal(np.broadcast_to(mean, size)[bad], np.broadcast_to(sd, size)[bad])
        else:
            values[bad] = rng.normal(mean, sd, bad.size)
        bad = bad[reject(values[bad])]
    return values
