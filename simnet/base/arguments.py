"""Checking the Python API's arguments by kind, so that a wrong type is one :class:`~simnet.base.errors.UsageError`
naming the argument and what it takes, not an internal TypeError deep in a stage (or, worse, ``"no"`` taken as
true).

Each kind is a small function ``check(value, name) -> value`` (possibly normalised: a numpy integer becomes an
``int``); :func:`checked` applies them to a function's arguments by name before it runs::

    @checked(workers=optional(count(minimum=1)), overwrite=flag)
    def run_experiment(experiment, *, workers=None, overwrite=False): ...

Values are only checked for their kind and a plausible range here; what a value means (a known backend, a
neuron count the model allows) stays the business of the stage that uses it.
"""
from __future__ import annotations

import errno
import functools
import inspect
import math
import numbers
import os
from typing import Any, Callable

from simnet.base.errors import UsageError, shown_path
from simnet.base.units import check_seed

__all__ = ["Check", "checked", "seed", "flag", "count", "number", "numbers_or_one", "text", "path", "time", "optional",
           "mapping", "function", "text_list", "one_of", "MAX_COUNT"]

Check = Callable[[Any, str], Any]

#: The largest whole number an argument such as ``repeats`` or ``workers`` may take: far beyond any real use,
#: small enough that a list of that many entries is never allocated by mistake.
MAX_COUNT = 1_000_000


def _refuse(name: str, takes: str, value: Any) -> UsageError:
    shown = repr(value)
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    return UsageError(f"{name} must be {takes}, got {shown} ({type(value).__name__})", parameter=name)


def seed(value: Any, name: str) -> int:
    """A random seed (:func:`simnet.base.units.check_seed`): a whole number from 0 to 2**32 - 1."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = int(value)
    return check_seed(value, name)


def flag(value: Any, name: str) -> bool:
    """True or False (numpy's booleans too); no strings or numbers, which would all read as true."""
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return bool(value)
    raise _refuse(name, "True or False", value)


def count(minimum: int = 0, maximum: int = MAX_COUNT) -> Check:
    """A whole number from ``minimum`` to ``maximum`` (an int or numpy integer; not a bool, float or string)."""
    def check(value: Any, name: str) -> int:
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise _refuse(name, f"a whole number from {minimum} to {maximum}", value)
        if int(value) < minimum:
            raise UsageError(f"{name} must be at least {minimum}, got {int(value)}", parameter=name)
        if int(value) > maximum:
            raise UsageError(f"{name} must be at most {maximum:,}, got {int(value):,}", parameter=name)
        return int(value)
    return check


def number(positive: bool = False, non_negative: bool = False, maximum: float = math.inf,
           finite: bool = True) -> Check:
    """A finite real number (int, float or numpy scalar; not a bool or string), optionally positive or
    non-negative, at most ``maximum``; with ``finite=False`` any real number (its range left to the stage)."""
    takes = "a positive number" if positive else "a non-negative number" if non_negative else "a finite number"

    def check(value: Any, name: str) -> float:
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise _refuse(name, takes, value)
        real = float(value)
        if not finite:
            return value  # only the kind checked: the stage that uses it explains its own range
        if not math.isfinite(real) or (positive and real <= 0) or (non_negative and real < 0):
            sign = "positive" if positive else "non-negative" if non_negative else "finite"
            raise UsageError(f"{name} must be {sign}, got {value!r}", parameter=name)
        if real > maximum:
            raise UsageError(f"{name} must be at most {maximum:g}, got {value!r}", parameter=name)
        return value
    return check


def numbers_or_one(positive: bool = True, maximum: float = math.inf) -> Check:
    """One number or a non-empty list or tuple of them, each as :func:`number` checks; returned as a tuple."""
    one = number(positive=positive, maximum=maximum)

    def check(value: Any, name: str) -> tuple:
        items = list(value) if isinstance(value, (list, tuple)) or type(value).__name__ == "ndarray" else [value]
        if not items:
            raise UsageError(f"{name} needs at least one number", parameter=name)
        return tuple(one(item, name) for item in items)
    return check


def text(value: Any, name: str) -> str:
    """A string."""
    if not isinstance(value, str):
        raise _refuse(name, "a string", value)
    return value


def one_of(*choices: str) -> Check:
    """A string among ``choices``."""
    def check(value: Any, name: str) -> str:
        if not isinstance(value, str) or value not in choices:
            raise _refuse(name, f"one of {', '.join(choices)}", value)
        return value
    return check


def text_list(value: Any, name: str) -> tuple:
    """A list or tuple of strings (a single string is refused: it would be taken letter by letter)."""
    if isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise _refuse(name, "a list of strings", value)


def path(value: Any, name: str):
    """A file-system path: a string or an ``os.PathLike`` (not bytes, which could be any encoding), that the system
    does not refuse as too long (longer than 4,096 bytes, or a name in it longer than 255, on Linux): refused here
    once, rather than wherever a stage first touches it."""
    if not (isinstance(value, str) or (isinstance(value, os.PathLike) and isinstance(os.fspath(value), str))):
        raise _refuse(name, "a path (a string or pathlib.Path)", value)
    try:
        os.lstat(value)
    except OSError as err:
        if err.errno == errno.ENAMETOOLONG:
            raise UsageError(f"cannot use {shown_path(value)}: {err.strerror}", parameter=name) from None
    except ValueError:  # a NUL byte: left to the stage, which says what it names
        pass
    return value  # (an empty one, or one that does not exist, is left to the stage, which says what it names)


def time(value: Any, name: str):
    """A time: text such as ``"1s"``, a number of seconds, or a Brian2 quantity in seconds (given as seconds)."""
    if hasattr(value, "dim") and hasattr(value, "get_best_unit"):  # a Brian2 Quantity or Unit
        dimensions = getattr(value, "dim", None)
        if getattr(value, "shape", ()) != () or str(dimensions) != "s":
            raise _refuse(name, "a time (\"1s\", seconds, or a Brian2 time such as 1*second)", value)
        return float(value)
    if isinstance(value, str):
        return value
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        if not (math.isfinite(float(value)) and float(value) >= 0):
            raise UsageError(f"{name} must be a finite, non-negative time, got {value!r}", parameter=name)
        return float(value)
    raise _refuse(name, "a time (\"1s\", seconds, or a Brian2 time such as 1*second)", value)


def mapping(value: Any, name: str) -> dict:
    """A dict."""
    if not isinstance(value, dict):
        raise _refuse(name, "a dict", value)
    return value


def function(value: Any, name: str):
    """Something callable."""
    if not callable(value):
        raise _refuse(name, "a function", value)
    return value


def optional(check: Check) -> Check:
    """``check``, or None."""
    def maybe(value: Any, name: str):
        return None if value is None else check(value, name)
    return maybe


def checked(**checks: Check) -> Callable:
    """Decorate a function so that each argument named in ``checks`` is checked (and normalised) before it runs.

    Arguments left at their defaults are checked too (a wrong default is a bug worth finding); arguments not
    named pass as they are. Unknown keyword arguments a function takes in ``**options`` are left to it.
    """
    def decorate(func: Callable) -> Callable:
        signature = inspect.signature(func)
        unknown = set(checks) - set(signature.parameters)
        if unknown:
            raise TypeError(f"{func.__name__} has no parameter(s) {sorted(unknown)}")

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            try:
                bound = signature.bind(*args, **kwargs)
            except TypeError as err:
                raise UsageError(f"{func.__name__}(): {err}") from None
            bound.apply_defaults()
            for name, check in checks.items():
                bound.arguments[name] = check(bound.arguments[name], name)
            return func(*bound.args, **bound.kwargs)
        return wrapper
    return decorate

