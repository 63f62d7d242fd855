"""What a claim is made of: stated inputs with their sources, the record of a recomputed claim, and the
rules that judge it.

Every number a calculation runs on is a :class:`Stated` value that says where it was stated (document id
and a short quote, or the reference table and row). A calculation is a plain function of keyword inputs,
wrapped by :func:`calculation` so that it takes :class:`Stated` or plain numbers; :func:`stated_inputs`
reads its stated defaults back. Each recomputed claim becomes one :class:`Reproduction`.

Verdict rules
-------------
A claim is "consistent" when the recomputed value passes the rule named in its record, otherwise
"inconsistent: <reason>". The rules, from strictest to loosest:

``rounding``
    One line of arithmetic, recomputed from the values written on that line, or a value copied from an
    earlier line or from a table: rounded to as many significant figures as the document wrote, the
    recomputed value must equal the written figure (4.731e8 -> "4.73e8"; 17.7 -> "20"; but 8.06 -> "8",
    not "10"). Trailing zeros of whole numbers are not significant ("20", "3840"). This is what a correct
    restatement at the written precision satisfies, and it catches a number copied wrongly (4.73e8
    written again as 4.78e8).
``chain (2 %)``
    A whole chain recomputed from its primary inputs without the document's intermediate rounding: the
    document rounds each of up to four intermediate results to three figures, each by at most 0.5 %, so
    2 % separates rounding from error.
``log-axis reading (0.1 decade)``
    A value read off a logarithmic axis: within a factor 10**0.1 (26 %).
``orders of magnitude (+-0.5)``
    "about N OOMs over X": log10(estimate / X) must round to N.
``bound``
    "less than", "over", "at most": the recomputed value must satisfy the inequality.
"""
from __future__ import annotations

import functools
import inspect
import math
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable

from simnet.record.files import json_safe

__all__ = ["DOCUMENTS", "CHAIN_TOLERANCE", "LOG_READING_DECADES", "OOM_HALF_WIDTH", "Stated", "StatedInput",
           "Reproduction", "sci", "calculation", "stated_inputs", "Rule", "number_in", "significant_figures",
           "round_to_figures", "rounding", "chain", "log_axis_reading", "orders_of_magnitude", "bound"]

#: The seed documents (not shipped with simnet), by the id used in records, with a short title.
DOCUMENTS = {
    "000": "comments: synaptic operations and thermodynamic limits",
    "001": "comments: brain FLOP/s, the RTX 4090 and GPT-3",
    "002": "comments by Gerald Monroe: synapses as MACs, GPUs for a human brain",
    "003": "post: compute to emulate half a neocortex (Numenta, spiking nets, Blue Brain)",
    "004": "post 'Parameter vs Synapse?' (Tomas B., 2021-03-11)",
}

#: Relative tolerance for a whole chain recomputed without intermediate rounding.
CHAIN_TOLERANCE = 0.02

#: How far (in decades) a value read off a logarithmic axis may be from the true one.
LOG_READING_DECADES = 0.1

#: "About N orders of magnitude" holds when log10 of the ratio is within this of N.
OOM_HALF_WIDTH = 0.5


@dataclass(frozen=True)
class Stated:
    """A number as a source states it.

    Parameters
    ----------
    value : float
    unit : str
    source : str
        Seed document id (``"003"``), reference table (``"hardware.csv"``), ``"data"`` for a value derived
        from the published benchmark files, or ``"ext"`` for a figure from outside this repository.
    where : str
        A short quote or label locating it in the source.
    """

    value: float
    unit: str
    source: str
    where: str


@dataclass(frozen=True)
class StatedInput:
    """One named input of a recomputed claim, with where it was stated."""

    name: str
    value: float
    unit: str
    source: str
    where: str

    def to_dict(self) -> dict:
        return {"name": self.name, "value": json_safe(self.value), "unit": self.unit,
                "source": self.source, "where": self.where}


@dataclass(frozen=True)
class Reproduction:
    """One claim of a document: what it states, what recomputing it gives, and the verdict.

    ``stated_text`` is the figure as the document wrote it (its precision matters for the rounding rule);
    ``stated`` is its value in ``unit``. ``ratio`` is recomputed / stated.
    """

    id: str
    document: str
    claim: str
    inputs: tuple[StatedInput, ...]
    stated_text: str
    stated: float
    unit: str
    recomputed: float
    rule: str
    consistent: bool
    verdict: str
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ratio(self) -> float:
        """Recomputed over stated (NaN when the stated value is zero)."""
        return self.recomputed / self.stated if self.stated else math.nan

    def to_dict(self) -> dict:
        """Plain JSON types only (non-finite numbers become None)."""
        return {
            "id": self.id,
            "document": self.document,
            "claim": self.claim,
            "inputs": [item.to_dict() for item in self.inputs],
            "stated_text": self.stated_text,
            "stated": json_safe(self.stated),
            "unit": self.unit,
            "recomputed": json_safe(self.recomputed),
            "ratio": json_safe(self.ratio),
            "rule": self.rule,
            "consistent": self.consistent,
            "verdict": self.verdict,
            "notes": list(self.notes),
        }


def sci(value: float, figures: int = 4) -> str:
    """Compact figure for text: ``5.995e8`` for large or small values, ``873.7`` in between."""
    if not math.isfinite(value):
        return "-"
    if value == 0:
        return "0"
    mantissa, exponent = f"{value:.{figures - 1}e}".split("e")
    if not 1e-2 <= abs(value) < 1e5:
        if "." in mantissa:
            mantissa = mantissa.rstrip("0").rstrip(".")
        return f"{mantissa}e{int(exponent)}"
    rounded = float(f"{mantissa}e{exponent}")
    decimals = max(0, figures - 1 - int(exponent))
    text = f"{rounded:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def calculation(function: Callable[..., float]) -> Callable[..., float]:
    """Let a calculation take :class:`Stated` or plain numbers; its body sees plain floats.

    The wrapped function keeps its signature (``inspect.signature`` follows ``__wrapped__``), so the
    stated inputs can be read from its defaults by :func:`stated_inputs`.
    """
    signature = inspect.signature(function)

    @functools.wraps(function)
    def wrapper(**arguments):
        bound = signature.bind(**arguments)
        bound.apply_defaults()
        plain = {name: value.value if isinstance(value, Stated) else value
                 for name, value in bound.arguments.items()}
        return function(**plain)

    return wrapper


def stated_inputs(function: Callable[..., float], **overrides: Stated) -> tuple[StatedInput, ...]:
    """The inputs a calculation runs on: its defaults, replaced by ``overrides``.

    Raises
    ------
    TypeError
        When an input is missing or is not a :class:`Stated` (every number must say where it came from).
    """
    parameters = inspect.signature(function).parameters
    unknown = set(overrides) - set(parameters)
    if unknown:
        raise TypeError(f"{function.__name__}: no input named {', '.join(sorted(unknown))}")
    result = []
    for name, parameter in parameters.items():
        value = overrides.get(name, parameter.default)
        if not isinstance(value, Stated):
            raise TypeError(f"{function.__name__}: input {name!r} has no stated source ({value!r})")
        result.append(StatedInput(name, float(value.value), value.unit, value.source, value.where))
    return tuple(result)


# --------------------------------------------------------------------------------------------------
# Verdict rules: each takes (stated_text, recomputed) and returns (passes, description)
# --------------------------------------------------------------------------------------------------

Rule = Callable[[str, float], "tuple[bool, str]"]


def number_in(stated_text: str) -> str:
    """The number inside a stated figure such as ``"<1"``, ``"<=1e10"`` or ``">6e8"``."""
    return stated_text.lstrip("<>=~ ")


def significant_figures(stated_text: str) -> int:
    """Significant figures of a number as written.

    Trailing zeros of a number written without a decimal point or exponent are taken as not significant
    (``"20"`` has one significant figure, ``"3840"`` three, ``"300e9"`` three), as in ordinary writing.
    """
    text = number_in(stated_text)
    number = Decimal(text)
    if "." not in text and "e" not in text.lower():
        number = number.normalize()
    return max(1, len(number.as_tuple().digits))


def round_to_figures(value: float, figures: int) -> float:
    """``value`` rounded to ``figures`` significant figures."""
    return float(f"{value:.{figures - 1}e}")


def rounding(stated_text: str, recomputed: float) -> tuple[bool, str]:
    """Rounded to as many significant figures as the stated figure has, is ``recomputed`` that figure?"""
    stated = float(number_in(stated_text))
    figures = significant_figures(stated_text)
    rounded = round_to_figures(recomputed, figures)
    # Relative slack of 1e-9 so that binary floating point cannot fail an exact decimal match.
    passes = math.isclose(rounded, stated, rel_tol=1e-9)
    plural = "s" if figures > 1 else ""
    return passes, f"rounding: must round to {stated_text} at {figures} significant figure{plural}"


def chain(stated_text: str, recomputed: float) -> tuple[bool, str]:
    """Whole chain, no intermediate rounding: within :data:`CHAIN_TOLERANCE`."""
    stated = float(number_in(stated_text))
    return (abs(recomputed / stated - 1) <= CHAIN_TOLERANCE,
            f"chain: within {CHAIN_TOLERANCE:.0%} (intermediate rounding allowed)")


def log_axis_reading(stated_text: str, recomputed: float) -> tuple[bool, str]:
    """A value read off a logarithmic axis: within :data:`LOG_READING_DECADES` decades."""
    stated = float(number_in(stated_text))
    return (abs(math.log10(recomputed / stated)) <= LOG_READING_DECADES,
            f"log-axis reading: within {LOG_READING_DECADES} decade")


def orders_of_magnitude(stated_text: str, recomputed: float) -> tuple[bool, str]:
    """"About N OOMs": the recomputed number of decades rounds to N."""
    stated = float(number_in(stated_text))
    return (abs(recomputed - stated) <= OOM_HALF_WIDTH,
            f"orders of magnitude: within +-{OOM_HALF_WIDTH} of {stated_text}")


def bound(stated_text: str, recomputed: float) -> tuple[bool, str]:
    """The inequality written in ``stated_text`` (``"<1"``, ``"<=1e10"``, ``">6e8"``, ``"0<..<1"``)."""
    if "<..<" in stated_text:
        low, high = (float(part) for part in stated_text.split("<..<"))
        return low < recomputed < high, f"bound: between {low:g} and {high:g}"
    match = re.fullmatch(r"\s*(<=|>=|<|>)\s*(\S+)\s*", stated_text)
    if match is None:
        raise ValueError(f"not an inequality: {stated_text!r}")
    operator, number = match.group(1), float(match.group(2))
    passes = {"<": recomputed < number, "<=": recomputed <= number,
              ">": recomputed > number, ">=": recomputed >= number}[operator]
    return passes, f"bound: {operator} {match.group(2)}"
