"""Quantities as users type them: biological times (``1s``, ``500ms``, or a Brian2 quantity such as ``500*ms`` in a
notebook), wall-clock targets (``1y``, ``30d``) and positive numbers or lists of them; and stored values (an SI number
and its unit's symbol) back as Brian2 quantities. Bad input raises :class:`simnet.base.errors.UsageError` naming the
parameter."""
from __future__ import annotations

import ast
import math
import re

from simnet.base.errors import UsageError

__all__ = ["SECONDS_PER_YEAR", "parse_time_s", "as_seconds", "is_quantity", "si_value", "from_si",
           "parse_positive_list", "parse_positive", "parse_wall_duration_s", "SEED_MAX", "check_seed"]

#: Seconds in a (Julian-ish) year as seed document 003 uses it: 3.154e7 s.
SECONDS_PER_YEAR = 3.154e7

_TIME_UNITS = {"s": 1.0, "sec": 1.0, "second": 1.0, "seconds": 1.0, "ms": 1e-3, "msecond": 1e-3,
               "us": 1e-6, "usecond": 1e-6, "min": 60.0, "minute": 60.0, "minutes": 60.0, "h": 3600.0}
_TIME_PATTERN = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([A-Za-z]*)\s*$")


def parse_time_s(text: str, option: str, allow_zero: bool = False) -> float:
    """A biological time such as ``1s``, ``500ms`` or ``0.5 second``, in seconds."""
    match = _TIME_PATTERN.match(text)
    if not match or match.group(2) not in _TIME_UNITS:
        raise UsageError(f"{option} {text!r} is not a time: write e.g. 1s or 500ms", parameter=option)
    seconds = float(match.group(1)) * _TIME_UNITS[match.group(2)]
    if not math.isfinite(seconds) or seconds < 0 or (seconds == 0 and not allow_zero):
        raise UsageError(f"{option} must be {'non-negative' if allow_zero else 'positive'}, got {text!r}",
                         parameter=option)
    return seconds


def as_seconds(value, name: str, allow_zero: bool = False) -> float:
    """A biological time given as text (``"1s"``, ``"500ms"``), as a Brian2 quantity (``500*ms``) or as a number
    of seconds, in seconds."""
    if isinstance(value, str):
        return parse_time_s(value, name, allow_zero=allow_zero)
    if is_quantity(value):
        value = si_value(value, "second", name, 'a time such as 500*ms or "500ms"')
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise UsageError(f"{name} must be a time such as \"1s\", 500*ms or a number of seconds, got {value!r}",
                         parameter=name)
    return parse_time_s(f"{float(value)!r}s", name, allow_zero=allow_zero)


def is_quantity(value) -> bool:
    """Whether ``value`` is a Brian2 quantity (told without importing Brian2, which a quantity's maker has)."""
    return type(value).__module__.startswith("brian2.") and hasattr(value, "dim")


def si_value(value, si_unit: str, name: str, expected: str) -> float:
    """A scalar Brian2 quantity as a number in the SI unit named by Brian2 (``"second"``, ``"hertz"``); a quantity
    of another dimension, or an array, is refused in one line that says what was ``expected``."""
    import brian2
    from brian2.units.fundamentalunits import have_same_dimensions

    if getattr(value, "shape", ()) not in ((), (1,)):
        raise UsageError(f"{name} must be a single value, got an array of shape {value.shape}", parameter=name)
    unit = getattr(brian2, si_unit)
    if not have_same_dimensions(value, unit):  # float() of any quantity succeeds, whatever its dimension
        raise UsageError(f"{name} must be {expected}, got {value!r}", parameter=name)
    return float(value / unit)


def from_si(value, unit: str):
    """A value stored in SI units with its unit as Brian2 writes it (``"F"``, ``"m^-4 kg^-1 s^3 A^2"``,
    ``"S/(m^2)"``: which form Brian2 prints depends on the units it has met in the process) as a Brian2 quantity;
    a value without a unit (``""``) or one that is not a number is returned as it is."""
    if not unit or isinstance(value, (bool, str)) or not isinstance(value, (int, float)):
        return value
    from brian2.units import allunits

    symbols = {}
    for known in allunits.all_units:
        symbols.setdefault(str(known), known)
    # Brian2's notation as a Python expression: ^ is a power, a space between factors a product
    text = re.sub(r"(?<=[\w)])\s+(?=[\w(])", "*", unit.strip()).replace("^", "**")
    try:
        return value * _unit_expression(ast.parse(text, mode="eval").body, symbols)
    except (SyntaxError, KeyError, TypeError, ValueError) as err:
        raise UsageError(f"unknown unit in {unit!r} ({err})") from None


def _unit_expression(node, symbols: dict):
    """Products, quotients and integer or decimal powers of known unit symbols; anything else is refused."""
    if isinstance(node, ast.Name):
        return symbols[node.id]
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        operand = _unit_expression(node.operand, symbols)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mult, ast.Div, ast.Pow)):
        left, right = _unit_expression(node.left, symbols), _unit_expression(node.right, symbols)
        if isinstance(node.op, ast.Pow):
            if not isinstance(right, (int, float)):
                raise ValueError("a power must be a number")
            return left ** right
        return left * right if isinstance(node.op, ast.Mult) else left / right
    raise ValueError(f"unexpected {type(node).__name__}")


_DURATION_UNITS_S = {"": 1.0, "s": 1.0, "min": 60.0, "h": 3600.0, "d": 86400.0, "y": None, "year": None,
                     "years": None}


def parse_positive_list(text: str, option: str) -> tuple[float, ...]:
    """Comma-separated positive numbers such as ``1.3e9,1.3e10``."""
    try:
        values = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise UsageError(f"{option} {text!r} is not a comma-separated list of numbers", parameter=option) from None
    if not values or not all(math.isfinite(v) and v > 0 for v in values):
        raise UsageError(f"{option} needs one or more positive numbers, got {text!r}", parameter=option)
    return values


def parse_positive(text: str, option: str) -> float:
    """One positive number."""
    try:
        value = float(text)
    except ValueError:
        raise UsageError(f"{option} {text!r} is not a number", parameter=option) from None
    if not (math.isfinite(value) and value > 0):
        raise UsageError(f"{option} must be a positive number, got {text!r}", parameter=option)
    return value


def parse_wall_duration_s(text: str, option: str) -> float:
    """A wall-clock target such as ``1y``, ``30d``, ``12h`` or plain seconds."""
    match = re.match(r"^\s*((?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([A-Za-z]*)\s*$", text)
    if not match or match.group(2) not in _DURATION_UNITS_S:
        raise UsageError(f"{option} {text!r} is not a duration: write e.g. 1y, 30d, 12h or seconds",
                         parameter=option)
    unit = _DURATION_UNITS_S[match.group(2)]
    seconds = float(match.group(1)) * (SECONDS_PER_YEAR if unit is None else unit)
    if not (math.isfinite(seconds) and seconds > 0):
        raise UsageError(f"{option} must be positive, got {text!r}", parameter=option)
    return seconds


#: The largest seed Brian2 and numpy take (their generators are seeded with a 32-bit unsigned integer).
SEED_MAX = 2**32 - 1


def check_seed(value, name: str = "seed") -> int:
    """A random seed: a whole number from 0 to :data:`SEED_MAX`."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= SEED_MAX:
        raise UsageError(f"{name} must be a whole number from 0 to 2**32 - 1 ({SEED_MAX}), got {value!r}",
                         parameter=name)
    return int(value)
