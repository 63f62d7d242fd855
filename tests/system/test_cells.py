"""The compartmental cell levels: run through the pipeline, counted per cell and compartment, checked, and the same
cell on NEURON (CoreNEURON off and on) agreeing spike by spike."""
import pytest

from simnet.base.errors import UsageError
from simnet.bench import cell_ladder
from simnet.models.cells import get_cell_level


@pytest.mark.parametrize("backend", ["genn", "cuda", "genn-cpu"])
def test_gpu_backends_are_refused_in_one_line(backend):
    with pytest.raises(UsageError, match="runs on runtime and cpp only"):
        cell_ladder.check_backend(backend)


def test_the_morphologies_have_the_sizes_they_claim():
    sizes = {name: (get_cell_level(name).compartments, len(get_cell_level(name).sections))
             for name in ("ball_and_stick", "reduced_pyramidal", "detailed_pyramidal")}
    assert sizes == {"ball_and_stick": (21, 2), "reduced_pyramidal": (43, 7), "detailed_pyramidal": (688, 200)}


def test_a_cell_that_stops_firing_fails_the_dynamics_check():
    from types import SimpleNamespace

    def record(times_ms):
        trains = SimpleNamespace(times_ms=times_ms)
        return SimpleNamespace(duration_s=0.2, spikes=lambda name: trains)

    # four regular spikes in the first 60 ms of 200 ms (the detailed level at 1 nA): regular, 20 Hz, not sustained
    onset = cell_ladder.dynamics_check(record([1.9, 18.3, 36.0, 53.7]), "x")
    assert onset["isi_cv"] < 0.2 and not onset["sustained"] and not onset["passed"]
    throughout = cell_ladder.dynamics_check(record([1.0 + 16.0 * k for k in range(12)]), "x")
    assert throughout["sustained"] and throughout["passed"]


@pytest.fixture(scope="module")
def ball_and_stick():
    return cell_ladder.run_cell("ball_and_stick", duration_s=0.1, backend="runtime", runtime_target="numpy")


def test_the_ball_and_stick_fires_repetitively_and_has_a_cost_row(ball_and_stick):
    check = cell_ladder.dynamics_check(ball_and_stick, "ball_and_stick")
    assert check["passed"], check
    row = cell_ladder.cost_row(ball_and_stick, "ball_and_stick")
    assert row["compartments"] == 21
    assert row["flops_per_cell_per_bio_s"] == pytest.approx(row["flops_per_compartment_per_bio_s"] * 21)
    # 4000 steps of 25 us in 0.1 s
    assert row["flops_per_cell_per_bio_s"] == pytest.approx(row["flops_per_compartment_step"] * 21 * 4000 / 0.1)
    assert row["bytes_per_cell"] > row["bytes_per_compartment"] > 0


@pytest.mark.needs_neuron
def test_neuron_and_coreneuron_spike_with_brian2(ball_and_stick):
    brian2_ms = ball_and_stick.spikes("ball_and_stick").times_ms
    for device, result in cell_ladder.neuron_peer("ball_and_stick", duration_s=0.1).items():
        assert result["ok"], result.get("reason")
        assert result["imports_simnet"] is False
        agreement = cell_ladder.spike_agreement(brian2_ms, result["spike_times_ms"][0])
        assert agreement["agree"], (device, agreement)


@pytest.mark.needs_neuron
def test_the_neuron_peers_pre_run_is_untimed_and_its_spikes_left_out():
    from simnet.peers import PEERS, run_peer

    cell = get_cell_level("ball_and_stick").to_dict()

    def run(duration_s, pre_run_s):
        result = run_peer(PEERS["neuron"], {"model": "cell", "options": {"cell": cell, "names": ["c"]},
                                            "duration_s": duration_s, "pre_run_s": pre_run_s, "device": "neuron"})
        assert result["ok"], result.get("reason")
        return result

    whole, split = run(0.06, 0.0), run(0.04, 0.02)
    later = [t for t in whole["spike_times_ms"][0] if t >= 20.0]
    assert later and split["spike_times_ms"][0] == later
    assert split["population_spike_times_ms"] == {"c": later}
    assert split["mean_rate_hz"] == pytest.approx(len(later) / 0.04)


def test_extrapolate_projects_a_cell_record_without_the_performance_model(ball_and_stick, tmp_path, capsys):
    """A compartmental record projects linearly (counted FLOPs per cell x N x T); the performance model, which has
    no compartment term, is not applied and says why; the shipped cell levels follow, each with band: none."""
    import json

    from simnet.cli import main
    from simnet.record import files

    path = files.write(ball_and_stick, tmp_path / "cell.h5")
    assert main(["extrapolate", str(path), "--json"]) == 0
    done = json.loads(capsys.readouterr().out)
    assert done["performance_model"]["projections"][0]["clusters"] == []
    assert "no compartment term" in done["performance_model"]["notes"][str(path)]
    per_cell = ball_and_stick.cost["cells"]["flops_per_cell_per_bio_s"]
    counted = next(f for f in done["projections"][0]["figures"] if f["key"] == "total_flops_counted")
    assert counted["value"] == pytest.approx(per_cell * counted["neurons"] * 15 * 3.154e7)
    levels = {c["level"]: c for c in done["cell_levels"]}
    assert set(levels) == {"ball_and_stick", "reduced_pyramidal", "detailed_pyramidal"}
    assert all(c["band"].startswith("none: ") for c in levels.values())
    assert main(["extrapolate", str(path)]) == 0
    text = capsys.readouterr().out
    assert "performance model not applied to compartmental cells" in text and "cell levels at human scale" in text


@pytest.mark.needs_neuron
def test_a_network_of_cells_spikes_alike_on_brian2_and_neuron():
    """Five ball-and-stick cells with one excitatory and one inhibitory connection: NEURON's synapses act where
    Brian2's do, and each cell's somatic spikes agree with Brian2's within the single cell's tolerance over 0.2 s
    (with ten times the conductances the inhibited cell drifts 0.65 ms: docs/results/detailed-cells.md)."""
    import dataclasses

    import numpy as np
    from brian2 import SpikeMonitor

    from simnet.models.cells import CellNetwork, brian2_cell_network_one_group, network_as_data
    from simnet.peers import PEERS, run_peer
    from simnet.pipeline import execute, plan_network
    from simnet.simulation.backends import RuntimeBackend
    from simnet.simulation.settings import RunSettings
    from simnet.specs.user_network import from_python

    network = CellNetwork(sizes=(("L4E", 4), ("L4I", 1)))
    data = network_as_data(network)
    assert data["connections"] == [[2, 1, "exc"], [4, 0, "inh"]]
    layout = {}

    def cells():
        made = brian2_cell_network_one_group(network)
        layout["soma"] = made.pop("_soma_index")
        for key in [k for k in made if k.startswith("_")]:
            made.pop(key)
        made["soma_spikes"] = SpikeMonitor(made["cells"], name="soma_spikes")
        return made

    plan = plan_network(from_python(cells), duration_s=0.2, backend="runtime", seed=network.seed,
                        settings=RunSettings(progress=False, threads=1), record_spikes=True)
    record = execute(dataclasses.replace(plan, backend=RuntimeBackend("numpy")))
    monitor = record.monitors["soma_spikes"].arrays
    cell_of = {index: c for c, index in enumerate(layout["soma"])}
    brian2_ms = [[] for _ in range(5)]
    for i, t in zip(np.asarray(monitor["i"]), np.asarray(monitor["t"]) * 1e3):
        brian2_ms[cell_of[int(i)]].append(float(t))

    def on_neuron(options, device="neuron"):
        result = run_peer(PEERS["neuron"], {"model": "cell", "options": options, "duration_s": 0.2,
                                            "device": device, "seed": 1}, timeout_s=600)
        assert result["ok"], result.get("reason")
        return result

    alone = on_neuron({"cell": data["cell"], "cells": 5})["spike_times_ms"]
    for device in ("neuron", "coreneuron"):
        wired = on_neuron(data, device)
        assert wired["synapses"] == 2
        # the two targets (cells 0 and 1) fire otherwise than alone; the others as alone
        assert [wired["spike_times_ms"][c] != alone[c] for c in range(5)] == [True, True, False, False, False]
        for c in range(5):
            agreement = cell_ladder.spike_agreement(brian2_ms[c], wired["spike_times_ms"][c])
            assert agreement["agree"], (device, c, agreement)


@pytest.mark.needs_neuron
def test_a_network_too_long_for_a_command_line_reaches_the_peer():
    """A network's connections can pass the 128 KiB a single command-line argument may hold: run_peer then hands
    the arguments over in a file, and removes it."""
    import json
    import tempfile
    from pathlib import Path

    from simnet.models.cells import CellNetwork, network_as_data
    from simnet.peers import ARGUMENTS_ON_COMMAND_LINE, PEERS, run_peer

    data = network_as_data(CellNetwork(sizes=(("L4E", 1), ("L4I", 1))))
    data["connections"] = [[1, 0, "inh"]] * 12_000
    assert len(json.dumps(data)) > max(ARGUMENTS_ON_COMMAND_LINE, 128 * 1024)
    before = set(Path(tempfile.gettempdir()).glob("simnet-peer-*"))
    result = run_peer(PEERS["neuron"], {"model": "cell", "options": data, "duration_s": 0.002, "device": "neuron",
                                        "seed": 1}, timeout_s=600)
    assert result["ok"], result.get("reason")
    assert result["synapses"] == 12_000
    assert set(Path(tempfile.gettempdir()).glob("simnet-peer-*")) == before


def test_the_cells_model_plans_one_thread_unless_asked_and_auto_picks_a_cpu_backend():
    from simnet.pipeline import plan_run
    from simnet.simulation.settings import RunSettings

    plan = plan_run("cells", {"level": "reduced_pyramidal"}, duration_s=0.01, backend="auto",
                    settings=RunSettings(progress=False))
    assert plan.backend.name in ("cpp", "runtime") and plan.settings.threads == 1
    assert any("the default of model cells" in note for note in plan.notes)
    asked = plan_run("cells", {}, duration_s=0.01, backend="cpp", settings=RunSettings(progress=False, threads=2))
    assert asked.settings.threads == 2 and not any("default of model" in note for note in asked.notes)
    with pytest.raises(UsageError, match="cannot be compiled without running it"):
        plan_run("cells", {}, duration_s=0.01, backend="cpp", settings=RunSettings(progress=False, compile_only=True))
    with pytest.raises(UsageError, match="cannot keep the network for export"):
        plan_run("cells", {}, duration_s=0.01, backend="cpp", record_connectivity=True)
    unchecked = plan_run("cells", {}, duration_s=0.01, backend="cpp", skip_memory_check=True)
    assert any("there was no check to skip" in note for note in unchecked.notes)
