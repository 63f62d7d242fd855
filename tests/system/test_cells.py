"""The compartmental cell levels: run through the pipeline, counted per cell and compartment, checked, and the same
cell on NEURON (CoreNEURON off and on) agreeing spike by spike."""
import pytest

from simnet.base.errors import UsageError
from simnet.bench import cell_ladder
from simnet.models.cells import get_cell_level


@pytest.mark.parametrize("backend", ["genn", "cuda", "genn-cpu"])
def test_gpu_backends_are_refused_in_one_line(backend):
    with pytest.raises(UsageError, match="run on runtime and cpp only"):
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
