"""FLOPs of a run: a network's per-element costs (:class:`FlopProfile`) times what the run did.

:func:`apply_activity` takes the run's activity record (neuron-steps, spikes, synaptic events on the pre and
post pathways, synapse-steps, input events) and gives a :class:`FlopReport`: totals by category, per neuron per
biological second, per synaptic event, by operator and by code object (fvcore's "by operator and by module"),
the dense equivalent (every synapse processed every step) beside the event-driven figure, as NeuroBench reports
them, and per population the neuron-update FLOPs per millisecond beside Izhikevich's (2004) figure.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any, Dict, List, Mapping, Optional, Tuple

from simnet.cost.flops.count import (
    CATEGORIES,
    INPUT,
    INPUT_NEURON_STEP,
    NEURON_STEP,
    NEURON_UPDATE,
    PLASTICITY,
    SPIKE,
    SYNAPSE_STEP,
    SYNAPTIC_EVENT_POST,
    SYNAPTIC_EVENT_PRE,
    SYNAPTIC_PROPAGATION,
    CodeObjectCost,
    FlopProfile,
)
from simnet.cost.flops.cable import COMPARTMENT_STEP
from simnet.cost.flops.izhikevich import izhikevich_reference
from simnet.record.files import json_safe

__all__ = ["FlopRow", "FlopReport", "apply_activity"]


@dataclass(frozen=True)
class FlopRow:
    """One code object's part in a run: its per-element cost times how often it ran.

    ``element_count`` is None (and the row is left out of every total) when the activity record has no
    count for it; such rows are listed in :attr:`FlopReport.missing_counts`. ``total_bytes`` is the code
    object's estimated traffic (``bytes_per_element`` x elements), on its first category row only.
    """

    owner: str
    runner: str
    role: str
    category: str
    element: str
    flops_per_element: float
    flops_per_element_cse: float
    element_count: Optional[float]
    total_flops: Optional[float]
    total_flops_cse: Optional[float]
    dense_element_count: Optional[float]
    dense_total_flops: Optional[float]
    code_object: str = ""
    bytes_per_element: float = 0.0
    total_bytes: Optional[float] = None

    def to_dict(self) -> Dict[str, Any]:
        return json_safe(asdict(self))


@dataclass(frozen=True)
class FlopReport:
    """FLOPs of one run, from a :class:`FlopProfile` and the run's activity.

    Attributes
    ----------
    bio_duration_s, n_neurons, n_steps
        What the figures are normalised by.
    total_flops, flops_by_category
        Event-driven ("effective") FLOPs: each code object times what it actually processed.
    flops_per_neuron_per_bio_s, flops_per_neuron_per_bio_s_by_category
        The same divided by ``n_neurons`` and ``bio_duration_s``.
    flops_per_synaptic_event, flops_per_synaptic_event_by_category
        FLOPs of the synaptic pathways (propagation and plasticity) per synaptic event (pre and post events
        together); None if there were none.
    flops_per_input_event
        FLOPs of PoissonInputs per input spike they delivered (derived: they draw per neuron per step).
    dense_total_flops, dense_flops_by_category, dense_flops_per_neuron_per_bio_s
        Dense equivalent: every synapse processed by every pathway on every step, and every neuron reset on
        every step (branch-free), as NeuroBench's dense operations; step-driven code is already dense.
    total_flops_cse, flops_per_neuron_per_bio_s_cse
        Lower bound after common-subexpression elimination.
    rows
        Per code object and category.
    by_operator
        Operation name -> {"count", "flops"} over the run.
    unknown_operations
        Operations that could not be costed, where they occur and how often they ran.
    missing_counts
        Rows whose element count the activity record did not give.
    neuron_models
        Per population: neuron-update FLOPs per neuron per ms of biological time, beside Izhikevich's (2004)
        figure for the model type when one was named (a reference, not a target).
    hoisted_flops_per_step
        Loop-invariant work per step of all code objects (not in any other figure).
    """

    bio_duration_s: float
    n_neurons: int
    n_steps: int
    total_flops: float
    flops_by_category: Dict[str, float]
    flops_per_neuron_per_bio_s: float
    flops_per_neuron_per_bio_s_by_category: Dict[str, float]
    flops_per_synaptic_event: Optional[float]
    flops_per_synaptic_event_by_category: Dict[str, Optional[float]]
    flops_per_input_event: Optional[float]
    dense_total_flops: float
    dense_flops_by_category: Dict[str, float]
    dense_flops_per_neuron_per_bio_s: float
    dense_flops_per_neuron_per_bio_s_by_category: Dict[str, float]
    total_flops_cse: float
    flops_per_neuron_per_bio_s_cse: float
    rows: List[FlopRow]
    by_operator: Dict[str, Dict[str, float]]
    unknown_operations: List[Dict[str, Any]]
    missing_counts: List[str]
    neuron_models: List[Dict[str, Any]]
    hoisted_flops_per_step: float

    def to_dict(self) -> Dict[str, Any]:
        data = asdict(self)
        data["rows"] = [row.to_dict() for row in self.rows]
        return json_safe(data)


def _element_counts(row: CodeObjectCost, counts: Mapping[str, Any]) -> Tuple[Optional[float], Optional[float]]:
    """(event-driven count, dense count) of a row's elements, from the run's activity record."""
    populations = counts.get("populations", {})
    projections = counts.get("projections", {})
    n_steps = counts.get("n_steps")
    ratio = row.step_ratio
    if row.element in (NEURON_STEP, SPIKE, INPUT_NEURON_STEP, COMPARTMENT_STEP):
        record = populations.get(row.population)
        if record is None:
            return None, None
        if row.element == COMPARTMENT_STEP:
            # a SpatialNeuron's rows run per compartment; a record without compartment counts has none to give
            if "compartment_steps" not in record:
                return None, None
            steps = float(record["compartment_steps"]) * (row.group_size / row.population_size) * ratio
            return steps, steps
        fraction = row.group_size / row.population_size if row.population_size else 1.0
        neuron_steps = float(record["neuron_steps"]) * fraction
        if row.element == SPIKE:
            # dense equivalent: a branch-free reset evaluated for every neuron on every step
            return float(record["spikes"]), neuron_steps
        return neuron_steps * ratio, neuron_steps * ratio
    record = projections.get(row.owner)
    if record is None:
        return None, None
    if row.element == SYNAPSE_STEP:
        steps = float(record["synapse_steps"]) * ratio
        return steps, steps
    key = "synaptic_events_pre" if row.element == SYNAPTIC_EVENT_PRE else "synaptic_events_post"
    dense = float(record["synapses"]) * float(n_steps) if n_steps is not None else None
    return float(record[key]), dense


def apply_activity(
    profile: FlopProfile,
    counts: Mapping[str, Any],
    bio_duration_s: float,
    n_neurons: int,
    model_types: Optional[Mapping[str, str]] = None,
) -> FlopReport:
    """Multiply per-element costs by what the run did.

    Parameters
    ----------
    profile : FlopProfile
        From :func:`count_network`.
    counts : mapping
        The run's activity record: ``{"n_steps", "populations": {name: {"size", "neuron_steps", "spikes"}},
        "projections": {name: {"source", "target", "synapses", "synaptic_events_pre",
        "synaptic_events_post", "synapse_steps"}}, "inputs": {name: {"target", "events"}}}``.
    bio_duration_s : float
        Simulated biological time, in seconds.
    n_neurons : int
        Neurons to normalise by.
    model_types : mapping, optional
        Population name -> Izhikevich (2004) model type (see :func:`izhikevich_reference`), to show his
        per-millisecond figure beside the measured one.

    Returns
    -------
    FlopReport
    """
    if not bio_duration_s > 0:
        raise ValueError(f"bio_duration_s must be positive, got {bio_duration_s!r}")
    if not n_neurons > 0:
        raise ValueError(f"n_neurons must be positive, got {n_neurons!r}")
    per_neuron_second = 1.0 / (float(n_neurons) * float(bio_duration_s))
    rows: List[FlopRow] = []
    missing: List[str] = []
    by_category = {c: 0.0 for c in CATEGORIES}
    dense_by_category = {c: 0.0 for c in CATEGORIES}
    total_cse = 0.0
    operator_counts: Counter = Counter()
    operator_flops: Counter = Counter()
    executed: Dict[Tuple[str, str], float] = {}
    for row in profile.rows:
        element_count, dense_count = _element_counts(row, counts)
        if element_count is None:
            missing.append(f"{row.runner} ({row.category}): no '{row.element}' count for {row.owner!r}")
            rows.append(FlopRow(row.owner, row.runner, row.role, row.category, row.element,
                                row.flops_per_element, row.flops_per_element_cse, None, None, None, None, None,
                                code_object=row.code_object, bytes_per_element=row.bytes_per_element))
            continue
        total = row.flops_per_element * element_count
        dense_total = row.flops_per_element * dense_count if dense_count is not None else None
        by_category[row.category] = by_category.get(row.category, 0.0) + total
        dense_by_category[row.category] = dense_by_category.get(row.category, 0.0) + (dense_total or 0.0)
        total_cse += row.flops_per_element_cse * element_count
        for name, occurrences in row.ops_per_element.items():
            operator_counts[name] += occurrences * element_count
            operator_flops[name] += row.op_flops_per_element.get(name, 0.0) * element_count
        executed[(row.runner, row.category)] = element_count
        rows.append(
            FlopRow(
                owner=row.owner,
                runner=row.runner,
                role=row.role,
                category=row.category,
                element=row.element,
                flops_per_element=row.flops_per_element,
                flops_per_element_cse=row.flops_per_element_cse,
                element_count=element_count,
                total_flops=total,
                total_flops_cse=row.flops_per_element_cse * element_count,
                dense_element_count=dense_count,
                dense_total_flops=dense_total,
                code_object=row.code_object,
                bytes_per_element=row.bytes_per_element,
                total_bytes=row.bytes_per_element * element_count,
            )
        )
    total_flops = sum(by_category.values())
    dense_total_flops = sum(dense_by_category.values())

    # FLOPs per synaptic event: everything the event-driven pathways did, over the events they processed
    pathway_flops = {SYNAPTIC_PROPAGATION: 0.0, PLASTICITY: 0.0}
    events = 0.0
    counted_events = set()
    for row in rows:
        if row.element in (SYNAPTIC_EVENT_PRE, SYNAPTIC_EVENT_POST) and row.total_flops is not None:
            pathway_flops[row.category] = pathway_flops.get(row.category, 0.0) + row.total_flops
            if (row.owner, row.element, row.runner) not in counted_events:
                counted_events.add((row.owner, row.element, row.runner))
                events += row.element_count or 0.0
    per_event = (sum(pathway_flops.values()) / events) if events > 0 else None
    per_event_by_category = {c: (f / events if events > 0 else None) for c, f in pathway_flops.items()}

    # PoissonInput draws per neuron per step; its cost per input spike is a derived figure
    input_events = sum(
        float(counts.get("inputs", {}).get(owner, {}).get("events", 0))
        for owner in {r.owner for r in rows if r.element == INPUT_NEURON_STEP and r.total_flops is not None}
    )
    per_input_event = by_category[INPUT] / input_events if input_events > 0 else None

    unknown = []
    for item in profile.unknown:
        element_count = executed.get((item.runner, item.category))
        unknown.append(
            {
                **item.to_dict(),
                "executed": None if element_count is None else item.occurrences_per_element * element_count,
            }
        )

    neuron_models = _neuron_models(profile, rows, counts, bio_duration_s, model_types or {})
    hoisted_per_step = sum(row.hoisted_flops_per_call * row.step_ratio for row in profile.rows)

    return FlopReport(
        bio_duration_s=float(bio_duration_s),
        n_neurons=int(n_neurons),
        n_steps=int(counts.get("n_steps", 0)),
        total_flops=total_flops,
        flops_by_category=by_category,
        flops_per_neuron_per_bio_s=total_flops * per_neuron_second,
        flops_per_neuron_per_bio_s_by_category={c: f * per_neuron_second for c, f in by_category.items()},
        flops_per_synaptic_event=per_event,
        flops_per_synaptic_event_by_category=per_event_by_category,
        flops_per_input_event=per_input_event,
        dense_total_flops=dense_total_flops,
        dense_flops_by_category=dense_by_category,
        dense_flops_per_neuron_per_bio_s=dense_total_flops * per_neuron_second,
        dense_flops_per_neuron_per_bio_s_by_category={
            c: f * per_neuron_second for c, f in dense_by_category.items()
        },
        total_flops_cse=total_cse,
        flops_per_neuron_per_bio_s_cse=total_cse * per_neuron_second,
        rows=rows,
        by_operator={
            name: {"count": float(operator_counts[name]), "flops": float(operator_flops[name])}
            for name in sorted(operator_counts)
        },
        unknown_operations=unknown,
        missing_counts=missing,
        neuron_models=neuron_models,
        hoisted_flops_per_step=float(hoisted_per_step),
    )


def _neuron_models(profile, rows, counts, bio_duration_s, model_types) -> List[Dict[str, Any]]:
    bio_ms = bio_duration_s * 1e3
    result = []
    for population, record in sorted(counts.get("populations", {}).items()):
        flops = sum(
            row.total_flops
            for row in rows
            if row.category == NEURON_UPDATE and row.total_flops is not None and row.owner == population
        )
        size = float(record.get("size", 0)) or None
        entry: Dict[str, Any] = {
            "population": population,
            "flops_per_neuron_per_ms": (flops / size / bio_ms) if size else None,
            "izhikevich_model_type": None,
            "izhikevich_flops_per_ms": None,
            "izhikevich_source": None,
        }
        model_type = model_types.get(population)
        if model_type is not None:
            reference = izhikevich_reference(model_type)
            entry.update(
                izhikevich_model_type=reference.model_type,
                izhikevich_flops_per_ms=reference.flops_per_ms,
                izhikevich_source=reference.source,
            )
        result.append(entry)
    return result
