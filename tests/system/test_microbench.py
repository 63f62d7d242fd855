"""Measured peaks: an FMA loop built with the run's compiler, and a run on a CPU the tables do not know."""
from __future__ import annotations

import shutil

import pytest

from simnet.machine import microbench
from simnet.machine.hardware import Peak, with_measured_peak

needs_cxx = pytest.mark.skipif(shutil.which(microbench.default_cxx()) is None, reason="no C++ compiler")


def test_a_measured_peak_stands_in_only_where_no_nominal_one_is_known():
    unknown = Peak("cpu", "double", None, note="unknown peak: CPU 'X' is not in data/cpu_flops_per_cycle.csv")
    measured = with_measured_peak(unknown, 5e10, "measured peak: FMA micro-benchmark")
    assert measured.flops_per_s == 5e10 and measured.measured_flops_per_s == 5e10
    assert measured.source.startswith("measured peak") and measured.note.startswith("no nominal peak:")
    known = Peak("gpu", "single", 6.69e13, source="datasheet", nominal_flops_per_s=6.69e13)
    both = with_measured_peak(known, 5.1e13, "measured peak: FMA kernel")
    assert both.flops_per_s == 6.69e13 and both.measured_flops_per_s == 5.1e13 and both.source == "datasheet"
    failed = with_measured_peak(unknown, None, "no measured peak: no compiler")
    assert failed.flops_per_s is None and failed.note.endswith("no measured peak: no compiler")


@needs_cxx
def test_cpu_micro_benchmarks_measure_positive_figures():
    peak, why = microbench.cpu_peak(1, "double")
    assert peak is not None, why
    assert peak.value > 1e8 and peak.unit == "FLOP/s" and peak.method.startswith("measured peak: FMA micro-benchmark")
    forkjoin, why = microbench.cpu_forkjoin(1)
    assert forkjoin is not None and 0 < forkjoin.value < 1e-2, why
    copy, why = microbench.cpu_bandwidth(1)
    assert copy is not None and copy.value > 1e8, why


def test_without_a_compiler_there_is_a_reason_not_a_figure():
    peak, why = microbench.cpu_peak(1, "double", compiler="no-such-compiler-xyz")
    assert peak is None and "no C++ compiler" in why
    figures, why = microbench.gpu_measurements(None)
    assert figures == {} and "nvcc" in why


@needs_cxx
def test_a_run_on_an_unknown_cpu_gets_a_measured_peak(monkeypatch):
    import simnet
    import simnet.simulation.backends as backends
    from simnet import pipeline
    from simnet.machine import describe

    monkeypatch.setitem(backends.BACKENDS, "runtime", lambda: backends.RuntimeBackend("numpy"))
    unknown_cpu = {**describe.describe_machine(), "cpu_model": "Imaginary CPU 9999", "cpu_vendor": "NoVendor",
                   "cpu_family": None, "cpu_model_id": None}
    monkeypatch.setattr(pipeline, "describe_machine", lambda: unknown_cpu)
    record = simnet.run("cobahh", neurons=100, duration="5ms", backend="runtime", progress=False)
    peak = record.cost_detail["peak"]
    assert peak["flops_per_s"] > 0 and peak["measured_flops_per_s"] == peak["flops_per_s"]
    assert peak["source"].startswith("measured peak: FMA micro-benchmark") and "1 thread(s)" in peak["source"]
    assert record.cost_detail["peak_equivalent"]["peak_equivalent_flops"] > 0
