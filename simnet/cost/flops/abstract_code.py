"""Counting Brian2 code with the operation table: expressions, statements, one code object's abstract code.

Counting rule
-------------
* The expression strings are parsed with Python's :mod:`ast` (via Brian2's ``brian_ast``, which adds data
  types) and every operator node is looked up in the operation table (:mod:`simnet.cost.flops.ops`, which
  states each weight and its basis). They are *not* re-canonicalised with sympy: sympy would expand or collect
  the expressions and change the operation count; the strings parsed are the ones Brian2 hands to its code
  generators (after its loop-invariant optimisation: :func:`count_code_object` makes the same
  :func:`~brian2.codegen.translation.make_statements` call the code generators make).
* An operation missing from the table, or one whose cost cannot be known before running (``poisson(lam)`` with
  a non-literal ``lam``, a user-defined function), is counted as zero *and* listed as unknown with the
  statement it occurs in, as fvcore does for unsupported operators.
* Sub-expressions made only of literals (``(-4.0)``, ``2*3``) are free: a compiler folds them.
* An augmented assignment ``v += w`` counts its operator once; plain assignments and copies are free.
* Statements that Brian2's optimiser split on boolean variables (e.g. ``int(not_refractory)`` terms, threshold
  ``... and not_refractory``) are counted as the C++ generator emits them -- an ``if/else`` over the simplified
  branches -- taking the most expensive branch (the non-refractory one in practice). The branch test is a
  boolean, not floating-point, operation and is not counted.
* Template work outside the abstract code is added where the template does floating-point work per element:
  the summed-variable template's accumulation ``target[post] += _synaptic_var`` (one ``+`` per synapse).
* Alongside the count as written, a lower bound (``flops_per_element_cse`` in a profile) counts each distinct
  side-effect-free sub-expression once per element within a code block (what an optimising compiler's
  common-subexpression elimination can reach; Brian2 compiles with ``-O3 -ffast-math``). A sub-expression is
  the same only if none of the variables it reads was written in between; calls to ``rand()``/``randn()`` and
  other stateful functions are never merged.
* Work Brian2 hoists out of the element loop (the scalar statements, e.g. ``exp(-dt/tau)``) is counted apart,
  once per execution of the code object, never per element.
"""
from __future__ import annotations

import ast
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

from brian2.codegen.translation import make_statements
from brian2.core.functions import DEFAULT_FUNCTIONS
from brian2.core.preferences import prefs
from brian2.core.variables import AuxiliaryVariable
from brian2.input.binomial import BinomialFunction
from brian2.parsing.bast import brian_ast

from simnet.cost.flops.ops import (
    AUGMENTED_OPERATORS,
    BINOP_NAMES,
    COMPARE_NAMES,
    UNARY_NAMES,
    Handler,
    OpContext,
    cost_table,
)

__all__ = ["ExtraCosts", "Tally", "StatementCost", "CodeCount", "count_expression", "count_code_object"]

#: What a caller may add to or override in the operation table (see :func:`simnet.cost.flops.ops.cost_table`).
ExtraCosts = Optional[Mapping[str, Union[float, Handler]]]


@dataclass
class Tally:
    """Operation counts and FLOPs of some code, and the operations that could not be costed."""

    flops: float = 0.0
    counts: Counter = field(default_factory=Counter)
    op_flops: Counter = field(default_factory=Counter)
    unknown: List[Tuple[str, str]] = field(default_factory=list)  # (operation, reason)

    def add(self, name: str, flops: float, times: float = 1.0) -> None:
        self.flops += flops * times
        self.counts[name] += times
        self.op_flops[name] += flops * times

    def merge(self, other: "Tally") -> None:
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


def _call_name(node: ast.Call, context: OpContext) -> str:
    name = node.func.id if isinstance(node.func, ast.Name) else ast.dump(node.func)
    if isinstance(context.variables.get(name), BinomialFunction):
        return "binomial"
    return name


class _Counter:
    """Walks expression trees, charging each operation node its weight from the table.

    With ``cse=True`` a side-effect-free sub-expression already evaluated in the same block (with the same
    versions of the variables it reads) is charged nothing the second time.
    """

    def __init__(self, context: OpContext, costs: Mapping[str, Handler], cse: bool):
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

    def charge(self, name: str, node: ast.AST, tally: Tally, times: float = 1.0) -> None:
        handler = self.costs.get(name)
        if handler is None:
            tally.unknown.append((name, "no entry in the operation table"))
            return
        flops, reason = handler(node, self.context)
        if flops is None:
            tally.unknown.append((name, reason))
            return
        tally.add(name, flops, times)

    def visit(self, node: ast.AST, tally: Tally, seen: Optional[set]) -> None:
        if _is_folded(node):
            return
        if seen is not None:
            key = self.key(node)
            if key is not None and not isinstance(node, (ast.Name, ast.Constant)):
                if key in seen:
                    return
                seen.add(key)
        if isinstance(node, ast.BinOp):
            self.charge(BINOP_NAMES.get(type(node.op), type(node.op).__name__), node, tally)
            self.visit(node.left, tally, seen)
            self.visit(node.right, tally, seen)
        elif isinstance(node, ast.UnaryOp):
            self.charge(UNARY_NAMES.get(type(node.op), type(node.op).__name__), node, tally)
            self.visit(node.operand, tally, seen)
        elif isinstance(node, ast.BoolOp):
            name = "and" if isinstance(node.op, ast.And) else "or"
            self.charge(name, node, tally, times=len(node.values) - 1)
            for value in node.values:
                self.visit(value, tally, seen)
        elif isinstance(node, ast.Compare):
            for op in node.ops:
                self.charge(COMPARE_NAMES.get(type(op), type(op).__name__), node, tally)
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

    def expression(self, expr: str) -> Tuple[Tally, set]:
        """Cost of one expression given what this block has already evaluated; returns the new keys too."""
        tally = Tally()
        new_seen = set(self.seen) if self.cse else None
        self.visit(self.parse(expr), tally, new_seen)
        return tally, (new_seen if new_seen is not None else set())

    def statement(self, statement) -> Tally:
        """Cost of one Brian2 Statement, as the C++ generator emits it."""
        branches = getattr(statement, "boolean_simplified_expressions", None)
        used_booleans = getattr(statement, "used_boolean_variables", None)
        if used_booleans and branches:
            # C++ emits if/else over the simplified branches: charge the most expensive one
            tally, seen = max((self.expression(expr) for expr in branches.values()), key=lambda ts: ts[0].flops)
        else:
            tally, seen = self.expression(statement.expr)
        if statement.op in AUGMENTED_OPERATORS:
            operator = AUGMENTED_OPERATORS[statement.op]
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
    extra_costs: ExtraCosts = None,
) -> Tuple[float, Dict[str, float], List[str]]:
    """Count one expression with the operation table (no loop-invariant optimisation is applied).

    Parameters
    ----------
    expr : str
        A Brian2 expression, e.g. ``"v*exp(-dt/tau)"``.
    variables : mapping, optional
        Brian2 ``Variable``/``Function`` objects by name; functions default to Brian2's DEFAULT_FUNCTIONS.
    extra_costs : mapping, optional
        Operation name -> fixed FLOPs or a handler, added to or replacing the table's entries (e.g. for
        user-defined functions); see :mod:`simnet.cost.flops.ops`.

    Returns
    -------
    flops : float
    ops : dict
        Operation name -> number of occurrences.
    unknown : list of str
        Operations that could not be costed.
    """
    context = OpContext(variables=dict(DEFAULT_FUNCTIONS, **(variables or {})))
    counter = _Counter(context, cost_table(extra_costs), cse=False)
    tally, _ = counter.expression(expr)
    return tally.flops, dict(tally.counts), [name for name, _ in tally.unknown]


@dataclass
class StatementCost:
    """One vector statement of a code object and its cost per element; ``category`` is set by the walker."""

    var: str
    op: str
    text: str
    reads: set
    temporary: bool
    tally: Tally
    tally_cse: Tally
    category: str = ""


@dataclass
class CodeCount:
    """The counted code of one code object: its vector statements and its hoisted (per-call) FLOPs."""

    statements: List[StatementCost]
    hoisted: float


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


# Brian2 memoises make_statements on its arguments, not on codegen.loop_invariant_optimisations, which decides the
# hoisting: a result memoised while a device had the optimisation off (Brian2GeNN) would be returned whatever the
# preference says when counting. The count calls the function itself.
_make_statements = getattr(make_statements, "__wrapped__", make_statements)


@contextmanager
def _preference(name: str, value) -> Iterator[None]:
    """Brian2's preference ``name`` set to ``value`` for the duration (make_statements reads it)."""
    before = prefs[name]
    prefs[name] = value
    try:
        yield
    finally:
        prefs[name] = before


def count_code_object(
    codeobj, abstract_code, costs: Mapping[str, Handler], binomial_params: Mapping[str, Tuple],
    loop_invariant_optimisations: bool = True,
) -> CodeCount:
    """Count the abstract code of one code object (a CodeRunner's ``codeobj`` and ``abstract_code``).

    Parameters
    ----------
    codeobj : brian2.CodeObject
        Gives the variables, their types and the template.
    abstract_code : str or dict
        The runner's abstract code (a dict for code with several blocks).
    costs : mapping
        The operation table (:func:`simnet.cost.flops.ops.cost_table`).
    binomial_params : mapping
        Brian2 name of a BinomialFunction -> (n, p).
    loop_invariant_optimisations : bool
        Let Brian2 hoist work that depends on constants only out of the element loop, as its C++ and Cython code
        generators do by default; off, every statement is counted per element, as Brian2GeNN generates it.
    """
    dtype = prefs["core.default_float_dtype"]
    statements: List[StatementCost] = []
    hoisted = 0.0
    for block, block_code in _blocks(abstract_code).items():
        if not block_code or not block_code.strip():
            continue
        # The same call Brian2's code generators make (CodeGenerator.translate), so the split into scalar and
        # vector statements, and the hoisting, are Brian2's own.
        with _preference("codegen.loop_invariant_optimisations", loop_invariant_optimisations):
            scalar, vector = _make_statements(block_code, codeobj.variables, dtype, optimise=True, blockname=block)
        variables = _augment_variables(codeobj.variables, list(scalar) + list(vector))
        context = OpContext(variables=variables, binomial_params=binomial_params)
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
                StatementCost(
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
        accumulate = Tally()
        context = OpContext(variables=codeobj.variables, binomial_params=binomial_params)
        node = ast.parse("_target_var + _synaptic_var", mode="eval").body
        _Counter(context, costs, cse=False).charge("+", node, accumulate)
        statements.append(
            StatementCost(
                var="_target_var",
                op="+=",
                text="(template) _target_var[_postsynaptic_idx] += _synaptic_var",
                reads={"_synaptic_var"},
                temporary=False,
                tally=accumulate,
                tally_cse=accumulate,
            )
        )
    return CodeCount(statements=statements, hoisted=hoisted)
