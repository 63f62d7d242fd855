"""One claim recomputed and judged: :func:`check` builds its :class:`~simnet.audit.claims.Reproduction`.

Also the small pieces every audit uses: :func:`value_of` for a figure checked directly against one
reference value, and the texts that explain an inconsistent verdict.
"""
from __future__ import annotations

from typing import Callable, Sequence

from simnet.audit.claims import Reproduction, Rule, Stated, calculation, number_in, sci, stated_inputs

__all__ = ["check", "value_of", "ratio_text", "off_by"]


def check(record_id: str, document: str, claim: str, function: Callable[..., float], *,
          stated_text: str, unit: str, rule: Rule, reason: Callable[[float, float], str] | str,
          notes: Sequence[str] = (), **inputs: Stated) -> Reproduction:
    """Recompute one claim with ``function`` (its defaults overridden by ``inputs``) and judge it.

    ``reason`` explains an inconsistent verdict; as a callable it gets (stated, recomputed).
    """
    arguments = stated_inputs(function, **inputs)
    recomputed = function(**{item.name: item.value for item in arguments})
    stated = float(number_in(stated_text.split("<..<")[-1]))
    passes, rule_text = rule(stated_text, recomputed)
    if passes:
        verdict = "consistent"
    else:
        why = reason(stated, recomputed) if callable(reason) else reason
        verdict = f"inconsistent: {why}"
    return Reproduction(id=record_id, document=document, claim=claim, inputs=arguments,
                        stated_text=stated_text, stated=stated, unit=unit, recomputed=float(recomputed),
                        rule=rule_text, consistent=passes, verdict=verdict, notes=tuple(notes))


@calculation
def value_of(*, value) -> float:
    """Identity, for claims checked directly against one reference value."""
    return value


def ratio_text(stated: float, recomputed: float) -> str:
    """The ratio recomputed / stated as text, e.g. ``"x97.6"``."""
    return "x" + sci(recomputed / stated, 3)


def off_by(stated: float, recomputed: float) -> str:
    """The usual reason for an inconsistent verdict: the recomputed value and how far off it is."""
    return f"recomputed {sci(recomputed, 4)} is {ratio_text(stated, recomputed)} the stated value"
