"""Projections to human scale: invariants, hand arithmetic, the scaling fit, the ladder and the command."""
import json
import math
from types import SimpleNamespace

import pytest

from simnet.base.units import SECONDS_PER_YEAR
from simnet.projection import extrapolate as ex, fits, ladder
from simnet.projection.format import format_projection


def make_measurement(**overrides) -> ex.Measurement:
    """A run of 1000 neurons with 50 synapses each, figures chosen for easy hand arithmetic."""
    fields = dict(
        label="test on cpp", model="cobahh", backend="cpp", precision="double", measured_on="Test CPU",
        neurons=1000.0, synapses=50_000.0, bio_time_s=2.0, sim_wall_s_per_bio_s=4.0,
        counted_flops_per_neuron_per_bio_s=115.0,
        counted_flops_per_neuron_per_bio_s_by_category={"neuron_update": 100.0, "synaptic_propagation": 10.0,
                                                        "plasticity": 5.0, "input": 0.0},
        # peak 1e9 FLOP/s x 4 s wall per bio-s / 1000 neurons = 4e6 FLOP per neuron per bio-s
        peak_equivalent_flops_per_neuron_per_bio_s=4e6, peak_flops_per_s=1e9, peak_source="test peak",
        board_power_w=None, bytes_per_neuron=100.0, bytes_per_synapse=50.0, joules_per_bio_s=None,
        energy_method="unavailable")
    fields.update(overrides)
    return ex.Measurement(**fields)


GPU = ex.ReferenceDevice(name="Test GPU", kind="gpu", flops_per_s=1e13, memory_bytes=80e9, board_power_w=500.0,
                         source="test row")
ML = [ex.MlRun("Big model", "2024", 1e20, "confident"), ex.MlRun("Small model", "2020", 1e17, "confident")]


def project(measurement=None, **assumption_overrides):
    assumptions = ex.Assumptions(**{"neurons": (1e6, 1e9), "bio_seconds": 10.0, **assumption_overrides})
    return ex.project(measurement or make_measurement(), assumptions, [GPU], ML)


# --- the small functions ---------------------------------------------------------------------------

def test_total_flops_is_linear_in_neurons_and_time():
    base = ex.total_flops(115.0, 1e6, 10.0)
    assert base == pytest.approx(1.15e9)
    assert ex.total_flops(115.0, 3e6, 10.0) == pytest.approx(3 * base)
    assert ex.total_flops(115.0, 1e6, 70.0) == pytest.approx(7 * base)


def test_wall_seconds_linear_hand_arithmetic():
    # 4 s per bio-s at 1000 neurons -> 4000 s per bio-s at 1e6 -> 4e4 s for 10 bio-s
    assert ex.wall_seconds_linear(4.0, 1000, 1e6, 10.0) == pytest.approx(4e4)


def test_wall_on_device_scales_by_peak_ratio():
    assert ex.wall_seconds_on_device(1000.0, 1e9, 1e13) == pytest.approx(0.1)


def test_memory_and_devices_by_memory_round_up():
    needed = ex.memory_bytes(1e9, 1000, 100.0, 50.0)
    assert needed == pytest.approx(1e11 + 5e13)
    assert ex.devices_by_memory(needed, 80e9) == math.ceil(5.01e13 / 80e9) == 627
    assert ex.devices_by_memory(80e9, 80e9) == 1
    assert ex.devices_by_memory(80e9 + 1, 80e9) == 2
    assert ex.devices_by_memory(1.0, 80e9) == 1


def test_devices_by_time_rounds_up():
    assert ex.devices_by_time(10.0 * SECONDS_PER_YEAR, SECONDS_PER_YEAR) == 10
    assert ex.devices_by_time(10.5 * SECONDS_PER_YEAR, SECONDS_PER_YEAR) == 11


def test_synapse_rescaling_scales_only_synaptic_categories():
    by_category = {"neuron_update": 100.0, "synaptic_propagation": 10.0, "plasticity": 5.0, "input": 1.0}
    assert ex.synapse_rescaled_flops_per_neuron_per_bio_s(by_category, 50, 1000) == pytest.approx(101 + 15 * 20)
    assert ex.synapse_rescaled_flops_per_neuron_per_bio_s(by_category, 50, 50) == pytest.approx(116.0)


def test_energy_and_cost_hand_arithmetic():
    assert ex.energy_joules_scaled(2.0, 1000, 1e6, 10.0) == pytest.approx(2e4)
    assert ex.energy_joules_board_power(500.0, 3600.0) == pytest.approx(1.8e6)
    assert ex.electricity_cost_usd(3.6e6, 0.10) == pytest.approx(0.10)


# --- the assembled projection ----------------------------------------------------------------------

def test_projection_totals_and_ml_ratios():
    p = project()
    for n in (1e6, 1e9):
        counted = p.get("total_flops_counted", neurons=n).value
        assert counted == pytest.approx(115.0 * n * 10.0)
        assert p.get("total_flops_peak_equivalent", neurons=n).value == pytest.approx(4e6 * n * 10.0)
        assert p.get("ml_ratio_counted", neurons=n, device="Big model").value == pytest.approx(counted / 1e20)
        assert p.get("ml_ratio_counted", neurons=n, device="Small model").value == pytest.approx(counted / 1e17)
    big = p.get("total_flops_counted", neurons=1e9).value
    assert big == pytest.approx(1000 * p.get("total_flops_counted", neurons=1e6).value)


def test_counted_never_exceeds_peak_equivalent_when_utilisation_at_most_one():
    # utilisation = counted / peak-equivalent = 115 / 4e6 here
    p = project()
    for n in (1e6, 1e9):
        assert p.get("total_flops_counted", neurons=n).value <= p.get("total_flops_peak_equivalent", neurons=n).value


def test_projection_doubles_with_time():
    short, long_ = project(bio_seconds=10.0), project(bio_seconds=20.0)
    for key in ("total_flops_counted", "total_flops_peak_equivalent"):
        assert long_.get(key, neurons=1e9).value == pytest.approx(2 * short.get(key, neurons=1e9).value)
    measured = ex._device_label(short.measurement)
    assert long_.get("wall_s", neurons=1e9, device=measured).value == pytest.approx(
        2 * short.get("wall_s", neurons=1e9, device=measured).value)


def test_device_figures_hand_arithmetic():
    p = project(synapses_per_neuron=(1000.0,), target_wall_s=3600.0, usd_per_kwh=0.2)
    measured = ex._device_label(p.measurement)
    wall_measured = 4.0 * (1e9 / 1000) * 10.0
    assert p.get("wall_s", neurons=1e9, device=measured).value == pytest.approx(wall_measured)
    wall_gpu = wall_measured * 1e9 / 1e13
    assert p.get("wall_s", neurons=1e9, device="Test GPU").value == pytest.approx(wall_gpu)
    assert p.get("device_years", neurons=1e9, device="Test GPU").value == pytest.approx(wall_gpu / SECONDS_PER_YEAR)
    assert p.get("devices_by_memory", neurons=1e9, device="Test GPU").value == 627
    assert p.get("devices_by_memory", neurons=1e9, device=measured).value is None  # memory not known
    assert p.get("devices_by_time", neurons=1e9, device="Test GPU").value == math.ceil(wall_gpu / 3600.0)
    energy = p.get("energy_j", neurons=1e9, device="Test GPU")
    assert energy.value == pytest.approx(500.0 * wall_gpu)
    assert energy.kind == ex.ESTIMATE
    assert p.get("cost_usd", neurons=1e9, device="Test GPU").value == pytest.approx(500.0 * wall_gpu / 3.6e6 * 0.2)


def test_measured_energy_is_scaled_and_labelled_derived():
    p = project(make_measurement(joules_per_bio_s=3.0, energy_method="rapl"))
    energy = p.get("energy_j", neurons=1e6, device=ex._device_label(p.measurement))
    assert energy.value == pytest.approx(3.0 * 1000 * 10.0)
    assert energy.kind == ex.DERIVED
    assert "rapl" in energy.basis


def test_every_figure_says_what_it_is_and_comes_from():
    p = project()
    for figure in p.figures:
        assert figure.kind in (ex.MEASURED, ex.DERIVED, ex.ESTIMATE)
        assert figure.basis
    text = format_projection(p)
    for note in p.assumption_notes:
        assert note in text
    json.dumps(p.to_dict())  # JSON-safe


def test_assumptions_reject_non_positive_values():
    for bad in ({"bio_seconds": 0.0}, {"neurons": (1e9, -1.0)}, {"synapses_per_neuron": ()},
                {"target_wall_s": float("nan")}, {"usd_per_kwh": -0.1}):
        with pytest.raises(ValueError):
            ex.Assumptions(**bad)


def test_measurement_from_cost_table_reads_the_table_and_refuses_an_empty_run():
    table = {"model": "cobahh", "backend": "cpp", "precision": "double", "threads": 2, "measured_on": "CPU X",
             "neurons": 4000, "synapses": 320000, "biological_time_s": 1.0, "sim_wall_s_per_bio_s": 3.0,
             "counted_flops_per_neuron_per_bio_s": 6e6, "counted_flops_per_neuron_per_bio_s_by_category": {},
             "peak_equivalent_flops_per_neuron_per_bio_s": 6e7, "peak_source": "derived: x",
             "bytes_per_neuron": 65.0, "bytes_per_synapse": 48.0, "joules_per_bio_s": None,
             "energy_method": "unavailable"}
    m = ex.measurement_from_cost_table(table, {"flops_per_s": 7.8e10, "board_power_w": None})
    assert m.synapses_per_neuron == pytest.approx(80.0)
    assert m.peak_flops_per_s == 7.8e10
    with pytest.raises(ValueError):
        ex.measurement_from_cost_table({**table, "sim_wall_s_per_bio_s": 0.0})


# --- scaling -------------------------------------------------------------------------------------

def test_power_law_with_exponent_one_through_the_measurement_equals_linear():
    m = make_measurement()
    per_neuron = m.sim_wall_s_per_bio_s / m.neurons
    sizes = [250.0, 500.0, 1000.0, 4000.0]
    fit = fits.fit_power_law(sizes, [per_neuron * x for x in sizes])
    assert fit.exponent == pytest.approx(1.0)
    for n in (1.3e9, 1.3e10):
        central, _, _ = ex.wall_seconds_power_law(fit, n, ex.FIFTEEN_YEARS_S)
        assert central == pytest.approx(ex.wall_seconds_linear(m.sim_wall_s_per_bio_s, m.neurons, n,
                                                               ex.FIFTEEN_YEARS_S), rel=1e-9)


def test_fitted_projection_states_orders_beyond_and_shows_linear_beside():
    sizes = [1000.0, 2000.0, 4000.0, 8000.0]
    walls = [1.0, 2.3, 5.1, 11.0]  # steeper than linear
    fit = fits.fit_power_law(sizes, walls)
    p = ex.project(make_measurement(), ex.Assumptions(neurons=(1.3e9,), bio_seconds=10.0), [], [], fit=fit,
                   fit_label="cpp, test")
    beyond = p.get("orders_beyond", neurons=1.3e9)
    assert beyond.value == pytest.approx(math.log10(1.3e9 / 8000.0))
    fitted = p.get("wall_s_power_law", neurons=1.3e9)
    assert fitted.low < fitted.value < fitted.high
    # anchored at the run's own point (4 s per bio-s at 1000 neurons); only the exponent is borrowed
    assert fitted.value == pytest.approx(4.0 * (1.3e9 / 1000) ** fit.exponent * 10.0)
    assert fitted.low == pytest.approx(4.0 * (1.3e9 / 1000) ** fit.exponent_low * 10.0)
    assert fitted.high == pytest.approx(4.0 * (1.3e9 / 1000) ** fit.exponent_high * 10.0)
    # unanchored, the law itself with its confidence band
    assert ex.wall_seconds_power_law(fit, 1.3e9, 10.0)[0] == pytest.approx(fit.predict(1.3e9)[0] * 10.0)
    assert p.get("wall_s_linear", neurons=1.3e9).value == pytest.approx(4.0 * 1.3e9 / 1000 * 10.0)
    assert fit.exponent > 1 and fitted.value > p.get("wall_s_linear", neurons=1.3e9).value
    assert fit.orders_beyond(4000.0) == 0.0


def test_scaling_series_fits_and_runner_choice():
    points = [{"runner": "cpp", "neurons": n, "synapses": 80 * n, "sim_wall_s_per_bio_s_median": n / 1000}
              for n in (1000, 2000, 4000)]
    points += [{"runner": "runtime", "neurons": n, "synapses": 80 * n, "sim_wall_s_per_bio_s_median": n / 100}
               for n in (1000, 2000)]
    points += [{"runner": "cuda", "neurons": 1000, "synapses": 1, "sim_wall_s_per_bio_s_median": 0.1}]
    series = fits.scaling_series(points)
    fitted = fits.scaling_fits(series)
    assert set(fitted) == {"cpp", "runtime"}  # cuda has a single size: no fit
    assert fitted["cpp"].exponent == pytest.approx(1.0)
    assert fits.choose_fit(fitted, "runtime")[0] == "runtime"
    assert fits.choose_fit({"simnet-cpp": fitted["cpp"]}, "cpp")[0] == "simnet-cpp"  # bench's runner names
    runner, note = fits.choose_fit(fitted, "genn")
    assert runner == "cpp" and "genn" in note
    for bad in ([], [{"runner": "cpp", "neurons": 10}], [{"runner": "cpp", "neurons": -1,
                                                          "sim_wall_s_per_bio_s_median": 1.0}]):
        with pytest.raises(ValueError):
            fits.scaling_series(bad)
    with pytest.raises(ValueError):
        fits.choose_fit({}, "cpp")


def test_seeds_of_one_size_are_one_size_on_the_synapse_axis():
    """Two seeds of one network draw slightly different synapse counts: that is not a second size to fit."""
    points = [{"runner": "cpp", "neurons": 4000, "synapses": synapses, "sim_wall_s_per_bio_s_median": wall}
              for synapses, wall in ((319_720, 1.5), (320_466, 1.9))]
    series = fits.scaling_series(points)
    assert {x for x, _ in series["cpp"]["synapses"]} == {320_093.0}
    assert fits.scaling_fits(series, axis="synapses") == {}
    points.append({"runner": "cpp", "neurons": 8000, "synapses": 1_280_000, "sim_wall_s_per_bio_s_median": 3.0})
    assert fits.scaling_fits(fits.scaling_series(points), axis="synapses")["cpp"].n_points == 3


# --- ladder ------------------------------------------------------------------------------------------

def test_ladder_entries_select_dedupe_and_sort():
    reproductions = [
        SimpleNamespace(id="a-total", unit="FLOP", stated=4e24, stated_text="4e24", recomputed=3e26),
        SimpleNamespace(id="a-total-restated", unit="FLOP", stated=4e24, stated_text="4e24", recomputed=4e24),
        SimpleNamespace(id="tiny", unit="FLOP", stated=3e11, stated_text="300B", recomputed=3e11),
        SimpleNamespace(id="quoted-ml", unit="FLOP", stated=1e20, stated_text="1e20", recomputed=1e20),
        SimpleNamespace(id="neurons", unit="neurons", stated=1.3e9, stated_text="1.3e9", recomputed=1.3e10),
    ]
    p = ex.project(make_measurement(), ex.Assumptions(neurons=(1e9,), bio_seconds=10.0), [], ML)
    entries = ladder.ladder_entries(reproductions, [p], ML)
    labels = [e.label for e in entries]
    assert [e.flops for e in entries] == sorted(e.flops for e in entries)
    assert sum(e.kind == ladder.LADDER_STATED for e in entries) == 1  # 4e24 stated twice, drawn once
    assert sum(e.kind == ladder.LADDER_RECOMPUTED for e in entries) == 2
    assert not any("tiny" in label or "quoted-ml" in label or "neurons (" in label for label in labels)
    assert sum(e.kind == ladder.LADDER_ML for e in entries) == 2
    projected = [e for e in entries if e.kind == ladder.LADDER_PROJECTION]
    assert sorted(e.flops for e in projected) == pytest.approx(sorted([115.0 * 1e9 * 10, 4e6 * 1e9 * 10]))


# --- the command ---------------------------------------------------------------------------------

def simnet(capsys, *args):
    """The command run in this process, as the console script runs it: (returncode, stdout, stderr)."""
    from simnet.cli import main

    capsys.readouterr()
    status = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return SimpleNamespace(returncode=status, stdout=out, stderr=err)


@pytest.fixture(scope="module")
def tiny_record(tmp_path_factory):
    from simnet import api

    path = tmp_path_factory.mktemp("extrapolate") / "tiny.h5"
    api.run("cobahh", neurons=200, duration="50ms", backend="runtime", progress=False, out=path)
    return path


@pytest.mark.parametrize("args, message", [
    (["missing.h5"], "no such results file"),
    (["{record}", "--neurons", "-1"], "--neurons needs one or more positive numbers"),
    (["{record}", "--neurons", "many"], "is not a comma-separated list"),
    (["{record}", "--years", "0"], "--years must be a positive number"),
    (["{record}", "--years", "1,2"], "is not a number"),
    (["{record}", "--synapses-per-neuron", "1000,0"], "--synapses-per-neuron needs"),
    (["{record}", "--target-wall", "soon"], "is not a duration"),
    (["{record}", "--target-wall", "0y"], "--target-wall must be positive"),
    (["{record}", "--price-per-kwh", "-0.1"], "--price-per-kwh must be a positive number"),
    (["{record}", "--figures", "{a_file}/figs"], "cannot create figures directory"),
    (["{record}", "--scaling", "nosuch.json"], "no such scaling summary"),
    (["{record}", "--scaling", "{bad_json}"], "is not a readable JSON scaling summary"),
    (["{record}", "--scaling", "{no_points}"], "expected a JSON object with a 'points' list"),
    (["{record}", "--scaling", "{one_size}"], "two or more distinct sizes"),
    (["{record}", "--neurons", "1e9", "--scaling", "{zero_wall}"], "non-positive size or wall time"),
])
def test_bad_input_is_one_line_exit_2(tmp_path, tiny_record, args, message, capsys, monkeypatch):
    from simnet.cli import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.json").write_text("{not json")
    (tmp_path / "nopoints.json").write_text(json.dumps({"runs": []}))
    (tmp_path / "onesize.json").write_text(json.dumps({"points": [
        {"runner": "runtime", "neurons": 100, "synapses": 1, "sim_wall_s_per_bio_s_median": 1.0}]}))
    (tmp_path / "afile").write_text("")
    (tmp_path / "zerowall.json").write_text(json.dumps({"points": [
        {"runner": "runtime", "neurons": n, "synapses": 1, "sim_wall_s_per_bio_s_median": 0.0} for n in (1, 2)]}))
    names = {"zero_wall": str(tmp_path / "zerowall.json"), "a_file": str(tmp_path / "afile"),
             "record": str(tiny_record), "bad_json": str(tmp_path / "bad.json"),
             "no_points": str(tmp_path / "nopoints.json"), "one_size": str(tmp_path / "onesize.json")}
    figures = tmp_path / "figs"
    status = main(["extrapolate", "--figures", str(figures), *[a.format(**names) for a in args]])
    stderr = capsys.readouterr().err
    assert status == 2, stderr
    assert message in stderr
    assert len(stderr.strip().splitlines()) == 1, stderr
    assert not figures.exists()


def test_extrapolate_prints_text_json_and_figures(tmp_path, tiny_record, capsys):
    summary = tmp_path / "sweep.json"
    summary.write_text(json.dumps({"points": [
        {"runner": "runtime", "neurons": n, "synapses": 80 * n, "sim_wall_s_per_bio_s_median": 0.002 * n}
        for n in (100, 200, 400)]}))
    out = simnet(capsys, "extrapolate", str(tiny_record), "--neurons", "1e6", "--scaling", str(summary),
                 "--figures", str(tmp_path / "figs"), "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    (projection,) = data["projections"]
    assert projection["assumptions"]["neurons"] == [1e6]
    assert projection["fit"]["runner"].startswith("runner 'runtime'")
    assert projection["fit"]["exponent"] == pytest.approx(1.0)
    keys = {f["key"] for f in projection["figures"]}
    assert {"total_flops_counted", "total_flops_peak_equivalent", "memory_bytes", "wall_s", "devices_by_memory",
            "devices_by_time", "energy_j", "cost_usd", "ml_ratio_counted", "wall_s_power_law",
            "orders_beyond"} <= keys
    assert sorted(p.rsplit("/", 1)[-1] for p in data["figures"]) == [
        "ladder.png", "ladder.svg", "scaling.png", "scaling.svg", "time_to_solution.png", "time_to_solution.svg"]
    model = data["performance_model"]
    (clusters,) = [p["clusters"] for p in model["projections"]]
    assert {c["machine"] for c in clusters} >= {"DGX H100 node (8x H100 SXM5, 8x ConnectX-7 NDR 400 Gb/s)"}
    for cluster in clusters:
        assert cluster["neurons"] == 1e6 and cluster["flops_cse"] <= cluster["flops_executed"]
        assert cluster["points"] and all(p["bottleneck"] for p in cluster["points"])
    assert model["basis"]["backtest_summary"]["held-out"]["runs"] > 0
    text = simnet(capsys, "extrapolate", str(tiny_record), "--neurons", "1e6", "--years", "1")
    assert text.returncode == 0, text.stderr
    assert "total FLOPs, counted" in text.stdout and "assumptions:" in text.stdout
    assert "[derived]" in text.stdout and "[measured]" in text.stdout
    assert "devices by memory" in text.stdout and "bottleneck" in text.stdout


# --- the band every human-scale figure carries (issue 24, item 5) ------------------------------------

SUMMARY = {"multi-node": {"runs": 0}, "multi-node cpu": {"runs": 0}, "multi-node gpu": {"runs": 0},
           "held-out independent": {"runs": 15, "geometric_mean_error_factor": 1.91, "worst_factor": 5.53},
           "multi-node not scored": {"runs": 5, "by_device": {
               "cpu": {"runs": 3, "reasons": {"mean rate": 1, "communication latency, communication volume unknown "
                                                              "for X": 2}},
               "gpu": {"runs": 2, "reasons": {"mean rate": 2}}}}}


def test_error_band_is_the_regime_of_the_point():
    from simnet.projection.human_scale import error_band

    one = error_band(SUMMARY, 1)
    assert one["regime"] == "held-out independent" and one["runs"] == 15
    assert (one["typical_factor"], one["worst_factor"]) == (1.91, 5.53)
    assert one["text"] == "x/ 1.91 typical, x/ 5.53 worst (15 held-out independent runs)"
    many = error_band(SUMMARY, 4)
    assert many["regime"] == "multi-node" and many["runs"] == 0 and many["worst_factor"] is None
    assert "unvalidated" in many["text"] and many["short"] == "none"
    scored = error_band({"multi-node": {"runs": 3, "geometric_mean_error_factor": 2.0, "worst_factor": 4.0}}, 4)
    assert scored["text"] == "x/ 2 typical, x/ 4 worst (3 multi-node runs)"


def test_a_multi_node_band_comes_from_the_rows_of_its_device_kind_or_says_why_there_are_none():
    from simnet.projection.human_scale import error_band

    cpu = error_band(SUMMARY, 4, "cpu")
    assert cpu["regime"] == "multi-node cpu" and cpu["runs"] == 0
    # the reason names each missing input with its count, most frequent first, for this device kind only
    assert cpu["text"].endswith("the 3 multi-node cpu rows were not scored: 2 x communication latency, "
                                "communication volume unknown for X; 1 x mean rate")
    assert "2 x mean rate" in error_band(SUMMARY, 4, "gpu")["text"]
    scored = dict(SUMMARY, **{"multi-node gpu": {"runs": 5, "geometric_mean_error_factor": 1.5, "worst_factor": 2.5}})
    assert error_band(scored, 4, "gpu")["short"] == "x/ 1.5 typical, x/ 2.5 worst (5 runs)"
    assert error_band(scored, 4, "cpu")["short"] == "none"           # GPU rows do not validate a CPU projection
    assert "has no cpu row" in error_band({"multi-node not scored": {"runs": 0, "by_device": {}}}, 4, "cpu")["text"]


def test_answer_is_the_fastest_point_with_its_flags_and_band():
    from simnet.projection.human_scale import ClusterProjection, LARGEST_MACHINE_NODES, ScalingPoint, answer

    def point(devices, wall, latency=0.0):
        return ScalingPoint(devices, wall, wall * 10.0, "compute", {"compute": wall, "communication latency": latency},
                            None, None)

    curve = ClusterProjection("M", "gpu", "src", 1e9, 1e3, 10.0, 1e12, 4, 1e18, 2e18,
                              (point(4, 8.0), point(16, 2.0, None), point(64, 3.0)), ())
    found = answer(curve, SUMMARY)
    assert found["devices"] == 16 and found["time_to_solution_s"] == 20.0
    assert found["lower_bound"] and found["unknown_terms"] == ["communication latency"]
    assert not found["beyond_largest_machine"] and found["band"]["regime"] == "multi-node gpu"
    big = ClusterProjection("M", "gpu", "src", 1e9, 1e3, 10.0, 1e12, 1, 1e18, 2e18,
                            (point(LARGEST_MACHINE_NODES * 4, 1.0),), ())
    assert answer(big, SUMMARY)["beyond_largest_machine"]
    assert answer(ClusterProjection("M", "gpu", "src", 1e9, 1e3, 10.0, 1e12, 1, 1e18, 2e18, (), ()), SUMMARY) is None
    # the API's JSON: every point with the band of its regime
    points = curve.to_dict(SUMMARY)["points"]
    assert [p["band"]["regime"] for p in points] == ["multi-node gpu"] * 3
    assert "band" not in curve.to_dict()["points"][0]


def test_the_api_extrapolate_result_carries_the_band_at_every_point(tiny_record):
    from simnet import api

    data = api.extrapolate([str(tiny_record)], neurons=[1.3e9], synapses_per_neuron=[1000.0]).to_dict()
    summary = data["performance_model"]["basis"]["backtest_summary"]
    (clusters,) = [p["clusters"] for p in data["performance_model"]["projections"]]
    for cluster in clusters:
        for p in cluster["points"]:
            regime = f"multi-node {cluster['kind']}" if p["devices"] > 1 else "held-out independent"
            assert p["band"]["regime"] == regime and p["band"]["runs"] == summary[regime]["runs"]


def test_the_fidelity_table_prints_the_documents_answers_per_level_and_machine_with_their_band(tiny_record):
    from simnet.record import files
    from simnet.report.fidelity_table import format_model_answers, model_answers

    record = files.read(tiny_record)
    found = model_answers({"lif_exp": record, "adex": record})
    assert found["neurons"] == [1.3e9, 1.3e10] and found["synapses_per_neuron"] == [1000.0, 7000.0]
    machines = {a["machine"] for a in found["answers"]}
    assert len(machines) >= 2
    # one answer per level, size, in-degree and machine (every reference cluster predicts this network)
    assert len(found["answers"]) == 2 * 2 * 2 * len(machines)
    kinds = {c: k for c, k in (("JUWELS", "gpu"), ("DGX", "gpu"), ("Fugaku", "cpu"), ("EPYC", "cpu"))}
    for a in found["answers"]:
        assert a["devices"] >= (a["devices_by_memory"] or 1)
        kind = next(k for c, k in kinds.items() if c in a["machine"])
        regime = f"multi-node {kind}" if a["devices"] > 1 else "held-out independent"
        assert a["band"]["regime"] == regime and a["band"]["runs"] == found["basis"][regime].get("runs", 0)
    lines = format_model_answers(found)
    body = [line for line in lines[2:] if not line.startswith("  band:")]
    assert len(body) == len(found["answers"])
    assert any(line.lstrip().startswith("lif_exp") and "1.3e+10" in line for line in body)
    assert all(("none (0 multi-node " in line or "x/" in line) for line in body)
    assert any(line.startswith("  band: ") for line in lines)
