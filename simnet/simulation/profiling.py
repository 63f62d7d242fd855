"""Per-code-object times of the measured loop: how each device times its code objects, and the record's form
of Brian2's ``profiling_info`` (``timings["loop_profile"]``), joinable with the FLOP count of each code object.
"""
from __future__ import annotations

__all__ = ["NOT_PROFILED", "RUNTIME_PROFILE_CLOCK", "CPP_PROFILE_CLOCK_OPENMP", "CPP_PROFILE_CLOCK_SERIAL",
           "loop_profile"]

#: How a note of the record begins when a run asked for per-code-object times and has none (the cost table
#: shows that note in their place).
NOT_PROFILED = "per-code-object times not measured"

RUNTIME_PROFILE_CLOCK = ("wall-clock: Python's time.time() around each object's run in Brian2's runtime loop "
                         "(all of an object's code objects together, Python overhead included)")
#: How Brian2's C++ standalone templates (common_group.cpp, brian2 2.5 to 2.10) time a code object.
CPP_PROFILE_CLOCK_OPENMP = "wall-clock: omp_get_wtime() around the code object's function, on the calling thread"
CPP_PROFILE_CLOCK_SERIAL = ("processor time: std::clock() around the code object's function (without OpenMP); "
                            "it stops while the program is descheduled, so on a busy machine it is below wall-clock")


def loop_profile(net, info, clock: str, *, keyed_by_runner: bool) -> dict:
    """The record's per-code-object times of the measured loop (``timings["loop_profile"]``) of ``net`` (a
    ``brian2.Network``).

    ``info`` is Brian2's ``net.profiling_info`` (name, seconds), keyed by code object on standalone devices and
    by the object that runs it in runtime mode (``keyed_by_runner``); each entry is given both names, so that it
    can be joined with the FLOP count of the same code object (:mod:`simnet.cost.flops`).
    """
    runner_of, main_code_object = {}, {}
    stack, seen = list(net.objects), set()
    while stack:
        obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        stack.extend(getattr(obj, "contained_objects", []))
        for codeobj in getattr(obj, "_code_objects", None) or []:
            runner_of[codeobj.name] = obj.name
        if getattr(obj, "codeobj", None) is not None:
            main_code_object[obj.name] = obj.codeobj.name
    entries = []
    for name, seconds in info:
        if keyed_by_runner:
            runner, code_object = name, main_code_object.get(name, name)
        elif name in runner_of:
            runner, code_object = runner_of[name], name
        else:
            continue  # a pre-run's code object (its time was set to zero as the loop started)
        entries.append({"code_object": code_object, "runner": runner, "seconds": float(seconds)})
    entries.sort(key=lambda entry: -entry["seconds"])
    return {"clock": clock, "code_objects": entries}
