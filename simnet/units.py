"""Quantities as users type them: biological times such as ``1s`` or ``500ms``."""
from __future__ import annotations

import math
import re

from simnet.errors import UsageError

_TIME_UNITS = {"s": 1.0, "sec": 1.0, "second": 1.0, "seconds": 1.0, "ms": 1e-3, "msecond": 1e-3,
               "us": 1e-6, "usecond": 1e-6, "min": 60.0, "minute": 60.0, "minutes": 60.0, "h": 3600.0}
_TIME_PATTERN = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([A-Za-z]*)\s*$")


def parse_time_s(text: str, option: str, allow_zero: bool = False) -> float:
    """A biological time such as ``1s``, ``500ms`` or ``0.5 second``, in seconds."""
    match = _TIME_PATTERN.match(text)
    if not match or match.group(2) not in _TIME_UNITS:
        raise UsageError(f"{option} {text!r} is not a time: write e.g. 1s or 500ms")
    seconds = float(match.group(1)) * _TIME_UNITS[match.group(2)]
    if not math.isfinite(seconds) or seconds < 0 or (seconds == 0 and not allow_zero):
        raise UsageError(f"{option} must be {'non-negative' if allow_zero else 'positive'}, got {text!r}")
    return seconds
