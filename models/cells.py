"""Compartmental cells: the fidelity ladder's levels with a morphology (a ball and stick, a reduced pyramidal cell,
a detailed pyramidal morphology), as single cells driven by a constant somatic current.

A level is a :class:`CellLevel`: a morphology as a plain list of :class:`Section` records (name, parent, diameter,
length, compartments, whether its membrane is active) plus the membrane and the stimulus. The same records build the
Brian2 ``SpatialNeuron`` (:func:`brian2_cell`) and, passed as JSON, the NEURON peer's sections
(``simnet/peers/neuron_cells.py``), so both simulators run one morphology.

Membrane: every compartment carries Hodgkin and Huxley's (1952) squid-axon channels exactly as NEURON's built-in
``hh`` mechanism writes them (6.3 degC, so its temperature factor is 1; leak 0.3 mS/cm2 reversing at -54.3 mV,
E_Na 50 mV, E_K -77 mV)::

    Im = gl (El - v) + gNa m^3 h (ENa - v) + gK n^4 (EK - v)
    dx/dt = alpha_x(v) (1 - x) - beta_x(v) x,   x in m, h, n

with gNa = 120 and gK = 36 mS/cm2 in active sections and a stated fraction of that in "active dendrites" (0 in
passive ones). Cm 1 uF/cm2, Ri 100 ohm cm, dt 25 us (CoreNEURON's published runs, Kumbhar et al. 2019, use 0.025
ms). The threshold is tested at the soma (compartment 0).

Morphologies (synthetic, built from round figures; none is a reconstruction):

* ``ball_and_stick``: a 20 um soma and one 1 um x 400 um dendrite in 20 compartments (the textbook ball-and-stick,
  e.g. Rall's; 21 compartments, 2 sections).
* ``reduced_pyramidal``: soma, two basal dendrites, an apical trunk and a two-branch tuft (31 compartments);
  soma and apical dendrites active.
* ``detailed_pyramidal``: 6 basal trees (each branching twice), a 600 um tapering apical trunk with 8 oblique
  branches and a tuft branching twice, about 10 um per compartment, dendrites at 0.1 of the soma's channel
  densities, and a 400 um axon at 10 times them: 753 compartments in 64 sections, about 4.3 mm of basal and 3.0 mm
  of apical dendrite. Lengths and diameters are round figures of the order reported for rat
  layer-5 pyramidal cells (Larkman 1991, J Comp Neurol 306:307; Hay et al. 2011, PLoS Comput Biol 7:e1002107),
  recalled, not re-checked against those papers' tables: a stand-in of realistic size for cost, not an anatomical
  model. data/cell_morphologies.md says the same.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Optional

__all__ = ["Section", "CellLevel", "ball_and_stick", "reduced_pyramidal", "detailed_pyramidal", "CELL_LEVELS",
           "get_cell_level", "HH_EQUATIONS", "brian2_cell", "resting_gates"]


@dataclass(frozen=True)
class Section:
    """One unbranched cable: its parent ("" for the soma), size and membrane."""

    name: str
    parent: str
    diameter_um: float
    length_um: float
    compartments: int
    #: fraction of the soma's Na and K channel densities (1: as active as the soma, 0: passive)
    active: float = 0.0


@dataclass(frozen=True)
class CellLevel:
    """A ladder level with a morphology: the cell, its membrane and its stimulus."""

    name: str
    summary: str
    sections: tuple[Section, ...]
    current_nA: float
    dt_ms: float = 0.025
    cm_uF_per_cm2: float = 1.0
    ri_ohm_cm: float = 100.0
    gna_S_per_cm2: float = 0.12
    gk_S_per_cm2: float = 0.036
    gl_S_per_cm2: float = 0.0003
    el_mV: float = -54.3
    v_init_mV: float = -65.0
    threshold_mV: float = -20.0

    @property
    def compartments(self) -> int:
        return sum(s.compartments for s in self.sections)

    def to_dict(self) -> dict:
        """JSON-safe: what the NEURON peer is given."""
        return {**asdict(self), "sections": [asdict(s) for s in self.sections]}


def ball_and_stick() -> CellLevel:
    return CellLevel(
        name="ball_and_stick", summary="HH soma (20 um) and a passive 1 um x 400 um dendrite, 21 compartments",
        sections=(Section("soma", "", 20.0, 20.0, 1, 1.0), Section("dend", "soma", 1.0, 400.0, 20, 0.0)),
        current_nA=0.3)


def reduced_pyramidal() -> CellLevel:
    sections = (
        Section("soma", "", 20.0, 20.0, 1, 1.0),
        Section("basal1", "soma", 1.5, 150.0, 5, 0.0),
        Section("basal2", "soma", 1.5, 150.0, 5, 0.0),
        Section("trunk", "soma", 3.0, 400.0, 10, 0.1),
        Section("tuft1", "trunk", 1.5, 200.0, 5, 0.1),
        Section("tuft2", "trunk", 1.5, 200.0, 5, 0.1),
    )
    return CellLevel(name="reduced_pyramidal",
                     summary="soma, 2 basal, apical trunk, 2-branch tuft; active soma and apical dendrites, "
                             "31 compartments", sections=sections, current_nA=0.5)


def _segments(length_um: float, per_compartment_um: float = 10.0) -> int:
    return max(1, int(math.ceil(length_um / per_compartment_um)))


def detailed_pyramidal() -> CellLevel:
    # an axon whose first 400 um carry ten times the soma's channel densities: without it the classic HH soma,
    # loaded by 7 mm of dendrite, fires once and settles depolarised (tried at 0.5-3 nA)
    sections = [Section("soma", "", 20.0, 20.0, 1, 1.0), Section("axon", "soma", 1.0, 400.0, 20, 10.0)]

    def add(name: str, parent: str, diameter: float, length: float, active: float) -> str:
        sections.append(Section(name, parent, diameter, length, _segments(length), active))
        return name

    for tree in range(6):  # basal trees, each branching twice
        primary = add(f"basal{tree}", "soma", 1.5, 40.0, 0.1)
        for b in range(2):
            second = add(f"basal{tree}_{b}", primary, 1.0, 100.0, 0.1)
            for c in range(2):
                add(f"basal{tree}_{b}_{c}", second, 0.7, 120.0, 0.1)
    parent = "soma"
    for k in range(6):  # apical trunk, 6 x 100 um, tapering from 3 to 1.75 um
        parent = add(f"trunk{k}", parent, 3.0 - 0.25 * k, 100.0, 0.1)
        if 1 <= k <= 4:
            for o in range(2):
                add(f"oblique{k}_{o}", parent, 1.0, 150.0, 0.1)
    for t in range(2):  # tuft, branching twice
        first = add(f"tuft{t}", parent, 1.5, 200.0, 0.1)
        for u in range(2):
            add(f"tuft{t}_{u}", first, 1.0, 200.0, 0.1)
    return CellLevel(name="detailed_pyramidal",
                     summary="synthetic layer-5-like pyramidal morphology: 6 basal trees, apical trunk, 8 obliques, "
                             "tuft, active axon; HH channels (soma 1, axon 10, dendrites 0.1), 753 compartments, "
                             "dt 25 us", sections=tuple(sections), current_nA=1.5)


CELL_LEVELS = {"ball_and_stick": ball_and_stick, "reduced_pyramidal": reduced_pyramidal,
               "detailed_pyramidal": detailed_pyramidal}


def get_cell_level(name: str) -> CellLevel:
    from simnet.base.errors import UsageError

    if name not in CELL_LEVELS:
        raise UsageError(f"unknown cell level {name!r}; choose one of {', '.join(CELL_LEVELS)}", parameter="levels")
    return CELL_LEVELS[name]()


#: NEURON's hh.mod at 6.3 degC, in Brian2's words (rates in 1/ms written out, no exprel: GeNN and CUDA have none).
HH_EQUATIONS = """
Im = gl*(El - v) + gNa*m**3*h*(ENa - v) + gK*n**4*(EK - v) : amp/meter**2
I : amp (point current)
gNa : siemens/meter**2
gK : siemens/meter**2
dm/dt = alpham*(1-m) - betam*m : 1
dn/dt = alphan*(1-n) - betan*n : 1
dh/dt = alphah*(1-h) - betah*h : 1
alpham = 0.1*(v/mV + 40.0)/(1.0 - exp(-(v/mV + 40.0)/10.0))/ms : Hz
betam = 4.0*exp(-(v/mV + 65.0)/18.0)/ms : Hz
alphah = 0.07*exp(-(v/mV + 65.0)/20.0)/ms : Hz
betah = 1.0/(exp(-(v/mV + 35.0)/10.0) + 1.0)/ms : Hz
alphan = 0.01*(v/mV + 55.0)/(1.0 - exp(-(v/mV + 55.0)/10.0))/ms : Hz
betan = 0.125*exp(-(v/mV + 65.0)/80.0)/ms : Hz
"""


def resting_gates(v_mV: float) -> dict:
    """m, h, n at their steady state for ``v_mV`` (what NEURON's finitialize sets)."""
    def ratio(alpha, beta):
        return alpha / (alpha + beta)

    am = 0.1 * (v_mV + 40.0) / (1.0 - math.exp(-(v_mV + 40.0) / 10.0))
    bm = 4.0 * math.exp(-(v_mV + 65.0) / 18.0)
    ah = 0.07 * math.exp(-(v_mV + 65.0) / 20.0)
    bh = 1.0 / (math.exp(-(v_mV + 35.0) / 10.0) + 1.0)
    an = 0.01 * (v_mV + 55.0) / (1.0 - math.exp(-(v_mV + 55.0) / 10.0))
    bn = 0.125 * math.exp(-(v_mV + 65.0) / 80.0)
    return {"m": ratio(am, bm), "h": ratio(ah, bh), "n": ratio(an, bn)}


def brian2_cell(level: CellLevel, name: Optional[str] = None):
    """The level's cell as a Brian2 SpatialNeuron on the active device, thresholded at the soma, with its stimulus.

    Returns the neuron and the namespace its equations use. The default clock's dt is set to the level's.
    """
    import brian2
    from brian2 import Cylinder, Soma, SpatialNeuron, cm, mV, ms, nA, ohm, siemens, uF, um

    brian2.defaultclock.dt = level.dt_ms * ms
    soma, *rest = level.sections
    root = Soma(diameter=soma.diameter_um * um)
    made = {soma.name: root}
    for s in rest:
        made[s.name] = Cylinder(diameter=s.diameter_um * um, length=s.length_um * um, n=s.compartments)
        setattr(made[s.parent], s.name, made[s.name])
    namespace = {"gl": level.gl_S_per_cm2 * siemens / cm**2, "El": level.el_mV * mV, "ENa": 50.0 * mV,
                 "EK": -77.0 * mV}
    cell = SpatialNeuron(morphology=root, model=HH_EQUATIONS, Cm=level.cm_uF_per_cm2 * uF / cm**2,
                         Ri=level.ri_ohm_cm * ohm * cm, threshold=f"v > {level.threshold_mV}*mV",
                         threshold_location=0, refractory=f"v > {level.threshold_mV}*mV",
                         method="exponential_euler", namespace=namespace, name=name or level.name)
    cell.v = level.v_init_mV * mV
    for gate, value in resting_gates(level.v_init_mV).items():
        setattr(cell, gate, value)
    start = 0
    for s in level.sections:
        stop = start + s.compartments
        cell.gNa[start:stop] = s.active * level.gna_S_per_cm2 * siemens / cm**2
        cell.gK[start:stop] = s.active * level.gk_S_per_cm2 * siemens / cm**2
        start = stop
    cell.I[0] = level.current_nA * nA
    return cell, namespace
