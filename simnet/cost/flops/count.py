"""Counting every code object of a Brian2 network: :func:`count_network` and the profile it returns.

After a :class:`brian2.Network` has run (runtime or C++ standalone: in both, ``net.run`` prepares every object
in Python), each :class:`~brian2.groups.group.CodeRunner` in it holds its ``abstract_code`` and the code object
built from it. :func:`count_network` walks the network's objects, counts each runner's code after Brian2's own
loop-invariant optimisation (:mod:`simnet.cost.flops.abstract_code`, which states the counting rule) and
classes the work by the element it is done for and by category. The result is per element (neuron, spike,
synaptic event, synapse); :func:`simnet.cost.flops.report.apply_activity` multiplies it by what a run did.

Element kinds and categories
----------------------------
Each code object runs once per element of one kind: ``neuron_step`` (state updater, thresholder and
``run_regularly`` of a NeuronGroup), ``spike`` (resetter), ``synaptic_event_pre`` / ``synaptic_event_post``
(a Synapses pathway), ``synapse_step`` (a Synapses state updater, summed variables) and ``input_neuron_step``
(a ``PoissonInput``: one binomial draw per target neuron per step, whatever the number of input events).
Rows are keyed by the Brian2 name of the owner (population, projection, input).

Categories: NeuronGroup code is ``neuron_update``; ``PoissonInput`` is ``input``. In Synapses code, each vector
statement is classed by what it writes: a write to a neuron variable (through the pre- or postsynaptic index)
is ``synaptic_propagation``; a write to a synaptic variable is ``plasticity``, unless the variable carries the
transmitted signal -- it is written by the Synapses' state updater and read by one of its summed variables
(e.g. a per-synapse conductance ``g`` with ``I_post = g : (summed)``) -- then it is ``synaptic_propagation``.
A temporary takes the category of the statements that read it (``synaptic_propagation`` if any of them is).
Summed variables are ``synaptic_propagation``. So ``v_post += w`` is propagation, while STDP trace updates and
``w = clip(w + Apost, 0, wmax)`` are plasticity.

A SpatialNeuron's code runs once per compartment (``compartment_step``); its cable-equation solver (role
``cable_solver``) is its abstract code plus the template's arithmetic (:mod:`simnet.cost.flops.cable`).
Monitors' code objects are listed in :attr:`FlopProfile.skipped` as ``recording``; code objects of other
kinds are listed there as unclassified. Neither is counted.
"""
from __future__ import annotations

import warnings

from dataclasses import asdict, dataclass
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

import brian2
import numpy as np
from brian2.core.variables import ArrayVariable, DynamicArrayVariable
from brian2.groups.group import CodeRunner
from brian2.groups.neurongroup import Resetter, StateUpdater, Thresholder
from brian2.groups.subgroup import Subgroup
from brian2.input.binomial import BinomialFunction
from brian2.input.poissoninput import PoissonInput
from brian2.monitors import EventMonitor, PopulationRateMonitor, SpikeMonitor, StateMonitor
from brian2.spatialneuron.spatialneuron import SpatialNeuron, SpatialStateUpdater
from brian2.synapses.synapses import (
    StateUpdater as SynapsesStateUpdater,
    SummedVariableUpdater,
    Synapses,
    SynapticPathway,
)

from simnet.base.errors import UsageError
from simnet.cost.flops.categories import (CATEGORIES, INPUT, NEURON_UPDATE, PLASTICITY, SYNAPTIC_PROPAGATION,
                                           assign_categories, object_name,
                                           transmission_variables)
from simnet.cost.flops.cable import CABLE_SOLVER, COMPARTMENT_STEP, morphology_size, template_statements
from simnet.cost.flops.abstract_code import ExtraCosts, StatementCost, Tally, count_code_object
from simnet.cost.flops.ops import cost_table, describe
from simnet.record.files import json_safe
from simnet.simulation.poisson_table import TABLE_ENTRIES

__all__ = ["NEURON_STEP", "SPIKE", "SYNAPTIC_EVENT_PRE", "SYNAPTIC_EVENT_POST", "SYNAPSE_STEP", "INPUT_NEURON_STEP",
           "NEURON_UPDATE", "SYNAPTIC_PROPAGATION", "PLASTICITY", "INPUT", "CATEGORIES", "UNCOUNTABLE", "CodeObjectCost",
           "UnknownOperation", "SkippedObject", "FlopProfile", "count_network"]

# Element kinds: what one execution of a code object's vector code is for.
NEURON_STEP = "neuron_step"
SPIKE = "spike"
SYNAPTIC_EVENT_PRE = "synaptic_event_pre"
SYNAPTIC_EVENT_POST = "synaptic_event_post"
SYNAPSE_STEP = "synapse_step"
INPUT_NEURON_STEP = "input_neuron_step"

RECORDING = "recording"
UNCLASSIFIED = "unclassified"
#: A code object whose code the counter cannot read (a user-defined function, say): listed, not counted.
UNCOUNTABLE = "uncountable"


@dataclass(frozen=True)
class CodeObjectCost:
    """Per-element cost of the part of one code object that falls in one category.

    Attributes
    ----------
    owner : str
        Brian2 name of the population, projection or input the code belongs to.
    runner : str
        Brian2 name of the CodeRunner (e.g. ``exc_stateupdater``, ``ee_pre``).
    role : str
        ``state_update``, ``threshold``, ``reset``, ``pre_pathway``, ``post_pathway``, ``summed_variable``,
        ``poisson_input`` or ``run_regularly``.
    template : str
        Brian2 template name of the code object.
    element : str
        What one execution is for (``neuron_step``, ``spike``, ...).
    category : str
        ``neuron_update``, ``synaptic_propagation``, ``plasticity`` or ``input``.
    flops_per_element : float
        As written in Brian2's optimised vector code.
    flops_per_element_cse : float
        Lower bound after common-subexpression elimination within each block.
    ops_per_element : dict
        Operation name -> occurrences per element.
    op_flops_per_element : dict
        Operation name -> FLOPs per element.
    statements : list of str
        The vector statements counted for this category (template work marked ``(template)``).
    hoisted_flops_per_call : float
        FLOPs of Brian2's scalar (loop-invariant) statements, once per execution of the code object,
        not per element. Given on the first category row of a code object only.
    group : str
        Brian2 name of the group the code iterates over (the target group for a PoissonInput).
    group_size : int
        Number of neurons or synapses in ``group`` when counted.
    population : str
        The NeuronGroup ``group`` belongs to (itself unless a subgroup); the key of neuron counts.
    population_size : int
    step_ratio : float
        Executions per step of the group's clock (1 unless the code runs on another clock, e.g.
        ``run_regularly(dt=...)``).
    code_object : str
        Brian2 name of the code object (the key of its measured time, ``timings["loop_profile"]``).
    bytes_per_element : float
        Bytes the whole code object moves per element (:func:`_bytes_per_element`), given on its first category
        row only (like ``hoisted_flops_per_call``).
    """

    owner: str
    runner: str
    role: str
    template: str
    element: str
    category: str
    flops_per_element: float
    flops_per_element_cse: float
    ops_per_element: Dict[str, float]
    op_flops_per_element: Dict[str, float]
    statements: List[str]
    hoisted_flops_per_call: float
    group: str
    group_size: int
    population: str
    population_size: int
    step_ratio: float = 1.0
    code_object: str = ""
    bytes_per_element: float = 0.0

    def to_dict(self) -> Dict[str, Any]:
        return json_safe(asdict(self))


@dataclass(frozen=True)
class UnknownOperation:
    """An operation the table could not cost, and where it occurs."""

    operation: str
    reason: str
    owner: str
    runner: str
    category: str
    element: str
    statement: str
    occurrences_per_element: float

    def to_dict(self) -> Dict[str, Any]:
        return json_safe(asdict(self))


@dataclass(frozen=True)
class SkippedObject:
    """A network object whose code is deliberately not counted, and why."""

    name: str
    kind: str
    reason: str

    def to_dict(self) -> Dict[str, Any]:
        return json_safe(asdict(self))


@dataclass(frozen=True)
class FlopProfile:
    """Per-element costs of every code object of a network, before any activity is known.

    Attributes
    ----------
    rows : list of CodeObjectCost
    unknown : list of UnknownOperation
    skipped : list of SkippedObject
        Monitors (``recording``), Python network operations and unclassified code objects.
    weights : dict
        The operation table used: name -> weight and its basis.
    brian2_version : str
    loop_invariant_optimisations : bool
        Whether counted with Brian2's loop-invariant optimisation (if not, nothing is hoisted).
    """

    rows: List[CodeObjectCost]
    unknown: List[UnknownOperation]
    skipped: List[SkippedObject]
    weights: Dict[str, str]
    brian2_version: str
    loop_invariant_optimisations: bool

    def rows_for(self, owner: str) -> List[CodeObjectCost]:
        """The rows of one population, projection or input."""
        return [row for row in self.rows if row.owner == owner]

    def to_dict(self) -> Dict[str, Any]:
        return {
            "rows": [row.to_dict() for row in self.rows],
            "unknown": [item.to_dict() for item in self.unknown],
            "skipped": [item.to_dict() for item in self.skipped],
            "weights": dict(self.weights),
            "brian2_version": self.brian2_version,
            "loop_invariant_optimisations": bool(self.loop_invariant_optimisations),
        }


def _walk_objects(objects) -> Iterator[Any]:
    """Every object of the network, contained objects included, each once."""
    seen = set()
    stack = list(objects)
    while stack:
        obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        yield obj
        stack.extend(getattr(obj, "contained_objects", []))


def _population_of(group) -> Tuple[str, int]:
    """The whole group a (sub)group was cut from: activity records count whole populations."""
    base = group.source if isinstance(group, Subgroup) else group
    return object_name(base), int(len(base))


def _step_ratio(runner, group) -> float:
    """How many times the runner executes per step of its group's clock."""
    runner_clock = getattr(runner, "clock", None)
    group_clock = getattr(group, "clock", None)
    if runner_clock is None or group_clock is None or runner_clock is group_clock:
        return 1.0
    try:
        return float(group_clock.dt_) / float(runner_clock.dt_)
    except Exception:  # noqa: BLE001 -- a standalone clock whose dt cannot be read before the build
        return 1.0


def _classify(runner) -> Optional[Tuple[str, str, str, Any]]:
    """(role, element, default category, group iterated over) of a code runner; None if not counted."""
    group = runner.group
    if isinstance(runner, SpatialStateUpdater):
        return CABLE_SOLVER, COMPARTMENT_STEP, NEURON_UPDATE, group
    classified = _classify_point(runner, group)
    if classified is not None and classified[1] == NEURON_STEP and isinstance(_population_base(group), SpatialNeuron):
        return (classified[0], COMPARTMENT_STEP) + classified[2:]
    return classified


def _population_base(group):
    return group.source if isinstance(group, Subgroup) else group


def _classify_point(runner, group) -> Optional[Tuple[str, str, str, Any]]:
    if isinstance(runner, PoissonInput):
        return "poisson_input", INPUT_NEURON_STEP, INPUT, group
    if isinstance(runner, SynapticPathway):
        element = SYNAPTIC_EVENT_PRE if runner.prepost == "pre" else SYNAPTIC_EVENT_POST
        return f"{runner.prepost}_pathway", element, PLASTICITY, group
    if isinstance(runner, SummedVariableUpdater):
        return "summed_variable", SYNAPSE_STEP, SYNAPTIC_PROPAGATION, group
    is_synapses = isinstance(group, Synapses)
    if isinstance(runner, (StateUpdater, SynapsesStateUpdater)):
        return ("state_update", SYNAPSE_STEP, PLASTICITY, group) if is_synapses else (
            "state_update", NEURON_STEP, NEURON_UPDATE, group)
    if isinstance(runner, Thresholder) and not is_synapses:
        return "threshold", NEURON_STEP, NEURON_UPDATE, group
    if isinstance(runner, Resetter) and not is_synapses:
        if getattr(runner, "event", "spike") != "spike":
            return None
        return "reset", SPIKE, NEURON_UPDATE, group
    template = getattr(runner, "template", "")
    if template == "stateupdate" and type(runner) is CodeRunner:  # run_regularly
        return ("run_regularly", SYNAPSE_STEP, PLASTICITY, group) if is_synapses else (
            "run_regularly", NEURON_STEP, NEURON_UPDATE, group)
    return None


@dataclass
class _RunnerCount:
    runner: Any
    role: str
    element: str
    default_category: str
    group: Any
    statements: List[StatementCost]
    hoisted: float
    variables: Mapping[str, Any]
    indices: Mapping[str, str]


def _count_runner(runner, classified, costs, binomial_params, loop_invariant_optimisations) -> _RunnerCount:
    role, element, category, group = classified
    codeobj = runner.codeobj
    counted = count_code_object(codeobj, runner.abstract_code, costs, binomial_params, loop_invariant_optimisations)
    if role == CABLE_SOLVER:
        counted.statements.extend(template_statements(*morphology_size(group), costs))
    return _RunnerCount(runner, role, element, category, group, counted.statements, counted.hoisted,
                        codeobj.variables, codeobj.variable_indices)


def _bytes_per_element(count: _RunnerCount) -> float:
    """Bytes one execution of a code object moves per element, as a lower bound.

    Every per-element array its vector statements read is read once and every one they write is written once
    (its item size each time), plus one read of each index array through which it reaches another group's
    arrays (``_postsynaptic_idx``, ...). Scalars and constants are left out (they stay in registers or cache), and
    so is the template's bookkeeping (spike space, spike queue), which the abstract code does not show.
    """
    def per_element_array(name: str):
        variable = count.variables.get(name)
        if not isinstance(variable, ArrayVariable) or variable.scalar:
            return None
        # a synapse array's size is not known before a standalone run; a fixed one of size 1 is a scalar
        if not isinstance(variable, DynamicArrayVariable) and variable.size <= 1:
            return None
        return variable

    read, written = set(), set()
    for s in count.statements:
        read |= set(s.reads)
        if not s.temporary:
            written.add(s.var)
    total = 0.0
    for names in (read, written):
        total += sum(np.dtype(v.dtype).itemsize for v in map(per_element_array, names) if v is not None)
    index_names = {count.indices.get(name, "_idx") for name in read | written if per_element_array(name) is not None}
    for index in index_names - {"_idx", "0"}:
        variable = per_element_array(index)
        total += np.dtype(variable.dtype).itemsize if variable is not None else 0
    return float(total)


def _rows_of(count: _RunnerCount) -> Tuple[List[CodeObjectCost], List[UnknownOperation]]:
    runner = count.runner
    owner = object_name(runner) if isinstance(runner, PoissonInput) else object_name(count.group)
    population, population_size = _population_of(count.group)
    rows: List[CodeObjectCost] = []
    unknown: List[UnknownOperation] = []
    categories = [c for c in CATEGORIES if any(s.category == c for s in count.statements)]
    if not categories:
        categories = [count.default_category]
    for position, category in enumerate(categories):
        chosen = [s for s in count.statements if s.category == category]
        tally, tally_cse = Tally(), Tally()
        for s in chosen:
            tally.merge(s.tally)
            tally_cse.merge(s.tally_cse)
            for operation, reason in s.tally.unknown:
                unknown.append(
                    UnknownOperation(
                        operation=operation,
                        reason=reason,
                        owner=owner,
                        runner=object_name(runner),
                        category=category,
                        element=count.element,
                        statement=s.text,
                        occurrences_per_element=1.0,
                    )
                )
        rows.append(
            CodeObjectCost(
                owner=owner,
                runner=object_name(runner),
                role=count.role,
                template=str(getattr(runner.codeobj, "template_name", "")),
                element=count.element,
                category=category,
                flops_per_element=float(tally.flops),
                flops_per_element_cse=float(tally_cse.flops),
                ops_per_element={k: float(v) for k, v in sorted(tally.counts.items())},
                op_flops_per_element={k: float(v) for k, v in sorted(tally.op_flops.items())},
                statements=[s.text for s in chosen],
                hoisted_flops_per_call=float(count.hoisted) if position == 0 else 0.0,
                group=object_name(count.group),
                group_size=int(len(count.group)),
                population=population,
                population_size=population_size,
                step_ratio=_step_ratio(runner, count.group),
                code_object=str(getattr(runner.codeobj, "name", "")),
                bytes_per_element=_bytes_per_element(count) if position == 0 else 0.0,
            )
        )
    return rows, unknown


def count_network(net: brian2.Network, extra_costs: ExtraCosts = None,
                  loop_invariant_optimisations: bool = True) -> FlopProfile:
    """Per-element FLOPs of every code object Brian2 generated for a network.

    Parameters
    ----------
    net : brian2.Network
        A network that has been run (runtime or standalone), so that its code objects exist.
    extra_costs : mapping, optional
        Operation name -> fixed FLOPs or a handler, added to or replacing the entries of the operation table
        (e.g. for user-defined functions); see :mod:`simnet.cost.flops.ops`.
    loop_invariant_optimisations : bool
        Count with Brian2's loop-invariant optimisation (the default, whatever the device's code generation did):
        the same model then counts the same on every backend, and work on constants alone (e.g.
        ``exp(-dt/tau)``, which a compiler folds) is not charged per element. Brian2GeNN turns the optimisation
        off for the code it generates; count with False to get what that code executes.

    Returns
    -------
    FlopProfile

    Raises
    ------
    UsageError
        If no code object has been generated yet (the network was not run).
    """
    costs = cost_table(extra_costs)
    objects = list(_walk_objects(net.objects))
    binomial_params: Dict[str, Tuple] = {}
    for obj in objects:
        if isinstance(obj, PoissonInput):
            # n and p of the binomial draw, as PoissonInput builds it (N, rate * target dt)
            try:
                p = float(obj.rate * obj.clock.dt)
            except Exception:  # noqa: BLE001 -- unreadable dt: the draw is then reported as unknown
                continue
            for name, variable in obj.variables.items():
                if isinstance(variable, BinomialFunction):
                    entries = getattr(variable, TABLE_ENTRIES, None)
                    binomial_params[name] = (int(obj.N), p) + ((entries,) if entries else ())
    counts: List[_RunnerCount] = []
    skipped: List[SkippedObject] = []
    monitors = (SpikeMonitor, StateMonitor, PopulationRateMonitor, EventMonitor)
    runners, runners_with_code = 0, 0
    for obj in sorted(objects, key=object_name):
        if isinstance(obj, monitors):
            skipped.append(SkippedObject(object_name(obj), RECORDING, "monitor: recording, not simulation work"))
            continue
        if isinstance(obj, brian2.NetworkOperation):
            skipped.append(SkippedObject(object_name(obj), "python", "NetworkOperation runs Python, not Brian2 code"))
            continue
        if not isinstance(obj, CodeRunner):
            continue
        runners += 1
        if getattr(obj, "codeobj", None) is None:
            # a state updater with nothing to integrate, or an inactive object, generates no code
            skipped.append(SkippedObject(object_name(obj), "no_code", "no code object was generated for it"))
            continue
        runners_with_code += 1
        classified = _classify(obj)
        if classified is None:
            skipped.append(
                SkippedObject(
                    object_name(obj),
                    UNCLASSIFIED,
                    f"{type(obj).__name__} with template {getattr(obj.codeobj, 'template_name', '?')!r}: "
                    "no element kind known, not counted",
                )
            )
            continue
        try:
            counts.append(_count_runner(obj, classified, costs, binomial_params, loop_invariant_optimisations))
        except (SyntaxError, ValueError, TypeError, KeyError, NotImplementedError) as err:
            # code the counter cannot parse (a user-defined Function call, say): reported, never counted as zero
            reason = " ".join(str(err).split())[:200]
            skipped.append(SkippedObject(object_name(obj), UNCOUNTABLE,
                                         f"its code could not be counted ({type(err).__name__}: {reason})"))
            warnings.warn(f"the code of {object_name(obj)} could not be counted ({type(err).__name__}: {reason}): "
                          "it is listed in the record, not counted in any FLOP figure", stacklevel=2)
    if runners and not runners_with_code:
        raise UsageError("count_network needs the code Brian2 generates when it runs: call net.run(...) first")
    transmission = transmission_variables(counts)
    rows: List[CodeObjectCost] = []
    unknown: List[UnknownOperation] = []
    for count in counts:
        assign_categories(count, transmission)
        count_rows, count_unknown = _rows_of(count)
        rows.extend(count_rows)
        unknown.extend(count_unknown)
    return FlopProfile(
        rows=rows,
        unknown=_merge_unknown(unknown),
        skipped=skipped,
        weights={name: describe(handler) for name, handler in sorted(costs.items())},
        brian2_version=str(brian2.__version__),
        loop_invariant_optimisations=bool(loop_invariant_optimisations),
    )


def _merge_unknown(items: Sequence[UnknownOperation]) -> List[UnknownOperation]:
    """One entry per (operation, statement), with its occurrences per element summed."""
    merged: Dict[tuple, UnknownOperation] = {}
    for item in items:
        key = (item.operation, item.runner, item.category, item.statement, item.reason)
        if key in merged:
            previous = merged[key]
            merged[key] = UnknownOperation(
                **{**asdict(previous), "occurrences_per_element": previous.occurrences_per_element + 1.0}
            )
        else:
            merged[key] = item
    return list(merged.values())
