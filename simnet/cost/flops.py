"""Floating-point work counted from Brian2's own abstract code.

After a :class:`brian2.Network` has run (runtime or C++ standalone: in both, ``net.run`` prepares every object
in Python), each :class:`~brian2.groups.group.CodeRunner` in it holds its ``abstract_code`` and the code object
built from it. :func:`count_network` passes that abstract code through Brian2's own
:func:`~brian2.codegen.translation.make_statements` -- which applies Brian2's loop-invariant optimisation, the
same call the code generators make -- and counts the operations of the *vector* statements, i.e. the work done
once per element (neuron, spike, synaptic event, synapse). Work Brian2 hoists out of the element loop (the
scalar statements, e.g. ``exp(-dt/tau)``) is reported per call as ``hoisted_flops_per_call`` and never per
element. :func:`apply_activity` multiplies the per-element costs by what a run did.

Counting rule
-------------
* The expression strings of the optimised statements are parsed with Python's :mod:`ast` (via Brian2's
  ``brian_ast``, which adds data types) and every operator node is looked up in :data:`OPERATION_COSTS`.
  They are *not* re-canonicalised with sympy: sympy would expand or collect the expressions and change the
  operation count; the strings parsed are the ones Brian2 hands to its code generators.
* An operation missing from the table, or one whose cost cannot be known before running (``poisson(lam)`` with
  a non-literal ``lam``, a user-defined function), is counted as zero *and* listed in
  :attr:`FlopProfile.unknown` with the statement it occurs in, as fvcore does for unsupported operators.
* Sub-expressions made only of literals (``(-4.0)``, ``2*3``) are free: a compiler folds them.
* An augmented assignment ``v += w`` counts its operator once; plain assignments and copies are free.
* Statements that Brian2's optimiser split on boolean variables (e.g. ``int(not_refractory)`` terms, threshold
  ``... and not_refractory``) are counted as the C++ generator emits them -- an ``if/else`` over the simplified
  branches -- taking the most expensive branch (the non-refractory one in practice). The branch test is a
  boolean, not floating-point, operation and is not counted.
* Template work outside the abstract code is added where the template does floating-point work per element:
  the summed-variable template's accumulation ``target[post] += _synaptic_var`` (one ``+`` per synapse).
* Alongside the count as written, a lower bound ``flops_per_element_cse`` counts each distinct side-effect-free
  sub-expression once per element within a code block (what an optimising compiler's common-subexpression
  elimination can reach; Brian2 compiles with ``-O3 -ffast-math``). A sub-expression is the same only if none
  of the variables it reads was written in between; calls to ``rand()``/``randn()`` and other stateful
  functions are never merged.

Weights (normalised floating-point operations)
----------------------------------------------
The normalisation of Dongarra's SC'97 performance-evaluation tutorial, slide "Terms"
(https://netlib.org/utk/people/JackDongarra/SLIDES/sc97-perfeval/tsld011.htm): "+ or * count as 1 flop; sqrt
or / count as 4 flops; log counts as 8 flops; compare counts as 1 flop". The same normalisation is the one
of McMahon's Livermore Fortran Kernels (LLNL report UCRL-53745, 1986) reproduced in Hennessy & Patterson's
*Computer Architecture: A Quantitative Approach*, which puts exp, sin and the other elementary functions at 8
(that attribution is from memory, not re-checked here). Extensions, each derived from the C++ Brian2 emits
(``brian2/codegen/generators/cpp_generator.py`` and the standalone ``RandomGenerator``):

=====================  =====  ==============================================================================
operation              FLOPs  why
=====================  =====  ==============================================================================
``+ - *``, compare     1      Dongarra
unary ``-``            1      a sign flip is an instruction like ``-`` (``0 - x``)
``/``                  4      Dongarra
``//``                 5      ``floor(x/y)``
``%``                  7      ``x - y*floor(x/y)`` (Brian2's ``_brian_mod``)
``x**k``, int literal  m      ``floor(log2|k|) + popcount|k| - 1`` multiplications (binary powering, how GCC
                              expands ``pow(x, k)`` under ``-ffast-math``), plus 4 if ``k < 0``
``x**y`` otherwise     8      ``pow`` is an elementary-function call like ``exp``
exp, log, sin, ...     8      Dongarra (log), McMahon / H&P (exp, sin, ...)
sqrt                   4      Dongarra
exprel                 15     ``fabs`` 1, two compares 2, ``expm1`` 8, ``/`` 4 (Brian2's ``_exprel``)
abs, floor, ceil       1      one instruction each
sign                   2      two compares (Brian2's ``_sign``)
clip                   2      two compares (min and max)
int                    1      float-to-integer conversion; 0 when the argument is boolean or integer
timestep               7      ``(int)((t + 1e-3*dt)/dt)``: ``*`` 1, ``+`` 1, ``/`` 4, conversion 1
rand()                 3      ``(a*2^26 + b) * 2^-53`` on two Mersenne-Twister integers (integer work is not
                              floating-point work and is not counted)
randn()                19     polar Box-Muller gives a pair of deviates from 4/pi expected rejection rounds
                              of 15 (2 rand 6, 2 ``*`` and 2 ``-`` 4, ``x1*x1+x2*x2`` 3, 2 compares 2)
                              = 19.1, plus log 8, ``*`` 1, ``/`` 4, sqrt 4 and 2 ``*`` = 19: 38 per pair
binomial               n, p   Brian2's BinomialFunction (PoissonInput): if n p > 5 and n (1-p) > 5 the normal
                              approximation randn + ``*`` + ``+`` = 21; otherwise inversion, rand 3 + final
                              compare 1 + 12 per iteration, n min(p, 1-p) expected iterations
and, or, not           0      boolean, not floating-point
=====================  =====  ==============================================================================

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

Monitors' code objects are listed in :attr:`FlopProfile.skipped` as ``recording``; code objects of other
kinds (e.g. SpatialNeuron) are listed there as unclassified. Neither is counted.
"""
from __future__ import annotations

import ast
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

import brian2
from brian2.codegen.translation import make_statements
from brian2.core.functions import DEFAULT_FUNCTIONS
from brian2.core.preferences import prefs
from brian2.core.variables import ArrayVariable, AuxiliaryVariable
from brian2.groups.group import CodeRunner
from brian2.groups.neurongroup import Resetter, StateUpdater, Thresholder
from brian2.groups.subgroup import Subgroup
from brian2.input.binomial import BinomialFunction
from brian2.input.poissoninput import PoissonInput
from brian2.monitors import EventMonitor, PopulationRateMonitor, SpikeMonitor, StateMonitor
from brian2.parsing.bast import brian_ast
from brian2.synapses.synapses import StateUpdater as SynapsesStateUpdater
from brian2.synapses.synapses import SummedVariableUpdater, Synapses, SynapticPathway

from simnet.errors import UsageError
from simnet.reference import read_table

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
    "CodeObjectCost",
    "UnknownOperation",
    "SkippedObject",
    "FlopProfile",
    "FlopRow",
    "FlopReport",
    "IzhikevichReference",
    "count_network",
    "count_expression",
    "apply_activity",
    "izhikevich_reference",
]

# Element kinds: what one execution of a code object's vector code is for.
NEURON_STEP = "neuron_step"
SPIKE = "spike"
SYNAPTIC_EVENT_PRE = "synaptic_event_pre"
SYNAPTIC_EVENT_POST = "synaptic_event_post"
SYNAPSE_STEP = "synapse_step"
INPUT_NEURON_STEP = "input_neuron_step"

# Categories of work in the report.
NEURON_UPDATE = "neuron_update"
SYNAPTIC_PROPAGATION = "synaptic_propagation"
PLASTICITY = "plasticity"
INPUT = "input"
CATEGORIES = (NEURON_UPDATE, SYNAPTIC_PROPAGATION, PLASTICITY, INPUT)

RECORDING = "recording"
UNCLASSIFIED = "unclassified"


# ----------------------------------------------------------------------------------------------------------
# The operation table
# ----------------------------------------------------------------------------------------------------------


@dataclass
class _ExprContext:
    """What a cost handler may need to know about the code an expression comes from."""

    variables: Mapping[str, Any]
    #: Brian2 name of a BinomialFunction -> (n, p), known for the ones PoissonInput creates.
    binomial_params: Mapping[str, Tuple[int, float]] = field(default_factory=dict)


#: A handler returns the FLOPs of one operation node (its operands are counted separately), or None with a
#: reason when the cost cannot be known before running.
Handler = Callable[[ast.AST, _ExprContext], Tuple[Optional[float], str]]


@dataclass(frozen=True)
class OpCost:
    """One entry of the operation table: a fixed weight, or a handler for a weight that depends on the node.

    Attributes
    ----------
    basis : str
        Where the weight comes from (a citation or the implementation it was derived from).
    flops : float, optional
        The fixed weight; None when ``handler`` decides.
    handler : callable, optional
        ``handler(node, context) -> (flops or None, reason)``.
    """

    basis: str
    flops: Optional[float] = None
    handler: Optional[Handler] = None

    def cost(self, node: ast.AST, context: _ExprContext) -> Tuple[Optional[float], str]:
        """FLOPs of one occurrence of this operation (None and a reason if they cannot be known)."""
        if self.handler is None:
            return self.flops, ""
        return self.handler(node, context)

    def describe(self) -> str:
        """The weight as text, for reports."""
        weight = "depends on operands" if self.flops is None else f"{self.flops:g}"
        return f"{weight} ({self.basis})"


_DONGARRA = "Dongarra SC97 'Terms': + or * 1, sqrt or / 4, log 8, compare 1"
_ELEMENTARY = "elementary function, 8 as log in Dongarra SC97 (McMahon 1986 / Hennessy & Patterson: exp, sin 8)"


def _literal_value(node: ast.AST) -> Optional[float]:
    """The value of a literal number, including a negated one (``(-2)`` parses as a unary minus)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(
        node.value, bool
    ):
        return float(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        inner = _literal_value(node.operand)
        if inner is not None:
            return -inner if isinstance(node.op, ast.USub) else inner
    return None


def _pow_cost(node: ast.AST, context: _ExprContext) -> Tuple[Optional[float], str]:
    exponent = _literal_value(node.right) if isinstance(node, ast.BinOp) else None
    if exponent is not None and exponent == int(exponent) and abs(exponent) <= 2**31:
        k = abs(int(exponent))
        # binary powering: one squaring per bit below the top bit, one multiply per further set bit
        multiplications = 0 if k <= 1 else (k.bit_length() - 1) + (bin(k).count("1") - 1)
        return float(multiplications + (4 if exponent < 0 else 0)), ""
    return 8.0, ""


def _int_cost(node: ast.AST, context: _ExprContext) -> Tuple[Optional[float], str]:
    args = getattr(node, "args", [])
    # brian_ast annotates the argument's type; a bool or int argument needs no floating-point conversion
    if args and getattr(args[0], "dtype", "float") in ("boolean", "integer"):
        return 0.0, ""
    return 1.0, ""


def _poisson_cost(node: ast.AST, context: _ExprContext) -> Tuple[Optional[float], str]:
    args = getattr(node, "args", [])
    lam = _literal_value(args[0]) if args else None
    if lam is None:
        return None, "poisson(lam): cost grows with lam, which is only known at run time"
    if lam == 0:
        return 1.0, ""
    if lam < 10:
        # Brian2's _poisson_mult: exp(-lam) once, then (lam + 1) expected rounds of rand, *, compare
        return 8.0 + (lam + 1.0) * (3.0 + 1.0 + 1.0), ""
    return None, "poisson(lam >= 10) uses rejection sampling (PTRS) whose cost is not tabulated"


def _binomial_flops(n: int, p: float) -> float:
    """Expected FLOPs of one draw of Brian2's BinomialFunction(n, p) (see the module docstring)."""
    if n * p > 5 and n * (1 - p) > 5:
        return 19.0 + 1.0 + 1.0
    expected_iterations = n * min(p, 1.0 - p)
    # per iteration: U > px 1, X > bound 1, U -= px 1, px = (n-X+1)*P*px/(X*Q): two int-to-float conversions 2,
    # three * 3, one / 4
    return 3.0 + 1.0 + 12.0 * expected_iterations


def _binomial_cost(node: ast.AST, context: _ExprContext) -> Tuple[Optional[float], str]:
    name = node.func.id if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) else ""
    params = context.binomial_params.get(name)
    if params is None:
        return None, f"BinomialFunction {name!r}: n and p unknown (only PoissonInput's are read)"
    return _binomial_flops(*params), ""


def _fixed(flops: float, basis: str) -> OpCost:
    return OpCost(basis=basis, flops=float(flops))


#: Operation name -> cost. Operator names are their Python symbols, ``neg``/``pos``/``not`` for unary
#: operators and the Brian2 name for functions (``binomial`` for any BinomialFunction).
OPERATION_COSTS: Dict[str, OpCost] = {
    "+": _fixed(1, _DONGARRA),
    "-": _fixed(1, _DONGARRA),
    "*": _fixed(1, _DONGARRA),
    "/": _fixed(4, _DONGARRA),
    "//": _fixed(5, "floor(x/y): / 4 + floor 1"),
    "%": _fixed(7, "Brian2 _brian_mod x - y*floor(x/y): / 4, floor 1, * 1, - 1"),
    "**": OpCost(
        basis="integer literal k: binary-powering multiplications (+4 if k<0); otherwise pow = 8 like exp",
        handler=_pow_cost,
    ),
    "neg": _fixed(1, "sign flip, one instruction like 0 - x"),
    "pos": _fixed(0, "no operation"),
    "<": _fixed(1, _DONGARRA),
    "<=": _fixed(1, _DONGARRA),
    ">": _fixed(1, _DONGARRA),
    ">=": _fixed(1, _DONGARRA),
    "==": _fixed(1, _DONGARRA),
    "!=": _fixed(1, _DONGARRA),
    "and": _fixed(0, "boolean operation, not floating-point"),
    "or": _fixed(0, "boolean operation, not floating-point"),
    "not": _fixed(0, "boolean operation, not floating-point"),
    "exp": _fixed(8, _ELEMENTARY),
    "log": _fixed(8, _DONGARRA),
    "log10": _fixed(8, _ELEMENTARY),
    "expm1": _fixed(8, _ELEMENTARY),
    "log1p": _fixed(8, _ELEMENTARY),
    "sin": _fixed(8, _ELEMENTARY),
    "cos": _fixed(8, _ELEMENTARY),
    "tan": _fixed(8, _ELEMENTARY),
    "sinh": _fixed(8, _ELEMENTARY),
    "cosh": _fixed(8, _ELEMENTARY),
    "tanh": _fixed(8, _ELEMENTARY),
    "arcsin": _fixed(8, _ELEMENTARY),
    "arccos": _fixed(8, _ELEMENTARY),
    "arctan": _fixed(8, _ELEMENTARY),
    "sqrt": _fixed(4, _DONGARRA),
    "exprel": _fixed(15, "Brian2 _exprel: fabs 1, 2 compares, expm1 8, / 4"),
    "abs": _fixed(1, "one instruction (sign-bit mask)"),
    "floor": _fixed(1, "one rounding instruction"),
    "ceil": _fixed(1, "one rounding instruction"),
    "sign": _fixed(2, "Brian2 _sign: two compares"),
    "clip": _fixed(2, "two compares (min and max)"),
    "int": OpCost(basis="float-to-int conversion 1; free for a boolean or integer argument", handler=_int_cost),
    "timestep": _fixed(7, "Brian2 _timestep (int)((t + 1e-3*dt)/dt): * 1, + 1, / 4, conversion 1"),
    "rand": _fixed(3, "Brian2 RandomGenerator.rand (a*2^26 + b)/2^53: *, +, * by exact reciprocal"),
    "randn": _fixed(19, "Brian2 RandomGenerator.randn, polar Box-Muller: about 38 per pair of deviates"),
    "poisson": OpCost(basis="Brian2 _poisson_mult for literal lam < 10; otherwise unknown", handler=_poisson_cost),
    "binomial": OpCost(
        basis="Brian2 BinomialFunction: normal approximation 21, else inversion 4 + 12 n min(p, 1-p)",
        handler=_binomial_cost,
    ),
}

_BINOP_NAMES = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.Pow: "**",
}
_COMPARE_NAMES = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!="}
_UNARY_NAMES = {ast.USub: "neg", ast.UAdd: "pos", ast.Not: "not"}
_AUGMENTED_OPERATORS = {"+=": "+", "-=": "-", "*=": "*", "/=": "/", "**=": "**", "%=": "%", "//=": "//"}


# ----------------------------------------------------------------------------------------------------------
# Counting expressions
# ----------------------------------------------------------------------------------------------------------


@dataclass
class _Tally:
    """Operation counts and FLOPs of some code, and the operations that could not be costed."""

    flops: float = 0.0
    counts: Counter = field(default_factory=Counter)
    op_flops: Counter = field(default_factory=Counter)
    unknown: List[Tuple[str, str]] = field(default_factory=list)  # (operation, reason)

    def add(self, name: str, flops: float, times: float = 1.0) -> None:
        self.flops += flops * times
        self.counts[name] += times
        self.op_flops[name] += flops * times

    def merge(self, other: "_Tally") -> None:
        self.flops += other.flops
        self.counts.update(other.counts)
        self.op_flops.update(other.op_flops)
        self.unknown.extend(other.unknown)


def _is_folded(node: ast.AST) -> bool:
    """True for sub-expressions of literals only, which the compiler evaluates."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.UnaryOp):
        return _is_folded(node.operand)
    if isinstance(node, ast.BinOp):
        return _is_folded(node.left) and _is_folded(node.right)
    return False


def _call_name(node: ast.Call, context: _ExprContext) -> str:
    name = node.func.id if isinstance(node.func, ast.Name) else ast.dump(node.func)
    if isinstance(context.variables.get(name), BinomialFunction):
        return "binomial"
    return name


class _Counter:
    """Walks expression trees, charging each operation node its weight from the table.

    With ``cse=True`` a side-effect-free sub-expression already evaluated in the same block (with the same
    versions of the variables it reads) is charged nothing the second time.
    """

    def __init__(self, context: _ExprContext, costs: Mapping[str, OpCost], cse: bool):
        self.context = context
        self.costs = costs
        self.cse = cse
        self.versions: Counter = Counter()
        self.seen: set = set()

    def parse(self, expr: str) -> ast.AST:
        try:
            # brian_ast adds each node's dtype and whether it is free of side effects
            return brian_ast(expr, self.context.variables)
        except Exception:  # noqa: BLE001 -- unknown functions or syntax: fall back to the plain tree
            return ast.parse(expr, mode="eval").body

    def key(self, node: ast.AST) -> Optional[tuple]:
        """A key equal for two sub-expressions that must have the same value, None if it has side effects."""
        if isinstance(node, ast.Name):
            return ("name", node.id, self.versions[node.id])
        if isinstance(node, ast.Constant):
            return ("const", repr(node.value))
        if isinstance(node, ast.Call):
            if not getattr(node, "stateless", False):
                return None
            children = [self.key(arg) for arg in node.args]
            return None if None in children else ("call", _call_name(node, self.context), *children)
        operators = (ast.operator, ast.cmpop, ast.boolop, ast.unaryop)
        parts = list(ast.iter_child_nodes(node))
        ops = tuple(type(part).__name__ for part in parts if isinstance(part, operators))
        operands = [self.key(part) for part in parts if not isinstance(part, operators)]
        return None if None in operands else (type(node).__name__, ops, *operands)

    def charge(self, name: str, node: ast.AST, tally: _Tally, times: float = 1.0) -> None:
        cost = self.costs.get(name)
        if cost is None:
            tally.unknown.append((name, "no entry in the operation table"))
            return
        flops, reason = cost.cost(node, self.context)
        if flops is None:
            tally.unknown.append((name, reason))
            return
        tally.add(name, flops, times)

    def visit(self, node: ast.AST, tally: _Tally, seen: Optional[set]) -> None:
        if _is_folded(node):
            return
        if seen is not None:
            key = self.key(node)
            if key is not None and not isinstance(node, (ast.Name, ast.Constant)):
                if key in seen:
                    return
                seen.add(key)
        if isinstance(node, ast.BinOp):
            self.charge(_BINOP_NAMES.get(type(node.op), type(node.op).__name__), node, tally)
            self.visit(node.left, tally, seen)
            self.visit(node.right, tally, seen)
        elif isinstance(node, ast.UnaryOp):
            self.charge(_UNARY_NAMES.get(type(node.op), type(node.op).__name__), node, tally)
            self.visit(node.operand, tally, seen)
        elif isinstance(node, ast.BoolOp):
            name = "and" if isinstance(node.op, ast.And) else "or"
            self.charge(name, node, tally, times=len(node.values) - 1)
            for value in node.values:
                self.visit(value, tally, seen)
        elif isinstance(node, ast.Compare):
            for op in node.ops:
                self.charge(_COMPARE_NAMES.get(type(op), type(op).__name__), node, tally)
            self.visit(node.left, tally, seen)
            for comparator in node.comparators:
                self.visit(comparator, tally, seen)
        elif isinstance(node, ast.Call):
            self.charge(_call_name(node, self.context), node, tally)
            for arg in node.args:
                self.visit(arg, tally, seen)
        elif isinstance(node, (ast.Name, ast.Constant)):
            return
        else:
            tally.unknown.append((f"syntax:{type(node).__name__}", "expression syntax with no table entry"))
            for child in ast.iter_child_nodes(node):
                self.visit(child, tally, seen)

    def expression(self, expr: str) -> Tuple[_Tally, set]:
        """Cost of one expression given what this block has already evaluated; returns the new keys too."""
        tally = _Tally()
        new_seen = set(self.seen) if self.cse else None
        self.visit(self.parse(expr), tally, new_seen)
        return tally, (new_seen if new_seen is not None else set())

    def statement(self, statement) -> _Tally:
        """Cost of one Brian2 Statement, as the C++ generator emits it."""
        branches = getattr(statement, "boolean_simplified_expressions", None)
        used_booleans = getattr(statement, "used_boolean_variables", None)
        if used_booleans and branches:
            # C++ emits if/else over the simplified branches: charge the most expensive one
            tally, seen = max((self.expression(expr) for expr in branches.values()), key=lambda ts: ts[0].flops)
        else:
            tally, seen = self.expression(statement.expr)
        if statement.op in _AUGMENTED_OPERATORS:
            operator = _AUGMENTED_OPERATORS[statement.op]
            node = ast.parse(f"{statement.var} {operator} ({statement.expr})", mode="eval").body
            self.charge(operator, node, tally)
        if self.cse:
            self.seen = seen
        # a write makes every later occurrence of this variable a new value
        self.versions[statement.var] += 1
        return tally


def count_expression(
    expr: str,
    variables: Optional[Mapping[str, Any]] = None,
    extra_costs: Optional[Mapping[str, float]] = None,
) -> Tuple[float, Dict[str, float], List[str]]:
    """Count one expression with the operation table (no loop-invariant optimisation is applied).

    Parameters
    ----------
    expr : str
        A Brian2 expression, e.g. ``"v*exp(-dt/tau)"``.
    variables : mapping, optional
        Brian2 ``Variable``/``Function`` objects by name; functions default to Brian2's DEFAULT_FUNCTIONS.
    extra_costs : mapping, optional
        FLOPs of further operations (e.g. user-defined functions) by name.

    Returns
    -------
    flops : float
    ops : dict
        Operation name -> number of occurrences.
    unknown : list of str
        Operations that could not be costed.
    """
    context = _ExprContext(variables=dict(DEFAULT_FUNCTIONS, **(variables or {})))
    counter = _Counter(context, _cost_table(extra_costs), cse=False)
    tally, _ = counter.expression(expr)
    return tally.flops, dict(tally.counts), [name for name, _ in tally.unknown]


def _cost_table(extra_costs: Optional[Mapping[str, float]]) -> Dict[str, OpCost]:
    table = dict(OPERATION_COSTS)
    for name, flops in (extra_costs or {}).items():
        table[name] = _fixed(flops, "given by the caller")
    return table


# ----------------------------------------------------------------------------------------------------------
# Profiles of networks
# ----------------------------------------------------------------------------------------------------------


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

    def to_dict(self) -> Dict[str, Any]:
        return _json_safe(asdict(self))


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
        return _json_safe(asdict(self))


@dataclass(frozen=True)
class SkippedObject:
    """A network object whose code is deliberately not counted, and why."""

    name: str
    kind: str
    reason: str

    def to_dict(self) -> Dict[str, Any]:
        return _json_safe(asdict(self))


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
        Brian2's preference when counted (if off, nothing is hoisted).
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


def _name_of(obj) -> str:
    return str(getattr(obj, "name", type(obj).__name__))


def _population_of(group) -> Tuple[str, int]:
    """The whole group a (sub)group was cut from: activity records count whole populations."""
    base = group.source if isinstance(group, Subgroup) else group
    return _name_of(base), int(len(base))


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
class _StatementCost:
    var: str
    op: str
    text: str
    reads: set
    temporary: bool
    tally: _Tally
    tally_cse: _Tally
    category: str = ""


@dataclass
class _RunnerCount:
    runner: Any
    role: str
    element: str
    default_category: str
    group: Any
    statements: List[_StatementCost]
    hoisted: float
    variables: Mapping[str, Any]
    indices: Mapping[str, str]


def _blocks(code) -> Dict[Optional[str], str]:
    """Abstract code as Brian2's create_runner_codeobj sees it: block name -> code."""
    return dict(code) if isinstance(code, dict) else {None: code or ""}


def _identifiers(expr: str) -> set:
    try:
        return {node.id for node in ast.walk(ast.parse(expr, mode="eval")) if isinstance(node, ast.Name)}
    except SyntaxError:
        return set()


def _augment_variables(variables: Mapping[str, Any], statements: Sequence) -> Dict[str, Any]:
    """Code-object variables plus the temporaries and loop invariants make_statements introduced.

    brian_ast needs their types (to know e.g. that ``int(_cond)`` converts a boolean).
    """
    augmented = dict(variables)
    for statement in statements:
        if statement.var not in augmented:
            augmented[statement.var] = AuxiliaryVariable(
                statement.var, dtype=statement.dtype, scalar=bool(statement.scalar)
            )
    return augmented


def _count_runner(runner, classified, costs, binomial_params) -> _RunnerCount:
    role, element, category, group = classified
    codeobj = runner.codeobj
    blocks = _blocks(runner.abstract_code)
    dtype = prefs["core.default_float_dtype"]
    statements: List[_StatementCost] = []
    hoisted = 0.0
    for block, block_code in blocks.items():
        if not block_code or not block_code.strip():
            continue
        # The same call Brian2's code generators make (CodeGenerator.translate), so the split into scalar and
        # vector statements, and the hoisting, are Brian2's own.
        scalar, vector = make_statements(block_code, codeobj.variables, dtype, optimise=True, blockname=block)
        variables = _augment_variables(codeobj.variables, list(scalar) + list(vector))
        context = _ExprContext(variables=variables, binomial_params=binomial_params)
        scalar_counter = _Counter(context, costs, cse=False)
        for statement in scalar:
            hoisted += scalar_counter.statement(statement).flops
        written = _Counter(context, costs, cse=False)
        deduplicated = _Counter(context, costs, cse=True)
        for statement in vector:
            text = f"{statement.var} {statement.op} {statement.expr}"
            reads = _identifiers(statement.expr)
            if statement.op not in ("=", ":="):
                reads.add(statement.var)
            statements.append(
                _StatementCost(
                    var=statement.var,
                    op=statement.op,
                    text=text,
                    reads=reads,
                    temporary=statement.op == ":=" or bool(getattr(statement, "subexpression", False)),
                    tally=written.statement(statement),
                    tally_cse=deduplicated.statement(statement),
                )
            )
    if getattr(codeobj, "template_name", "") == "summed_variable":
        # the template accumulates each synapse's value into its target: one add per synapse
        accumulate = _Tally()
        accumulate.add("+", costs["+"].flops if costs["+"].flops is not None else 1.0)
        statements.append(
            _StatementCost(
                var="_target_var",
                op="+=",
                text="(template) _target_var[_postsynaptic_idx] += _synaptic_var",
                reads={"_synaptic_var"},
                temporary=False,
                tally=accumulate,
                tally_cse=accumulate,
            )
        )
    return _RunnerCount(
        runner=runner,
        role=role,
        element=element,
        default_category=category,
        group=group,
        statements=statements,
        hoisted=hoisted,
        variables=codeobj.variables,
        indices=codeobj.variable_indices,
    )


def _writes_neuron_variable(count: _RunnerCount, var: str) -> bool:
    """True when Synapses code writes a pre- or postsynaptic neuron's variable."""
    variable = count.variables.get(var)
    index = count.indices.get(var, "_idx") if hasattr(count.indices, "get") else "_idx"
    return isinstance(variable, ArrayVariable) and index not in ("_idx", "0")


def _expanded_reads(statement: _StatementCost, statements: Sequence[_StatementCost]) -> set:
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


def _transmission_variables(counts: Sequence[_RunnerCount]) -> Dict[str, set]:
    """Per Synapses: synaptic variables carrying the transmitted signal (see the module docstring).

    Those written by the Synapses' state updater and read by a summed variable, plus the state they are
    integrated from (``dg/dt = (x - g)/tau`` makes ``x`` transmission state too).
    """
    by_owner: Dict[str, List[_RunnerCount]] = {}
    for count in counts:
        if isinstance(count.group, Synapses):
            by_owner.setdefault(_name_of(count.group), []).append(count)
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


def _assign_categories(count: _RunnerCount, transmission: Mapping[str, set]) -> None:
    """Class each statement of a code object (see the module docstring)."""
    if not isinstance(count.group, Synapses) or count.role == "summed_variable":
        for s in count.statements:
            s.category = count.default_category
        return
    carried = transmission.get(_name_of(count.group), set())
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


def _rows_of(count: _RunnerCount) -> Tuple[List[CodeObjectCost], List[UnknownOperation]]:
    runner = count.runner
    owner = _name_of(runner) if isinstance(runner, PoissonInput) else _name_of(count.group)
    population, population_size = _population_of(count.group)
    rows: List[CodeObjectCost] = []
    unknown: List[UnknownOperation] = []
    categories = [c for c in CATEGORIES if any(s.category == c for s in count.statements)]
    if not categories:
        categories = [count.default_category]
    for position, category in enumerate(categories):
        chosen = [s for s in count.statements if s.category == category]
        tally, tally_cse = _Tally(), _Tally()
        for s in chosen:
            tally.merge(s.tally)
            tally_cse.merge(s.tally_cse)
            for operation, reason in s.tally.unknown:
                unknown.append(
                    UnknownOperation(
                        operation=operation,
                        reason=reason,
                        owner=owner,
                        runner=_name_of(runner),
                        category=category,
                        element=count.element,
                        statement=s.text,
                        occurrences_per_element=1.0,
                    )
                )
        rows.append(
            CodeObjectCost(
                owner=owner,
                runner=_name_of(runner),
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
                group=_name_of(count.group),
                group_size=int(len(count.group)),
                population=population,
                population_size=population_size,
                step_ratio=_step_ratio(runner, count.group),
            )
        )
    return rows, unknown


def count_network(net: brian2.Network, extra_costs: Optional[Mapping[str, float]] = None) -> FlopProfile:
    """Per-element FLOPs of every code object Brian2 generated for a network.

    Parameters
    ----------
    net : brian2.Network
        A network that has been run (runtime or standalone), so that its code objects exist.
    extra_costs : mapping, optional
        FLOPs of operations missing from :data:`OPERATION_COSTS` (e.g. user-defined functions), by name.

    Returns
    -------
    FlopProfile

    Raises
    ------
    UsageError
        If no code object has been generated yet (the network was not run).
    """
    costs = _cost_table(extra_costs)
    objects = list(_walk_objects(net.objects))
    binomial_params: Dict[str, Tuple[int, float]] = {}
    for obj in objects:
        if isinstance(obj, PoissonInput):
            # n and p of the binomial draw, as PoissonInput builds it (N, rate * target dt)
            try:
                p = float(obj.rate * obj.clock.dt)
            except Exception:  # noqa: BLE001 -- unreadable dt: the draw is then reported as unknown
                continue
            for name, variable in obj.variables.items():
                if isinstance(variable, BinomialFunction):
                    binomial_params[name] = (int(obj.N), p)
    counts: List[_RunnerCount] = []
    skipped: List[SkippedObject] = []
    monitors = (SpikeMonitor, StateMonitor, PopulationRateMonitor, EventMonitor)
    runners, runners_with_code = 0, 0
    for obj in sorted(objects, key=_name_of):
        if isinstance(obj, monitors):
            skipped.append(SkippedObject(_name_of(obj), RECORDING, "monitor: recording, not simulation work"))
            continue
        if isinstance(obj, brian2.NetworkOperation):
            skipped.append(SkippedObject(_name_of(obj), "python", "NetworkOperation runs Python, not Brian2 code"))
            continue
        if not isinstance(obj, CodeRunner):
            continue
        runners += 1
        if getattr(obj, "codeobj", None) is None:
            # a state updater with nothing to integrate, or an inactive object, generates no code
            skipped.append(SkippedObject(_name_of(obj), "no_code", "no code object was generated for it"))
            continue
        runners_with_code += 1
        classified = _classify(obj)
        if classified is None:
            skipped.append(
                SkippedObject(
                    _name_of(obj),
                    UNCLASSIFIED,
                    f"{type(obj).__name__} with template {getattr(obj.codeobj, 'template_name', '?')!r}: "
                    "no element kind known, not counted",
                )
            )
            continue
        counts.append(_count_runner(obj, classified, costs, binomial_params))
    if runners and not runners_with_code:
        raise UsageError("count_network needs the code Brian2 generates when it runs: call net.run(...) first")
    transmission = _transmission_variables(counts)
    rows: List[CodeObjectCost] = []
    unknown: List[UnknownOperation] = []
    for count in counts:
        _assign_categories(count, transmission)
        count_rows, count_unknown = _rows_of(count)
        rows.extend(count_rows)
        unknown.extend(count_unknown)
    return FlopProfile(
        rows=rows,
        unknown=_merge_unknown(unknown),
        skipped=skipped,
        weights={name: cost.describe() for name, cost in sorted(costs.items())},
        brian2_version=str(brian2.__version__),
        loop_invariant_optimisations=bool(prefs["codegen.loop_invariant_optimisations"]),
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


# ----------------------------------------------------------------------------------------------------------
# Reports of runs
# ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FlopRow:
    """One code object's part in a run: its per-element cost times how often it ran.

    ``element_count`` is None (and the row is left out of every total) when the activity record has no
    count for it; such rows are listed in :attr:`FlopReport.missing_counts`.
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

    def to_dict(self) -> Dict[str, Any]:
        return _json_safe(asdict(self))


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
        return _json_safe(data)


def _element_counts(row: CodeObjectCost, counts: Mapping[str, Any]) -> Tuple[Optional[float], Optional[float]]:
    """(event-driven count, dense count) of a row's elements, from the run's activity record."""
    populations = counts.get("populations", {})
    projections = counts.get("projections", {})
    n_steps = counts.get("n_steps")
    ratio = row.step_ratio
    if row.element in (NEURON_STEP, SPIKE, INPUT_NEURON_STEP):
        record = populations.get(row.population)
        if record is None:
            return None, None
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
                                row.flops_per_element, row.flops_per_element_cse, None, None, None, None, None))
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


# ----------------------------------------------------------------------------------------------------------
# Izhikevich (2004) reference figures
# ----------------------------------------------------------------------------------------------------------

IZHIKEVICH_TABLE = "izhikevich2004_flops.csv"

_MODEL_ALIASES = {
    "if": "integrate_and_fire",
    "iaf": "integrate_and_fire",
    "lif": "integrate_and_fire",
    "leaky_integrate_and_fire": "integrate_and_fire",
    "ifb": "integrate_and_fire_or_burst",
    "qif": "quadratic_integrate_and_fire",
    "izh": "izhikevich",
    "fhn": "fitzhugh_nagumo",
    "hr": "hindmarsh_rose",
    "ml": "morris_lecar",
    "hh": "hodgkin_huxley",
}


@dataclass(frozen=True)
class IzhikevichReference:
    """Izhikevich's (2004, Fig. 2) FLOPs to simulate 1 ms of one neuron of a model type."""

    model_type: str
    model_name: str
    flops_per_ms: float
    source: str

    def to_dict(self) -> Dict[str, Any]:
        return _json_safe(asdict(self))


def _slug(text: str) -> str:
    words = re.sub(r"[^a-z0-9]+", " ", text.lower().replace("&", " and ")).split()
    slug = "_".join(words)
    # "I&F" is the figure's own abbreviation of integrate-and-fire
    return re.sub(r"^i_and_f(?=_|$)", "integrate_and_fire", slug)


def izhikevich_reference(model_type: str) -> IzhikevichReference:
    """Izhikevich's (2004, IEEE TNN 15:1063, Fig. 2) per-millisecond FLOPs for a neuron model type.

    A reference for scale, not a target: his counts assume his own integration scheme and time step.

    Parameters
    ----------
    model_type : str
        A model type of the figure, e.g. ``"hodgkin_huxley"``, ``"Hodgkin-Huxley"``, ``"hh"``,
        ``"integrate-and-fire"``, ``"I&F with adaptation"``.

    Raises
    ------
    UsageError
        If the model type is not one of the figure's.
    """
    table = read_table(IZHIKEVICH_TABLE)
    wanted = _slug(model_type)
    wanted = _MODEL_ALIASES.get(wanted, wanted)
    for row in table.rows:
        if wanted in (row["model_type"], _slug(row["model_name"])):
            return IzhikevichReference(
                model_type=row["model_type"],
                model_name=row["model_name"],
                flops_per_ms=float(row["flops_per_ms"]),
                source=table.source,
            )
    known = ", ".join(row["model_type"] for row in table.rows)
    raise UsageError(f"no Izhikevich (2004) figure for model type {model_type!r}; use one of: {known}")


# ----------------------------------------------------------------------------------------------------------


def _json_safe(value: Any) -> Any:
    """Plain dicts, lists, str, int, float, bool and None, for JSON and HDF5 attributes."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_json_safe(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    try:  # numpy scalars
        item = value.item()
        if isinstance(item, (int, float, bool)):
            return item
    except AttributeError:
        pass
    return str(value)
