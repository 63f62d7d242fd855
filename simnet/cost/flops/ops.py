"""The operation table: operation name -> handler, each weight with its basis.

Every handler has one signature, ``handler(node, context) -> (flops or None, basis)``: ``node`` is the
:mod:`ast` node of one occurrence of the operation (its operands are counted separately, by the caller),
``context`` an :class:`OpContext`. It returns the FLOPs of that occurrence and the basis of the figure, or None
and the reason the cost cannot be known before running; the counter then lists the operation as unknown, never
as zero (fvcore's rule for operators it has no handler for).

Overriding or adding operations
-------------------------------
:func:`cost_table` is the table a count uses: :data:`OPERATION_COSTS` with the caller's ``extra_costs`` laid
over it. Each extra entry is either a number (a fixed FLOP count, basis "given by the caller") or a handler of
the signature above, e.g. for a user-defined Brian2 function whose cost depends on its arguments::

    def my_cost(node, context):
        return (4.0, "my_function: one division") if len(node.args) == 1 else (None, "unexpected arguments")

    count_network(net, extra_costs={"my_function": my_cost, "exp": 20})

An :class:`OpCost` (a handler with its basis and, for a fixed weight, the weight) is described by them in
:attr:`FlopProfile.weights`; a plain function by its name. :func:`literal_value` reads a literal argument.

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
                              compare 1 + 12 per iteration, n min(p, 1-p) expected iterations; simnet's
                              tabulated inversion (``simnet.simulation.poisson_table``, T table entries): rand 3 + T compares
and, or, not           0      boolean, not floating-point
=====================  =====  ==============================================================================
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Mapping, Optional, Tuple, Union

__all__ = [
    "OpContext",
    "Handler",
    "OpCost",
    "OPERATION_COSTS",
    "BINOP_NAMES",
    "COMPARE_NAMES",
    "UNARY_NAMES",
    "AUGMENTED_OPERATORS",
    "cost_table",
    "describe",
    "literal_value",
]


@dataclass
class OpContext:
    """What a handler may need to know about the code an expression comes from."""

    #: Brian2 ``Variable``/``Function`` objects of the code object, by name.
    variables: Mapping[str, Any]
    #: Brian2 name of a BinomialFunction -> (n, p), known for the ones PoissonInput creates, and the number of
    #: entries of its table when simnet tabulated it (``simnet.simulation.poisson_table``; absent otherwise).
    binomial_params: Mapping[str, Tuple] = field(default_factory=dict)


#: ``handler(node, context) -> (flops or None, basis)``: the FLOPs of one occurrence of an operation (its
#: operands are counted separately), or None and the reason when the cost cannot be known before running.
Handler = Callable[[ast.AST, OpContext], Tuple[Optional[float], str]]


@dataclass(frozen=True)
class OpCost:
    """A handler with its basis: a fixed weight, or a rule for a weight that depends on the node.

    Attributes
    ----------
    basis : str
        Where the weight comes from (a citation or the implementation it was derived from).
    flops : float, optional
        The fixed weight; None when ``rule`` decides.
    rule : callable, optional
        A :data:`Handler` for a weight that depends on the node.
    """

    basis: str
    flops: Optional[float] = None
    rule: Optional[Handler] = None

    def __call__(self, node: ast.AST, context: OpContext) -> Tuple[Optional[float], str]:
        if self.rule is None:
            return self.flops, self.basis
        return self.rule(node, context)

    def describe(self) -> str:
        """The weight as text, for reports."""
        weight = "depends on operands" if self.flops is None else f"{self.flops:g}"
        return f"{weight} ({self.basis})"


def describe(handler: Handler) -> str:
    """A table entry's weight as text, for :attr:`FlopProfile.weights`."""
    if isinstance(handler, OpCost):
        return handler.describe()
    name = getattr(handler, "__qualname__", None) or type(handler).__name__
    return f"depends on operands (given by the caller: {name})"


def _fixed(flops: float, basis: str) -> OpCost:
    return OpCost(basis=basis, flops=float(flops))


def _depends(basis: str, rule: Handler) -> OpCost:
    return OpCost(basis=basis, rule=rule)


_DONGARRA = "Dongarra SC97 'Terms': + or * 1, sqrt or / 4, log 8, compare 1"
_ELEMENTARY = "elementary function, 8 as log in Dongarra SC97 (McMahon 1986 / Hennessy & Patterson: exp, sin 8)"
_BOOLEAN = "boolean operation, not floating-point"


def literal_value(node: ast.AST) -> Optional[float]:
    """The value of a literal number, including a negated one (``(-2)`` parses as a unary minus)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(
        node.value, bool
    ):
        return float(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        inner = literal_value(node.operand)
        if inner is not None:
            return -inner if isinstance(node.op, ast.USub) else inner
    return None


_POW_BASIS = "integer literal k: binary-powering multiplications (+4 if k<0); otherwise pow = 8 like exp"


def _pow_cost(node: ast.AST, context: OpContext) -> Tuple[Optional[float], str]:
    exponent = literal_value(node.right) if isinstance(node, ast.BinOp) else None
    if exponent is not None and exponent == int(exponent) and abs(exponent) <= 2**31:
        k = abs(int(exponent))
        # binary powering: one squaring per bit below the top bit, one multiply per further set bit
        multiplications = 0 if k <= 1 else (k.bit_length() - 1) + (bin(k).count("1") - 1)
        return float(multiplications + (4 if exponent < 0 else 0)), _POW_BASIS
    return 8.0, _POW_BASIS


_INT_BASIS = "float-to-int conversion 1; free for a boolean or integer argument"


def _int_cost(node: ast.AST, context: OpContext) -> Tuple[Optional[float], str]:
    args = getattr(node, "args", [])
    # brian_ast annotates the argument's type; a bool or int argument needs no floating-point conversion
    if args and getattr(args[0], "dtype", "float") in ("boolean", "integer"):
        return 0.0, _INT_BASIS
    return 1.0, _INT_BASIS


_POISSON_BASIS = "Brian2 _poisson_mult for literal lam < 10; otherwise unknown"


def _poisson_cost(node: ast.AST, context: OpContext) -> Tuple[Optional[float], str]:
    args = getattr(node, "args", [])
    lam = literal_value(args[0]) if args else None
    if lam is None:
        return None, "poisson(lam): cost grows with lam, which is only known at run time"
    if lam == 0:
        return 1.0, _POISSON_BASIS
    if lam < 10:
        # Brian2's _poisson_mult: exp(-lam) once, then (lam + 1) expected rounds of rand, *, compare
        return 8.0 + (lam + 1.0) * (3.0 + 1.0 + 1.0), _POISSON_BASIS
    return None, "poisson(lam >= 10) uses rejection sampling (PTRS) whose cost is not tabulated"


_BINOMIAL_BASIS = ("Brian2 BinomialFunction: normal approximation 21, else inversion 4 + 12 n min(p, 1-p); "
                   "tabulated (simnet.simulation.poisson_table): rand 3 + one compare per table entry")


def _binomial_flops(n: int, p: float, table_entries: Optional[int] = None) -> float:
    """Expected FLOPs of one draw of Brian2's BinomialFunction(n, p) (see the module docstring)."""
    if n * p > 5 and n * (1 - p) > 5:
        return 19.0 + 1.0 + 1.0
    if table_entries:
        # the bound test against the last entry, then every other entry compared without a branch
        return 3.0 + float(table_entries)
    expected_iterations = n * min(p, 1.0 - p)
    # per iteration: U > px 1, X > bound 1, U -= px 1, px = (n-X+1)*P*px/(X*Q): two int-to-float conversions 2,
    # three * 3, one / 4
    return 3.0 + 1.0 + 12.0 * expected_iterations


def _binomial_cost(node: ast.AST, context: OpContext) -> Tuple[Optional[float], str]:
    name = node.func.id if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) else ""
    params = context.binomial_params.get(name)
    if params is None:
        return None, f"BinomialFunction {name!r}: n and p unknown (only PoissonInput's are read)"
    return _binomial_flops(*params), _BINOMIAL_BASIS


#: Operation name -> handler. Operator names are their Python symbols, ``neg``/``pos``/``not`` for unary
#: operators and the Brian2 name for functions (``binomial`` for any BinomialFunction).
OPERATION_COSTS: Dict[str, Handler] = {
    "+": _fixed(1, _DONGARRA),
    "-": _fixed(1, _DONGARRA),
    "*": _fixed(1, _DONGARRA),
    "/": _fixed(4, _DONGARRA),
    "//": _fixed(5, "floor(x/y): / 4 + floor 1"),
    "%": _fixed(7, "Brian2 _brian_mod x - y*floor(x/y): / 4, floor 1, * 1, - 1"),
    "**": _depends(_POW_BASIS, _pow_cost),
    "neg": _fixed(1, "sign flip, one instruction like 0 - x"),
    "pos": _fixed(0, "no operation"),
    "<": _fixed(1, _DONGARRA),
    "<=": _fixed(1, _DONGARRA),
    ">": _fixed(1, _DONGARRA),
    ">=": _fixed(1, _DONGARRA),
    "==": _fixed(1, _DONGARRA),
    "!=": _fixed(1, _DONGARRA),
    "and": _fixed(0, _BOOLEAN),
    "or": _fixed(0, _BOOLEAN),
    "not": _fixed(0, _BOOLEAN),
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
    "int": _depends(_INT_BASIS, _int_cost),
    "timestep": _fixed(7, "Brian2 _timestep (int)((t + 1e-3*dt)/dt): * 1, + 1, / 4, conversion 1"),
    "rand": _fixed(3, "Brian2 RandomGenerator.rand (a*2^26 + b)/2^53: *, +, * by exact reciprocal"),
    "randn": _fixed(19, "Brian2 RandomGenerator.randn, polar Box-Muller: about 38 per pair of deviates"),
    "poisson": _depends(_POISSON_BASIS, _poisson_cost),
    "binomial": _depends(_BINOMIAL_BASIS, _binomial_cost),
}

# The table's names of Python's operator nodes.
BINOP_NAMES = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.Pow: "**",
}
COMPARE_NAMES = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!="}
UNARY_NAMES = {ast.USub: "neg", ast.UAdd: "pos", ast.Not: "not"}
#: Brian2's augmented assignment operators -> the table's name of the operation they perform.
AUGMENTED_OPERATORS = {"+=": "+", "-=": "-", "*=": "*", "/=": "/", "**=": "**", "%=": "%", "//=": "//"}


def cost_table(extra_costs: Optional[Mapping[str, Union[float, Handler]]] = None) -> Dict[str, Handler]:
    """:data:`OPERATION_COSTS` with the caller's entries laid over it (see the module docstring).

    Parameters
    ----------
    extra_costs : mapping, optional
        Operation name -> a fixed FLOP count, or a :data:`Handler`. Replaces the table's entry of that name,
        or adds one (e.g. for a user-defined function).
    """
    table: Dict[str, Handler] = dict(OPERATION_COSTS)
    for name, cost in (extra_costs or {}).items():
        table[name] = cost if callable(cost) else _fixed(cost, "given by the caller")
    return table
