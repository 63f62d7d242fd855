"""Synaptic plasticity rules as equation fragments for :class:`simnet.specs.model_spec.Projection`.

Two rules: pair-based STDP (:class:`PairSTDP`, below) and the minimal triplet rule of Pfister & Gerstner
(2006) (:class:`TripletSTDP`, see :func:`triplet_stdp`).

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

from simnet.specs.model_spec import default

__all__ = ["PairSTDP", "pair_stdp", "pair_stdp_amplitudes", "TripletSTDP", "triplet_stdp", "triplet_stdp_amplitudes"]


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


@dataclass(frozen=True)
class TripletSTDP:
    """Minimal all-to-all triplet STDP (Pfister & Gerstner 2006, J. Neurosci. 26:9673).

    Defaults: the minimal all-to-all model fitted to the visual-cortex pairing data of Sjöström et al. (2001)
    (Pfister & Gerstner 2006, Table 4): tau_plus = 16.8 ms, tau_minus = 33.7 ms, tau_y = 114 ms,
    A2+ = 0, A3+ = 6.5e-3, A2- = 7.1e-3, A3- = 0 (so the second presynaptic trace of the full model is not
    needed). Amplitudes are fractions of ``w_max``.
    """

    tau_plus: Quantity = default(16.8 * ms)
    tau_minus: Quantity = default(33.7 * ms)
    tau_y: Quantity = default(114.0 * ms)
    a2_plus: float = 0.0
    a3_plus: float = 6.5e-3
    a2_minus: float = 7.1e-3
    #: Upper weight bound as a multiple of the initial weight (the caller's reference weight).
    w_max_factor: float = 2.0


def triplet_stdp(rule: TripletSTDP, target: str, weight_unit: str) -> dict:
    """Synapse ``model``, ``on_pre``, ``on_post`` and namespace entries for minimal triplet STDP.

    With a presynaptic trace ``r1`` (tau_plus) and postsynaptic traces ``o1`` (tau_minus) and ``o2`` (tau_y),
    all event-driven and incremented by 1 per spike (all-to-all interaction)::

        on pre:   target += w;  w = clip(w - w_max A2- o1, 0, w_max);  r1 += 1
        on post:  w = clip(w + w_max r1 (A2+ + A3+ o2), 0, w_max);  o1 += 1;  o2 += 1

    ``o2`` is read before its own increment, so a post spike potentiates only in proportion to earlier post
    spikes: isolated pre-post pairs (low frequency) leave the weight unchanged with A2+ = 0 while post-pre pairs
    depress, and pairing at high frequency potentiates (the rule's frequency dependence).

    Parameters
    ----------
    rule : TripletSTDP
        Time constants and amplitudes.
    target : str
        The postsynaptic variable a presynaptic spike increments (e.g. ``"g_ex"``).
    weight_unit : str
        Brian2 unit name of the weight (e.g. ``"siemens"``).

    Returns
    -------
    dict
        Keys ``model``, ``on_pre``, ``on_post`` and ``namespace`` as :func:`pair_stdp`; the caller adds
        :func:`triplet_stdp_amplitudes` for its ``w_max``.
    """
    model = (
        f"w : {weight_unit}\n"
        "dr1/dt = -r1 / triplet_tau_plus : 1 (event-driven)\n"
        "do1/dt = -o1 / triplet_tau_minus : 1 (event-driven)\n"
        "do2/dt = -o2 / triplet_tau_y : 1 (event-driven)\n"
    )
    on_pre = (
        f"{target}_post += w\n"
        "w = clip(w - triplet_a2_minus*o1, 0.0 * w_max, w_max)\n"
        "r1 += 1.0\n"
    )
    on_post = (
        "w = clip(w + r1*(triplet_a2_plus + triplet_a3_plus*o2), 0.0 * w_max, w_max)\n"
        "o1 += 1.0\n"
        "o2 += 1.0\n"
    )
    namespace = {"triplet_tau_plus": rule.tau_plus, "triplet_tau_minus": rule.tau_minus,
                 "triplet_tau_y": rule.tau_y}
    return {"model": model, "on_pre": on_pre, "on_post": on_post, "namespace": namespace}


def triplet_stdp_amplitudes(rule: TripletSTDP, w_max: Quantity) -> dict:
    """Weight-valued amplitudes ``triplet_a2_plus`` etc. and ``w_max`` for a given upper bound."""
    return {"triplet_a2_plus": rule.a2_plus * w_max, "triplet_a3_plus": rule.a3_plus * w_max,
            "triplet_a2_minus": rule.a2_minus * w_max, "w_max": w_max}
