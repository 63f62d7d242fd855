"""Threads under load: a run planned while another process keeps a CPU busy notes the load and warns once.

The busy process is a child spinning in a loop; the run asks for as many threads as this process may use, so the
busy child leaves fewer free CPUs than threads on any machine, whatever its CPU count.
"""
import subprocess
import sys
import time
import warnings
from contextlib import contextmanager

import pytest

from simnet.machine.describe import cpu_load, cpus_available
from simnet.pipeline import plan_run
from simnet.simulation.settings import RunSettings


@contextmanager
def _busy_child():
    """A child process spinning in a loop for the duration of the block (started and running before it)."""
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.3)  # the child is running, not starting
        yield
    finally:
        busy.kill()
        busy.wait()


def test_cpu_load_reads_the_load_average_and_the_busy_cpus():
    load = cpu_load(sample_s=0.05)
    assert set(load) >= {"loadavg_1min", "busy_cpus", "cpus", "free_cpus", "sample_s"}
    assert load["cpus"] == cpus_available()
    if load["busy_cpus"] is not None:  # Linux
        assert 0 <= load["free_cpus"] <= load["cpus"] and load["busy_cpus"] >= 0


def test_a_busy_process_beside_the_run_is_noted_and_warned_about_once():
    cpus = cpus_available()
    if cpus < 2:  # one thread waits for no other, so only a note is kept; more threads than CPUs warn otherwise
        pytest.skip("threads that wait for each other need two CPUs")
    with _busy_child(), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        plan = plan_run("cobahh", {"neurons": 100}, duration_s=0.01, backend="cpp",
                        settings=RunSettings(threads=cpus))
    said = [str(w.message) for w in caught if "other processes left free" in str(w.message)]
    assert len(said) == 1, [str(w.message) for w in caught]
    assert [note for note in plan.notes if "other processes left free" in note] == said
    assert f"threads={cpus} is more than the" in said[0] and "1-minute load average" in said[0]
    assert plan.load["busy_cpus"] >= 0.5 and plan.load["free_cpus"] < cpus  # the child was seen
    assert plan.load["loadavg_1min"] is not None and plan.load["cpus"] == cpus


def test_the_default_thread_count_leaves_out_the_cpus_another_process_keeps_busy():
    cpus = cpus_available()
    if cpus < 2:
        pytest.skip("one CPU: the default is one thread whatever the load")
    with _busy_child():
        plan = plan_run("cobahh", {"neurons": 100}, duration_s=0.01, backend="cpp", settings=RunSettings())
    free = plan.load["free_cpus"]
    assert free < cpus  # the child was seen
    assert plan.settings.threads == max(1, free) and plan.backend.threads_used(plan.settings) == max(1, free)
    (note,) = [note for note in plan.notes if note.startswith("threads: ")]
    assert f"rather than every logical CPU ({cpus})" in note and "ask for threads" in note


def test_a_thread_count_the_user_gives_is_kept_under_load():
    cpus = cpus_available()
    with _busy_child(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plan = plan_run("cobahh", {"neurons": 100}, duration_s=0.01, backend="cpp",
                        settings=RunSettings(threads=cpus))
    assert plan.settings.threads == cpus and not any(note.startswith("threads: ") for note in plan.notes)
