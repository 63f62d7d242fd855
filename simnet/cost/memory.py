"""Memory a simulation occupies: model state per neuron and per synapse, process peak RSS, GPU memory.

:func:`state_bytes` is a static count from the Brian2 variables (dtype x length of every array a group
owns), so it is exact for what it counts and says what it leaves out. :func:`peak_rss_bytes` and
:func:`gpu_memory_used_mib` are measurements of the whole process or device, which also hold the
interpreter, generated code, monitors and allocator slack.
"""
from __future__ import annotations

import os
import resource
import sys
from typing import Iterable

import numpy as np

from simnet.machine.describe import nvidia_smi_query

__all__ = ["STD_VECTOR_HEADER_BYTES", "KIND_PER_NEURON", "KIND_PER_SYNAPSE", "KIND_SYNAPSE_PER_NEURON", "KIND_SHARED",
           "KIND_OTHER", "state_bytes", "peak_rss_bytes", "gpu_memory_used_mib", "estimate_state_bytes"]

#: Bytes of one ``std::vector`` header (begin, end, capacity pointers) in 64-bit libstdc++/libc++.
STD_VECTOR_HEADER_BYTES = 24

KIND_PER_NEURON = "per_neuron"
KIND_PER_SYNAPSE = "per_synapse"
KIND_SYNAPSE_PER_NEURON = "per_neuron_of_synapses"
KIND_SHARED = "shared"
KIND_OTHER = "other"


def _owner_name(var) -> str | None:
    try:
        return var.owner.name
    except (AttributeError, ReferenceError):
        # The owner is held by weak reference; a collected owner has nothing left to count.
        return None


def _is_standalone(device) -> bool:
    from brian2.devices.cpp_standalone.device import CPPStandaloneDevice
    return isinstance(device, CPPStandaloneDevice)


def _array_bytes(var) -> tuple[int | None, int | None, str]:
    """(length, bytes, where the size came from) of one Brian2 array variable.

    In runtime mode the variable's ``size`` is kept current (dynamic arrays update it on resize). In
    standalone mode synapses are created by the compiled program, so a dynamic array's length is only
    known from the file the program wrote to its results directory at the end of the run; reading the
    file size avoids loading values that may not fit in memory twice.
    """
    itemsize = np.dtype(var.dtype).itemsize
    from brian2.core.variables import DynamicArrayVariable
    device = getattr(var, "device", None)
    if isinstance(var, DynamicArrayVariable) and device is not None and _is_standalone(device):
        # brian2 2.5 has no results_dir; its file names are relative to the project directory ("results/...")
        results_dir = getattr(device, "results_dir", None) or getattr(device, "project_dir", None)
        if getattr(device, "has_been_run", False) and results_dir:
            path = os.path.join(results_dir, device.get_array_filename(var))
            if os.path.exists(path):
                nbytes = os.path.getsize(path)
                return nbytes // itemsize, nbytes, "standalone results file"
        return None, None, "not known: a standalone dynamic array before the program has run"
    size = var.size
    length = int(np.prod(size)) if isinstance(size, tuple) else int(size)
    return length, length * itemsize, "declared size"


def _owned_arrays(obj) -> list[tuple[str, object, str]]:
    """(name, variable, index name) of the arrays ``obj`` owns, each once, including pathway delays.

    Aliases (Synapses' ``i`` is the same variable as ``_synaptic_pre``) and references to other groups'
    variables (``v_post``) are skipped so that nothing is counted twice.
    """
    from brian2.core.variables import ArrayVariable
    seen: set[int] = set()
    arrays = []
    sources = [obj.variables]
    # Synaptic delays live in the pathway's variables (owned by the Synapses object); brian2 2.11 also lists them
    # among the Synapses' own variables, so each is named after its pathway wherever it is met first.
    delay_names = {}
    for pathway in getattr(obj, "_pathways", []):
        sources.append(pathway.variables)
        if "delay" in pathway.variables:
            delay_names[id(pathway.variables["delay"])] = f"{pathway.name}.delay"
    for variables in sources:
        for name, var in variables.items():
            if not isinstance(var, ArrayVariable) or id(var) in seen:
                continue
            if _owner_name(var) != obj.name:
                continue
            seen.add(id(var))
            arrays.append((delay_names.get(id(var), name), var, variables.indices[name]))
    return arrays


def _kind(obj_type: str, var, index: str) -> str:
    if var.scalar:
        return KIND_SHARED
    if obj_type == "NeuronGroup":
        return KIND_PER_NEURON if index == "_idx" else KIND_OTHER
    if obj_type == "Synapses":
        # N_incoming/N_outgoing are indexed by the post/presynaptic neuron, not by synapse.
        return KIND_PER_SYNAPSE if index == "_idx" else KIND_SYNAPSE_PER_NEURON
    return KIND_OTHER


def _spike_queue_lower_bound(synapses, pathway, n_synapses: int | None) -> dict:
    """Lower bound on the static memory of a pathway's spike queue, where its implementation is known.

    Brian2's C++ ``CSpikeQueue`` (used by C++ standalone and by the Cython runtime queue) keeps, after
    ``prepare``: an ``int`` delay per synapse (one when delays are homogeneous), one ``int`` per synapse
    in a ``std::vector`` per presynaptic neuron, and those vectors' headers. Vector capacity slack and
    the queued spikes themselves (activity-dependent) are not included, hence a lower bound.
    """
    from brian2.devices.device import get_device
    queue = getattr(pathway, "queue", None)
    queue_module = type(queue).__module__ if queue is not None else ""
    device = get_device()
    if queue_module.endswith("cythonspikequeue"):
        implementation = "Cython runtime SpikeQueue (wraps CSpikeQueue)"
    elif type(device).__name__ == "CPPStandaloneDevice":
        implementation = "C++ standalone CSpikeQueue"
    else:
        return {"pathway": pathway.name, "lower_bound_bytes": None,
                "basis": f"not counted: queue implementation "
                         f"{queue_module or type(device).__name__} has no known layout"}
    if n_synapses is None:
        return {"pathway": pathway.name, "lower_bound_bytes": None,
                "basis": "not counted: number of synapses not known"}
    delay_var = pathway.variables["delay"]
    n_delays = 1 if delay_var.scalar else n_synapses
    n_sources = len(pathway.source)
    lower = 4 * n_synapses + 4 * n_delays + STD_VECTOR_HEADER_BYTES * n_sources
    return {"pathway": pathway.name, "lower_bound_bytes": lower,
            "basis": (f"estimate (lower bound), {implementation}: 4 B x {n_synapses} synapse indices + "
                      f"4 B x {n_delays} delays + {STD_VECTOR_HEADER_BYTES} B x {n_sources} per-source "
                      f"vectors; capacity slack and queued spikes not included")}


def state_bytes(objects: Iterable) -> dict:
    """Bytes of model state held in Brian2 arrays, per neuron, per synapse, by object and by variable.

    Counting rule: every array variable an object owns counts once at ``itemsize x length`` (dtype and
    size from the Brian2 ``variables``; in standalone mode, dynamic arrays from the results files the run
    wrote). Per-neuron bytes are the arrays of NeuronGroups indexed by neuron (state variables,
    ``lastspike``, ``not_refractory``, the index ``i`` and the ``_spikespace`` spike buffer of N+1
    entries) divided by the neurons; per-synapse bytes are the arrays of Synapses indexed by synapse
    (synaptic variables, ``_synaptic_pre``/``_synaptic_post`` indices, heterogeneous delays) divided by
    the synapses. Shared (scalar) variables, Synapses' per-neuron counters and other objects' arrays
    (monitors) are reported but not folded into those two figures. A SpatialNeuron is one cell: its bytes per
    cell are every array it and its cable solver own, its bytes per compartment those indexed by compartment.

    Parameters
    ----------
    objects : iterable of Brian2 objects
        NeuronGroups, Synapses and optionally monitors, after the network was built (runtime) or run
        (standalone).

    Returns
    -------
    dict
        ``n_neurons``, ``n_synapses``, ``bytes_per_neuron``, ``bytes_per_synapse`` (None when there are
        none or their size is not known), ``neuron_bytes``, ``synapse_bytes``, ``total_bytes`` (every
        counted array), ``by_object`` (name -> type, elements, bytes, bytes by kind),
        ``by_variable`` (list of object, variable, dtype, itemsize, length, bytes, kind, size_from),
        ``spike_queues`` (lower bounds where the implementation is known) and ``not_counted`` (what
        this count leaves out).
    """
    by_variable = []
    by_object = {}
    not_counted = []
    spike_queues = []
    n_neurons = cells = compartments = 0
    n_synapses: int | None = 0
    neuron_bytes = synapse_bytes = total_bytes = cell_bytes = compartment_bytes = 0
    for obj in objects:
        obj_type = type(obj).__name__
        kinds: dict[str, int] = {}
        obj_n_synapses = None
        arrays = _owned_arrays(obj)
        if obj_type == "SpatialNeuron":
            # the cable solver's matrices belong to its updater; per compartment where indexed by compartment
            arrays += [(f"{obj.diffusion_state_updater.name}.{name}", var,
                        "_idx" if index == "_compartment_idx" else index)
                       for name, var, index in _owned_arrays(obj.diffusion_state_updater)]
        for name, var, index in arrays:
            length, nbytes, size_from = _array_bytes(var)
            kind = _kind("NeuronGroup" if obj_type == "SpatialNeuron" else obj_type, var, index)
            by_variable.append({"object": obj.name, "variable": name, "dtype": np.dtype(var.dtype).name,
                                "itemsize": np.dtype(var.dtype).itemsize, "length": length,
                                "bytes": nbytes, "kind": kind, "size_from": size_from})
            if nbytes is None:
                not_counted.append(f"{obj.name}.{name}: {size_from}")
                continue
            kinds[kind] = kinds.get(kind, 0) + nbytes
            total_bytes += nbytes
            if kind == KIND_PER_SYNAPSE and name == "_synaptic_pre":
                obj_n_synapses = length
        elements = None
        if obj_type == "NeuronGroup":
            elements = len(obj)
            n_neurons += elements
            neuron_bytes += kinds.get(KIND_PER_NEURON, 0)
        elif obj_type == "SpatialNeuron":
            elements = len(obj)
            cells, compartments = cells + 1, compartments + elements
            cell_bytes += sum(kinds.values())
            compartment_bytes += kinds.get(KIND_PER_NEURON, 0)
        elif obj_type == "Synapses":
            elements = obj_n_synapses
            if obj_n_synapses is None or n_synapses is None:
                n_synapses = None
            else:
                n_synapses += obj_n_synapses
            synapse_bytes += kinds.get(KIND_PER_SYNAPSE, 0)
            for pathway in getattr(obj, "_pathways", []):
                spike_queues.append(_spike_queue_lower_bound(obj, pathway, obj_n_synapses))
        by_object[obj.name] = {"type": obj_type, "elements": elements,
                               "bytes": sum(kinds.values()), "bytes_by_kind": kinds}

    not_counted += [f"{q['pathway']} spike queue: {q['basis']}" for q in spike_queues
                    if q["lower_bound_bytes"] is None]
    not_counted += [
        "spike queue contents and std::vector capacity slack (activity- and allocator-dependent)",
        "spare capacity of Brian2 dynamic arrays (they over-allocate when growing)",
        "generated code, compiled binaries, the Python interpreter and Brian2's own objects "
        "(see peak RSS for the whole process)",
    ]
    return {
        "n_neurons": n_neurons + cells,
        "n_synapses": n_synapses,
        # a cell (SpatialNeuron) counts as one neuron with every array of it and its cable solver
        "bytes_per_neuron": (neuron_bytes + cell_bytes) / (n_neurons + cells) if n_neurons + cells else None,
        "cells": cells,
        "compartments": compartments,
        "bytes_per_cell": cell_bytes / cells if cells else None,
        "bytes_per_compartment": compartment_bytes / compartments if compartments else None,
        "bytes_per_synapse": synapse_bytes / n_synapses if n_synapses else None,
        "neuron_bytes": neuron_bytes,
        "synapse_bytes": synapse_bytes,
        "total_bytes": total_bytes,
        "by_object": by_object,
        "by_variable": by_variable,
        "spike_queues": spike_queues,
        "spike_queue_lower_bound_bytes": sum(q["lower_bound_bytes"] or 0 for q in spike_queues),
        "not_counted": not_counted,
        "method": "itemsize x length of every array each object owns (Brian2 variables; "
                  "standalone dynamic arrays from their results files)",
    }


def peak_rss_bytes() -> dict:
    """Peak resident set size of this process and of its largest finished child, in bytes.

    Standalone simulations run as a child process, whose peak shows up under ``children_bytes`` once
    it has been waited for, mixed with the compiler's (the larger of the two wins, and the compiler, ~1 GiB, often
    does): the session's ``program_bytes`` and ``compiler_bytes`` tell them apart where it can (simnet.pipeline
    adds them). ``ru_maxrss`` is in KiB on Linux and in bytes on macOS; both are converted.

    Returns
    -------
    dict
        ``self_bytes``, ``children_bytes`` and ``note``.
    """
    scale = 1 if sys.platform == "darwin" else 1024
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * scale
    return {
        "self_bytes": int(own),
        "children_bytes": int(children),
        "note": "getrusage ru_maxrss (KiB on Linux, converted); children_bytes is the largest single "
                "waited-for child, the compiler or the program (RUSAGE_CHILDREN reports a maximum, not a sum); "
                "program_bytes, where present, is the generated program's own (its getrusage at exit) and "
                "compiler_bytes the largest child before it started",
    }


def gpu_memory_used_mib(gpu_index: int = 0) -> float | None:
    """Memory in use on a GPU right now (all processes), in MiB, from ``nvidia-smi``.

    None when ``nvidia-smi`` is absent or fails. A standalone GPU program frees its memory when it
    exits, so call this while the simulation runs, or use the peak an
    :class:`~simnet.cost.energy.EnergyMeter` sampled during the loop.
    """
    rows = nvidia_smi_query(("memory.used",), gpu_index=gpu_index)
    if not rows:
        return None
    try:
        return float(rows[0]["memory.used"])
    except ValueError:
        return None


def estimate_state_bytes(spec, *, float_bytes: int, n_steps: int) -> dict:
    """A lower bound on the memory the network of ``spec`` needs, known before anything is built.

    The counting rule is :func:`state_bytes`' (every array a group or synapse object owns, per element), applied
    to Brian2's own variables of one probe neuron per population and unconnected probe synapses
    (:func:`simnet.simulation.network_builder.element_probes`) and multiplied by the sizes the spec gives (synapses: their expected
    number); plus the spike queues' lower bound and the monitors every run has (a spike count per neuron, a time
    and a rate per step per population). Recorded spikes, the queues' contents, set-up copies and the programs
    themselves are left out, so a network that needs more than this can never fit.

    Parameters
    ----------
    spec : ModelSpec
        The network.
    float_bytes : int
        Bytes of one floating-point value at the run's precision (4 or 8).
    n_steps : int
        Time steps the run will simulate (pre-run included): the rate monitors keep one value per step.
    """
    from simnet.simulation.network_builder import element_probes

    groups, synapses = element_probes(spec)

    def per_element(obj, kind: str) -> int:
        nbytes = 0
        for _, var, index in _owned_arrays(obj):
            if _kind(type(obj).__name__, var, index) == kind:
                dtype = np.dtype(var.dtype)
                nbytes += float_bytes if dtype.kind == "f" else dtype.itemsize
        return nbytes

    int_bytes = np.dtype(np.int32).itemsize
    sizes = {name: stop - start for name, (_, start, stop) in spec.slices().items()}
    # What state_bytes will count per neuron of each group and per synapse of each projection
    per_element_bytes = {**{pop.name: per_element(groups[pop.name], KIND_PER_NEURON) for pop in spec.populations},
                         **{proj.name: per_element(synapses[proj.name], KIND_PER_SYNAPSE)
                            for proj in spec.projections}}
    # (+ the spike monitor's count per neuron)
    neuron_bytes = sum(pop.size * (per_element_bytes[pop.name] + int_bytes) for pop in spec.populations)
    synapse_bytes, n_synapses, unknown = 0.0, 0.0, []
    for proj in spec.projections:
        count = spec.expected_synapses(proj)
        if count is None:
            unknown.append(proj.name)
            continue
        syn = synapses[proj.name]
        n_sources = sizes[proj.source]
        per_neuron = per_element(syn, KIND_SYNAPSE_PER_NEURON) * (n_sources + sizes[proj.target]) / 2
        # CSpikeQueue per pathway: a synapse index and a delay per synapse, a vector header per source neuron
        queues = len(getattr(syn, "_pathways", [])) * (2 * int_bytes * count + STD_VECTOR_HEADER_BYTES * n_sources)
        synapse_bytes += count * per_element_bytes[proj.name] + per_neuron + queues
        n_synapses += count
    monitor_bytes = 2 * 8 * n_steps * len(sizes)
    n_neurons = spec.n_neurons
    return {
        "total_bytes": neuron_bytes + synapse_bytes + monitor_bytes,
        "neuron_bytes": neuron_bytes, "synapse_bytes": synapse_bytes, "monitor_bytes": monitor_bytes,
        "n_neurons": n_neurons, "n_synapses": n_synapses,
        "bytes_per_neuron": neuron_bytes / n_neurons if n_neurons else None,
        "bytes_per_synapse": synapse_bytes / n_synapses if n_synapses else None,
        "per_element_bytes": per_element_bytes,
        "projections_not_counted": unknown,
    }
