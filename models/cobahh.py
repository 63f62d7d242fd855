"""COBAHH: Brette et al. (2007) benchmark 3, Hodgkin-Huxley neurons with conductance-based synapses.

Brette R. et al. (2007) J. Comput. Neurosci. 23:349, benchmark 3; the Traub & Miles (1991) rate functions as
in Brian2's COBAHH example and in brian2genn_benchmarks/COBAHH.py (Stimberg, Goodman & Nowotny 2020).

Membrane and gating (``x`` stands for ``m``, ``n``, ``h``)::

    Cm dv/dt = gl (El - v) + ge (Ee - v) + gi (Ei - v) - g_na m^3 h (v - ENa) - g_kd n^4 (v - EK)
    dx/dt    = alpha_x(v) (1 - x) - beta_x(v) x
    dge/dt   = -ge / taue,   dgi/dt = -gi / taui

Spikes at ``v > -20 mV`` with a 3 ms refractory period (no reset: the HH currents repolarise); integration by
exponential Euler with dt = 0.1 ms. 80% of neurons are excitatory; an excitatory (inhibitory) spike adds
``we`` (``wi``) to ``ge`` (``gi``) of each target.

Connectivity modes:

``classic``
    the recurrent network of the original benchmark: each neuron projects with probability ``80 / N`` (p = 0.02
    at N = 4000, so the in-degree stays 80 for any N), we = 6 nS, wi = 67 nS.
``benchmark``
    the brian2genn_benchmarks scaling: p = 1000 / N (about 1000 synapses per neuron) with zero weights, so
    that activity does not change with N and only the cost of processing the synapses grows.

The rate functions use the explicit ``x / (exp(x) - 1)`` form rather than Brian2's ``exprel``, which GeNN does
not have (brian2genn_benchmarks/COBAHH.py uses the same explicit form). Every constant is a float literal: Brian2's
exponential Euler can fold an integer-valued constant into ``exp(8)``, and nvcc rejects ``exp(<int>)`` in device
code.

The neuron's equations are composed from named parts (:func:`hh_equations`), so that the column's
Hodgkin-Huxley level (:func:`simnet.models.neurons.hh_traub`) uses the same membrane and channels with its own
synapses.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from brian2 import Quantity, cm, ms, msiemens, mV, nS, siemens, ufarad, umetre

from simnet.models.plasticity import PairSTDP, pair_stdp, pair_stdp_amplitudes
from simnet.specs.model_spec import ModelSpec, Population, Projection, default

__all__ = ["MODES", "PLASTICITY", "HH_CHANNEL_CURRENTS", "HH_GATING", "TRAUB_MILES_RATES", "COBAHH_SYNAPTIC_CURRENT",
           "COBAHH_CONDUCTANCES", "hh_equations", "EQUATIONS", "INITIAL_VALUES", "AREA", "CobahhParams", "build_spec"]

MODES = ("classic", "benchmark")
PLASTICITY = ("none", "stdp")

# The Hodgkin-Huxley neuron in parts. Names: leak gl/El, sodium g_na/ENa, delayed-rectifier potassium g_kd/EK,
# threshold offset VT of the rate functions, membrane capacitance Cm.

#: Traub & Miles sodium and potassium currents, subtracted from the membrane current.
HH_CHANNEL_CURRENTS = "g_na*(m*m*m)*h*(v - ENa) - g_kd*(n*n*n*n)*(v - EK)"
#: Gating ODEs of the channels' m, n and h.
HH_GATING = """dm/dt = alpha_m*(1.0 - m) - beta_m*m : 1
dn/dt = alpha_n*(1.0 - n) - beta_n*n : 1
dh/dt = alpha_h*(1.0 - h) - beta_h*h : 1
"""
#: Traub & Miles (1991) rate functions, explicit x / (exp(x) - 1) form and float literals (module docstring).
TRAUB_MILES_RATES = """alpha_m = 0.32*(mV**-1)*(13.0*mV - v + VT)/(exp((13.0*mV - v + VT)/(4.0*mV)) - 1.0)/ms : Hz
beta_m = 0.28*(mV**-1)*(v - VT - 40.0*mV)/(exp((v - VT - 40.0*mV)/(5.0*mV)) - 1.0)/ms : Hz
alpha_h = 0.128*exp((17.0*mV - v + VT)/(18.0*mV))/ms : Hz
beta_h = 4.0/(1.0 + exp((40.0*mV - v + VT)/(5.0*mV)))/ms : Hz
alpha_n = 0.032*(mV**-1)*(15.0*mV - v + VT)/(exp((15.0*mV - v + VT)/(5.0*mV)) - 1.0)/ms : Hz
beta_n = 0.5*exp((10.0*mV - v + VT)/(40.0*mV))/ms : Hz
"""
#: COBAHH's synaptic current and its conductances (time constants taue / taui, reversal potentials Ee / Ei).
COBAHH_SYNAPTIC_CURRENT = "ge*(Ee - v) + gi*(Ei - v)"
COBAHH_CONDUCTANCES = """dge/dt = -ge*(1.0/taue) : siemens
dgi/dt = -gi*(1.0/taui) : siemens
"""


def hh_equations(synaptic_current: str, synapse_equations: str = "") -> str:
    """The Hodgkin-Huxley neuron's equations with ``synaptic_current`` entering the membrane.

    ``synaptic_current`` is an expression in amp added to the leak current (e.g. :data:`COBAHH_SYNAPTIC_CURRENT`);
    ``synapse_equations``, if given, are the equations of the variables it names, placed after the gating ODEs.
    """
    membrane = f"dv/dt = (gl*(El - v) + {synaptic_current} - {HH_CHANNEL_CURRENTS})/Cm : volt\n"
    return "\n" + membrane + HH_GATING + synapse_equations + TRAUB_MILES_RATES


EQUATIONS = hh_equations(COBAHH_SYNAPTIC_CURRENT, COBAHH_CONDUCTANCES)

# Initial values of the original benchmark (conductances in units of 10 nS), with the conductances clipped at 0.
# The benchmark's normal draws are negative for 4.8 % of gi (randn < -1.67) and 0.4 % of ge; a negative
# conductance pushes the membrane away from its reversal potential, and deep in the tail the neuron diverges:
# measured, one neuron of 64,000 (benchmark mode, seed 1) spiked once and was NaN from then on. Clipping changes
# only those draws; the NEST peer redraws them instead (NEST's weight sign picks the receptor).
INITIAL_VALUES = {
    "v": "El + (randn()*5.0 - 5.0)*mV",
    "ge": "clip(randn()*1.5 + 4.0, 0.0, 1.0e9)*10.0*nS",
    "gi": "clip(randn()*12.0 + 20.0, 0.0, 1.0e9)*10.0*nS",
}

AREA = 20000.0 * umetre**2


@dataclass(frozen=True)
class CobahhParams:
    """Parameters of the COBAHH network (defaults: Brette et al. 2007, benchmark 3)."""

    n_neurons: int = 4000
    mode: str = "classic"
    plasticity: str = "none"
    excitatory_fraction: float = 0.8
    #: Expected synapses per neuron from each source neuron population slice (classic: 80, i.e. p = 0.02 at
    #: N = 4000; benchmark: 1000).
    classic_in_degree: float = 80.0
    benchmark_in_degree: float = 1000.0
    Cm: Quantity = default(1.0 * ufarad * cm**-2 * AREA)
    gl: Quantity = default(5e-5 * siemens * cm**-2 * AREA)
    El: Quantity = default(-60.0 * mV)
    EK: Quantity = default(-90.0 * mV)
    ENa: Quantity = default(50.0 * mV)
    g_na: Quantity = default(100.0 * msiemens * cm**-2 * AREA)
    g_kd: Quantity = default(30.0 * msiemens * cm**-2 * AREA)
    VT: Quantity = default(-63.0 * mV)
    taue: Quantity = default(5.0 * ms)
    taui: Quantity = default(10.0 * ms)
    Ee: Quantity = default(0.0 * mV)
    Ei: Quantity = default(-80.0 * mV)
    #: Weights used in classic mode; benchmark mode uses zero weights.
    we: Quantity = default(6.0 * nS)
    wi: Quantity = default(67.0 * nS)
    threshold: Quantity = default(-20.0 * mV)
    refractory: Quantity = default(3.0 * ms)
    dt: Quantity = default(0.1 * ms)
    stdp: PairSTDP = field(default_factory=PairSTDP)

    def __post_init__(self):
        if self.n_neurons < 2:
            raise ValueError(f"COBAHH needs at least 2 neurons, got {self.n_neurons}")
        if self.mode not in MODES:
            raise ValueError(f"unknown COBAHH mode {self.mode!r}; choose one of {', '.join(MODES)}")
        if self.plasticity not in PLASTICITY:
            raise ValueError(f"unknown plasticity {self.plasticity!r}; choose one of {', '.join(PLASTICITY)}")

    @property
    def n_excitatory(self) -> int:
        return int(self.n_neurons * self.excitatory_fraction)

    @property
    def connection_probability(self) -> float:
        in_degree = self.classic_in_degree if self.mode == "classic" else self.benchmark_in_degree
        return min(1.0, in_degree / self.n_neurons)

    @property
    def weights(self) -> tuple[Quantity, Quantity]:
        if self.mode == "benchmark":
            return 0.0 * nS, 0.0 * nS
        return self.we, self.wi


def build_spec(params: Optional[CobahhParams] = None) -> ModelSpec:
    """The COBAHH network for ``params`` as a :class:`~simnet.specs.model_spec.ModelSpec`."""
    p = params or CobahhParams()
    namespace = {
        name: getattr(p, name)
        for name in ("Cm", "gl", "El", "EK", "ENa", "g_na", "g_kd", "VT", "taue", "taui", "Ee", "Ei")
    }
    neurons = Population(
        name="neurons",
        size=p.n_neurons,
        equations=EQUATIONS,
        threshold="v > v_threshold",
        refractory=p.refractory,
        method="exponential_euler",
        initial_values=INITIAL_VALUES,
        namespace={**namespace, "v_threshold": p.threshold},
        subpopulations={"exc": (0, p.n_excitatory), "inh": (p.n_excitatory, p.n_neurons)},
        model_type="hodgkin_huxley",
    )
    we, wi = p.weights
    if p.plasticity == "stdp":
        rule = pair_stdp(p.stdp, target="ge", weight_unit="siemens")
        w_max = p.stdp.w_max_factor * we
        excitatory = Projection(
            name="exc_synapses", source="exc", target="neurons", probability=p.connection_probability,
            model=rule["model"], on_pre=rule["on_pre"], on_post=rule["on_post"],
            initial_values={"w": we},
            namespace={**rule["namespace"], **pair_stdp_amplitudes(p.stdp, w_max)}, plastic=True,
        )
    else:
        excitatory = Projection(
            name="exc_synapses", source="exc", target="neurons", probability=p.connection_probability,
            on_pre="ge_post += we", namespace={"we": we},
        )
    inhibitory = Projection(
        name="inh_synapses", source="inh", target="neurons", probability=p.connection_probability,
        on_pre="gi_post += wi", namespace={"wi": wi},
    )
    return ModelSpec(
        name="cobahh",
        parameters=p,
        populations=(neurons,),
        projections=(excitatory, inhibitory),
        dt=p.dt,
        description=f"COBAHH ({p.mode}, plasticity {p.plasticity}), Brette et al. 2007 benchmark 3",
    )
