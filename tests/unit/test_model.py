"""The performance model's terms against hand arithmetic (simnet.projection.model, simnet.projection.human_scale)."""
from __future__ import annotations

import math
from dataclasses import replace

import pytest

from simnet.base.data_tables import read_table
from simnet.cost.elements import ElementCosts
from simnet.projection.kinds import KINDS, allgather_s, alltoall_bruck_s, imbalance_factor, pairwise_s
from simnet.projection.human_scale import human_scale, strong_scaling
from simnet.projection.model import (
    Machine,
    Network,
    Rates,
    collective_rounds,
    devices_by_memory,
    devices_reached,
    phase_time,
    predict,
    step_overhead_s,
)

COSTS = ElementCosts(model="hand", neuron_flops_per_step=120.0, neuron_flops_per_step_cse=100.0, flops_per_spike=0.0,
                     event_flops=3.0, event_flops_cse=2.0, plastic_flops_per_pre_event=0.0,
                     plastic_flops_per_post_event=0.0, plastic_flops_per_pre_event_cse=0.0,
                     plastic_flops_per_post_event_cse=0.0, neuron_float_bytes=40.0, neuron_other_bytes=10.0,
                     synapse_float_bytes=8.0, synapse_other_bytes=8.0, code_objects_per_step=3, source="by hand")
NETWORK = Network("hand", neurons=1000, synapses=1e6, mean_rate_hz=10.0, dt_s=1e-4, min_delay_s=1e-3, costs=COSTS)
CPU = Machine("hand CPU", "cpu", {"single": 2e11, "double": 1e11}, mem_bandwidth_bytes_per_s=1e10, memory_bytes=1e9,
              board_power_w=100.0, cores=4, injection_bytes_per_s=1e9, latency_s=1e-6)
CPU_RATES = Rates("cpu", compute_fraction=0.5, stream_fraction=0.5, event_fraction=0.1, forkjoin_base_s=0.0,
                  forkjoin_per_doubling_s=1e-6)


def test_a_phase_is_bound_by_the_larger_of_its_compute_and_memory_times():
    phase = phase_time(1e6, 10.0, 100.0, flop_rate=1e9, byte_rate=1e9)
    assert phase["compute_s"] == pytest.approx(0.01) and phase["memory_s"] == pytest.approx(0.1)
    assert phase["binding"] == "memory traffic" and phase["seconds"] == pytest.approx(0.1)
    unknown_memory = phase_time(1e6, 10.0, 100.0, flop_rate=1e9, byte_rate=None)
    assert unknown_memory["binding"] == "compute" and unknown_memory["memory_s"] is None


def test_spikes_reach_the_devices_that_hold_their_targets():
    assert devices_reached(1, 1000) == 0.0
    assert devices_reached(4, 1) == pytest.approx(3 * (1 - 0.75))      # one target: on another device 3/4 of the time
    assert devices_reached(100, 1e6) == pytest.approx(99)               # many targets: every other device
    assert [collective_rounds(p) for p in (1, 2, 5, 1024)] == [0, 1, 3, 10]


def test_devices_by_memory_round_up():
    assert devices_by_memory(2.5e12, 1e12) == 3
    assert devices_by_memory(1.0, 1e12) == 1


def test_per_step_overhead_on_a_gpu_and_on_a_cpu():
    gpu = Rates("gpu", 1, 1, 1, launch_sync_s=10e-6, launch_queued_s=2e-6)
    seconds, _ = step_overhead_s(gpu, steps=1e4, code_objects=7, phases_with_work=3, threads=None)
    assert seconds == pytest.approx(1e4 * (10e-6 + 2 * 2e-6))       # one wait, two more kernels queued, per step
    cpu = Rates("cpu", 1, 1, 1, forkjoin_base_s=1e-6, forkjoin_per_doubling_s=1e-6)
    seconds, _ = step_overhead_s(cpu, steps=1e4, code_objects=5, phases_with_work=2, threads=8)
    assert seconds == pytest.approx(1e4 * 5 * (1e-6 + 1e-6 * 3))    # fork-join at 8 threads = base + 3 doublings


def test_every_term_of_a_two_node_nest_5g_run_by_hand():
    p = predict(NETWORK, CPU, devices=2, rates=CPU_RATES, kind=KINDS["nest_5g"])
    # per device: 5e6 neuron-steps; compute 5e6 x 100 / (0.5 x 1e11) = 0.01 s, memory 5e6 x 2 x 50 B / 5e9 = 0.1 s
    assert p.phases["neuron update"]["compute_s"] == pytest.approx(0.01)
    assert p.phases["neuron update"]["memory_s"] == pytest.approx(0.1)
    # 5e6 events: memory 5e6 x (16 B synapse + 2 x 8 B target) / (0.1 x 1e10) = 0.16 s; compute 2e-4 s
    assert p.phases["synaptic events"]["memory_s"] == pytest.approx(0.16)
    assert p.phases["synaptic events"]["compute_s"] == pytest.approx(2e-4)
    terms = {t.name: t.seconds for t in p.terms}
    assert terms["compute"] == 0.0                                        # no phase is compute-bound
    assert terms["memory traffic"] == pytest.approx(0.26)
    # NEST: 1000 intervals x 3 barriers x fork-join at 4 threads (2 doublings x 1 us), not Brian2's code objects
    assert terms["per-step overhead"] == pytest.approx(1000 * 3 * 2e-6)
    assert terms["spike scanning"] == 0.0
    # 5e6 events per rank per s x 1 ms = 5000 per interval: slowest of 2 = 1 + sqrt(2 ln 2 / 5000), on 0.16 s
    assert terms["load imbalance"] == pytest.approx(math.sqrt(2 * math.log(2) / 5000) * 0.16)
    assert terms["communication latency"] == pytest.approx(1000 * 1 * 1e-6)  # Bruck alltoall: log2 2 = 1 round
    reach = 1 - 0.5 ** 1000
    # Bruck: each round moves half of what a rank sends; 5000 spikes/s x 8 B x reach
    assert terms["communication volume"] == pytest.approx(5000 * 8 * reach / 2 / 1e9)
    assert p.wall_s_per_bio_s == pytest.approx(sum(terms.values()))
    assert p.bottleneck == "memory traffic"
    assert p.devices_by_memory == devices_by_memory(1000 * 50 + 1e6 * 16, 1e9) == 1


def test_nest_4g_sends_every_spike_to_every_rank_and_every_thread_scans_them():
    p = predict(NETWORK, CPU, devices=2, rates=CPU_RATES, kind=KINDS["nest_4g"])
    terms = {t.name: t.seconds for t in p.terms}
    # 1e4 spikes/s of the whole network x 4 threads x 8 B / (0.1 x 1e10 B/s)
    assert terms["spike scanning"] == pytest.approx(1e4 * 4 * 8 / 1e9)
    assert terms["communication latency"] == pytest.approx(1000 * 1e-6)
    # allgather: (P-1)/P of all 1e4 x 8 B per s over 1e9 B/s
    assert terms["communication volume"] == pytest.approx(0.5 * 1e4 * 8 / 1e9)
    assert any("no figure" in note for note in p.notes)       # its per-thread memory overhead is not known


def test_collectives_by_hand():
    assert allgather_s(4, 1000, 1e-6, 1e9) == pytest.approx(2e-6 + 0.75 * 1e-6)
    assert alltoall_bruck_s(8, 1000, 1e-6, 1e9) == pytest.approx(3 * (1e-6 + 500 / 1e9))
    assert pairwise_s(4, 1000, 1e-6, 1e9) == pytest.approx(3e-6 + 1e-6)
    assert allgather_s(1, 1000, 1e-6, 1e9) == 0.0
    assert imbalance_factor(1, 10) == 1.0 and imbalance_factor(100, 2 * math.log(100)) == pytest.approx(2.0)


def test_kinds_differ_in_integrator_plasticity_and_overhead():
    hh = replace(COSTS, model="pd14_hh_traub", plastic_flops_per_pre_event_cse=10.0,
                 plastic_flops_per_post_event_cse=10.0)
    network = replace(NETWORK, costs=hh, plastic_synapses=1e6)
    nest = predict(network, CPU, 1, CPU_RATES, kind=KINDS["nest_5g"])
    brian = predict(network, CPU, 1, CPU_RATES, kind=KINDS["brian2_standalone"])
    # RKF45: 6 right-hand sides per step for NEST, one exponential-Euler step for Brian2
    assert nest.phases["neuron update"]["flops_per_element"] == pytest.approx(6 * 100.0)
    assert brian.phases["neuron update"]["flops_per_element"] == pytest.approx(100.0)
    # NEST updates a plastic synapse at presynaptic spikes only; Brian2 also at postsynaptic ones
    assert nest.phases["plastic updates"]["count"] == pytest.approx(1e6 * 10)
    assert brian.phases["plastic updates"]["count"] == pytest.approx(2 * 1e6 * 10)
    assert brian.term("per-step overhead").seconds == pytest.approx(1e4 * 3 * 2e-6)   # 3 code objects per step
    with pytest.raises(ValueError, match="one device only"):
        predict(network, CPU, 2, CPU_RATES, kind=KINDS["brian2_standalone"])


def test_ranks_of_one_node_exchange_at_the_measured_intra_node_latency():
    p = predict(NETWORK, CPU, 1, CPU_RATES, kind=KINDS["nest_5g"], ranks_per_node=2, intra_node_latency_s=8e-6)
    assert p.term("communication latency").seconds == pytest.approx(1000 * 1 * 8e-6)
    unknown = predict(NETWORK, CPU, 1, CPU_RATES, kind=KINDS["nest_5g"], ranks_per_node=2)
    assert unknown.term("communication latency").seconds is None and unknown.wall_s_per_bio_s is not None


def test_the_kinds_are_the_rows_of_the_sources_table():
    table = read_table("simulator_kinds.csv")
    for row in table.rows:
        assert row["source"].strip(), row
        kind = KINDS[row["kind"]]
        if row["parameter"] in ("exchange", "receivers", "step_overhead"):
            assert getattr(kind, row["parameter"]) == row["value"], row
        elif row["parameter"] in ("every_thread_scans_all_spikes", "plastic_post_updates"):
            assert getattr(kind, row["parameter"]) == (row["value"] == "yes"), row
        elif row["value"]:
            assert getattr(kind, row["parameter"]) == pytest.approx(float(row["value"])), row
        else:
            assert getattr(kind, row["parameter"]) is None, row


def test_a_cpu_run_on_part_of_a_socket_gets_that_share_of_it():
    whole = predict(NETWORK, CPU, devices=1, rates=CPU_RATES)
    one_core = predict(NETWORK, CPU, devices=1, rates=CPU_RATES, threads=1)
    assert one_core.term("memory traffic").seconds == pytest.approx(4 * whole.term("memory traffic").seconds)
    assert one_core.term("per-step overhead").seconds == 0.0           # one thread: no fork-join cost (log2 1 = 0)
    assert one_core.term("communication latency").seconds == 0.0       # one device: no exchange


def test_single_precision_halves_the_float_bytes():
    single = predict(Network(**{**NETWORK.__dict__, "precision": "single"}), CPU, 1, CPU_RATES)
    # neuron: 10 + 40/2 = 30 B, read and written: 1e7 steps x 60 B / 5e9
    assert single.phases["neuron update"]["memory_s"] == pytest.approx(1e7 * 60 / 5e9)
    assert single.phases["synaptic events"]["memory_s"] == pytest.approx(1e7 * (12 + 8) / 1e9)


def test_unknown_figures_leave_their_term_out_and_say_so():
    no_network = Machine("bare", "cpu", {"double": 1e11}, 1e10, 1e9, None, 4, None, None)
    p = predict(NETWORK, no_network, devices=4, rates=CPU_RATES)
    assert p.term("communication latency").seconds is None and p.term("communication volume").seconds is None
    assert any("lower bound" in note for note in p.notes)
    known = sum(t.seconds for t in p.terms if t.seconds is not None)
    assert p.wall_s_per_bio_s == pytest.approx(known)


def test_capacity_note_when_the_state_does_not_fit():
    small = Machine("small", "cpu", {"double": 1e11}, 1e10, 1e6, None, 4, 1e9, 1e-6)
    p = predict(NETWORK, small, devices=2, rates=CPU_RATES)
    assert p.devices_by_memory == math.ceil((1000 * 50 + 1e6 * 16) / 1e6)
    assert any(note.startswith("capacity:") for note in p.notes)


def test_counted_flops_after_cse_and_as_executed():
    assert NETWORK.flops_per_bio_s(cse=True) == pytest.approx(1000 * 1e4 * 100 + 1e6 * 10 * 2)
    assert NETWORK.flops_per_bio_s(cse=False) == pytest.approx(1000 * 1e4 * 120 + 1e6 * 10 * 3)


def test_strong_scaling_starts_at_the_devices_memory_needs_and_grows_by_fours():
    big = Network(**{**NETWORK.__dict__, "neurons": 1e6, "synapses": 1e9})
    curve = strong_scaling(big, CPU, CPU_RATES, bio_seconds=100.0)
    needed = devices_by_memory(1e6 * 50 + 1e9 * 16, 1e9)
    assert curve.devices_by_memory == needed
    assert [p.devices for p in curve.points][:2] == [needed, 4 * needed]
    first = curve.points[0]
    assert first.time_to_solution_s == pytest.approx(first.wall_s_per_bio_s * 100.0)
    assert first.energy_j == pytest.approx(needed * 100.0 * first.time_to_solution_s)
    assert first.peak_equivalent_flops == pytest.approx(needed * 1e11 * first.time_to_solution_s)
    assert curve.flops_cse == pytest.approx(big.flops_per_bio_s(True) * 100.0)


def test_human_scale_keeps_the_rate_and_the_plastic_share():
    plastic = Network(**{**NETWORK.__dict__, "plastic_synapses": 5e5})
    (curve,) = human_scale(plastic, neurons=(2000,), synapses_per_neuron=(500,), machines=[CPU],
                           rates={"cpu": CPU_RATES}, bio_seconds=1.0)
    assert curve.neurons == 2000 and curve.synapses_per_neuron == 500
    assert curve.state_bytes == pytest.approx(2000 * 50 + 1e6 * 16)


def test_a_projection_of_a_simnet_run_on_two_nodes_keeps_simnets_work_and_borrows_the_5g_exchange_by_hand():
    hh = replace(COSTS, model="cobahh_hand", plastic_flops_per_pre_event_cse=10.0, plastic_flops_per_post_event_cse=10.0)
    network = replace(NETWORK, costs=hh, plastic_synapses=1e6)
    p = predict(network, CPU, devices=2, rates=CPU_RATES)               # no kind: a projection of a simnet run
    assert any(note.startswith("hypothetical simulator kind simnet_cpu_5g_exchange") for note in p.notes)
    # simnet's own integrator (one exponential-Euler step), not NEST's RKF45: 100 FLOPs per neuron-step
    assert p.phases["neuron update"]["flops_per_element"] == pytest.approx(100.0)
    # STDP at pre- and postsynaptic spikes, as Brian2 does: 2 x 1e6 synapses x 10 Hz over 2 nodes
    assert p.phases["plastic updates"]["count"] == pytest.approx(1e7)
    # 1e7 updates x 2 x 16 B / (0.1 x 1e10 B/s) = 0.32 s of plastic memory traffic
    assert p.phases["plastic updates"]["memory_s"] == pytest.approx(0.32)
    terms = {t.name: t.seconds for t in p.terms}
    assert terms["memory traffic"] == pytest.approx(0.1 + 0.16 + 0.32)
    # Brian2's overhead: 1e4 steps x 3 code objects x fork-join at 4 threads (2 doublings x 1 us), no barriers
    assert terms["per-step overhead"] == pytest.approx(1e4 * 3 * 2e-6)
    assert terms["spike scanning"] == 0.0
    # 5000 events per rank per interval; the spike-driven work is events 0.16 s + plasticity 0.32 s
    assert terms["load imbalance"] == pytest.approx(math.sqrt(2 * math.log(2) / 5000) * 0.48)
    # the borrowed exchange: Bruck alltoall, 1 round per 1 ms interval, 5000 spikes/s x 8 B x reach / 2
    assert terms["communication latency"] == pytest.approx(1000 * 1e-6)
    assert terms["communication volume"] == pytest.approx(5000 * 8 * (1 - 0.5 ** 1000) / 2 / 1e9)
    assert p.wall_s_per_bio_s == pytest.approx(sum(terms.values()))
    # on one device the projection is simnet's own engine, and says nothing hypothetical
    one = predict(network, CPU, devices=1, rates=CPU_RATES)
    assert not any("hypothetical" in note for note in one.notes) and one.term("communication latency").seconds == 0.0


def test_a_projection_of_a_simnet_run_on_several_gpus_borrows_nest_gpus_point_to_point_exchange_by_hand():
    gpu = Machine("hand GPU", "gpu", {"single": 1e13, "double": 5e12}, mem_bandwidth_bytes_per_s=1e12,
                  memory_bytes=8e10, board_power_w=300.0, cores=None, injection_bytes_per_s=1e10, latency_s=2e-6)
    rates = Rates("gpu", 0.5, 0.5, 0.1, launch_sync_s=10e-6, launch_queued_s=2e-6)
    p = predict(replace(NETWORK, precision="single"), gpu, devices=4, rates=rates)
    assert any("simnet_gpu_nestgpu_exchange" in note for note in p.notes)
    terms = {t.name: t.seconds for t in p.terms}
    # GeNN's launches: 1e4 steps x (10 us + 1 more phase with work x 2 us)
    assert terms["per-step overhead"] == pytest.approx(1e4 * (10e-6 + 2e-6))
    # point-to-point to the 3 other GPUs every 1 ms: 1000 x 3 x 2 us; 2500 spikes/s x 8 B x 3 reached / 1e10 B/s
    assert terms["communication latency"] == pytest.approx(1000 * 3 * 2e-6)
    assert terms["communication volume"] == pytest.approx(2500 * 8 * 3 * (1 - 0.75 ** 1000) / 1e10)


def test_a_hypothetical_kind_never_describes_a_published_run():
    from simnet.projection.kinds import PROJECTION_KINDS, kind_for

    for on_gpu in (False, True):
        assert KINDS[PROJECTION_KINDS[on_gpu][True]].hypothetical
        assert not KINDS[PROJECTION_KINDS[on_gpu][False]].hypothetical
    kind, why = kind_for("NEST 3", "simnet_cpu_5g_exchange")
    assert kind is None and "no simulator kind" in why
