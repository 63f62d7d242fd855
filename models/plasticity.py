"""Synaptic plasticity rules as equation fragments for :class:`simnet.spec.Projection`.

Pair-based STDP with exponential traces and hard weight bounds (Song, Miller & Abbott 2000, Nat. Neurosci.
3:919; the nearest-neighbour-free "all-to-all" trace form used in Brian2's STDP example).

For a weight ``w`` added to a postsynaptic variable ``target`` on each presynaptic spike::

    dApre/dt  = -Apre / tau_pre     (event-driven)
    dApost/dt = -Apost / tau_post   (event-driven)
    on pre:   target += w;  Apre += dApre;  w = clip(w + Apost, 0, w_max)
    on post:  Apost += dApost;  w = clip(w + Apre, 0, w_max)

With ``dApost < 0`` a presynaptic spike shortly before a postsynaptic one potentiates (the post spike reads a
positive ``Apre``) and the reverse order depresses.
"""
from __future__ import annotations

from dataclasses import dataclass

from brian2 import Quantity, ms

from simnet.spec import default



@dataclass(frozen=True)
class PairSTDP:
    """Parameters of pair-based STDP; amplitudes are fractions of ``w_max``."""

    tau_pre: Quantity = default(20.0 * ms)
    tau_post: Quantity = default(20.0 * ms)
    potentiation: float = 0.01
    #: Depression amplitude relative to potentiation scaled by tau_pre/tau_post (slightly > 1: net depression
    #: for uncorrelated firing, which keeps weights bounded in a recurrent network).
    depression_ratio: float = 1.05
    #: Upper weight bound as a multiple of the initial weight.
    w_max_factor: float = 2.0


def pair_stdp(rule: PairSTDP, target: str, weight_unit: str) -> dict:
    """Synapse ``model``, ``on_pre``, ``on_post`` and namespace entries for pair STDP.

    Parameters
    ----------
    rule : PairSTDP
        Time constants and amplitudes.
    target : str
        The postsynaptic variable a presynaptic spike increments (e.g. ``"ge"``).
    weight_unit : str
        Brian2 unit name of the weight (e.g. ``"siemens"``).

    Returns
    -------
    dict
        Keys ``model``, ``on_pre``, ``on_post`` (strings) and ``namespace`` (names used by them, other than
        ``w_max`` which the caller provides because it depends on the initial weight).
    """
    model = (
        f"w : {weight_unit}\n"
        f"dApre/dt = -Apre / stdp_tau_pre : {weight_unit} (event-driven)\n"
        f"dApost/dt = -Apost / stdp_tau_post : {weight_unit} (event-driven)\n"
    )
    on_pre = (
        f"{target}_post += w\n"
        "Apre += stdp_dApre\n"
        "w = clip(w + Apost, 0.0 * w_max, w_max)\n"
    )
    on_post = (
        "Apost += stdp_dApost\n"
        "w = clip(w + Apre, 0.0 * w_max, w_max)\n"
    )
    namespace = {"stdp_tau_pre": rule.tau_pre, "stdp_tau_post": rule.tau_post}
    return {"model": model, "on_pre": on_pre, "on_post": on_post, "namespace": namespace}


def pair_stdp_amplitudes(rule: PairSTDP, w_max: Quantity) -> dict:
    """Trace increments ``stdp_dApre`` and ``stdp_dApost`` for a given upper bound."""
    d_pre = rule.potentiation * w_max
    d_post = -d_pre * (rule.tau_pre / rule.tau_post) * rule.depression_ratio
    return {"stdp_dApre": d_pre, "stdp_dApost": d_post, "w_max": w_max}
