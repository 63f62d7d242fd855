"""What one record says about itself (start-up transient, the column's regime), its plot, and two runs compared."""
import dataclasses
import json
import warnings

import numpy as np
import pytest

from simnet.analysis import activity
from simnet.cli import main
from simnet.pipeline import execute, plan_run
from simnet.record import files
from simnet.record.run_record import RunRecord
from simnet.simulation.backends import RuntimeBackend
from simnet.simulation.settings import RunSettings


def rate_record(opening_hz, steady_hz, duration_s=0.5, model="fake"):
    t_ms = np.arange(0.0, duration_s * 1e3)
    rate = np.where(t_ms < 20, opening_hz, steady_hz).astype(float)
    counts = {"populations": {"exc": {"size": 8, "spikes": 0, "part_of": ""},
                              "inh": {"size": 2, "spikes": 0, "part_of": ""}}}
    return RunRecord(model=model, description="", parameters={}, backend={}, provenance={}, duration_s=duration_s,
                     dt_s=1e-4, counts=counts, rates={"exc": (t_ms, rate), "inh": (t_ms, np.full(len(t_ms), 5.0))},
                     populations=["exc", "inh"])


def test_a_start_up_burst_is_flagged_with_the_pre_run_advice_and_a_steady_run_is_not():
    burst = activity.startup_transient(rate_record(40.0, 5.0))
    assert burst["flagged"] and [p["population"] for p in burst["populations"]] == ["exc"]
    assert "--pre-run" in burst["advice"]
    assert activity.startup_transient(rate_record(0.0, 5.0))["flagged"]  # a silent start is a transient too
    assert not activity.startup_transient(rate_record(8.0, 5.0))["flagged"]  # within the factor 2
    short = activity.startup_transient(rate_record(40.0, 5.0, duration_s=0.05))
    assert short["flagged"] is None and "shorter" in short["reason"]


def test_the_reference_synchrony_is_the_runs_scale_else_full_scale():
    same = activity.reference_synchrony(0.1, 0.1)
    assert same["same_scale"] and same["mean_synchrony"] == pytest.approx(2.359)
    other = activity.reference_synchrony(0.1, 1.0)
    assert not other["same_scale"] and other["n_scaling"] == 1.0 and "full-scale" in other["source"]
    assert activity.column_regime(rate_record(1.0, 1.0)) is None  # not the column


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """COBAHH at 200 and 400 neurons, 200 ms, runtime backend with numpy (nothing compiled)."""
    folder = tmp_path_factory.mktemp("runs")
    paths = []
    for neurons in (200, 400):
        plan = plan_run("cobahh", {"neurons": neurons}, duration_s=0.2, backend="runtime",
                        settings=RunSettings(progress=False), seed=1, record_spikes=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            record = execute(dataclasses.replace(plan, backend=RuntimeBackend("numpy")))
        paths.append(files.write(record, folder / f"n{neurons}.h5"))
    return paths


def run_cli(capsys, *args):
    capsys.readouterr()
    status = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return status, out, err


def test_plot_writes_png_and_svg_beside_the_file(two_runs, capsys):
    status, out, _ = run_cli(capsys, "plot", two_runs[0])
    png, svg = two_runs[0].with_name("n200_activity.png"), two_runs[0].with_name("n200_activity.svg")
    assert status == 0 and out.split() == [str(png), str(svg)]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    text = svg.read_text()
    assert "<svg" in text and "exc" in text and "inh" in text  # one legend entry per population
    assert svg.stat().st_size < 2_000_000  # the raster is embedded as an image, not a dot per spike
    status, _, err = run_cli(capsys, "plot", two_runs[0], "--out", two_runs[0].parent / "missing-dir" / "x" / "y")
    assert status == 0  # folders are made


def test_show_reports_the_transient_check(two_runs, capsys):
    status, out, _ = run_cli(capsys, "show", two_runs[0], "--json")
    summary = json.loads(out)
    assert status == 0 and summary["startup_transient"]["flagged"] in (True, False)
    assert summary["regime"] is None  # not the column


def test_compare_gives_ratios_and_fails_above_a_loop_regression(two_runs, capsys):
    a, b = two_runs
    status, out, _ = run_cli(capsys, "compare", a, b, "--json")
    comparison = json.loads(out)
    rows = {row["key"]: row for row in comparison["rows"]}
    assert status == 0 and rows["neurons"]["ratio"] == 2.0
    loop = rows["sim_wall_s_per_bio_s"]
    assert loop["ratio"] == pytest.approx(loop["b"] / loop["a"])
    assert [r["population"] for r in comparison["rates"]] == ["exc", "inh"]
    below, above = loop["ratio"] * 0.9, loop["ratio"] * 1.1
    assert run_cli(capsys, "compare", a, b, "--fail-above", below)[0] == 1
    assert run_cli(capsys, "compare", a, b, "--fail-above", above)[0] == 0
    status, _, err = run_cli(capsys, "compare", a, b, "--fail-above", "0")
    assert status == 2 and "--fail-above must be positive" in err
    assert "B / A" in run_cli(capsys, "compare", a, b)[1]


def poisson_column(duration_s, synchronous=False, seed=0):
    """A stand-in column record: eight populations of 100 neurons firing at 5 Hz, independently or together."""
    rng = np.random.default_rng(seed)
    populations = ["L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E", "L6I"]
    trains, counts = {}, {}
    for name in populations:
        if synchronous:  # every neuron fires at the same moments
            events = np.sort(rng.uniform(0, duration_s * 1e3, int(5 * duration_s)))
            times, ids = np.repeat(events, 100), np.tile(np.arange(100), len(events))
        else:
            n = rng.poisson(5 * duration_s * 100)
            times, ids = rng.uniform(0, duration_s * 1e3, n), rng.integers(0, 100, n)
        order = np.argsort(times, kind="stable")
        trains[name] = (times[order], ids[order].astype(np.uint64))
        counts[name] = {"size": 100, "spikes": len(times), "part_of": ""}
    parameters = {"n_scaling": {"value": 0.1}, "k_scaling": {"value": 0.1}}
    return RunRecord(model="microcircuit", description="", parameters=parameters, backend={}, provenance={},
                     duration_s=duration_s, dt_s=1e-4, counts={"populations": counts}, spike_trains=trains,
                     populations=populations)


def test_the_regime_needs_the_references_window_and_tells_independent_from_synchronous_firing():
    short = activity.column_regime(poisson_column(1.0))
    assert short["asynchronous_irregular"] is None and "shorter than the reference's 1000 ms" in short["reason"]
    independent = activity.column_regime(poisson_column(1.5))
    assert independent["asynchronous_irregular"] is True and independent["mean_synchrony"] < 2
    assert "at this scale" in independent["reference"]
    together = activity.column_regime(poisson_column(1.5, synchronous=True))
    assert together["asynchronous_irregular"] is False and together["mean_synchrony"] > 10
    no_spikes = poisson_column(1.5)
    no_spikes.spike_trains = {}
    assert "kept no spike trains" in activity.column_regime(no_spikes)["reason"]
