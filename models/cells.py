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

Morphologies:

* ``ball_and_stick``: a 20 um soma and one 1 um x 400 um dendrite in 20 compartments (the textbook ball-and-stick,
  e.g. Rall's; 21 compartments, 2 sections; synthetic round figures).
* ``reduced_pyramidal`` and ``detailed_pyramidal``: built from the statistics of a reconstructed layer-5 pyramidal
  cell (C060114A7 of BluePyOpt's l5pc example), which ``experiments/cell_morphometry.py`` derived into
  ``data/morphometry_C060114A7.csv``; the reconstruction itself is not shipped. The detailed level keeps the
  cell's soma, first axonal section, and per part (basal, apical trunk, obliques, tuft) its number of sections per
  branch order, their mean lengths and diameters, hence its dendritic length and membrane area; its branching
  topology is drawn (seeded). The reduced level keeps each part's membrane area and mean path length in a few
  cylinders. Both: soma 1, axon 10 and dendrites 0.1 of the channel densities; compartments by NEURON's d_lambda
  rule (0.1 at 100 Hz). data/cell_morphologies.md says what is kept and what is not.

A network of one level's cells (:class:`CellNetwork`) wired with the column's layer-4 connection probabilities and
conductance synapses, built two ways: :func:`brian2_cell_network`, one SpatialNeuron per cell and one Synapses per
connected pair (tens of cells: C++ compiles one set of files per object), and
:func:`brian2_cell_network_one_group`, every cell in one SpatialNeuron, isolated from the others by thin links,
and two Synapses objects (hundreds of cells).

As a library model (``cells``, :class:`CellCircuitParams`: a level and how many excitatory and inhibitory cells),
the per-cell build runs through ``simnet run`` and ``simnet bench`` like the other models, beside the NEURON peer
given the same circuit as data (:func:`circuit_as_peer_data`); each cell is a population of its own, named
``L4E_0``, ``L4I_0``, ... in both.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from typing import Optional

__all__ = ["Section", "CellLevel", "ball_and_stick", "reduced_pyramidal", "detailed_pyramidal", "CELL_LEVELS",
           "get_cell_level", "HH_EQUATIONS", "brian2_cell", "resting_gates", "morphometry", "nseg_d_lambda",
           "MORPHOMETRY_TABLE", "MORPHOLOGY_SOURCE", "MORPHOLOGY_SEED", "REDUCED_CURRENT_NA", "DETAILED_CURRENT_NA",
           "CellNetwork", "brian2_cell_network", "brian2_cell_network_one_group", "SYNAPSE_EQUATIONS",
           "LINK_DIAMETER_UM", "LINK_LENGTH_UM", "excitatory_target_section", "network_as_data",
           "CELL_BACKENDS", "MAX_CIRCUIT_CELLS", "CellCircuitParams", "circuit_network", "build_circuit",
           "circuit_as_peer_data"]


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
    #: where the morphology comes from: "synthetic" (round figures) or "<cell>_statistics" (grown from the
    #: statistics of that reconstruction, data/cell_morphologies.md)
    morphology: str = "synthetic"

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


#: Constant somatic current of each pyramidal level (how it was chosen: data/cell_morphologies.md).
REDUCED_CURRENT_NA = 2.0
DETAILED_CURRENT_NA = 1.5
#: The reconstruction whose statistics the pyramidal levels are built from (data/cell_morphologies.md).
MORPHOMETRY_TABLE = "morphometry_C060114A7.csv"
MORPHOLOGY_SOURCE = "C060114A7_statistics"
#: Seed of the detailed level's branching (which sections of an order branch, where extra children go).
MORPHOLOGY_SEED = 26


def morphometry(table: str = MORPHOMETRY_TABLE) -> dict:
    """The table's figures as ``{(group, quantity): value}`` (``data/<table>``, written by
    ``experiments/cell_morphometry.py`` from a reconstruction that simnet does not ship)."""
    from simnet.base.data_tables import read_table

    return {(row["group"], row["quantity"]): float(row["value"]) for row in read_table(table).rows}


def nseg_d_lambda(length_um: float, diameter_um: float, ri_ohm_cm: float = 100.0, cm_uF_per_cm2: float = 1.0,
                  d_lambda: float = 0.1, f_hz: float = 100.0) -> int:
    """NEURON's d_lambda rule (Hines & Carnevale): the odd number of compartments with each at most ``d_lambda``
    of the cable's length constant at ``f_hz``, lambda(f) = 0.5 sqrt(d / (pi f Ri Cm))."""
    lam_um = 0.5 * math.sqrt(diameter_um * 1e-4 / (math.pi * f_hz * ri_ohm_cm * cm_uF_per_cm2 * 1e-6)) * 1e4
    return int((length_um / (d_lambda * lam_um) + 0.9) / 2) * 2 + 1


def _section(name: str, parent: str, diameter: float, length: float, active: float) -> Section:
    return Section(name, parent, diameter, length, nseg_d_lambda(length, diameter), active)


def _axon_stub(m: dict) -> Section:
    """The reconstruction's first axonal section (from the soma to the axon's first branch point)."""
    return _section("axon", "soma", m[("axon_order1", "diameter_length_weighted_mean")],
                    m[("axon_order1", "internal_section_length_mean")], 10.0)


def _grow(population: str, stem_parents: list, m: dict, rng, active: float) -> list:
    """Sections of ``population`` ("basal", "apical_oblique", "apical_tuft") grown order by order from the table:
    per order, its number of sections, how many have children and how many children they have, and the mean
    length of internal and terminal sections and the length-weighted diameter. Which sections branch and where
    extra children (trifurcations) go is drawn with ``rng``; the topology is not the reconstruction's."""
    grown, nodes, order = [], [(parent, f"{population}{i}") for i, parent in enumerate(stem_parents)], 1
    while nodes:
        group = f"{population}_order{order}"
        if int(m[(group, "sections")]) != len(nodes):
            raise ValueError(f"{MORPHOMETRY_TABLE}: {group} has {m[(group, 'sections')]:g} sections, the orders "
                             f"before it give {len(nodes)}")
        branching = sorted(rng.sample(range(len(nodes)), int(m[(group, "with_children")])))
        children = int(m[(group, "children")])
        per_parent = {i: 2 if children >= 2 * len(branching) else 1 for i in branching}
        for _ in range(children - sum(per_parent.values())):
            per_parent[rng.choice(branching)] += 1
        diameter = m[(group, "diameter_length_weighted_mean")]
        following = []
        for i, (parent, name) in enumerate(nodes):
            kind = "internal" if i in per_parent else "terminal"
            grown.append(_section(name, parent, diameter, m[(group, f"{kind}_section_length_mean")], active))
            following += [(name, f"{name}_{c}") for c in range(per_parent.get(i, 0))]
        nodes, order = following, order + 1
    return grown


def reduced_pyramidal() -> CellLevel:
    """Soma, axon stub, two basal cylinders, an apical trunk and a two-branch tuft, reduced from the reconstruction
    (data/cell_morphologies.md): each cylinder as long as its part's mean path to a tip and as thick as keeps the
    part's membrane area (the obliques' area folded into the trunk); compartments by the d_lambda rule."""
    m = morphometry()

    def cylinder(name, parent, length, area, count, active):
        return _section(name, parent, area / count / (math.pi * length), length, active)

    basal_length, trunk_length = m[("basal", "tip_path_length_mean")], m[("apical_trunk", "total_length")]
    tuft_length = m[("apical_tuft", "tip_path_length_mean")]
    sections = (
        Section("soma", "", m[("soma", "contour_equivalent_diameter")], m[("soma", "contour_equivalent_diameter")],
                1, 1.0),
        _axon_stub(m),
        cylinder("basal1", "soma", basal_length, m[("basal", "membrane_area")], 2, 0.1),
        cylinder("basal2", "soma", basal_length, m[("basal", "membrane_area")], 2, 0.1),
        cylinder("trunk", "soma", trunk_length,
                 m[("apical_trunk", "membrane_area")] + m[("apical_oblique", "membrane_area")], 1, 0.1),
        cylinder("tuft1", "trunk", tuft_length, m[("apical_tuft", "membrane_area")], 2, 0.1),
        cylinder("tuft2", "trunk", tuft_length, m[("apical_tuft", "membrane_area")], 2, 0.1),
    )
    compartments = sum(s.compartments for s in sections)
    return CellLevel(name="reduced_pyramidal",
                     summary="reduced from a reconstructed layer-5 pyramidal cell (C060114A7): soma, axon stub, "
                             f"2 basal, apical trunk, 2-branch tuft; active soma, axon and apical dendrites, "
                             f"{compartments} compartments", sections=sections, current_nA=REDUCED_CURRENT_NA,
                     morphology=MORPHOLOGY_SOURCE)


def detailed_pyramidal(seed: int = MORPHOLOGY_SEED) -> CellLevel:
    """A pyramidal morphology grown from the reconstruction's statistics (data/cell_morphologies.md): its soma,
    its first axonal section, its basal trees, apical trunk, obliques and tuft with their number of sections per
    branch order, mean section lengths and diameters; compartments by the d_lambda rule. Seeded: the same seed
    gives the same cell."""
    import random

    m, rng = morphometry(), random.Random(seed)
    soma_d = m[("soma", "contour_equivalent_diameter")]
    sections = [Section("soma", "", soma_d, soma_d, 1, 1.0), _axon_stub(m)]
    sections += _grow("basal", ["soma"] * int(m[("basal", "stems")]), m, rng, 0.1)
    obliques = int(m[("apical_oblique", "stems")])
    # the trunk in obliques + 1 equal pieces, one oblique leaving at the end of each but the last
    piece = m[("apical_trunk", "total_length")] / (obliques + 1)
    trunk_d = m[("apical_trunk", "diameter_length_weighted_mean")]
    parent = "soma"
    for k in range(obliques + 1):
        sections.append(_section(f"trunk{k}", parent, trunk_d, piece, 0.1))
        parent = f"trunk{k}"
    sections += _grow("apical_oblique", [f"trunk{k}" for k in range(obliques)], m, rng, 0.1)
    sections += _grow("apical_tuft", [parent] * int(m[("apical_tuft", "stems")]), m, rng, 0.1)
    compartments = sum(s.compartments for s in sections)
    return CellLevel(name="detailed_pyramidal",
                     summary="grown from a reconstructed layer-5 pyramidal cell's statistics (C060114A7): "
                             f"{len(sections)} sections, HH channels (soma 1, axon 10, dendrites 0.1), "
                             f"{compartments} compartments, dt 25 us", sections=tuple(sections),
                     current_nA=DETAILED_CURRENT_NA, morphology=MORPHOLOGY_SOURCE)


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


#: Synaptic conductances added to every compartment for the network (exponential decay, one time constant).
SYNAPSE_EQUATIONS = """
Isyn = ge*(Ee - v) + gi*(Ei - v) : amp (point current)
dge/dt = -ge/tau_syn : siemens
dgi/dt = -gi/tau_syn : siemens
"""


@dataclass(frozen=True)
class CellNetwork:
    """Tens of one level's cells wired by the column's connection probabilities (PD14's layer 4, Potjans &
    Diesmann 2014 Table 5, :data:`simnet.models.microcircuit.CONNECTION_PROBABILITY`), each pair drawn once
    (Bernoulli, no autapses), with PD14's mean delays (1.5 ms excitatory, 0.75 ms inhibitory) and its synaptic
    time constant (0.5 ms). Excitatory synapses sit on the middle compartment of the first basal dendrite (the
    ball and stick's dendrite, :func:`excitatory_target_section`), inhibitory ones on the soma. Every cell keeps
    its level's constant somatic current. The conductances are simnet's choice, not PD14's (it has current-based
    point neurons)."""

    level: str = "ball_and_stick"
    sizes: tuple = (("L4E", 16), ("L4I", 4))
    g_exc_nS: float = 2.0
    g_inh_nS: float = 8.0
    e_exc_mV: float = 0.0
    e_inh_mV: float = -80.0
    tau_syn_ms: float = 0.5
    delay_exc_ms: float = 1.5
    delay_inh_ms: float = 0.75
    seed: int = 1

    def cells(self) -> list:
        """``(population, index)`` of every cell, populations in the order of ``sizes``."""
        return [(population, k) for population, n in self.sizes for k in range(n)]

    def pairs(self) -> list:
        """``(source population, source index, target population, target index)`` of every connected pair."""
        import numpy as np

        from simnet.models.microcircuit import CONNECTION_PROBABILITY, POPULATIONS

        rng = np.random.default_rng(self.seed)
        drawn = []
        for target, n_target in self.sizes:
            for source, n_source in self.sizes:
                p = CONNECTION_PROBABILITY[POPULATIONS.index(target)][POPULATIONS.index(source)]
                mask = rng.random((n_source, n_target)) < p
                drawn += [(source, int(i), target, int(j)) for i, j in zip(*np.nonzero(mask))
                          if not (source == target and i == j)]
        return drawn


def network_as_data(network: CellNetwork) -> dict:
    """JSON-safe, what the NEURON peer is given to build the same network: the level's cell, the connected pairs
    as cell numbers (in the order of :meth:`CellNetwork.cells`) and the synapses' place, conductance, reversal
    potential, time constant and delay."""
    level = get_cell_level(network.level)
    position = {cell: c for c, cell in enumerate(network.cells())}
    target = excitatory_target_section(level)
    within = _middle_within(level, target)
    return {"cell": level.to_dict(), "cells": len(position),
            "connections": [[position[(s, i)], position[(t, j)], "exc" if s.endswith("E") else "inh"]
                            for s, i, t, j in network.pairs()],
            "synapses": {
                "exc": {"section": target, "compartment": within, "g_uS": network.g_exc_nS * 1e-3,
                        "e_mV": network.e_exc_mV, "tau_ms": network.tau_syn_ms, "delay_ms": network.delay_exc_ms},
                "inh": {"section": level.sections[0].name, "compartment": 0, "g_uS": network.g_inh_nS * 1e-3,
                        "e_mV": network.e_inh_mV, "tau_ms": network.tau_syn_ms, "delay_ms": network.delay_inh_ms}}}


def brian2_cell_network(network: CellNetwork = CellNetwork()) -> dict:
    """The network's Brian2 objects on the active device, one SpatialNeuron per cell (Brian2 holds one morphology
    per SpatialNeuron) and one Synapses per connected pair, with the namespace their equations use."""
    from brian2 import Synapses, mV, ms, nS

    level = get_cell_level(network.level)
    synaptic = {"g_exc": network.g_exc_nS * nS, "g_inh": network.g_inh_nS * nS, "Ee": network.e_exc_mV * mV,
                "Ei": network.e_inh_mV * mV, "tau_syn": network.tau_syn_ms * ms}
    objects, cells = {}, {}
    for population, n in network.sizes:
        for k in range(n):
            name = f"{population}_{k}"
            cell, namespace = brian2_cell(level, name=name, extra_equations=SYNAPSE_EQUATIONS,
                                          extra_namespace=synaptic)
            cells[(population, k)] = objects[name] = cell
    target_exc = _middle_compartment(level, excitatory_target_section(level))
    for source, i, target, j in network.pairs():
        excitatory = source.endswith("E")
        synapse = Synapses(cells[(source, i)], cells[(target, j)],
                           on_pre=("ge_post += g_exc" if excitatory else "gi_post += g_inh"),
                           delay=(network.delay_exc_ms if excitatory else network.delay_inh_ms) * ms,
                           namespace=synaptic, name=f"syn_{source}_{i}_to_{target}_{j}")
        synapse.connect(i=0, j=target_exc if excitatory else 0)
        objects[synapse.name] = synapse
    return {**objects, **namespace}


#: The link that holds a cell in the one-group network (:func:`brian2_cell_network_one_group`): a cylinder this
#: thin and long between one cell's soma and the next. Its axial resistance, Ri x L / (pi d^2 / 4) = 1.3e14 ohm at
#: Ri 100 ohm cm, lets at most 100 mV / 1.3e14 ohm = 8e-16 A pass between two cells, 4e-7 of the reduced cell's
#: 2 nA stimulus: the cells are coupled by their synapses only.
LINK_DIAMETER_UM = 1e-4
LINK_LENGTH_UM = 1.0


def excitatory_target_section(level: CellLevel) -> str:
    """Where a network's excitatory synapses sit (their middle compartment): the first basal dendrite of a
    pyramidal cell, the ball and stick's dendrite. Inhibitory synapses sit on the soma."""
    names = [s.name for s in level.sections]
    for name in names:
        if name.startswith("basal") or name == "dend":
            return name
    raise ValueError(f"{level.name} has no basal dendrite or 'dend' section for excitatory synapses")


def _middle_within(level: CellLevel, section: str) -> int:
    """The index of a section's middle compartment within the section (where a network's synapse sits)."""
    return next(s.compartments for s in level.sections if s.name == section) // 2


def _middle_compartment(level: CellLevel, section: str) -> int:
    """The index of a section's middle compartment in the single cell's flat order (sections in their order)."""
    start = 0
    for s in level.sections:
        if s.name == section:
            return start + _middle_within(level, section)
        start += s.compartments
    raise KeyError(section)


def brian2_cell_network_one_group(network: CellNetwork = CellNetwork()) -> dict:
    """The network with every cell in one SpatialNeuron (``cells``) and two Synapses (``syn_exc``, ``syn_inh``; one
    with no connected pair is left out).

    Brian2 holds one morphology tree per SpatialNeuron, and C++ standalone compiles a set of files per object, so
    one SpatialNeuron per cell does not build beyond tens of cells. Here the cells hang in one tree: cell k's soma
    is a child of cell (k - 1) // 2's soma through a link of :data:`LINK_DIAMETER_UM` x :data:`LINK_LENGTH_UM`
    (one passive compartment, no channels), a binary tree of somas whose depth grows as log2 of the cells. Every
    compartment tests the threshold, which holds only at a soma (``is_soma``), so the group's spikes are the
    cells' somatic spikes. Returned besides the objects: ``_soma_index`` and ``_excitatory_target_index`` (per cell,
    in the order of :meth:`CellNetwork.cells`) and ``_link_compartments``.
    """
    import brian2
    import numpy as np
    from brian2 import Cylinder, Soma, SpatialNeuron, Synapses, cm, mV, ms, nA, nS, ohm, siemens, uF, um

    level = get_cell_level(network.level)
    brian2.defaultclock.dt = level.dt_ms * ms
    soma, *rest = level.sections
    target_name = excitatory_target_section(level)
    within = _middle_within(level, target_name)
    cells = network.cells()
    roots, made_cells, links = [], [], []
    for c, _ in enumerate(cells):
        made = {soma.name: Soma(diameter=soma.diameter_um * um)}
        for s in rest:
            made[s.name] = Cylinder(diameter=s.diameter_um * um, length=s.length_um * um, n=s.compartments)
            setattr(made[s.parent], s.name, made[s.name])
        roots.append(made[soma.name])
        made_cells.append(made)
        if c:
            link = Cylinder(diameter=LINK_DIAMETER_UM * um, length=LINK_LENGTH_UM * um, n=1)
            setattr(roots[(c - 1) // 2], f"link{c}", link)
            setattr(link, f"cell{c}", made[soma.name])
            links.append(link)
    synaptic = {"g_exc": network.g_exc_nS * nS, "g_inh": network.g_inh_nS * nS, "Ee": network.e_exc_mV * mV,
                "Ei": network.e_inh_mV * mV, "tau_syn": network.tau_syn_ms * ms}
    namespace = {"gl": level.gl_S_per_cm2 * siemens / cm**2, "El": level.el_mV * mV, "ENa": 50.0 * mV,
                 "EK": -77.0 * mV, **synaptic}
    group = SpatialNeuron(morphology=roots[0], model=HH_EQUATIONS + SYNAPSE_EQUATIONS + "is_soma : boolean (constant)",
                          Cm=level.cm_uF_per_cm2 * uF / cm**2, Ri=level.ri_ohm_cm * ohm * cm,
                          threshold=f"v > {level.threshold_mV}*mV and is_soma",
                          refractory=f"v > {level.threshold_mV}*mV", method="exponential_euler",
                          namespace=namespace, name="cells")
    group.v = level.v_init_mV * mV
    for gate, value in resting_gates(level.v_init_mV).items():
        setattr(group, gate, value)
    # whole arrays, set once: C++ standalone writes one data file per indexed assignment
    gna, gk = np.zeros(len(group)), np.zeros(len(group))  # the links carry no channels
    soma_index, target_index = [], []
    for made in made_cells:
        for s in level.sections:
            at = np.asarray(made[s.name].indices[:])
            gna[at], gk[at] = s.active * level.gna_S_per_cm2, s.active * level.gk_S_per_cm2
        soma_index.append(int(made[soma.name].indices[:][0]))
        target_index.append(int(made[target_name].indices[:][within]))
    is_soma, current = np.zeros(len(group), dtype=bool), np.zeros(len(group))
    is_soma[soma_index], current[soma_index] = True, level.current_nA
    group.gNa = gna * siemens / cm**2
    group.gK = gk * siemens / cm**2
    group.is_soma = is_soma
    group.I = current * nA
    position = {cell: c for c, cell in enumerate(cells)}
    pairs = network.pairs()
    objects = {"cells": group}
    for kind, post, delay_ms, onto in (("exc", "ge_post += g_exc", network.delay_exc_ms, target_index),
                                       ("inh", "gi_post += g_inh", network.delay_inh_ms, soma_index)):
        chosen = [(position[(s, i)], position[(t, j)]) for s, i, t, j in pairs if s.endswith("E") == (kind == "exc")]
        if not chosen:  # Brian2 refuses to run a Synapses object without synapses
            continue
        synapse = Synapses(group, group, on_pre=post, delay=delay_ms * ms, namespace=synaptic, name=f"syn_{kind}")
        synapse.connect(i=[soma_index[a] for a, _ in chosen], j=[onto[b] for _, b in chosen])
        objects[synapse.name] = synapse
    return {**objects, **namespace, "_soma_index": soma_index, "_excitatory_target_index": target_index,
            "_link_compartments": len(links)}


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


def brian2_cell(level: CellLevel, name: Optional[str] = None, extra_equations: str = "",
                extra_namespace: Optional[dict] = None):
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
                 "EK": -77.0 * mV, **(extra_namespace or {})}
    cell = SpatialNeuron(morphology=root, model=HH_EQUATIONS + extra_equations, Cm=level.cm_uF_per_cm2 * uF / cm**2,
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


#: The backends that run SpatialNeurons: Brian2GeNN and Brian2CUDA have no multicompartment support.
CELL_BACKENDS = ("runtime", "cpp")
#: The most cells the ``cells`` model builds: one SpatialNeuron per cell and one Synapses per connected pair, and
#: C++ standalone compiles a set of files per object (minutes at 20 cells; experiments/cell_network.py's one-group
#: build runs hundreds).
MAX_CIRCUIT_CELLS = 40


@dataclass(frozen=True)
class CellCircuitParams:
    """The ``cells`` model: ``exc`` excitatory and ``inh`` inhibitory cells of one ``level``, wired as
    :class:`CellNetwork` wires them (one excitatory cell and no inhibitory one: a single cell)."""

    level: str = "ball_and_stick"
    exc: int = 1
    inh: int = 0

    def __post_init__(self):
        if self.level not in CELL_LEVELS:
            raise ValueError(f"unknown cell level {self.level!r}; choose one of {', '.join(CELL_LEVELS)}")
        if self.exc < 0 or self.inh < 0 or self.exc + self.inh < 1:
            raise ValueError(f"exc and inh must be whole numbers of cells, at least one cell in all; got exc "
                             f"{self.exc}, inh {self.inh}")
        if self.exc + self.inh > MAX_CIRCUIT_CELLS:
            raise ValueError(f"the cells model builds at most {MAX_CIRCUIT_CELLS} cells (one SpatialNeuron each); got "
                             f"{self.exc + self.inh}: experiments/cell_network.py --build one-group runs hundreds")


def circuit_network(params: CellCircuitParams) -> CellNetwork:
    """The model's cells and wiring (populations without cells left out)."""
    sizes = tuple((name, n) for name, n in (("L4E", params.exc), ("L4I", params.inh)) if n)
    return CellNetwork(level=params.level, sizes=sizes)


def build_circuit(params: CellCircuitParams):
    """The ``cells`` model as a network made by code (:class:`simnet.specs.user_network.UserNetwork`), one
    SpatialNeuron per cell (:func:`brian2_cell_network`), run at the level's dt."""
    from simnet.specs.user_network import CodeSource, from_python

    network = circuit_network(params)

    def cells():
        return brian2_cell_network(network)

    made = from_python(cells)
    return replace(made, name=f"cells_{params.level}", dt_s=get_cell_level(params.level).dt_ms * 1e-3,
                   source=CodeSource(f"simnet.models.cells.build_circuit({params.level}, exc={params.exc}, "
                                     f"inh={params.inh})"),
                   description=f"{params.exc} excitatory and {params.inh} inhibitory {params.level} cells, one "
                               "SpatialNeuron per cell, PD14 layer-4 connection probabilities")


def circuit_as_peer_data(params: CellCircuitParams) -> dict:
    """What the NEURON peer is given for the ``cells`` model: :func:`network_as_data` and each cell's name (the
    population Brian2 reports it under)."""
    network = circuit_network(params)
    return {**network_as_data(network), "names": [f"{population}_{k}" for population, k in network.cells()]}
