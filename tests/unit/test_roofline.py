"""Roofline bounds from a run's counts: hand arithmetic on a small synthetic record."""
import pytest

from simnet.cost.roofline import bytes_moved, code_object_rooflines, roofline

STATE = {
    "total_bytes": 1000.0,
    "by_object": {
        "neurons": {"type": "NeuronGroup", "elements": 10, "bytes": 400, "bytes_by_kind": {"per_neuron": 400}},
        "syn": {"type": "Synapses", "elements": 20, "bytes": 640,
                "bytes_by_kind": {"per_synapse": 600, "per_neuron_of_synapses": 40}},
    },
}
COUNTS = {
    "n_steps": 100,
    "populations": {
        "neurons": {"size": 10, "neuron_steps": 1000, "spikes": 5},
        "exc": {"size": 8, "neuron_steps": 800, "spikes": 4, "part_of": "neurons"},
    },
    "projections": {"syn": {"synaptic_events_pre": 50, "synaptic_events_post": 30, "plastic": True}},
}


def test_bytes_moved_by_hand():
    parts = bytes_moved(COUNTS, STATE, float_bytes=8)
    # 40 B per neuron read + written each of 1000 neuron-steps; the subpopulation is not counted again
    assert parts["neuron_update"] == 2 * 40 * 1000
    # 30 B per synapse read + target conductance read and written (2 x 8 B) per event
    assert parts["synaptic_events"] == 50 * (30 + 16)
    # plastic: written back on each pre event, read and written on each post event
    assert parts["plasticity"] == 50 * 30 + 30 * 2 * 30
    static = dict(COUNTS, projections={"syn": dict(COUNTS["projections"]["syn"], plastic=False)})
    assert bytes_moved(static, STATE, float_bytes=4)["plasticity"] == 0
    assert bytes_moved(static, STATE, float_bytes=4)["synaptic_events"] == 50 * (30 + 8)


def test_roofline_picks_the_larger_bound():
    total = 2 * 40 * 1000 + 50 * 46 + 50 * 30 + 30 * 60
    memory_bound = roofline(measured_loop_s=1.0, flops=1e3, counts=COUNTS, state=STATE, precision="double",
                            peak_flops_per_s=1e6, bandwidth_bytes_per_s=1e6, bandwidth_source="test")
    assert memory_bound.bytes_moved == total
    assert memory_bound.compute_bound_s == pytest.approx(1e-3)
    assert memory_bound.memory_bound_s == pytest.approx(total / 1e6)
    assert memory_bound.binding == "memory"
    assert memory_bound.measured_over_bound == pytest.approx(1.0 / (total / 1e6))
    compute_bound = roofline(measured_loop_s=1.0, flops=1e9, counts=COUNTS, state=STATE, precision="double",
                             peak_flops_per_s=1e9, bandwidth_bytes_per_s=1e9, bandwidth_source="test")
    assert compute_bound.binding == "compute" and compute_bound.measured_over_bound == pytest.approx(1.0)


def test_unknown_peaks_leave_their_bound_out_and_say_so():
    bound = roofline(measured_loop_s=2.0, flops=1e6, counts=COUNTS, state=STATE, precision="single",
                     peak_flops_per_s=None, bandwidth_bytes_per_s=None, bandwidth_source="unknown")
    assert bound.bound_s is None and bound.measured_over_bound is None and bound.binding == "unknown"
    assert any("compute bound left out" in n for n in bound.notes)
    assert any("memory bound left out" in n for n in bound.notes)


def test_gpu_launch_bound():
    bound = roofline(measured_loop_s=1.0, flops=1.0, counts=COUNTS, state=STATE, precision="single",
                     peak_flops_per_s=1e12, bandwidth_bytes_per_s=1e12, bandwidth_source="test",
                     kernels_per_step=3, launch_latency_s=5e-6)
    assert bound.launch_bound_s == pytest.approx(100 * 3 * 5e-6)
    assert bound.binding == "kernel launch"


def test_code_objects_by_hand():
    """Rows of one code object are summed; its time is set against its own bounds; unknown ones have time only."""
    profile = {"clock": "test clock", "code_objects": [
        {"code_object": "syn_pre_codeobject", "runner": "syn_pre", "seconds": 0.5},
        {"code_object": "syn_pre_push_spikes", "runner": "syn_pre", "seconds": 0.1},
        {"code_object": "neurons_stateupdater_codeobject", "runner": "neurons_stateupdater", "seconds": 2.0},
    ]}
    rows = [
        {"code_object": "neurons_stateupdater_codeobject", "owner": "neurons", "role": "state_update",
         "category": "neuron_update", "element": "neuron_step", "element_count": 1000.0, "total_flops": 4e6,
         "total_flops_cse": 2e6, "total_bytes": 8e6},
        {"code_object": "syn_pre_codeobject", "owner": "syn", "role": "pre_pathway",
         "category": "synaptic_propagation", "element": "synaptic_event_pre", "element_count": 50.0,
         "total_flops": 50.0, "total_flops_cse": 50.0, "total_bytes": 1400.0},
        {"code_object": "syn_pre_codeobject", "owner": "syn", "role": "pre_pathway", "category": "plasticity",
         "element": "synaptic_event_pre", "element_count": 50.0, "total_flops": 1450.0, "total_flops_cse": 950.0,
         "total_bytes": None},
        # a row whose activity was not counted is left out
        {"code_object": "other_codeobject", "element_count": None, "total_flops": None},
    ]
    result = code_object_rooflines(profile, rows, loop_s=3.0, peak_flops_per_s=1e6, bandwidth_bytes_per_s=1e7,
                                   bandwidth_source="test")
    assert result["clock"] == "test clock"
    assert result["profiled_s"] == pytest.approx(2.6) and result["unprofiled_s"] == pytest.approx(0.4)
    neurons, pathway, push = result["code_objects"]  # slowest first
    assert neurons["share_of_loop"] == pytest.approx(2.0 / 3.0)
    assert neurons["achieved_flops_per_s"] == pytest.approx(2e6)  # as written / seconds
    assert neurons["achieved_bytes_per_s"] == pytest.approx(4e6)
    assert neurons["seconds_per_element"] == pytest.approx(2e-3)
    # bounds: CSE FLOPs at peak 2 s, bytes at bandwidth 0.8 s: compute-bound, measured 1.0x the bound
    assert neurons["compute_bound_s"] == pytest.approx(2.0) and neurons["memory_bound_s"] == pytest.approx(0.8)
    assert neurons["binding"] == "compute" and neurons["measured_over_bound"] == pytest.approx(1.0)
    assert neurons["measured_over_memory_bound"] == pytest.approx(2.5)
    assert pathway["categories"] == "synaptic_propagation+plasticity"
    assert pathway["flops"] == 1500.0 and pathway["flops_cse"] == 1000.0 and pathway["bytes"] == 1400.0
    assert pathway["elements"] == 50.0 and pathway["measured_over_compute_bound"] == pytest.approx(0.5 / 1e-3)
    assert push["counted"] is False and "achieved_flops_per_s" not in push
    unknown = code_object_rooflines(profile, rows, loop_s=None, peak_flops_per_s=None, bandwidth_bytes_per_s=None,
                                    bandwidth_source="ignored")
    assert unknown["unprofiled_s"] is None and unknown["bandwidth_source"] == ""
    first = unknown["code_objects"][0]
    assert first["binding"] == "unknown" and first["measured_over_bound"] is None and first["share_of_loop"] is None


def test_profiled_runtime_run_sets_each_code_object_beside_its_count(tmp_path):
    """A small runtime run with profiling: every counted code object was timed, times lie inside the loop, and
    the record keeps them through a write and a read."""
    from simnet import api
    from simnet.cost.account import format_cost
    from simnet.record import files

    record = api.run("cobahh", neurons=100, duration="20ms", backend="runtime", progress=False, profile=True,
                     plasticity="stdp")
    profile = record.timings["loop_profile"]
    assert profile["clock"].startswith("wall-clock")
    timed = {entry["code_object"]: entry for entry in profile["code_objects"]}
    counted = {row["code_object"] for row in record.cost_detail["flops"]["rows"]}
    assert counted and counted <= set(timed)
    assert sum(entry["seconds"] for entry in timed.values()) <= record.timings["simulation_loop_s"]
    stored = record.cost_detail["loop_profile"]
    updater = next(e for e in stored["code_objects"] if e["code_object"].startswith("neurons_stateupdater"))
    assert updater["counted"] and updater["flops"] > 0 and updater["bytes"] > 0 and updater["seconds"] > 0
    path = files.write(record, tmp_path / "run.h5")
    again = files.read(path)
    assert again.timings["loop_profile"] == profile
    table = api.cost_table(again, bandwidth_gb_s=10.0)
    assert table["loop_profile"]["bandwidth_source"] == "given by the user"
    shown = {e["code_object"]: e for e in table["loop_profile"]["code_objects"]}
    assert set(shown) == {e["code_object"] for e in stored["code_objects"]}
    assert shown[updater["code_object"]]["memory_bound_s"] == pytest.approx(updater["bytes"] / 10e9)
    assert "loop time per code object" in format_cost(table)
