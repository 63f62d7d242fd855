"""Backends: registry, availability, choosing by network, reused projects, and the same network giving the same
statistics on runtime and cpp."""
import json
import os
from dataclasses import replace

import brian2
import numpy as np
import pytest

from simnet.base.errors import UsageError
from simnet.models.cobahh import CobahhParams, build_spec
from simnet.pipeline import RunPlan, execute
from simnet.simulation.backends import BACKENDS, RuntimeBackend, get_backend
from simnet.simulation.settings import RunSettings


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
        runs = [execute(RunPlan(spec, backend, settings, duration_s=0.3, seed=seed)) for seed in (11, 12)]
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
    first = execute(RunPlan(spec, get_backend("cpp"), settings, duration_s=0.02, seed=1, record_spikes=True))
    second = execute(RunPlan(spec, get_backend("cpp"), settings, duration_s=0.02, seed=1, record_spikes=True))
    assert len(list(tmp_path.iterdir())) == 2
    # The program's loop marks (steady_clock) lie on the Python meter's clock (time.monotonic), so the
    # energy is cut to the loop rather than left covering compilation too.
    for record in (first, second):
        assert record.cost_detail["energy"]["span"] == "the simulation loop"
        assert "whole_call" in record.cost_detail["energy"] or record.cost_detail["energy"]["joules"] is None
    # same seed, same program: the same spikes
    for population in ("exc", "inh"):
        np.testing.assert_array_equal(first.spikes(population).node_ids, second.spikes(population).node_ids)
    assert brian2.get_device().__class__.__name__ == "RuntimeDevice"


@pytest.mark.slow
@pytest.mark.parametrize("backend_name", ["runtime", "cpp"])
def test_pre_run_is_excluded_from_spikes_rates_and_counts(tmp_path, backend_name):
    """Monitors are paused in the pre-run: every spike kept, every count and every rate bin lies in the loop; so
    does the per-code-object profile."""
    spec = build_spec(CobahhParams(n_neurons=200))
    settings = RunSettings(threads=1, progress=False, build_root=tmp_path, profile=True)
    backend = RuntimeBackend("numpy") if backend_name == "runtime" else get_backend("cpp")
    record = execute(RunPlan(spec, backend, settings, duration_s=0.05, pre_run_s=0.03, seed=2, record_spikes=True))
    times_ms = np.concatenate([train.times_ms for train in record.spikes().values()])
    assert len(times_ms) > 0 and times_ms.min() >= 30.0 - 1e-9
    assert record.n_spikes == len(times_ms)  # counts come from the same (paused) monitor
    starts, _ = record.rates["exc"]
    assert starts[0] == pytest.approx(30.0) and len(starts) == 50
    assert record.counts["n_steps"] == 500
    exc = record.counts["populations"]["exc"]
    assert (exc["start"], exc["stop"], exc["part_of"]) == (0, 160, "neurons")
    # every counted code object is timed, and only the loop's: the times add up to less than the loop
    timed = record.timings["loop_profile"]["code_objects"]
    assert {row["code_object"] for row in record.cost_detail["flops"]["rows"]} <= {e["code_object"] for e in timed}
    assert 0 < sum(e["seconds"] for e in timed) <= record.timings["simulation_loop_s"]
    if backend_name == "cpp":
        # a pathway's spike-queue push is made in the pre-run's build and timed from the loop's start only
        assert {"exc_synapses_pre_push_spikes", "inh_synapses_pre_push_spikes"} <= {e["code_object"] for e in timed}
        assert record.timings["loop_profile"]["clock"].startswith("processor time")  # one thread: no OpenMP


# --- choosing a backend by network (auto) and refusing networks a backend cannot run ---

def tiny_column_spec():
    from simnet.models import get_model

    entry = get_model("microcircuit")
    with pytest.warns(Warning):  # a k-scaling this small is outside what the compensation carries
        return entry.build_spec(entry.parameters(scale=0.01, k_scale=0.01))


def test_network_features_are_read_from_the_spec():
    from simnet.simulation.backends import network_features

    cobahh = build_spec(CobahhParams(n_neurons=100))
    assert network_features(cobahh) == network_features()  # probability rule, no delays: nothing special
    assert network_features(cobahh, pre_run=True).separate_pre_run
    column = network_features(tiny_column_spec())
    assert set(column.per_synapse_delays) == set(column.repeated_pairs) == {
        "exc_to_exc", "exc_to_inh", "inh_to_exc", "inh_to_inh"}
    delayed = replace(cobahh, projections=(replace(cobahh.projections[0], delay="rand()*ms"),
                                           replace(cobahh.projections[1], probability=None, total_number=50)))
    features = network_features(delayed)
    assert features.per_synapse_delays == (cobahh.projections[0].name,)
    assert features.repeated_pairs == (cobahh.projections[1].name,)
    # several specs: the union, each projection named once
    assert network_features(delayed, delayed, cobahh).per_synapse_delays == (cobahh.projections[0].name,)


def test_genn_refuses_what_brian2genn_cannot_run_and_the_others_accept_it():
    from simnet.simulation.backends import CudaBackend, GennBackend, NetworkFeatures

    column = NetworkFeatures(per_synapse_delays=("exc_to_exc",), repeated_pairs=("exc_to_inh",),
                             separate_pre_run=True)
    for genn in (GennBackend(use_gpu=True), GennBackend(use_gpu=False)):
        verdict = genn.supports(column)
        assert not verdict.usable
        assert verdict.reason.startswith(f"backend {genn.name} cannot run this network: per-synapse delays")
        assert "exc_to_exc" in verdict.reason and "exc_to_inh" in verdict.reason and "pre-run" in verdict.reason
        assert "\n" not in verdict.reason
        assert genn.supports(NetworkFeatures()).usable
        assert not genn.supports(NetworkFeatures(separate_pre_run=True)).usable
    for other in (CudaBackend(), get_backend("cpp"), RuntimeBackend()):
        assert other.supports(column).usable


def test_auto_takes_the_first_backend_usable_here_that_can_run_the_network():
    from simnet.simulation.backends import Availability, choose_auto

    yes = Availability(True)
    no_gpu = Availability(False, "backend X needs an NVIDIA GPU")
    no_delays = Availability(False, "backend genn cannot run this network: per-synapse delays")
    chosen, note = choose_auto([("genn", yes, yes), ("cuda", yes, yes), ("cpp", yes, yes)])
    assert chosen == "genn" and note.startswith("backend auto chose genn")
    chosen, note = choose_auto([("genn", yes, no_delays), ("cuda", yes, yes), ("cpp", yes, yes)])
    assert chosen == "cuda" and no_delays.reason in note  # a GPU is here, but genn cannot run the column
    chosen, note = choose_auto([("genn", yes, no_delays), ("cuda", no_gpu, yes), ("cpp", yes, yes)])
    assert chosen == "cpp" and no_delays.reason in note and no_gpu.reason in note
    chosen, _ = choose_auto([("genn", no_gpu, yes), ("cpp", no_gpu, yes)])
    assert chosen == "cpp"  # the fallback, whose own check then says what is missing


def test_resolve_backend_checks_the_network_before_anything_is_built():
    from simnet.simulation.backends import resolve_backend

    column = tiny_column_spec()
    cobahh = build_spec(CobahhParams(n_neurons=100))
    with pytest.raises(UsageError, match="backend genn cannot run this network: per-synapse delays"):
        resolve_backend("genn", column)  # the network is checked first: installing GeNN would not help
    with pytest.raises(UsageError, match="backend genn-cpu cannot run this network: a pre-run"):
        resolve_backend("genn-cpu", cobahh, pre_run=True)
    with pytest.raises(UsageError, match="unknown backend"):
        resolve_backend("fpga", cobahh)
    assert resolve_backend("cpp", column).selection_note == ""
    auto = resolve_backend("auto", column, cobahh)
    assert auto.name != "genn" and auto.availability().usable
    assert auto.selection_note.startswith(f"backend auto chose {auto.name}")
    assert "backend genn cannot run this network" in auto.selection_note


def test_a_plan_the_backend_cannot_run_is_refused_before_building():
    from simnet.simulation.backends import GennBackend

    with pytest.raises(UsageError, match="cannot run this network"):
        execute(RunPlan(tiny_column_spec(), GennBackend(), RunSettings(progress=False), duration_s=0.01))
    assert brian2.get_device().__class__.__name__ == "RuntimeDevice"


def test_cli_run_refuses_genn_for_the_column_in_one_line(tmp_path, capsys):
    from simnet.cli import main

    out = tmp_path / "r.h5"
    status = main(["run", "microcircuit", "--scale", "0.01", "--backend", "genn", "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert status == 2
    assert err.startswith("simnet: error: backend genn cannot run this network: per-synapse delays"), err
    assert len(err.splitlines()) == 1 and not out.exists()


def test_auto_chooses_only_among_the_backends_a_model_runs_on():
    from simnet.models import get_model
    from simnet.simulation.backends import resolve_backend

    entry = get_model("cobahh")
    spec = entry.build_spec(entry.parameters(neurons=100))
    assert resolve_backend("auto", spec, among=("runtime",)).name == "runtime"
    assert resolve_backend("auto", spec, among=("runtime", "cpp")).name == "cpp"
    assert resolve_backend("auto", spec, among=()).name == resolve_backend("auto", spec).name  # empty: no limit


def test_the_auto_choice_is_a_note_of_the_record():
    backend = RuntimeBackend("numpy")
    backend.selection_note = "backend auto chose runtime (a test's stand-in)"
    record = execute(RunPlan(build_spec(CobahhParams(n_neurons=20)), backend, RunSettings(progress=False),
                             duration_s=0.002))
    assert record.notes[0] == backend.selection_note
    assert "project" not in record.backend  # runtime mode builds no project


# --- reusing a compiled standalone project ---

def test_project_name_follows_the_network_code_not_its_data():
    cpp = get_backend("cpp")
    settings = RunSettings(threads=1)
    spec = build_spec(CobahhParams(n_neurons=100))
    name = cpp.project_name(spec, settings)
    assert name.startswith("cobahh-cpp-")
    assert cpp.project_name(build_spec(CobahhParams(n_neurons=100)), settings) == name
    # per-neuron values are data files of the project, not code
    neurons = spec.populations[0]
    values = replace(neurons, initial_values={**neurons.initial_values, "v": np.full(neurons.size, -60.0) * brian2.mV})
    other_values = replace(neurons, initial_values={**neurons.initial_values,
                                                    "v": np.full(neurons.size, -55.0) * brian2.mV})
    assert (cpp.project_name(replace(spec, populations=(values,)), settings)
            == cpp.project_name(replace(spec, populations=(other_values,)), settings))
    # what changes the generated code changes the name
    assert cpp.project_name(build_spec(CobahhParams(n_neurons=120)), settings) != name
    assert cpp.project_name(spec, RunSettings(threads=2)) != name
    assert cpp.project_name(spec, RunSettings(threads=1, precision="single")) != name
    assert cpp.project_name(replace(spec, dt=0.05 * brian2.ms), settings) != name
    assert get_backend("runtime").project_name(spec, settings) != name


def test_a_held_project_lock_falls_back_to_a_temporary_directory(tmp_path):
    from simnet.simulation.build_cache import claim_project_directory

    cpp = get_backend("cpp")
    settings = RunSettings(threads=1, progress=False, build_root=tmp_path, reuse_build=True)
    name = cpp.project_name(build_spec(CobahhParams(n_neurons=100)), settings)
    claimed = claim_project_directory(tmp_path, name)
    assert claimed is not None and claimed[0] == tmp_path / name and claimed[2] is False
    try:
        assert claim_project_directory(tmp_path, name) is None  # a second claimant, even in this process
        with cpp.session(settings, name) as session:
            assert session.project == "temporary"
            assert session.directory.parent == tmp_path and session.directory != tmp_path / name
            assert any("was in use by another process" in note for note in session.notes)
            temporary = session.directory
        assert not temporary.exists()  # removed like any temporary project
    finally:
        os.close(claimed[1])
    with cpp.session(settings, name) as session:  # the lock is free again
        assert session.project == "new" and session.directory == tmp_path / name
    assert (tmp_path / name).is_dir()  # a reusable project is kept
    assert brian2.get_device().__class__.__name__ == "RuntimeDevice"


def test_gpu_backends_do_not_reuse_projects_and_say_why():
    from simnet.simulation.backends import CudaBackend, GennBackend

    for backend in (CudaBackend(), GennBackend()):
        assert backend.build_reuse_refusal
    assert get_backend("cpp").build_reuse_refusal == ""


@pytest.mark.slow
def test_a_reused_project_recompiles_only_what_changed_and_gives_the_same_spikes(tmp_path):
    """Three builds of COBAHH N=100: seed 1 in the kept directory, seed 2 in it again (only main.cpp changes),
    and seed 2 in a fresh temporary directory, which must give exactly the spikes of the reused build."""
    spec = build_spec(CobahhParams(n_neurons=100))
    cpp = get_backend("cpp")
    reusing = RunSettings(threads=1, progress=False, build_root=tmp_path / "kept", reuse_build=True)
    directory = tmp_path / "kept" / cpp.project_name(spec, reusing)

    def run(settings, seed):
        return execute(RunPlan(spec, cpp, settings, duration_s=0.02, seed=seed, record_spikes=True))

    first = run(reusing, 1)
    assert first.backend["project"] == "new" and any("kept for reuse" in n for n in first.notes)
    objects = {path: path.stat().st_mtime_ns for path in (directory / "code_objects").glob("*.o")}
    assert objects
    second = run(reusing, 2)
    assert second.backend["project"] == "reused"
    assert any(f"reused from {directory}" in note for note in second.notes)
    # the code objects were not recompiled: only main.cpp carries the seed
    assert {path: path.stat().st_mtime_ns for path in objects} == objects
    fresh = run(RunSettings(threads=1, progress=False, build_root=tmp_path / "fresh"), 2)
    assert fresh.backend["project"] == "temporary"
    assert list((tmp_path / "fresh").iterdir()) == []
    np.testing.assert_array_equal(second.spikes("exc").times_ms, fresh.spikes("exc").times_ms)
    np.testing.assert_array_equal(second.spikes("exc").node_ids, fresh.spikes("exc").node_ids)
    # the new seed did reach the reused program (main.cpp was rebuilt)
    first_times, second_times = first.spikes("exc").times_ms, second.spikes("exc").times_ms
    assert len(first_times) != len(second_times) or not np.array_equal(first_times, second_times)


def test_bench_runners_take_reuse_build():
    from simnet.bench.experiment_file import experiment_from_dict

    def experiment(**runner):
        return experiment_from_dict({"name": "x", "model": "cobahh", "sweep": {"neurons": [100]},
                                     "runners": [{"kind": "simnet", "backend": "cpp", **runner}]}, source="test")

    assert experiment().runners[0].reuse_build is False
    runner = experiment(reuse_build=True).runners[0]
    assert runner.reuse_build is True and runner.describe()["reuse_build"] is True
    with pytest.raises(UsageError, match="reuse_build must be true or false"):
        experiment(reuse_build="yes")


def test_genn_cpu_counts_one_thread():
    from simnet.simulation.backends import GennBackend

    assert GennBackend(use_gpu=False).threads_used(RunSettings()) == 1  # GeNN's CPU backend is single-threaded
    assert GennBackend(use_gpu=True).threads_used(RunSettings()) is None  # a GPU run: the GPU's peak


def test_cuda_availability_separates_compiling_from_running(monkeypatch):
    from types import SimpleNamespace

    from simnet.simulation import backends

    def toolchain(nvcc="/opt/cuda/bin/nvcc", gpus=(), python=(3, 12, 1), brian2cuda=True):
        monkeypatch.setattr(backends, "nvcc_path", lambda: nvcc)
        monkeypatch.setattr(backends, "nvidia_gpu_names", lambda: list(gpus))
        monkeypatch.setattr(backends, "sys", SimpleNamespace(version_info=python))
        monkeypatch.setattr(backends, "importlib", SimpleNamespace(util=SimpleNamespace(
            find_spec=lambda name: object() if brian2cuda and name == "brian2cuda" else None)))
        return backends.CudaBackend()

    no_gpu = toolchain()
    assert not no_gpu.availability().usable and "compile here" in no_gpu.availability().reason
    assert no_gpu.availability(compile_only=True).usable
    assert toolchain(gpus=["NVIDIA H100 80GB HBM3"]).availability().usable
    for broken, needs in ((dict(nvcc=None), "CUDA toolkit"), (dict(python=(3, 11, 7)), "Python >= 3.12"),
                          (dict(brian2cuda=False), "needs brian2cuda")):
        cuda = toolchain(**broken)
        assert needs in cuda.availability().reason and needs in cuda.availability(compile_only=True).reason
    assert not backends.RuntimeBackend().availability(compile_only=True).usable


def test_a_target_compute_capability_is_for_compiling_only():
    from simnet import api

    with pytest.raises(UsageError, match="compute capability is for compiling only"):
        api.plan("cobahh", neurons=20, compute_capability=9.0)
    with pytest.raises(UsageError, match="compute_capability"):
        api.plan("cobahh", neurons=20, compile_only=True, compute_capability=0.5)
    with pytest.raises(UsageError, match="compiles as it runs"):
        api.plan("cobahh", neurons=20, backend="runtime", compile_only=True)


@pytest.mark.slow
def test_compile_only_builds_the_program_and_runs_nothing(tmp_path, capsys):
    from simnet.cli import main

    status = main(["run", "cobahh", "--neurons", "40", "--duration", "10ms", "--threads", "1", "--compile-only",
                   "--keep-build", "--build-dir", str(tmp_path), "--no-progress", "--json"])
    out, err = capsys.readouterr()
    assert status == 0, err
    built = json.loads(out)
    project = tmp_path / built["project"].rsplit("/", 1)[-1]
    assert (project / "main").exists()
    assert built["timings"]["compile_s"] > 0 and "simulation_loop_s" not in built["timings"]
    assert not (project / "results" / "last_run_info.txt").exists()  # the program never ran
    assert not list(project.glob("simnet_phase_marks.txt"))
