"""Spike delivery on every thread (simnet.simulation.parallel_delivery): which code takes which path, and that the
split changes no result.

The spikes of one thread and of two must be identical: where every sum is exact (integer state and weights) any
race on a neuron's variable, or an input applied twice or lost, would change them, and since each thread's queue
gives its neurons their inputs in one thread's order, sums that round must come out the same too. Against Brian2's
delivery on two threads, whose order differs, COBAHH with STDP must give the same activity within the seed-to-seed
spread (the rule of simnet.analysis.equivalence).
"""
import gc
from contextlib import contextmanager
from types import SimpleNamespace

import brian2
import numpy as np
import pytest

from simnet import api
from simnet.analysis import equivalence
from simnet.pipeline import RunPlan, execute
from simnet.simulation import parallel_delivery
from simnet.simulation.backends import get_backend
from simnet.simulation.settings import RunSettings
from simnet.models.cobahh import CobahhParams, build_spec

OWNER_MARK = "simnet: owner-computes delivery"


@contextmanager
def _standalone(directory, threads: int, parallel: bool):
    """Brian2's C++ standalone device on ``threads`` threads, with simnet's templates if ``parallel``; Brian2's
    runtime device, preferences and templates again afterwards."""
    gc.collect()  # the objects of an earlier call: alive, they would make Brian2 suffix these names
    brian2.prefs.devices.cpp_standalone.openmp_threads = 0 if threads == 1 else threads
    if parallel:
        parallel_delivery.use_parallel_delivery()
    brian2.set_device("cpp_standalone", directory=str(directory), build_on_run=False)
    try:
        yield
    finally:
        brian2.device.reinit()
        brian2.set_device("runtime")
        brian2.prefs.reset_to_defaults()
        parallel_delivery.restore_templates()


def _event_code(tmp_path, threads: int, parallel: bool) -> dict[str, str]:
    """The generated C++ of three pathways' event code, rendered (not compiled) for ``threads`` threads."""
    with _standalone(tmp_path, threads, parallel):
        cells = brian2.NeuronGroup(10, "v : 1\nu : 1", threshold="v > 1", reset="v = 0", name="cells")
        to_post = brian2.Synapses(cells, cells, "w : 1", on_pre="v_post += w", name="to_post")
        to_pre = brian2.Synapses(cells, cells, "w : 1", on_pre="u_pre += w", name="to_pre")
        both = brian2.Synapses(cells, cells, "w : 1", on_pre="v_post += u_pre", name="both")
        stdp = brian2.Synapses(cells, cells, "w : 1\na : 1", on_pre="v_post += w", on_post="w += a",
                               name="stdp")
        for synapses in (to_post, to_pre, both, stdp):
            synapses.connect(j="i")
        brian2.run(1 * brian2.ms)
        brian2.device.build(directory=str(tmp_path), compile=False, run=False)
    names = ("to_post_pre", "to_pre_pre", "both_pre", "stdp_pre", "stdp_post")
    return {name: (tmp_path / "code_objects" / f"{name}_codeobject.cpp").read_text() for name in names}


def test_each_pathway_takes_the_path_its_variables_allow(tmp_path):
    code = _event_code(tmp_path, threads=2, parallel=True)
    # writes the target only, or synaptic variables only: each thread delivers its own queue
    for name in ("to_post_pre", "stdp_pre", "stdp_post"):
        assert OWNER_MARK in code[name] and "own_peek()" in code[name], name
        assert parallel_delivery.SERIAL_MARK not in code[name], name
    # touches the neuron that sent the spike: Brian2's serial path over every queue
    for name in ("to_pre_pre", "both_pre"):
        assert parallel_delivery.SERIAL_MARK in code[name] and OWNER_MARK not in code[name], name
    assert parallel_delivery.serial_code_objects(tmp_path) == ["both_pre_codeobject", "to_pre_pre_codeobject"]
    # each pathway's queues are filled by the target side: post for on_pre, pre for on_post
    push = {name: (tmp_path / "code_objects" / f"before_run_{name}_push_spikes.cpp").read_text()
            for name in ("to_post_pre", "stdp_post")}
    assert "_dynamic_array_to_post__synaptic_post;" in push["to_post_pre"]
    assert "_dynamic_array_stdp__synaptic_pre;" in push["stdp_post"]
    assert "own_peek" in (tmp_path / "synapses_classes.h").read_text()


def test_brian2s_code_without_it_and_on_one_thread(tmp_path):
    for threads, parallel in ((2, False), (1, True)):
        code = _event_code(tmp_path / f"{threads}-{parallel}", threads=threads, parallel=parallel)
        assert not any(OWNER_MARK in text or parallel_delivery.SERIAL_MARK in text for text in code.values())
    assert "#pragma omp master" in _event_code(tmp_path / "again", 2, False)["to_post_pre"]


def _network(rounded: bool):
    """A network with nothing random: a constant drive per neuron over fixed connections and delays. Integer state
    and weights -1, 0 or 1 (every sum exact), or with ``rounded`` real-valued ones (sums that round)."""
    cells = brian2.NeuronGroup(3000, "v : 1", threshold="v >= 4" if rounded else "v >= 40", reset="v = 0",
                               name="cells")
    cells.v = "0.1 * (i % 17)" if rounded else "i % 17"
    cells.run_regularly("v += 0.0137 * (i % 3) + 0.01" if rounded else "v += i % 3", dt=brian2.defaultclock.dt)
    recurrent = brian2.Synapses(cells, cells, "w : 1", on_pre="v_post += w", name="recurrent")
    recurrent.connect(condition="(i * 31 + j * 17) % 50 == 0")
    recurrent.w = "0.0731 * ((i + j) % 5) - 0.1499" if rounded else "1.0 * ((i + j) % 3) - 1.0"
    recurrent.delay = "((i * 7 + j) % 20) * 0.1 * ms"
    return cells, recurrent


def _exact_network():
    return _network(rounded=False)


def _rounded_network():
    return _network(rounded=True)


@pytest.mark.slow
@pytest.mark.parametrize("network", [_exact_network, _rounded_network], ids=["exact-sums", "rounded-sums"])
def test_one_and_two_threads_give_identical_spikes(tmp_path, network):
    """Each thread's queue gives its neurons their inputs in one thread's order, so the spikes are identical: where
    every sum is exact (any race, input lost or applied twice would show) and where the sums round."""
    records = {threads: api.account(network, backend="cpp", threads=threads, duration="0.2s",
                                    progress=False, build_dir=tmp_path, tuning={"parallel_delivery": True})
               for threads in (1, 2)}
    assert records[2].backend["parallel_delivery"] is True and records[2].backend["threads"] == 2
    one, two = (records[t].spikes("cells") for t in (1, 2))
    assert len(one.times_ms) > 10000
    np.testing.assert_array_equal(one.times_ms, two.times_ms)
    np.testing.assert_array_equal(one.node_ids, two.node_ids)


@pytest.mark.slow
def test_real_valued_weights_give_the_same_activity_within_the_seed_spread(tmp_path):
    """COBAHH with STDP on two threads, Brian2's delivery against simnet's, three seeds each (each project is
    compiled once and reused for the other seeds)."""
    spec = build_spec(CobahhParams(n_neurons=1000, plasticity="stdp"))
    seeds, points = (1, 2, 3), []
    for runner, parallel in (("brian2", False), ("parallel", True)):
        for seed in seeds:
            settings = RunSettings(threads=2, progress=False, build_root=tmp_path, reuse_build=True,
                                   parallel_delivery=parallel)
            record = execute(RunPlan(spec, get_backend("cpp"), settings, duration_s=0.3, seed=seed,
                                     record_spikes=True))
            assert record.backend["parallel_delivery"] is parallel
            points.append({"runner": runner, "seed": seed, "options": {}, "activity": equivalence.activity(record)})
    runners = {"parallel": SimpleNamespace(compare_to="brian2"), "brian2": SimpleNamespace(compare_to=None)}
    (entry,) = equivalence.compare(points, runners)
    rate = next(row for row in entry["rows"] if row["statistic"] == "mean_rate_hz")
    assert rate["seed_spread"] > 0 and rate["baseline_mean"] > 5
    assert entry["all_within_spread"] is True, entry["outside_spread"]


def _spikes_over_two_runs(directory, threads: int, parallel: bool, new_delays: bool):
    """Spike times and indices of the exact network over a pre-run of 50 ms and a run of 100 ms, compiled and run
    on ``threads`` threads, the delays changed between the two runs if ``new_delays``."""
    with _standalone(directory, threads, parallel):
        cells, recurrent = _exact_network()
        monitor = brian2.SpikeMonitor(cells)
        net = brian2.Network(cells, recurrent, monitor)
        net.run(50 * brian2.ms)
        if new_delays:
            recurrent.delay = "((i * 3 + j) % 13) * 0.1 * ms"
        net.run(100 * brian2.ms)
        brian2.device.build(directory=str(directory), compile=True, run=True, with_output=False)
        return np.asarray(monitor.t / brian2.ms), np.asarray(monitor.i)


@pytest.fixture(scope="module")
def brian2_two_runs(tmp_path_factory):
    """Brian2's delivery on one thread over the two runs, without and with new delays between them: each
    compiled once for the tests below."""
    root = tmp_path_factory.mktemp("brian2-two-runs")
    return {new_delays: _spikes_over_two_runs(root / str(new_delays), 1, False, new_delays)
            for new_delays in (False, True)}


@pytest.mark.slow
def test_new_delays_between_the_runs_show_in_the_spikes(brian2_two_runs):
    """So that the test below would see queues left as they were after the delays changed."""
    unchanged, changed = brian2_two_runs[False], brian2_two_runs[True]
    assert len(unchanged[0]) != len(changed[0]) or not np.array_equal(unchanged[1], changed[1])


@pytest.mark.slow
@pytest.mark.parametrize("new_delays", [False, True], ids=["same-synapses", "delays-changed"])
def test_a_second_run_keeps_or_refills_the_queues_as_it_must(tmp_path, brian2_two_runs, new_delays):
    """A run after a pre-run on the same synapses keeps the queues filled by the first; with the delays changed in
    between it fills them again. Either way the spikes are those of Brian2's delivery on one thread, with simnet's
    queues on one thread and on two."""
    brian2_way = brian2_two_runs[new_delays]
    assert len(brian2_way[0]) > 5000
    for threads in (1, 2):  # simnet's queues on one thread (all owned by it) and split between two
        simnets = _spikes_over_two_runs(tmp_path / f"simnet-{threads}", threads, True, new_delays)
        for expected, got in zip(brian2_way, simnets):
            np.testing.assert_array_equal(expected, got)
