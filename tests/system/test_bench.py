"""simnet bench / sweep: experiment files are validated, points expand, summaries add up, a tiny sweep runs."""
import dataclasses
import json
import math
from pathlib import Path

import pytest

from simnet.base.errors import UsageError
from simnet.bench import experiment_file, statistics
from simnet.cli import main
from simnet.record import files
from simnet.report import experiment_summary

EXPERIMENTS = Path(__file__).resolve().parents[2] / "experiments"

VALID = """
name = "tiny"
model = "cobahh"
duration = "100ms"
repeats = 1
[options]
mode = "classic"
[sweep]
neurons = [300]
[[runners]]
kind = "simnet"
backend = "runtime"
[[runners]]
kind = "peer"
peer = "brian2-plain"
device = "runtime"
"""


def _write(tmp_path, text, name="exp.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


# ---------------------------------------------------------------------------------------------------------
# Validation: one line, exit status 2, naming the file
# ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("edit, message", [
    (lambda t: t.replace('repeats = 1', 'repeats = [1'), "not valid TOML"),
    (lambda t: "colour = 'red'\n" + t, "unknown key(s) colour"),
    (lambda t: t.replace('model = "cobahh"', 'model = "nosuch"'), "unknown model 'nosuch'"),
    (lambda t: t.replace('mode = "classic"', 'size = 3'), "[options] size: model cobahh takes"),
    (lambda t: t.replace('mode = "classic"', 'mode = "sparse"'), "unknown COBAHH mode 'sparse'"),
    (lambda t: t.replace('neurons = [300]', 'neurons = ["many"]'), "point neurons=many"),
    (lambda t: t.replace('neurons = [300]', 'neurons = []'), "[sweep] neurons must be a non-empty list"),
    (lambda t: t.replace('neurons = [300]', 'neurons = [300]\nmode = ["classic"]'), "both fixed"),
    (lambda t: t.replace('backend = "runtime"', 'backend = "nosuch"'), "unknown backend 'nosuch'"),
    (lambda t: t.replace('peer = "brian2-plain"', 'peer = "nosuch"'), "unknown peer 'nosuch'"),
    (lambda t: t.replace('device = "runtime"', 'device = "gpu"'), "runs on cpp_standalone, runtime"),
    (lambda t: t.replace('device = "runtime"', 'device = "runtime"\ncolour = 1'), "runner 2: unknown key(s)"),
    (lambda t: t.replace('kind = "simnet"', 'kind = "other"'), "kind must be"),
    (lambda t: t.replace('duration = "100ms"', 'duration = "100mV"'), "is not a time"),
    (lambda t: t.replace('duration = "100ms"', 'duration = 0.1'), "duration must be a string"),
    (lambda t: t.replace('repeats = 1', 'repeats = 0'), "repeats must be a positive integer"),
    (lambda t: t.replace('name = "tiny"', 'name = "a/b"'), "name must be"),
    (lambda t: t.replace('backend = "runtime"', 'backend = "runtime"\nthreads = 0'), "threads must be"),
    (lambda t: t.replace('peer = "brian2-plain"\ndevice = "runtime"', 'peer = "nest"\nprecision = "single"'),
     "precision must be double"),
    (lambda t: t + '[[runners]]\nkind = "simnet"\nbackend = "runtime"\n', "both called 'simnet-runtime'"),
    (lambda t: 'pre_run = "100ms"\n' + t, "runner 2: peer brian2-plain has no pre-run for cobahh"),
    (lambda t: 'pre_run = "-1ms"\n' + t, "pre_run must be non-negative, got '-1ms'"),
    (lambda t: 'pre_run = 5\n' + t, "pre_run must be a string"),
    (lambda t: t.replace('backend = "runtime"', 'backend = "runtime"\nprofile = "yes"'), "profile must be true or"),
    (lambda t: t.replace('backend = "runtime"', 'backend = "runtime"\nsimd_math = 1'),
     "simd_math must be true or false, got 1"),
    (lambda t: t.replace('backend = "runtime"', 'backend = "runtime"\nsynapse_order = "random"'),
     'synapse_order must be "source_delay" or "drawn"'),
    (lambda t: t.replace('backend = "runtime"', 'backend = "runtime"\ncompare_to = "brian2-plain-runtime"'),
     "compare_to 'brian2-plain-runtime' is not the label of another simnet runner"),
])
def test_bad_experiment_file_is_one_line_exit_2(tmp_path, capsys, edit, message):
    path = _write(tmp_path, edit(VALID))
    status = main(["bench", str(path), "--out-dir", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert status == 2, err
    assert message in err
    assert str(path) in err
    assert len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "out" / "summary.json").exists()


def test_missing_experiment_file(tmp_path, capsys):
    assert main(["bench", str(tmp_path / "none.toml")]) == 2
    assert "no such experiment file" in capsys.readouterr().err


def test_peer_that_does_not_take_an_option_is_refused(tmp_path):
    from simnet.peers import PEERS

    # Give the peer a narrower option list than the model's to check the rule itself.
    narrowed = dataclasses.replace(PEERS["nest"], models={"cobahh": ("neurons",)})
    PEERS["nest"], original = narrowed, PEERS["nest"]
    try:
        with pytest.raises(UsageError, match="peer nest does not take the option.*mode"):
            experiment_file.experiment_from_dict({
                "name": "x", "model": "cobahh", "options": {"mode": "classic"}, "sweep": {"neurons": [100]},
                "runners": [{"kind": "peer", "peer": "nest"}]}, source="here")
    finally:
        PEERS["nest"] = original


def test_existing_summary_is_refused_before_anything_runs(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "summary.json").write_text("keep me")
    status = main(["bench", str(_write(tmp_path, VALID)), "--out-dir", str(out)])
    assert status == 2
    assert "already exists" in capsys.readouterr().err
    assert (out / "summary.json").read_text() == "keep me"


@pytest.mark.parametrize("args, message", [
    (["--neurons", "300,abc"], "point neurons=abc"),
    (["--neurons", "300,"], "empty value"),
    (["--neurons", "300", "--peer", "nosuch"], "Invalid value for '--peer': 'nosuch' is not one of"),
    (["--neurons", "300", "--option", "size"], "write NAME=VALUE"),
    (["--neurons", "300", "--option", "size=3"], "[options] size"),
    (["--neurons", "300", "--backend", "cuda", "--peer", "brian2-plain"], "no device that matches backend cuda"),
])
def test_bad_sweep_is_one_line_exit_2(tmp_path, capsys, args, message):
    status = main(["sweep", "cobahh", *args, "--out-dir", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert status == 2, err
    assert message in err
    assert len(err.strip().splitlines()) == 1, err


def test_shipped_experiment_files_are_valid():
    files = sorted(EXPERIMENTS.glob("*.toml"))
    names = {path.stem for path in files}
    assert {"overhead", "cobahh_benchmark_scaling", "cobahh_stdp", "nest_peer"} <= names
    for path in files:
        experiment = experiment_file.load_experiment(path)
        assert experiment.points() and experiment.runners
    overhead = experiment_file.load_experiment(EXPERIMENTS / "overhead.toml")
    kinds = {(r.kind, r.backend or r.device, r.threads, r.precision) for r in overhead.runners}
    assert kinds == {("simnet", "cpp", 2, "double"), ("peer", "cpp_standalone", 2, "double")}
    assert overhead.repeats == 5 and overhead.options == {"mode": "classic", "plasticity": "stdp"}
    assert overhead.points() == [{"neurons": 4000}] and overhead.duration_s == 1.0


# ---------------------------------------------------------------------------------------------------------
# Points
# ---------------------------------------------------------------------------------------------------------

def _experiment(**overrides):
    data = {
        "name": "grid", "model": "cobahh", "duration": "1s", "repeats": 3, "seeds": [1, 2],
        "options": {"plasticity": "none"}, "sweep": {"neurons": [8000, 4000], "mode": ["classic", "benchmark"]},
        "runners": [{"kind": "simnet", "backend": "cpp", "threads": 2},
                    {"kind": "peer", "peer": "brian2-plain", "threads": 2}],
    }
    data.update(overrides)
    return experiment_file.experiment_from_dict(data, source="test")


def test_points_are_the_cartesian_product_in_file_order():
    experiment = _experiment()
    assert experiment.points() == [
        {"neurons": 8000, "mode": "classic"}, {"neurons": 8000, "mode": "benchmark"},
        {"neurons": 4000, "mode": "classic"}, {"neurons": 4000, "mode": "benchmark"},
    ]
    assert experiment.model_options({"neurons": 4000, "mode": "classic"}) == {
        "plasticity": "none", "neurons": 4000, "mode": "classic"}
    assert [r.label for r in experiment.runners] == ["simnet-cpp", "brian2-plain-cpp_standalone"]


def test_quick_keeps_the_smallest_size_one_repeat_and_the_first_seed():
    reduced = experiment_file.quick(_experiment())
    assert reduced.points() == [{"neurons": 4000, "mode": "classic"}, {"neurons": 4000, "mode": "benchmark"}]
    assert reduced.repeats == 1 and reduced.seeds == (1,)
    assert experiment_file.with_repeats(reduced, 4).repeats == 4
    with pytest.raises(UsageError):
        experiment_file.with_repeats(reduced, 0)


# ---------------------------------------------------------------------------------------------------------
# Summary arithmetic on synthetic measurements
# ---------------------------------------------------------------------------------------------------------

def _measurement(runner, neurons, repeat, wall, ok=True, seed=1, synapses=None, rate=10.0):
    base = {"runner": runner, "point": {"neurons": neurons}, "seed": seed, "repeat": repeat,
            "threads": 2, "requested_neurons": neurons}
    if not ok:
        return {**base, "ok": False, "reason": "peer nest: NEST is not installed"}
    return {**base, "ok": True, "sim_wall_s_per_bio_s": wall, "total_wall_s_per_bio_s": 10 * wall,
            "neurons": neurons, "synapses": synapses or 80 * neurons, "spikes": int(rate * neurons),
            "mean_rate_hz": rate, "file": f"points/{runner}-{neurons}-{repeat}.h5"}


def _synthetic():
    experiment = experiment_file.experiment_from_dict({
        "name": "synthetic", "model": "cobahh", "repeats": 3, "options": {"mode": "classic"},
        "sweep": {"neurons": [1000, 2000, 4000]},
        "runners": [{"kind": "simnet", "backend": "cpp", "threads": 2},
                    {"kind": "peer", "peer": "brian2-plain", "device": "cpp_standalone", "threads": 2},
                    {"kind": "peer", "peer": "nest", "threads": 2}],
    }, source="synthetic")
    measurements = []
    for neurons in (1000, 2000, 4000):
        # simnet: exactly 1e-4 * N**1.0 in the median, with a spread around it
        for repeat, factor in enumerate((1.10, 1.00, 0.95), start=1):
            measurements.append(_measurement("simnet-cpp", neurons, repeat, 1e-4 * neurons * factor))
        # plain Brian2: 2 % faster in every interleaved pair
        for repeat, factor in enumerate((1.10, 1.00, 0.95), start=1):
            measurements.append(_measurement("brian2-plain-cpp_standalone", neurons, repeat,
                                             1e-4 * neurons * factor / 1.02))
        for repeat in (1, 2, 3):
            measurements.append(_measurement("nest", neurons, repeat, None, ok=False))
    return experiment, measurements


def test_summary_medians_spread_fits_and_ratios():
    experiment, measurements = _synthetic()
    summary = statistics.summarise(experiment, measurements, {"machine": {}}, complete=True)
    assert summary["format"] == files.SUMMARY_FORMAT and summary["complete"] is True
    assert {"points", "fits", "ratios", "provenance"} <= set(summary)
    simnet_4000 = next(p for p in summary["points"] if p["runner"] == "simnet-cpp" and p["neurons"] == 4000)
    assert simnet_4000["sim_wall_s_per_bio_s_median"] == pytest.approx(0.4)
    assert simnet_4000["sim_wall_s_per_bio_s_min"] == pytest.approx(0.38)
    assert simnet_4000["sim_wall_s_per_bio_s_max"] == pytest.approx(0.44)
    assert simnet_4000["total_wall_s_per_bio_s_median"] == pytest.approx(4.0)
    assert simnet_4000["synapses"] == 320000 and simnet_4000["repeats_ok"] == 3
    assert simnet_4000["status"] == "ok" and len(simnet_4000["files"]) == 3

    failed = [p for p in summary["points"] if p["runner"] == "nest"]
    assert len(failed) == 3
    assert all(p["status"] == "failed" and p["sim_wall_s_per_bio_s_median"] is None for p in failed)
    assert failed[0]["reasons"] == ["peer nest: NEST is not installed"] and failed[0]["neurons"] == 1000

    fit = summary["fits"]["simnet-cpp"]["vs_neurons"]
    assert fit["available"] and fit["exponent"] == pytest.approx(1.0) and fit["n_points"] == 3
    assert summary["fits"]["simnet-cpp"]["vs_synapses"]["exponent"] == pytest.approx(1.0)
    assert "nest" not in summary["fits"]

    ratios = [r for r in summary["ratios"] if r["comparison"] == "overhead"]
    assert len(ratios) == 3 and not [r for r in summary["ratios"] if r["peer"] == "nest"]
    for ratio in ratios:
        assert ratio["loop_time_ratio"] == pytest.approx(1.02)
        assert ratio["paired_ratio_median"] == pytest.approx(1.02)
        assert ratio["paired_ratio_min"] == pytest.approx(1.02) and ratio["pairs"] == 3
        assert ratio["overhead_percent"] == pytest.approx(2.0)
        assert ratio["same_synapse_count"]


def test_tuned_simnet_against_plain_brian2_is_a_peer_comparison_not_an_overhead():
    experiment, measurements = _synthetic()
    for measured in measurements:
        if measured["runner"] == "simnet-cpp":
            measured["brian2_way"] = False  # e.g. simd_math: not the code plain Brian2 runs
    summary = statistics.summarise(experiment, measurements, {}, complete=True)
    assert {r["comparison"] for r in summary["ratios"]} == {"peer"}
    assert all(r["overhead_percent"] is None for r in summary["ratios"])


def test_ratio_needs_the_same_threads():
    experiment, measurements = _synthetic()
    for measured in measurements:
        if measured["runner"] == "brian2-plain-cpp_standalone":
            measured["threads"] = 1
    summary = statistics.summarise(experiment, measurements, {}, complete=True)
    assert summary["ratios"] == []


def test_variant_is_divided_by_its_baseline_repeat_by_repeat():
    experiment = experiment_file.experiment_from_dict({
        "name": "variants", "model": "cobahh", "repeats": 3, "sweep": {"neurons": [1000]},
        "runners": [{"kind": "simnet", "label": "before", "threads": 2},
                    {"kind": "simnet", "label": "after", "threads": 1, "profile": True, "compare_to": "before"}],
    }, source="synthetic")
    assert experiment.runners[1].describe()["compare_to"] == "before"
    measurements = []
    for repeat, drift in enumerate((1.0, 1.3, 0.9), start=1):
        measurements.append(_measurement("before", 1000, repeat, 2.0 * drift))
        measurements.append(_measurement("after", 1000, repeat, 1.5 * drift))
    summary = statistics.summarise(experiment, measurements, {}, complete=True)
    (variant,) = summary["ratios"]
    assert (variant["comparison"], variant["simnet_runner"], variant["peer_runner"]) == ("variant", "after", "before")
    # the machine's drift is shared by each interleaved pair, so every paired ratio is 0.75 exactly
    assert variant["paired_ratio_min"] == pytest.approx(0.75) == variant["paired_ratio_max"]
    assert variant["paired_ratio_geomean"] == pytest.approx(0.75) and variant["overhead_percent"] is None
    assert "variant / baseline: after / before" in experiment_summary.format_experiment_summary({**summary, "provenance": {}})


def test_variant_activity_is_judged_against_the_seed_to_seed_spread():
    experiment = experiment_file.experiment_from_dict({
        "name": "variants", "model": "cobahh", "repeats": 1, "seeds": [1, 2, 3], "sweep": {"neurons": [1000]},
        "runners": [{"kind": "simnet", "label": "before"},
                    {"kind": "simnet", "label": "after", "compare_to": "before", "poisson_sampler": "brian2"}],
    }, source="synthetic")
    assert experiment.runners[1].describe()["poisson_sampler"] == "brian2"
    measurements = []
    # baseline rates 10, 12, 14 Hz over the seeds (standard deviation 2); the variant's 1 Hz higher: within
    # the spread; its synchrony 3 higher than a spread of 0.1: outside
    for seed, rate, sync in ((1, 10.0, 2.0), (2, 12.0, 2.1), (3, 14.0, 2.2)):
        for runner, shift, sync_shift in (("before", 0.0, 0.0), ("after", 1.0, 3.0)):
            measured = _measurement(runner, 1000, 1, 1.0, seed=seed)
            measured["activity"] = {"exc": {"mean_rate_hz": rate + shift, "mean_cv_isi": 0.8,
                                            "synchrony": sync + sync_shift}}
            measurements.append(measured)
    summary = statistics.summarise(experiment, measurements, {}, complete=True)
    (entry,) = summary["equivalence"]
    assert entry["seeds"] == [1, 2, 3] and entry["variant_runner"] == "after"
    rows = {row["statistic"]: row for row in entry["rows"]}
    assert rows["mean_rate_hz"]["difference"] == pytest.approx(1.0)
    assert rows["mean_rate_hz"]["seed_spread"] == pytest.approx(2.0) and rows["mean_rate_hz"]["within_spread"]
    assert rows["mean_cv_isi"]["within_spread"]  # no spread, no difference
    assert rows["synchrony"]["within_spread"] is False
    assert entry["all_within_spread"] is False and entry["outside_spread"] == ["exc synchrony"]
    assert "outside the seed-to-seed spread: exc synchrony" in experiment_summary.format_experiment_summary({**summary, "provenance": {}})


def test_a_statistic_the_variant_lost_is_outside_the_spread():
    experiment = experiment_file.experiment_from_dict({
        "name": "t", "model": "cobahh", "duration": "10ms", "seeds": [1, 2],
        "runners": [{"kind": "simnet", "label": "before"},
                    {"kind": "simnet", "label": "after", "compare_to": "before"}],
    }, source="synthetic")
    measurements = []
    for seed in (1, 2):
        for runner, cv in (("before", 0.8 + 0.01 * seed), ("after", None)):  # the variant went silent: no ISI CV
            measured = _measurement(runner, 1000, 1, 1.0, seed=seed)
            measured["activity"] = {"exc": {"mean_rate_hz": 10.0 + seed, "mean_cv_isi": cv, "synchrony": 2.0}}
            measurements.append(measured)
    (entry,) = statistics.summarise(experiment, measurements, {}, complete=True)["equivalence"]
    assert entry["all_within_spread"] is False and entry["outside_spread"] == ["exc mean_cv_isi"]


def test_activity_of_a_record_covers_the_loop_after_the_pre_run():
    from simnet import api
    from simnet.analysis.equivalence import activity

    record = api.run("cobahh", neurons=200, duration="100ms", pre_run="20ms", backend="runtime", progress=False,
                     record_spikes=True)
    summary = activity(record)
    assert set(summary) == {"exc", "inh"}
    rate = summary["exc"]["mean_rate_hz"]
    exc_spikes = record.counts["populations"]["exc"]["spikes"]
    assert rate == pytest.approx(exc_spikes / (record.counts["populations"]["exc"]["size"] * 0.1))


def test_summary_round_trips_through_json_with_nan_as_null(tmp_path):
    experiment, measurements = _synthetic()
    two_sizes = [m for m in measurements if m["point"]["neurons"] != 4000]
    summary = statistics.summarise(experiment, two_sizes, {"machine": {}}, complete=False)
    fit = summary["fits"]["simnet-cpp"]["vs_neurons"]
    assert math.isnan(fit["exponent_low"])  # two sizes: the fit is exact and has no interval
    files.write_summary(summary, tmp_path)
    text = (tmp_path / "summary.json").read_text()
    assert "NaN" not in text
    back = files.read_summary(tmp_path)
    assert back["fits"]["simnet-cpp"]["vs_neurons"]["exponent_low"] is None
    assert back["points"][0]["runner"] == "simnet-cpp"
    assert "no interval from 2 points" in experiment_summary.format_experiment_summary({**back, "provenance": {}})
    assert not list(tmp_path.glob(".*tmp"))


def test_format_summary_shows_rows_failures_fits_and_ratio():
    experiment, measurements = _synthetic()
    text = experiment_summary.format_experiment_summary(statistics.summarise(experiment, measurements, {"machine": {"cpu_model": "TestCPU"}},
                                                complete=True))
    assert "TestCPU" in text
    assert "failed" in text and "NEST is not installed" in text
    assert "neurons^1.00" in text
    assert "loop time ratio 1.020" in text


# ---------------------------------------------------------------------------------------------------------
# A tiny real sweep: simnet and the plain Brian2 script build the same network
# ---------------------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_tiny_bench_simnet_and_plain_brian2_build_the_same_network(tmp_path, capsys):
    out = tmp_path / "out"
    status = main(["bench", str(_write(tmp_path, VALID)), "--out-dir", str(out), "--json"])
    captured = capsys.readouterr()
    assert status == 0, captured.err
    summary = json.loads(captured.out)
    assert summary == json.loads((out / "summary.json").read_text())
    by_runner = {p["runner"]: p for p in summary["points"]}
    mine, plain = by_runner["simnet-runtime"], by_runner["brian2-plain-runtime"]
    assert mine["status"] == "ok" and plain["status"] == "ok", (mine["reasons"], plain["reasons"])
    # Same seed and the same order of random draws: the same synapses, not only the same expected number.
    assert mine["synapses"] == plain["synapses"]
    # Classic mode: in-degree 80, i.e. 300 * 80 expected synapses; binomial sd ~ 135, allow 5 sd.
    assert abs(mine["synapses"] - 300 * 80) < 5 * math.sqrt(300 * 300 * (80 / 300) * (1 - 80 / 300))
    assert mine["mean_rate_hz_median"] > 0
    # The same network and initial state on the same device: rates agree closely (they are usually equal).
    assert plain["mean_rate_hz_median"] == pytest.approx(mine["mean_rate_hz_median"], rel=0.05)
    (ratio,) = summary["ratios"]
    assert ratio["comparison"] == "overhead" and ratio["loop_time_ratio"] > 0
    assert ratio["loop_time_ratio"] == pytest.approx(
        mine["sim_wall_s_per_bio_s_median"] / plain["sim_wall_s_per_bio_s_median"])
    for entry in (mine, plain):
        for name in entry["files"]:
            assert (out / name).is_file()
    peer_result = json.loads((out / plain["files"][0]).read_text())["result"]
    assert peer_result["imports_simnet"] is False
    assert summary["provenance"]["experiment_text"].strip().startswith('name = "tiny"')
    assert summary["provenance"]["machine"]["logical_cores"]
    assert set(summary["figures"]) == {"scaling_neurons.png", "scaling_neurons.svg",
                                       "scaling_synapses.png", "scaling_synapses.svg"}


def test_paired_ratio_interval_by_hand():
    from simnet.bench.statistics import paired_ratio_interval

    # logs of 1.1 and 1/1.1 cancel: geometric mean 1; t(0.975, 1) = 12.706, sd of logs = ln(1.1) * sqrt(2)
    out = paired_ratio_interval([1.1, 1 / 1.1])
    assert out["paired_ratio_geomean"] == pytest.approx(1.0)
    half = 12.7062 * math.log(1.1) * math.sqrt(2) / math.sqrt(2)
    assert out["paired_ratio_ci_high"] == pytest.approx(math.exp(half), rel=1e-4)
    assert out["paired_ratio_ci_low"] == pytest.approx(math.exp(-half), rel=1e-4)
    assert paired_ratio_interval([1.0])["paired_ratio_geomean"] is None


def test_column_summary_has_population_rate_medians_and_the_published_check():
    experiment = experiment_file.experiment_from_dict({
        "name": "column", "model": "microcircuit", "repeats": 2, "pre_run": "500ms",
        "options": {"scale": 0.1, "k_scale": 0.1},
        "runners": [{"kind": "simnet", "backend": "cpp", "threads": 2}],
    }, source="synthetic")
    assert experiment.pre_run_s == 0.5
    from simnet.analysis.column import published_rates

    published = published_rates()[0]["nest3_reference"]
    measurements = []
    for repeat, factor in ((1, 0.9), (2, 1.1)):
        run = {"runner": "simnet-cpp", "point": {}, "seed": 1, "repeat": repeat, "threads": 2,
               "requested_neurons": None, "ok": True, "sim_wall_s_per_bio_s": 1.0, "total_wall_s_per_bio_s": 2.0,
               "neurons": 7717, "synapses": 2988807, "spikes": 1000, "mean_rate_hz": 3.0, "file": "x.h5",
               "population_rates_hz": {name: factor * value for name, value in published.items()}}
        measurements.append(run)
    measurements[1]["population_rates_hz"]["L5E"] = 100.0  # the median of two is their mean
    summary = statistics.summarise(experiment, measurements, {"machine": {}}, complete=True)
    point = summary["points"][0]
    assert summary["pre_run_s"] == 0.5
    assert point["population_rates_hz_median"]["L23E"] == pytest.approx(published["L23E"])
    assert point["population_rates_hz_median"]["L5E"] == pytest.approx((0.9 * published["L5E"] + 100.0) / 2)
    check = point["published_rate_check"]
    assert check["populations_outside_factor"] == ["L5E"] and not check["passes"]
    text = experiment_summary.format_experiment_summary(summary)
    assert "after a 0.5 s pre-run" in text and "NOT met" in text and "L23E 1.00" in text

    other_level = dataclasses.replace(experiment, options={**experiment.options, "neuron_model": "adex"})
    assert "published_rate_check" not in statistics.summarise(other_level, measurements, {}, complete=True)["points"][0]


def test_the_column_scale_is_the_size_axis_of_one_series():
    experiment = experiment_file.experiment_from_dict({
        "name": "column-sizes", "model": "microcircuit", "options": {"k_scale": 1.0},
        "sweep": {"scale": [0.05, 0.1, 0.2]}, "runners": [{"kind": "simnet", "backend": "cpp", "threads": 2}],
    }, source="synthetic")
    measurements = [
        {"runner": "simnet-cpp", "point": {"scale": scale}, "seed": 1, "repeat": 1, "threads": 2,
         "requested_neurons": None, "ok": True, "sim_wall_s_per_bio_s": 60.0 * scale,
         "total_wall_s_per_bio_s": None, "neurons": int(77169 * scale), "synapses": int(3e8 * scale),
         "spikes": 10, "mean_rate_hz": 3.0, "file": "x.h5"}
        for scale in (0.05, 0.1, 0.2)]
    fits = statistics.summarise(experiment, measurements, {}, complete=True)["fits"]
    assert list(fits) == ["simnet-cpp"]
    assert fits["simnet-cpp"]["vs_neurons"]["exponent"] == pytest.approx(1.0, abs=0.01)


def test_compartmental_cells_get_loop_time_per_cell_and_compartment_and_rates_set_beside_the_peers():
    experiment = experiment_file.experiment_from_dict({
        "name": "cells", "model": "cells", "repeats": 2, "options": {"level": "ball_and_stick", "inh": 1},
        "sweep": {"exc": [1]},
        "runners": [{"kind": "simnet", "backend": "cpp", "threads": 1},
                    {"kind": "peer", "peer": "neuron", "device": "neuron", "threads": 1}]}, source="cells")
    measurements = []
    for runner, wall, rates in (("simnet-cpp", 0.2, {"L4E_0": 60.0, "L4I_0": 60.0}),
                                ("neuron-neuron", 0.5, {"L4E_0": 60.0, "L4I_0": 59.0})):
        for repeat in (1, 2):
            measurements.append({"runner": runner, "point": {"exc": 1}, "seed": 1, "repeat": repeat, "threads": 1,
                                 "ok": True, "sim_wall_s_per_bio_s": wall * repeat, "neurons": 2, "synapses": 1,
                                 "spikes": 119, "mean_rate_hz": 59.5, "compartments": 42,
                                 "population_rates_hz": rates})
    summary = statistics.summarise(experiment, measurements, {"machine": {}}, complete=True)
    mine, theirs = summary["points"]
    assert mine["compartments"] == 42 and mine["sim_wall_s_per_bio_s_median"] == pytest.approx(0.3)
    assert mine["sim_wall_s_per_bio_s_per_cell"] == pytest.approx(0.15)
    assert mine["sim_wall_s_per_bio_s_per_compartment"] == pytest.approx(0.3 / 42)
    assert theirs["sim_wall_s_per_bio_s_per_cell"] == pytest.approx(0.375)
    (ratio,) = summary["ratios"]
    assert ratio["loop_time_ratio"] == pytest.approx(0.4)
    assert ratio["largest_rate_difference"] == {"population": "L4I_0", "difference_hz": -1.0,
                                                "populations_compared": 2}
    assert ratio["spike_agreement"] is None  # no spike trains given
    text = experiment_summary.format_experiment_summary(summary)
    assert "simnet-cpp exc=1: 42 compartments; loop per cell 0.15 s/s, per compartment 0.007143 s/s" in text
    assert "population rates (peer - simnet) differ by at most -1 Hz (L4I_0, of 2)" in text


def test_compartmental_cells_are_compared_spike_by_spike_with_a_peer_that_names_them():
    experiment = experiment_file.experiment_from_dict({
        "name": "cells", "model": "cells", "options": {"level": "ball_and_stick", "inh": 1}, "sweep": {"exc": [1]},
        "runners": [{"kind": "simnet", "backend": "cpp", "threads": 1},
                    {"kind": "peer", "peer": "neuron", "device": "neuron", "threads": 1}]}, source="cells")
    # L4E_0 one step (0.025 ms) later on the peer: agrees; L4I_0 0.6 ms later from its second spike, then a
    # spike more: parts at 20 ms (the smaller of the two times that first differ by more than 0.5 ms)
    trains = {"simnet-cpp": {"L4E_0": [5.0, 15.0], "L4I_0": [10.0, 20.0]},
              "neuron-neuron": {"L4E_0": [5.025, 15.025], "L4I_0": [10.0, 20.6, 30.0]}}
    measurements = [{"runner": runner, "point": {"exc": 1}, "seed": 1, "repeat": 1, "threads": 1, "ok": True,
                     "sim_wall_s_per_bio_s": 1.0, "neurons": 2, "synapses": 1, "spikes": 4, "mean_rate_hz": 2.0,
                     "compartments": 42, "population_rates_hz": {}, "cell_spike_times_ms": cells}
                    for runner, cells in trains.items()]
    summary = statistics.summarise(experiment, measurements, {"machine": {}}, complete=True)
    assert summary["points"][0]["cell_spike_times_ms"] == trains["simnet-cpp"]
    (ratio,) = summary["ratios"]
    agreement = ratio["spike_agreement"]
    assert agreement["cells_compared"] == 2 and agreement["cells_agreeing"] == 1
    assert agreement["max_abs_difference_ms"] == pytest.approx(0.6)
    assert agreement["cells_with_other_spike_counts"] == ["L4I_0"]
    assert agreement["cells_parting"] == 1
    assert agreement["earliest_parting_ms"] == 20.0 and agreement["earliest_parting_cell"] == "L4I_0"
    text = experiment_summary.format_experiment_summary(summary)
    assert ("somatic spike times: 1 of 2 cells agree within 0.5 ms (largest matched difference 0.6 ms), trains "
            "part from 20 ms (L4I_0)") in text


CELLS = """
name = "cells"
model = "cells"
duration = "50ms"
pre_run = "20ms"
record_spikes = true
[options]
level = "ball_and_stick"
exc = 2
inh = 1
[[runners]]
kind = "simnet"
backend = "runtime"
threads = 1
"""


def test_a_small_circuit_of_cells_runs_in_simnet_bench_beside_neuron(tmp_path, capsys):
    import importlib.util

    with_neuron = importlib.util.find_spec("neuron") is not None
    text = CELLS + ('[[runners]]\nkind = "peer"\npeer = "neuron"\ndevice = "neuron"\nthreads = 1\n'
                    if with_neuron else "")
    status = main(["bench", str(_write(tmp_path, text)), "--out-dir", str(tmp_path / "out"), "--json"])
    captured = capsys.readouterr()
    assert status == 0, captured.err
    summary = json.loads(captured.out)
    by_runner = {p["runner"]: p for p in summary["points"]}
    mine = by_runner["simnet-runtime"]
    assert mine["status"] == "ok", mine["reasons"]
    # 3 cells of 21 compartments; each cell its own population, firing under its constant current
    assert mine["neurons"] == 3 and mine["compartments"] == 63
    assert set(mine["population_rates_hz_median"]) == {"L4E_0", "L4E_1", "L4I_0"}
    assert all(rate > 20 for rate in mine["population_rates_hz_median"].values())
    if with_neuron:
        theirs = by_runner["neuron-neuron"]
        assert theirs["status"] == "ok" and theirs["compartments"] == 63 and theirs["synapses"] == mine["synapses"]
        (ratio,) = summary["ratios"]
        # one spike more or fewer in 50 ms is 20 Hz; the same cells agree to the spike (experiments/cell_ladder.py)
        assert abs(ratio["largest_rate_difference"]["difference_hz"]) <= 20.0
        # after the same untimed pre-run on both, each cell's spikes are matched one by one
        agreement = ratio["spike_agreement"]
        assert agreement["cells_compared"] == 3 and agreement["cells_agreeing"] == 3, agreement
        assert all(20.0 <= t < 70.0 for times in mine["cell_spike_times_ms"].values() for t in times)
