"""The fidelity ladder: bad input, splitting records into populations, the table, and a tiny real ladder."""
import json

import numpy as np
import pytest

from simnet.analysis import column
from simnet.base.errors import UsageError
from simnet.bench import fidelity_ladder as ladder
from simnet.cli import main
from simnet.record.run_record import RunRecord
from simnet.report import fidelity_table as fidelity


def simnet(*args, capsys):
    """Run the command in this process (bad input fails before anything is simulated): (status, stdout, stderr)."""
    status = main(list(args))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def assert_usage_error(result, message):
    status, _, err = result
    assert status == 2, err
    assert message in err
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err


@pytest.mark.parametrize("args, message", [
    (["--duration", "500ms"], "must exceed discard"),
    (["--duration", "1s", "--discard", "2s"], "must exceed discard"),
    (["--duration", "0s"], "--duration must be positive"),
    (["--discard", "soon"], "is not a time"),
    (["--duration", "503ms"], "the statistics need at least"),
    (["--from-dir", "nowhere"], "is not a directory"),
    (["--from-dir", ".", "--scale", "0.1"], "it takes no --scale"),
    (["--from-dir", ".", "--backend", "runtime"], "it takes no --backend"),
    (["--from-dir", ".", "--out-dir", "elsewhere"], "it takes no --out-dir"),
    (["--from-dir", "."], "holds no records"),
])
def test_bad_input_is_one_line_exit_2(tmp_path, monkeypatch, capsys, args, message):
    monkeypatch.chdir(tmp_path)
    if "--from-dir" not in args:
        args = [*args, "--out-dir", str(tmp_path / "out")]
    assert_usage_error(simnet("fidelity", *args, capsys=capsys), message)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


@pytest.mark.parametrize("args, message", [
    (["--levels", "lif_exp,nosuch"], "unknown level 'nosuch'"),
    (["--levels", "izhikevich,izhikevich"], "named more than once"),
    (["--levels", ","], "--levels is empty"),
    (["--precision", "half"], "'half' is not one of 'single', 'double'"),
    (["--backend", "nosuch"], "Invalid value for '--backend': 'nosuch' is not one of"),
    (["--threads", "0"], "--threads must be at least 1"),
    (["--scale", "2"], "n_scaling (--scale) must be in (0, 1]"),
    (["--synapse-model", "bcm"], "unknown synapse model 'bcm'"),
])
def test_bad_level_options_are_one_line_exit_2(tmp_path, capsys, args, message):
    assert_usage_error(simnet("fidelity", *args, "--out-dir", str(tmp_path / "out"), capsys=capsys), message)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_existing_record_is_refused_before_anything_runs(tmp_path, capsys):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    (out_dir / "izhikevich.h5").write_bytes(b"keep me")
    result = simnet("fidelity", "--levels", "lif_exp,izhikevich", "--out-dir", str(out_dir), capsys=capsys)
    assert_usage_error(result, "already exists")
    assert (out_dir / "izhikevich.h5").read_bytes() == b"keep me"
    assert not (out_dir / "lif_exp.h5").exists()


def test_population_trains_are_the_records_populations_in_the_models_order():
    counts = {"populations": {
        "excitatory": {"size": 5, "spikes": 2, "part_of": ""},
        "L23E": {"size": 3, "spikes": 1, "part_of": "excitatory", "start": 0},
        "L4E": {"size": 2, "spikes": 1, "part_of": "excitatory", "start": 3},
        "inhibitory": {"size": 2, "spikes": 0, "part_of": ""},
        "L23I": {"size": 2, "spikes": 0, "part_of": "inhibitory", "start": 0},
    }}
    record = RunRecord(model="fake", description="", parameters={}, backend={}, provenance={}, duration_s=1.0,
                       dt_s=1e-4, counts=counts, populations=["L23E", "L23I", "L4E"],
                       spike_trains={"L23E": (np.array([1.0]), np.array([2], dtype=np.uint64)),
                                     "L4E": (np.array([3.0]), np.array([1], dtype=np.uint64))})
    trains, sizes = column.population_trains(record)
    assert list(trains) == ["L23E", "L23I", "L4E"] and sizes == {"L23E": 3, "L23I": 2, "L4E": 2}
    assert trains["L4E"][1].tolist() == [1] and trains["L23I"][0].size == 0
    with pytest.raises(UsageError, match="no spike trains"):
        column.population_trains(RunRecord(model="fake", description="", parameters={}, backend={},
                                             provenance={}, duration_s=1.0, dt_s=1e-4, counts=counts,
                                             populations=["L23E"]))


@pytest.fixture(scope="module")
def cobahh_ladder(tmp_path_factory):
    """Two small COBAHH runs (runtime backend) standing in for two levels: the ladder's plumbing, not PD14."""
    from simnet.bench.points import SimnetRun

    runs = {name: SimnetRun("cobahh", {"neurons": neurons}, duration_s=0.7, backend="runtime", seed=3,
                            record_spikes=True)
            for name, neurons in (("small", 200), ("large", 400))}
    out_dir = tmp_path_factory.mktemp("ladder")
    paths = ladder.run_levels(runs, out_dir=out_dir, overwrite=False)
    return out_dir, paths


@pytest.mark.slow
def test_run_levels_writes_one_record_per_level_and_refuses_to_overwrite(cobahh_ladder):
    out_dir, paths = cobahh_ladder
    assert paths == {"small": out_dir / "small.h5", "large": out_dir / "large.h5"}
    records, sources = ladder.read_level_records(out_dir)
    # named by file (COBAHH has no neuron_model parameter), in name order for levels the library lacks
    assert list(records) == ["large", "small"] and sources["small"] == paths["small"]
    assert records["small"].n_neurons == 200 and records["small"].spike_trains
    before = paths["small"].read_bytes()
    with pytest.raises(UsageError, match="already exists"):
        ladder.run_levels({"small": None}, out_dir=out_dir, overwrite=False)
    assert paths["small"].read_bytes() == before


@pytest.mark.slow
def test_table_has_cost_dynamics_distances_and_projection(cobahh_ladder, tmp_path):
    from simnet.report.figures import plot_cost_vs_fidelity

    records, sources = ladder.read_level_records(cobahh_ladder[0], ["small", "large"])
    table = fidelity.fidelity_table(records, discard_s=0.5, reference_level="small", sources=sources)
    assert table["analysis_window_ms"] == [500.0, 700.0]
    assert [row["level"] for row in table["rows"]] == ["small", "large"]
    reference, other = table["rows"]
    for row in table["rows"]:
        assert set(row["populations"]) == {"exc", "inh"}
        assert row["counted_flops_per_neuron_per_bio_s"] > 0
        assert row["memory_bytes_per_neuron"] > row["bytes_per_neuron"] > 0
        assert row["mean_rate_hz"] > 0 and 0 < row["mean_cv_isi"] < 3
        assert row["human_scale"]["counted_flops"] == pytest.approx(
            row["counted_flops_per_neuron_per_bio_s"] * 1.3e10 * 15 * 3.154e7)
        assert row["measured_on"] and row["measured_on"] in row["human_scale"]["derived_from"]
    # the reference against itself is at distance 0; a network of another size is not
    assert reference["ks_vs_reference"]["rate"]["max_over_populations"] == 0.0
    assert other["ks_vs_reference"]["rate"]["max_over_populations"] > 0.0
    assert other["populations"]["exc"]["neurons"] == 320
    # the regime test is applied to every row, the reference's synchrony against its own
    assert reference["regime"]["synchrony_ratio"] == pytest.approx(1.0)
    for row in table["rows"]:
        assert row["regime"]["asynchronous_irregular"] == (
            row["mean_synchrony"] <= 2 * reference["mean_synchrony"] and row["mean_cv_isi"] >= 0.5)
    # the published PD14 rates concern other populations: no comparison for COBAHH
    assert table["reference_vs_published"] is None
    text = fidelity.format_fidelity(table)
    assert "human scale" in text and "KS rate" in text
    # the documents' answers per level and reference cluster, each with its band
    answers = table["model_answers"]["answers"]
    assert {a["level"] for a in answers} == {"small", "large"} and all(a["band"]["text"] for a in answers)
    assert "the documents' answers with the performance model" in text and "band: " in text
    json.dumps(table)  # plain JSON, no numpy left
    written = plot_cost_vs_fidelity(**fidelity.figure_inputs(table), out_stem=tmp_path / "fig")
    assert [p.suffix for p in written] == [".png", ".svg"] and all(p.stat().st_size > 0 for p in written)


def test_regime_check_is_the_calibration_rules_ai_test():
    reference = {"mean_synchrony": 2.5, "mean_cv_isi": 0.6}

    def verdict(synchrony, cv, against=reference):
        return column.regime_check({"mean_synchrony": synchrony, "mean_cv_isi": cv}, against)

    check = verdict(4.9, 0.52)
    assert check["asynchronous_irregular"] is True and check["synchrony_ratio"] == pytest.approx(1.96)
    # too synchronous, too regular, or both: not AI
    assert verdict(5.1, 0.9)["asynchronous_irregular"] is False
    assert verdict(2.0, 0.33)["asynchronous_irregular"] is False
    assert verdict(13.3, 0.33)["asynchronous_irregular"] is False
    # a silent column or no reference: no verdict
    assert verdict(None, None)["asynchronous_irregular"] is None
    assert verdict(2.0, 0.6, against=None)["asynchronous_irregular"] is None
    assert "2 x the reference" in check["rule"] and ">= 0.5" in check["rule"]


def test_table_names_the_levels_that_are_not_ai(tmp_path):
    from simnet.report.figures import plot_cost_vs_fidelity

    def row(level, synchrony, cv):
        return {"level": level, "mean_synchrony": synchrony, "mean_cv_isi": cv,
                "counted_flops_per_neuron_per_bio_s": 3e5, "sim_wall_s_per_bio_s": 1.0,
                "ks_vs_reference": None, "regime": column.regime_check(
                    {"mean_synchrony": synchrony, "mean_cv_isi": cv}, {"mean_synchrony": 2.4})}

    table = {"rows": [row("lif_exp", 2.4, 0.59), row("izhikevich", 13.3, 0.33)], "reference_level": "lif_exp",
             "model": "microcircuit"}
    table["rows"][0].update(neurons=10, measured_on="here", backend="cpp", precision="double")
    inputs = fidelity.figure_inputs(table)
    assert inputs["asynchronous_irregular"] == [True, False]
    assert fidelity._regime_mark(table["rows"][1]) == "no" and fidelity._regime_mark(table["rows"][0]) == "yes"
    written = plot_cost_vs_fidelity(**inputs, out_stem=tmp_path / "fig")
    assert all(p.stat().st_size > 0 for p in written)


def test_published_rates_table_is_read_with_its_source():
    by_source, source = column.published_rates()
    assert by_source[column.PUBLISHED_RATES_ROW]["L23E"] == pytest.approx(0.903)
    assert len(by_source[column.PUBLISHED_RATES_ROW]) == 8
    assert "Potjans" in source


@pytest.mark.slow
def test_tiny_ladder_of_two_levels(tmp_path, monkeypatch, capsys):
    """The whole command on the real column, two levels; then the table redrawn from the records alone.

    The runtime backend runs here with Brian2's numpy target, so nothing is compiled (cpp or Cython would spend
    a minute per level compiling on a CI machine); the record says so in its backend section. The CPU is made
    one the hardware tables do not know, so that the test passes on any CPU: the peak-equivalent then rests on a
    measured peak (an FMA micro-benchmark), never on which processor runs the test.
    """
    from simnet import pipeline
    from simnet.machine import describe
    from simnet.simulation import backends

    monkeypatch.setitem(backends.BACKENDS, "runtime", lambda: backends.RuntimeBackend("numpy"))
    unknown_cpu = {**describe.describe_machine(), "cpu_model": "Imaginary CPU 9999", "cpu_vendor": "NoVendor",
                   "cpu_family": None, "cpu_model_id": None}
    monkeypatch.setattr(pipeline, "describe_machine", lambda: unknown_cpu)
    out_dir, figures = tmp_path / "ladder", tmp_path / "figures"
    status = main(["fidelity", "--levels", "lif_exp,izhikevich", "--scale", "0.02", "--duration", "700ms",
                   "--backend", "runtime", "--out-dir", str(out_dir), "--figures", str(figures), "--json"])
    captured = capsys.readouterr()
    assert status == 0, captured.err
    table = json.loads(captured.out)
    assert table["levels"] == ["lif_exp", "izhikevich"]
    assert table["analysis_window_ms"] == [500.0, 700.0]
    assert sorted(p.name for p in out_dir.iterdir()) == ["izhikevich.h5", "lif_exp.h5"]
    assert sorted(p.name for p in figures.iterdir()) == ["cost_vs_fidelity.png", "cost_vs_fidelity.svg"]
    populations = ["L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E", "L6I"]
    sizes = {"L23E": 414, "L23I": 117, "L4E": 438, "L4I": 110, "L5E": 97, "L5I": 21, "L6E": 288, "L6I": 59}
    for row in table["rows"]:
        assert row["backend"] == "runtime" and row["neurons"] == sum(sizes.values())
        assert {name: entry["neurons"] for name, entry in row["populations"].items()} == sizes
        assert list(row["populations"]) == populations
        for key in ("counted_flops_per_neuron_per_bio_s", "peak_equivalent_flops_per_neuron_per_bio_s",
                    "sim_wall_s_per_bio_s", "memory_bytes_per_neuron", "mean_rate_hz", "mean_cv_isi"):
            assert row[key] is not None and row[key] > 0, key
        assert row["human_scale"]["counted_flops"] > 0 and row["human_scale"]["wall_years_linear"] > 0
        assert row["peak_source"].startswith("measured peak: FMA micro-benchmark"), row["peak_source"]
    reference, other = table["rows"]
    assert reference["ks_vs_reference"]["rate"]["max_over_populations"] == 0.0
    ks = other["ks_vs_reference"]
    assert set(ks["rate"]["by_population"]) == set(populations)
    assert 0.0 < ks["rate"]["max_over_populations"] <= 1.0
    published = table["reference_vs_published"]["populations"]
    assert list(published) == populations
    for name, entry in published.items():
        assert entry["simulated_hz"] == reference["populations"][name]["mean_rate_hz"]
        assert entry["ratio"] == pytest.approx(entry["simulated_hz"] / entry["published_hz"])

    # the records alone redraw the same table (naming only izhikevich brings the reference back in)
    status = main(["fidelity", "--from-dir", str(out_dir), "--levels", "izhikevich", "--json"])
    captured = capsys.readouterr()
    assert status == 0, captured.err
    redrawn = json.loads(captured.out)
    assert redrawn["levels"] == ["lif_exp", "izhikevich"]
    for first, second in zip(table["rows"], redrawn["rows"]):
        assert first["populations"] == second["populations"]
        assert first["ks_vs_reference"] == second["ks_vs_reference"]
        assert first["sim_wall_s_per_bio_s"] == second["sim_wall_s_per_bio_s"]


def test_published_rate_check_fails_on_rates_that_are_off():
    published = column.published_rates()[0][column.PUBLISHED_RATES_ROW]
    assert column.published_rate_check(dict(published))["passes"]
    within = {name: 1.3 * value for name, value in published.items()}  # every ratio 1.3: mean |ln| = ln 1.3
    assert column.published_rate_check(within)["passes"]
    one_off = {**published, "L23E": published["L23E"] / 3}
    result = column.published_rate_check(one_off)
    assert not result["passes"] and result["populations_outside_factor"] == ["L23E"]
    assert not column.published_rate_check({name: 1.6 * value for name, value in published.items()})["passes"]
    silent = {**published, "L5E": 0.0}
    assert not column.published_rate_check(silent)["passes"]
    missing = {name: value for name, value in published.items() if name != "L6I"}
    assert column.published_rate_check(missing)["missing_populations"] == ["L6I"]
    assert not column.published_rate_check(missing)["passes"]
    assert column.published_rate_check({"exc": 1.0}) is None


def test_a_level_that_fails_does_not_stop_the_others(tmp_path, monkeypatch):
    from simnet.base.errors import SimulationFailed
    from simnet.bench import points

    real_execute = points.execute

    def fails_at_150(plan, **kwargs):
        if plan.spec.n_neurons == 150:
            raise RuntimeError("out of memory\nand more")
        return real_execute(plan, **kwargs)

    monkeypatch.setattr(points, "execute", fails_at_150)
    runs = {name: points.SimnetRun("cobahh", {"neurons": neurons}, duration_s=0.05, backend="runtime")
            for name, neurons in (("fails", 150), ("runs", 200))}
    with pytest.raises(SimulationFailed, match=r"level fails failed: RuntimeError: out of memory$") as failed:
        ladder.run_levels(runs, out_dir=tmp_path, overwrite=False)
    assert failed.value.kept == f"the other levels' records are in {tmp_path}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["runs.h5"]
