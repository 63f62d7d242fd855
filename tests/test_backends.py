"""Backends: registry, availability, and the same network giving the same statistics on runtime and cpp."""
import brian2
import numpy as np
import pytest

from simnet.backends import BACKENDS, RunSettings, RuntimeBackend, get_backend
from simnet.errors import UsageError
from simnet.models.cobahh import CobahhParams, build_spec
from simnet.simulate import run_model


def test_registry_and_auto():
    assert set(BACKENDS) >= {"runtime", "cpp", "cuda", "genn", "genn-cpu"}
    auto = get_backend("auto")
    assert auto.availability().usable
    assert auto.name in ("cpp", "cuda", "genn")
    with pytest.raises(UsageError, match="unknown backend"):
        get_backend("fpga")


def test_unusable_backend_refuses_to_open_a_session():
    for name in ("cuda", "genn", "genn-cpu"):
        backend = get_backend(name)
        available = backend.availability()
        if available.usable:
            continue
        assert available.reason.startswith(f"backend {name} needs")
        with pytest.raises(UsageError, match=f"backend {name} needs"):
            backend.session(RunSettings())


@pytest.mark.needs_gpu
def test_gpu_backends_are_usable_where_a_gpu_and_packages_are_present():
    usable = [name for name in ("cuda", "genn") if get_backend(name).availability().usable]
    assert usable, "a GPU is present but neither GPU backend is usable: " + "; ".join(
        get_backend(n).availability().reason for n in ("cuda", "genn"))


def mean_rate(record) -> float:
    return record.n_spikes / (record.n_neurons * record.duration_s)


@pytest.mark.slow
def test_runtime_and_cpp_give_statistically_the_same_rates(tmp_path):
    """Classic COBAHH, N=1000, 300 ms, two seeds per backend.

    The backends draw different random numbers, so runs differ spike by spike; what must agree is the
    statistics. Seed-to-seed spread of the mean rate at this size was measured at about +-13% (32-42 Hz over
    six runs on both backends), so the mean over two seeds per backend must agree within 25%; a broken
    synapse or integration path moves it far more (without recurrent input the rate collapses).
    """
    spec = build_spec(CobahhParams(n_neurons=1000))
    settings = RunSettings(threads=1, progress=False, build_root=tmp_path)
    rates = {}
    for backend in (RuntimeBackend("numpy"), get_backend("cpp")):
        runs = [run_model(spec, backend, settings, 300 * brian2.ms, seed=seed, record_spikes=False)
                for seed in (11, 12)]
        rates[backend.name] = np.mean([mean_rate(r) for r in runs])
        for r in runs:
            assert r.counts["projections"]["exc_synapses"]["synapses"] == pytest.approx(800 * 80, rel=0.05)
    assert rates["runtime"] > 10.0
    assert rates["cpp"] == pytest.approx(rates["runtime"], rel=0.25)
    assert list(tmp_path.iterdir()) == []  # standalone build directories are removed


@pytest.mark.slow
def test_two_standalone_runs_in_one_process_use_separate_directories(tmp_path):
    spec = build_spec(CobahhParams(n_neurons=100))
    settings = RunSettings(threads=1, progress=False, build_root=tmp_path, keep_build=True)
    first = run_model(spec, get_backend("cpp"), settings, 20 * brian2.ms, seed=1, record_spikes=True)
    second = run_model(spec, get_backend("cpp"), settings, 20 * brian2.ms, seed=1, record_spikes=True)
    assert len(list(tmp_path.iterdir())) == 2
    # The program's loop marks (steady_clock) lie on the Python meter's clock (time.monotonic), so the
    # energy is cut to the loop rather than left covering compilation too.
    for record in (first, second):
        assert record.cost["energy"]["span"] == "the simulation loop"
        assert "whole_call" in record.cost["energy"] or record.cost["energy"]["joules"] is None
    # same seed, same program: the same spikes
    np.testing.assert_array_equal(first.spikes["neurons"][1], second.spikes["neurons"][1])
    assert brian2.get_device().__class__.__name__ == "RuntimeDevice"


@pytest.mark.slow
@pytest.mark.parametrize("backend_name", ["runtime", "cpp"])
def test_pre_run_is_excluded_from_spikes_rates_and_counts(tmp_path, backend_name):
    """Monitors are paused in the pre-run: every spike kept, every count and every rate bin lies in the loop."""
    spec = build_spec(CobahhParams(n_neurons=200))
    settings = RunSettings(threads=1, progress=False, build_root=tmp_path)
    backend = RuntimeBackend("numpy") if backend_name == "runtime" else get_backend("cpp")
    record = run_model(spec, backend, settings, 50 * brian2.ms, seed=2, record_spikes=True,
                       pre_run=30 * brian2.ms)
    times_ms, ids = record.spikes["neurons"]
    assert len(times_ms) > 0 and times_ms.min() >= 30.0 - 1e-9
    assert record.n_spikes == len(times_ms)  # counts come from the same (paused) monitor
    starts, _ = record.rates["neurons"]
    assert starts[0] == pytest.approx(30.0) and len(starts) == 50
    assert record.counts["n_steps"] == 500
    exc = record.counts["populations"]["exc"]
    assert (exc["start"], exc["stop"], exc["part_of"]) == (0, 160, "neurons")
