"""Spike delivery on every thread: C++ standalone's synaptic event code split by the neuron it writes.

Brian2's OpenMP template for a pathway's ``on_pre``/``on_post`` code runs it on one thread whenever it touches a
neuron's variable (``v_post += w``), which is the common case, so the delivery of every spike stays serial however
many threads a run has. :func:`use_parallel_delivery` makes the C++ standalone device render that code from
simnet's template instead (``cpp_templates/synapses.cpp``): where every neuron variable the code touches is indexed
by one side of the synapse, neurons are dealt out to threads in blocks of ``2 ** OWNER_SHIFT``: each thread sorts
the synapses of its own spike queue into a bucket per owning thread, then applies the buckets it owns in the order
of Brian2's list. No two threads write one neuron, and each neuron's inputs are summed in the same order as on one
thread for the same list. Code that touches both sides keeps Brian2's serial path, and
:func:`serial_code_objects` names it for the record. It is off by default
(:attr:`simnet.simulation.settings.RunSettings.parallel_delivery`): the extra pass over every synaptic event made it
slower than Brian2's serial delivery where it was measured (docs/results/performance.md, "Threads").
"""
from __future__ import annotations

from pathlib import Path

from brian2.devices.cpp_standalone.codeobject import CPPStandaloneCodeObject

__all__ = ["OWNER_SHIFT", "SERIAL_MARK", "use_parallel_delivery", "restore_templates", "serial_code_objects"]

#: log2 of the block of neurons a thread owns: 1,024 neurons (8 KiB of doubles), so that two threads never share a
#: cache line and each keeps long runs of its neurons.
OWNER_SHIFT = 10

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
