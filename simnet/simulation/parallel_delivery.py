"""Spike delivery on every thread: C++ standalone's spike queues split by the neuron a synapse targets.

Brian2's OpenMP template for a pathway's ``on_pre``/``on_post`` code runs it on one thread whenever it touches a
neuron's variable (``v_post += w``), which is the common case, so the delivery of every spike stays serial however
many threads a run has. :func:`use_parallel_delivery` makes the C++ standalone device render a pathway from
simnet's templates instead (``cpp_templates/``): target neurons are dealt out to threads in blocks of
``2 ** OWNER_SHIFT``, each thread's spike queue holds the synapses whose target it owns (``synapses_classes.cpp``,
``synapses_push_spikes.cpp``), and each thread delivers its own queue (``synapses.cpp``) where the code writes no
neuron but the target. No two threads write one neuron, no pass over the events or barrier is added, and each
neuron's inputs arrive in the order of one thread's queue, so its sums are those of one thread. Code that touches
the neuron that sent the spike keeps Brian2's serial path, and :func:`serial_code_objects` names it for the record.
"""
from __future__ import annotations

from pathlib import Path

from brian2.devices.cpp_standalone.codeobject import CPPStandaloneCodeObject

__all__ = ["OWNER_SHIFT", "SERIAL_MARK", "use_parallel_delivery", "restore_templates", "serial_code_objects"]

#: log2 of the block of target neurons a thread owns: 64 neurons (512 bytes of doubles), small enough that a
#: population of a few hundred neurons is shared between threads, large enough that two threads rarely write one
#: cache line.
OWNER_SHIFT = 6

#: The comment simnet's template writes into event code it leaves on one thread.
SERIAL_MARK = "simnet: serial delivery"

_BRIAN2_TEMPLATER = CPPStandaloneCodeObject.templater


def use_parallel_delivery() -> None:
    """Render synaptic event code with simnet's template from now on (until :func:`restore_templates`)."""
    CPPStandaloneCodeObject.templater = _BRIAN2_TEMPLATER.derive(
        "simnet.simulation", templates_dir="cpp_templates", env_globals={"owner_shift": OWNER_SHIFT})


def restore_templates() -> None:
    """Brian2's own templates again."""
    CPPStandaloneCodeObject.templater = _BRIAN2_TEMPLATER


def serial_code_objects(directory) -> list[str]:
    """The synaptic event code objects of the standalone project in ``directory`` that stayed on one thread
    (their names, sorted): those the template marked as touching neuron variables of both sides."""
    found = []
    for source in sorted(Path(directory, "code_objects").glob("*.cpp")):
        if SERIAL_MARK in source.read_text(errors="replace"):
            found.append(source.stem)
    return found
