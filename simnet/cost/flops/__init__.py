"""Floating-point work of a Brian2 network, counted from the code Brian2 generates, and of a run.

Laid out as fvcore's FLOP counter (``fvcore/nn/flop_count.py`` and ``jit_handles.py``), so that the weights can
be read, checked and overridden apart from the machinery that applies them:

* :mod:`~simnet.cost.flops.ops`: the operation table, operation name -> handler, every weight with its basis,
  and how a caller overrides or adds an operation (``extra_costs``);
* :mod:`~simnet.cost.flops.abstract_code`: counting expressions and one code object's abstract code with the
  table (the counting rule, the common-subexpression lower bound);
* :mod:`~simnet.cost.flops.count`: walking a network's objects, classing each code object's work by element
  kind and category (:func:`count_network` -> :class:`FlopProfile`);
* :mod:`~simnet.cost.flops.report`: multiplying a profile by a run's activity (:func:`apply_activity` ->
  :class:`FlopReport`);
* :mod:`~simnet.cost.flops.izhikevich`: Izhikevich's (2004) per-millisecond figures, a reference for scale.

Dependencies run one way: ops <- abstract_code <- count <- report (<- izhikevich).
"""
from __future__ import annotations

from simnet.base.data_tables import read_table  # noqa: F401 -- tests read the Izhikevich table through this name
from simnet.cost.flops.abstract_code import count_expression
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
    SkippedObject,
    UnknownOperation,
    count_network,
)
from simnet.cost.flops.izhikevich import IZHIKEVICH_TABLE, IzhikevichReference, izhikevich_reference
from simnet.cost.flops.ops import OPERATION_COSTS, Handler, OpContext, OpCost, cost_table
from simnet.cost.flops.report import FlopReport, FlopRow, apply_activity

__all__ = [
    "NEURON_STEP",
    "SPIKE",
    "SYNAPTIC_EVENT_PRE",
    "SYNAPTIC_EVENT_POST",
    "SYNAPSE_STEP",
    "INPUT_NEURON_STEP",
    "NEURON_UPDATE",
    "SYNAPTIC_PROPAGATION",
    "PLASTICITY",
    "INPUT",
    "CATEGORIES",
    "OpCost",
    "OPERATION_COSTS",
    "OpContext",
    "Handler",
    "cost_table",
    "CodeObjectCost",
    "UnknownOperation",
    "SkippedObject",
    "FlopProfile",
    "FlopRow",
    "FlopReport",
    "IzhikevichReference",
    "IZHIKEVICH_TABLE",
    "count_network",
    "count_expression",
    "apply_activity",
    "izhikevich_reference",
]
