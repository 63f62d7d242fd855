"""A network's cost per element: FLOPs and bytes per neuron-step, per synaptic event, per plastic update.

The performance model (:mod:`simnet.projection.model`) needs what one neuron-step, one synaptic event and one
plastic update cost, not what one run of one size cost. :func:`element_costs` reads them off a run's record: the
FLOPs counted per element of every code object (:mod:`simnet.cost.flops`, as executed and after
common-subexpression elimination), weighted by how many elements of each kind the network has (neuron-steps of
each group; synapses of each projection, since events come in proportion to synapses at equal rates), and the
bytes of state per neuron and per synapse (:mod:`simnet.cost.memory`), split into floating-point values (whose
size follows the precision) and the rest (indices, counters). ``data/element_costs.csv`` holds them for the model
library (written by ``python -m simnet.bench.element_costs``).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

from simnet.cost.flops.count import (
    INPUT_NEURON_STEP,
    NEURON_STEP,
    PLASTICITY,
    SPIKE,
    SYNAPTIC_EVENT_POST,
    SYNAPTIC_EVENT_PRE,
    SYNAPTIC_PROPAGATION,
)

__all__ = ["FLOAT_DTYPES", "ElementCosts", "element_costs"]

FLOAT_DTYPES = ("float64", "float32", "double", "float")


@dataclass(frozen=True)
class ElementCosts:
    """FLOPs and bytes per element of one network, each counted by simnet (see the module docstring).

    ``*_cse`` figures are after common-subexpression elimination (the minimum arithmetic); the others as the
    generated code executes them. Bytes are at double precision: ``*_float_bytes`` halve at single precision.
    ``code_objects_per_step`` counts the code objects that run every step (each one an OpenMP parallel region on
    a CPU, or a kernel on a GPU).
    """

    model: str
    neuron_flops_per_step: float
    neuron_flops_per_step_cse: float
    flops_per_spike: float
    event_flops: float
    event_flops_cse: float
    plastic_flops_per_pre_event: float
    plastic_flops_per_post_event: float
    plastic_flops_per_pre_event_cse: float
    plastic_flops_per_post_event_cse: float
    neuron_float_bytes: float
    neuron_other_bytes: float
    synapse_float_bytes: float
    synapse_other_bytes: float
    code_objects_per_step: int
    source: str

    def neuron_bytes(self, precision: str) -> float:
        """State bytes per neuron at ``precision`` ("single" or "double")."""
        return self.neuron_other_bytes + self.neuron_float_bytes * _float_scale(precision)

    def synapse_bytes(self, precision: str) -> float:
        """State bytes per synapse at ``precision``."""
        return self.synapse_other_bytes + self.synapse_float_bytes * _float_scale(precision)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_row(cls, row: dict) -> "ElementCosts":
        """From a row of ``data/element_costs.csv`` (text values)."""
        values = {}
        for name, kind in cls.__annotations__.items():
            text = row[name]
            values[name] = text if kind == "str" else int(text) if kind == "int" else float(text)
        return cls(**values)


def _float_scale(precision: str) -> float:
    if precision not in ("single", "double"):
        raise ValueError(f"precision must be 'single' or 'double', not {precision!r}")
    return 0.5 if precision == "single" else 1.0


def _per_element(pairs, elements: float) -> float:
    """Sum of per-element costs times how many elements each applies to, per element of the whole network."""
    return sum(value * weight for value, weight in pairs) / elements if elements else 0.0


def _state_bytes(state: dict, kind: str, elements: float) -> tuple[float, float]:
    """(float bytes, other bytes) per element of the arrays of ``kind`` (per_neuron / per_synapse)."""
    floats = other = 0.0
    for entry in state.get("by_variable", []):
        if entry.get("kind") != kind:
            continue
        if entry.get("dtype") in FLOAT_DTYPES:
            floats += entry.get("bytes", 0)
        else:
            other += entry.get("bytes", 0)
    return (floats / elements, other / elements) if elements else (0.0, 0.0)


def element_costs(cost: dict, counts: dict, model: str, source: str) -> ElementCosts:
    """The :class:`ElementCosts` of the network a record describes (its ``cost`` and ``counts`` sections).

    Neuron-step rows are weighted by each group's neuron-steps, synaptic rows by each projection's synapses (the
    events a projection sees at equal rates); plastic rows by the plastic projections' synapses. Bytes at double
    precision per the record's own state arrays (a single-precision record's floats are scaled back to 8 bytes).
    """
    rows = cost["flops"]["rows"]
    populations, projections = counts.get("populations", {}), counts.get("projections", {})
    groups = {name: pop for name, pop in populations.items() if not pop.get("part_of")}
    sizes = {name: pop.get("size", 0) for name, pop in groups.items()}
    synapses = {name: proj.get("synapses", 0) for name, proj in projections.items()}
    plastic = {name: n for name, n in synapses.items() if projections[name].get("plastic")}

    n_steps = counts.get("n_steps") or 0

    def neurons_of(row):
        # an input (PoissonInput) row is owned by the input; it ran over its target's neuron-steps
        if row["owner"] in sizes:
            return sizes[row["owner"]]
        return (row.get("element_count") or 0) / n_steps if n_steps else 0

    def per_step(field):
        return _per_element(((row[field], neurons_of(row)) for row in rows
                             if row["element"] in (NEURON_STEP, INPUT_NEURON_STEP)), sum(sizes.values()))

    def per_synapse(field, category, element, among):
        return _per_element(((row[field], among.get(row["owner"], 0)) for row in rows
                             if row["category"] == category and row["element"] == element), sum(among.values()))

    state = cost["memory"]["state"]
    n_neurons = state.get("n_neurons") or sum(p.get("size", 0) for p in populations.values() if not p.get("part_of"))
    n_synapses = state.get("n_synapses") or sum(p.get("synapses", 0) for p in projections.values())
    neuron_float, neuron_other = _state_bytes(state, "per_neuron", n_neurons)
    synapse_float, synapse_other = _state_bytes(state, "per_synapse", n_synapses)
    itemsizes = {e.get("itemsize") for e in state.get("by_variable", []) if e.get("dtype") in FLOAT_DTYPES}
    to_double = 2.0 if itemsizes == {4} else 1.0
    return ElementCosts(
        model=model,
        neuron_flops_per_step=per_step("flops_per_element"),
        neuron_flops_per_step_cse=per_step("flops_per_element_cse"),
        flops_per_spike=_per_element(((row["flops_per_element"], sizes.get(row["owner"], 0)) for row in rows
                                      if row["element"] == SPIKE), sum(sizes.values())),
        event_flops=per_synapse("flops_per_element", SYNAPTIC_PROPAGATION, SYNAPTIC_EVENT_PRE, synapses),
        event_flops_cse=per_synapse("flops_per_element_cse", SYNAPTIC_PROPAGATION, SYNAPTIC_EVENT_PRE, synapses),
        plastic_flops_per_pre_event=per_synapse("flops_per_element", PLASTICITY, SYNAPTIC_EVENT_PRE, plastic),
        plastic_flops_per_post_event=per_synapse("flops_per_element", PLASTICITY, SYNAPTIC_EVENT_POST, plastic),
        plastic_flops_per_pre_event_cse=per_synapse("flops_per_element_cse", PLASTICITY, SYNAPTIC_EVENT_PRE,
                                                    plastic),
        plastic_flops_per_post_event_cse=per_synapse("flops_per_element_cse", PLASTICITY, SYNAPTIC_EVENT_POST,
                                                     plastic),
        neuron_float_bytes=neuron_float * to_double, neuron_other_bytes=neuron_other,
        synapse_float_bytes=synapse_float * to_double, synapse_other_bytes=synapse_other,
        code_objects_per_step=len({(row["owner"], row["role"]) for row in rows
                                   if row["element"] in (NEURON_STEP, INPUT_NEURON_STEP, SYNAPTIC_EVENT_PRE,
                                                         SYNAPTIC_EVENT_POST, SPIKE)}),
        source=source,
    )
