"""Brian2 objects named after the variables a user's code binds them to (``exc`` for ``exc = NeuronGroup(...)``).

Brian2 names an object it is not given a name for after its class (``neurongroup_1``, ``neurongroup_subgroup``),
and every figure simnet reads back from the objects (populations, counts, cost rows, memory by object, spikes)
carries that name. A name must be fixed when the object is made (a standalone device writes it into the code it
generates at once), so while user code builds its network :func:`variable_names` makes Brian2 choose, for each
object the code's own line makes, the name of the variable that line assigns it to:

- ``exc = NeuronGroup(...)``, ``Ce = Synapses(...)``, ``mon = StateMonitor(...)``: ``exc``, ``Ce``, ``mon``;
- ``Pe = P[:3200]``, and ``Pe, Pi = P[:3200], P[3200:]``: the subgroups ``Pe`` and ``Pi``;
- a name the code gives (``name="L23E"``) is kept, an object made in any other way (an argument, a list, inside
  Brian2) keeps Brian2's, and a variable bound twice (in a loop) gives ``g``, ``g_1``, ... as Brian2 does.

The exact expression being evaluated is found from the running frame's instruction position, so an object made
by one call of several on a line gets that call's variable, never a neighbour's.
"""
from __future__ import annotations

import ast
import gc
import linecache
import os
import re
import sys
from contextlib import contextmanager
from typing import Iterator, Optional

import brian2
from brian2.core.names import Nameable
from brian2.groups.subgroup import Subgroup

__all__ = ["variable_names", "assigned_names"]

_BRIAN2_DIR = os.path.dirname(brian2.__file__) + os.sep
_VALID = re.compile(r"[A-Za-z][_A-Za-z0-9]*$")  # Brian2's rule, without a leading underscore (its internals)


def assigned_names(source: str) -> dict[tuple, str]:
    """``{(line, end_line, column, end_column): variable}`` for every call or subscript in ``source`` that an
    assignment binds to a plain name (elementwise for ``a, b = x, y``); empty if ``source`` is not Python."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return {}
    names: dict[tuple, str] = {}

    def bind(target, value) -> None:
        if isinstance(target, ast.Name) and isinstance(value, (ast.Call, ast.Subscript)):
            names[(value.lineno, value.end_lineno, value.col_offset, value.end_col_offset)] = target.id
        elif isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, (ast.Tuple, ast.List)) \
                and len(target.elts) == len(value.elts):
            for sub_target, sub_value in zip(target.elts, value.elts):
                bind(sub_target, sub_value)

    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                bind(target, node.value)
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            bind(node.target, node.value)
    return names


@contextmanager
def variable_names(filename: str, source: Optional[str] = None) -> Iterator[None]:
    """While the block runs, Brian2 objects made by a line of the code in ``filename`` are named after the
    variable the line assigns them to (``source`` is that file's text; read from it when not given)."""
    if source is None:
        source = "".join(linecache.getlines(filename))
    names = assigned_names(source)
    # objects of an earlier script in this process that nothing references any more would still hold their names
    # until the cycle collector runs, and Brian2 would number this script's objects after them (neurons_1)
    gc.collect()
    original = Nameable.__init__

    def named(self, name):
        if names and isinstance(name, str) and name.endswith("*") and getattr(self, "_name", None) is None:
            chosen = _variable_of(self, sys._getframe(1), filename, names)
            if chosen is not None:
                name = chosen + "*"
        original(self, name)

    Nameable.__init__ = named
    try:
        yield
    finally:
        Nameable.__init__ = original


def _variable_of(obj, frame, filename: str, names: dict) -> Optional[str]:
    """The variable the user's line binds ``obj`` to: the first frame outside Brian2 must be that line, and
    every Brian2 frame on the way must be making ``obj`` itself (its initialisers and their decorators) or
    slicing (a subgroup)."""
    while frame is not None:
        code = frame.f_code
        if not code.co_filename.startswith(_BRIAN2_DIR):
            break
        maker = frame.f_locals.get("self", obj)  # (a decorator's wrapper has none)
        if maker is not obj and not (code.co_name == "__getitem__" and isinstance(obj, Subgroup)):
            return None  # an object Brian2 makes for another one (a state updater, a pathway, ...)
        frame = frame.f_back
    if frame is None or frame.f_code.co_filename != filename or frame.f_lasti < 0:
        return None
    positions = list(frame.f_code.co_positions())
    index = frame.f_lasti // 2
    if index >= len(positions) or None in positions[index]:
        return None
    variable = names.get(tuple(positions[index]))
    return variable if variable is not None and _VALID.match(variable) else None
