"""Document 000 (comments: synaptic operations and thermodynamic limits): the one figure it implies.

000 writes no chain of its own; its energy per synaptic operation and operation rate give a power. Document
004 (post 'Parameter vs Synapse?') has no calculation either: its one checkable figure is compared directly
with the reference table (see :mod:`simnet.audit.reproduce`).
"""
from __future__ import annotations

from simnet.audit.claims import Stated, calculation

__all__ = ["JOULES_PER_EV", "synaptic_power_w"]

#: Joules per electronvolt (exact in the 2019 SI).
JOULES_PER_EV = 1.602176634e-19


@calculation
def synaptic_power_w(
        *,
        ev_per_op=Stated(1e5, "eV", "000", "something on order 1e5 minimal 1eV units or more"),
        ops_per_s=Stated(1e15, "op/s", "000", "on order 1014 to 1015 low-medium precision multiply-adds"),
        joules_per_ev=Stated(JOULES_PER_EV, "J/eV", "ext", "SI definition of the electronvolt"),
) -> float:
    """Power of the synaptic operations implied by 000's energy per operation and operation rate."""
    return ev_per_op * joules_per_ev * ops_per_s
