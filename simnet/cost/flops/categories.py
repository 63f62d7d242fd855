"""Which category of work each counted statement belongs to: neuron update, synaptic propagation, plasticity or
input (the rule is stated in :mod:`simnet.cost.flops.count`'s docstring).

A code object has a default category from what it is (a neuron's state updater, a pathway, a Poisson input); a
Synapses' statements are classed one by one: those that write a neuron's variable, or the synaptic state that
carries the transmitted signal, are synaptic propagation; the rest of a Synapses' work is plasticity.
"""
from __future__ import annotations

from typing import Any, Dict, List, Mapping, Sequence

from brian2.core.variables import ArrayVariable
from brian2.synapses.synapses import Synapses

from simnet.cost.flops.abstract_code import StatementCost

__all__ = ["NEURON_UPDATE", "SYNAPTIC_PROPAGATION", "PLASTICITY", "INPUT", "CATEGORIES", "transmission_variables",
           "assign_categories", "object_name"]

NEURON_UPDATE = "neuron_update"
SYNAPTIC_PROPAGATION = "synaptic_propagation"
PLASTICITY = "plasticity"
INPUT = "input"
CATEGORIES = (NEURON_UPDATE, SYNAPTIC_PROPAGATION, PLASTICITY, INPUT)


def object_name(obj) -> str:
    """A Brian2 object's name (its class name when it has none): the owner name in the count's rows."""
    return str(getattr(obj, "name", type(obj).__name__))


def _writes_neuron_variable(count: Any, var: str) -> bool:
    """True when Synapses code writes a pre- or postsynaptic neuron's variable."""
    variable = count.variables.get(var)
    index = count.indices.get(var, "_idx") if hasattr(count.indices, "get") else "_idx"
    return isinstance(variable, ArrayVariable) and index not in ("_idx", "0")


def _expanded_reads(statement: StatementCost, statements: Sequence[StatementCost]) -> set:
    """Identifiers a statement reads, looking through the temporaries of its block."""
    temporaries = {s.var: s for s in statements if s.temporary}
    reads, pending, done = set(), list(statement.reads), set()
    while pending:
        name = pending.pop()
        if name in done:
            continue
        done.add(name)
        if name in temporaries and temporaries[name] is not statement:
            pending.extend(temporaries[name].reads)
        else:
            reads.add(name)
    return reads


def transmission_variables(counts: Sequence[Any]) -> Dict[str, set]:
    """Per Synapses: synaptic variables carrying the transmitted signal (see the module docstring).

    Those written by the Synapses' state updater and read by a summed variable, plus the state they are
    integrated from (``dg/dt = (x - g)/tau`` makes ``x`` transmission state too).
    """
    by_owner: Dict[str, List[Any]] = {}
    for count in counts:
        if isinstance(count.group, Synapses):
            by_owner.setdefault(object_name(count.group), []).append(count)
    result: Dict[str, set] = {}
    for owner, owner_counts in by_owner.items():
        updater = [s for c in owner_counts if c.role == "state_update" for s in c.statements]
        state_written = {s.var for s in updater if not s.temporary}
        summed_reads: set = set()
        for c in owner_counts:
            if c.role == "summed_variable":
                for s in c.statements:
                    summed_reads |= _expanded_reads(s, c.statements)
        transmission = state_written & summed_reads
        changed = True
        while changed:
            changed = False
            for s in updater:
                if not s.temporary and s.var in transmission:
                    new = (_expanded_reads(s, updater) & state_written) - transmission
                    if new:
                        transmission |= new
                        changed = True
        result[owner] = transmission
    return result


def assign_categories(count: Any, transmission: Mapping[str, set]) -> None:
    """Class each statement of a code object (see the module docstring)."""
    if not isinstance(count.group, Synapses) or count.role == "summed_variable":
        for s in count.statements:
            s.category = count.default_category
        return
    carried = transmission.get(object_name(count.group), set())
    for s in reversed(count.statements):
        if s.temporary:
            readers = [t for t in count.statements if t is not s and s.var in t.reads and t.category]
            if any(t.category == SYNAPTIC_PROPAGATION for t in readers):
                s.category = SYNAPTIC_PROPAGATION
            elif readers:
                s.category = PLASTICITY
            else:
                s.category = count.default_category
        elif _writes_neuron_variable(count, s.var) or s.var in carried:
            s.category = SYNAPTIC_PROPAGATION
        else:
            s.category = PLASTICITY
