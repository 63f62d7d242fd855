"""The back-test: every run predicted or listed with a reason, user files read, nothing scored is fitted."""
from __future__ import annotations

import csv
import json
import time

import pytest

from simnet import api
from simnet.base.data_tables import read_table
from simnet.cli import main
from simnet.cost.elements import ElementCosts
from simnet.projection.backtest import (CALIBRATION, MOVED_AFTER_SCORING, calibration_subset, error_summary,
                                        study_key)
from simnet.projection.model import Machine, Network, predict


def run_cli(capsys, *args):
    status = main(list(args))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def write_csv(path, rows, columns):
    with open(path, "w", newline="") as handle:
        handle.write("# a user's table\n")
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture(scope="module")
def shipped():
    return api.backtest()


def test_every_shipped_run_is_predicted_or_listed_with_a_reason(shipped):
    rows = read_table("published_runs.csv").rows + read_table("published_multinode_runs.csv").rows
    assert [r.run_id for r in shipped.results] == [row["id"] for row in rows]
    for result in shipped.results:
        assert result.role in ("calibration", "held-out", "partial", "unverified", "not described")
        if result.role == "not described":
            assert result.reason and result.ratio is None
        else:
            assert result.ratio == pytest.approx(result.predicted_wall_s_per_bio_s / result.published_wall_s_per_bio_s)
            assert result.bottleneck in result.terms
    calibrated = {r.run_id for r in shipped.results if r.role == "calibration"}
    assert calibrated and all(r.startswith(sum((p for p, _ in CALIBRATION.values()), ())) for r in calibrated)
    held = [r.ratio for r in shipped.results if r.role == "held-out" and not r.duplicate_of]
    assert shipped.summary["held-out"] == error_summary(held) and len(held) > 20
    independent = [r.ratio for r in shipped.results if r.role == "held-out" and not r.duplicate_of and r.independent]
    assert shipped.summary["held-out independent"] == error_summary(independent)
    # independent: neither the study nor the machine of any calibration run
    calibration = [r for r in shipped.results if r.role == "calibration"]
    for r in shipped.results:
        if r.independent:
            assert r.hardware not in {c.hardware for c in calibration}
            assert study_key(r.study) not in {study_key(c.study) for c in calibration}
    # multi-node rows are never calibrated on; unverified rows are listed, never scored
    assert not any(r.multi_node for r in calibration)
    unverified = {row["id"] for row in rows if row.get("verified") == "no"}
    assert all(r.role in ("unverified", "not described") for r in shipped.results if r.run_id in unverified)


def test_the_runs_moved_into_calibration_after_scoring_are_held_out_and_scored_both_ways(shipped):
    moved = {m["run_id"]: m for m in shipped.moved_runs}
    assert moved and all(run.startswith(MOVED_AFTER_SCORING) for run in moved)
    for r in shipped.results:
        if r.run_id in moved:
            assert r.role == "held-out" and moved[r.run_id]["ratio_held_out"] == r.ratio
            assert moved[r.run_id]["ratio_in_calibration"] > 0


def test_every_fitted_fraction_is_pinned_or_reported_unidentified(shipped):
    for name, entry in shipped.identification.items():
        assert entry["verdict"] in ("pinned", "measured (micro-benchmark)") or entry["verdict"].startswith(
            "unidentified"), name
        if entry["verdict"] == "pinned":
            assert entry["pinned_by"]


def test_the_leave_one_study_out_table_reproduces_offline_in_seconds(capsys):
    start = time.perf_counter()
    status, out, err = run_cli(capsys, "backtest", "--leave-one-study-out", "--json")
    assert status == 0, err
    assert time.perf_counter() - start < 60
    table = json.loads(out)["leave_one_study_out"]
    studies = {row["study"]: row for row in table}
    # the calibration studies are predicted by a model calibrated without them, or said not to be predictable
    for name in ("simnet", "Stimberg 2020"):
        assert studies[name]["recalibrated_without_it"]
        assert studies[name]["runs"] > 0 or "not_predictable" in studies[name]
    assert all(not row["recalibrated_without_it"] for name, row in studies.items() if name not in
               ("simnet", "Stimberg 2020"))


@pytest.mark.parametrize("table, column, value", [
    ("runs", "neurons", "many"), ("runs", "wall_s_per_bio_s", "-3"), ("hardware", "memory_gb", "lots")])
def test_a_bad_row_of_a_users_file_is_one_line_naming_row_and_column(tmp_path, capsys, table, column, value):
    shipped_name = "published_runs.csv" if table == "runs" else "hardware.csv"
    rows = [dict(row) for row in read_table(shipped_name).rows[:3]]
    rows[1][column] = value
    path = write_csv(tmp_path / f"{table}.csv", rows, list(rows[0]))
    status, out, err = run_cli(capsys, "backtest", f"--{table}", str(path))
    label = rows[1].get("id") or rows[1].get("name")
    assert status == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert f"row 2 ({label}), column {column}" in err


def test_held_out_predictions_do_not_depend_on_their_published_times(tmp_path, shipped):
    """The model is calibrated on the calibration subset only: changing every other run's published time
    changes its ratio and nothing else."""
    table = read_table("published_runs.csv")
    rows = [dict(row) for row in table.rows]
    for row in rows:
        if row["wall_s_per_bio_s"] and not any(calibration_subset(kind, row["id"]) for kind in CALIBRATION):
            row["wall_s_per_bio_s"] = str(7 * float(row["wall_s_per_bio_s"]))
    changed = api.backtest(runs=write_csv(tmp_path / "runs.csv", rows, list(rows[0])))
    before = {r.run_id: r for r in shipped.results}
    for result in changed.results:
        if result.role in ("held-out", "partial"):
            assert result.predicted_wall_s_per_bio_s == before[result.run_id].predicted_wall_s_per_bio_s
            assert result.ratio == pytest.approx(before[result.run_id].ratio / 7)


def test_the_cli_reads_user_runs_and_hardware(tmp_path, capsys):
    hardware_columns = list(read_table("hardware.csv").rows[0])
    gpu = {c: "" for c in hardware_columns}
    gpu.update(name="My GPU", kind="gpu", fp32_tflops="10", fp64_tflops="5", mem_bandwidth_gb_s="500",
               memory_gb="16", source="a user's datasheet")
    hardware = write_csv(tmp_path / "hw.csv", [gpu], hardware_columns)
    columns = list(read_table("published_runs.csv").rows[0])
    base = {c: "" for c in columns}
    base.update(cost_model="pd14_lif_exp", neurons="77169", synapses="3e8", mean_rate_hz="3", dt_ms="0.1",
                min_delay_ms="0.1", hardware="My GPU", devices="1", precision="float32", wall_s_per_bio_s="1.0")
    runs = write_csv(tmp_path / "runs.csv", [
        {**base, "id": "mine"},
        {**base, "id": "elsewhere", "hardware": "Another GPU"},
        {**base, "id": "no rate", "mean_rate_hz": "", "mean_rate_source": "not measured"},
        {**base, "id": "procedural", "features": "procedural_connectivity"},
    ], columns)
    status, out, err = run_cli(capsys, "backtest", "--runs", str(runs), "--hardware", str(hardware), "--json")
    assert status == 0, err
    data = json.loads(out)
    assert data["runs_source"] == str(runs) and data["hardware_source"] == str(hardware)
    results = {r["run_id"]: r for r in data["runs"]}
    assert results["mine"]["role"] == "held-out"
    assert "simulator not stated" in " ".join(results["mine"]["notes"])
    assert "not in the hardware table" in results["elsewhere"]["reason"]
    assert results["no rate"]["reason"] == "mean rate: not measured"
    assert "procedural connectivity" in results["procedural"]["reason"]
    costs = ElementCosts.from_row(next(r for r in read_table("element_costs.csv").rows if r["model"] == "pd14_lif_exp"))
    network = Network("mine", 77169, 3e8, 3.0, 1e-4, 1e-4, costs, precision="single")
    expected = predict(network, Machine.from_row(gpu), 1, api.model_rates()["gpu"]).wall_s_per_bio_s
    assert results["mine"]["predicted_wall_s_per_bio_s"] == pytest.approx(expected)
    status, out, err = run_cli(capsys, "backtest", "--runs", str(runs), "--hardware", str(hardware))
    assert status == 0 and "held-out" in out and "not described:" in out and "procedural" in out


@pytest.mark.parametrize("content, message", [
    (b"# only a comment\n", "has no header row"),
    (b"id,wall_s_per_bio_s\nx,1\n", "lacks the column(s) cost_model"),
    (b"\xff\xfe\x00bad", "is not UTF-8 text"),
])
def test_bad_runs_files_are_one_line_exit_2(tmp_path, capsys, content, message):
    path = tmp_path / "runs.csv"
    path.write_bytes(content)
    status, out, err = run_cli(capsys, "backtest", "--runs", str(path))
    assert status == 2 and message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    status, _, err = run_cli(capsys, "backtest", "--hardware", str(tmp_path / "missing.csv"))
    assert status == 2 and "--hardware" in err


def test_calibration_subsets_are_the_stated_prefixes():
    assert calibration_subset("gpu", "b2g_titanxp_cobahh_benchmark_gpu_float32_200")
    assert not calibration_subset("gpu", "b2g_v100_cobahh_benchmark_gpu_float32_200")
    assert not calibration_subset("cpu", "simnet_epyc_fullscale_simnet-cpp_n1.0_2t_double")


def test_the_new_tables_cite_their_sources():
    for name in ("published_runs.csv", "microbench.csv", "element_costs.csv"):
        table = read_table(name)
        assert table.source
        for row in table.rows:
            assert row["source"].strip(), (name, row)
    hardware = read_table("hardware.csv").rows
    names = {row["name"] for row in hardware}
    for row in read_table("published_runs.csv").rows:
        assert row["hardware"] in names, row["id"]
    for row in hardware:
        if row["injection_bandwidth_gb_s"] or row["internode_latency_us"]:
            assert row["figure_sources"].strip(), row["name"]


def test_the_multi_node_rows_cannot_move_the_calibration():
    """Calibrating on the shipped runs with the multi-node rows added, even with their published wall-clocks
    multiplied by 100, gives exactly the rates calibrated without them: they are held out by construction."""
    from simnet.projection.backtest import calibrated_rates

    single = list(read_table("published_runs.csv").rows)
    multi = [dict(row, wall_s_per_bio_s=str(float(row["wall_s_per_bio_s"]) * 100.0))
             if row.get("wall_s_per_bio_s") else row for row in read_table("published_multinode_runs.csv").rows]
    tables = (read_table("hardware.csv").rows, read_table("element_costs.csv").rows,
              read_table("microbench.csv").rows)
    without = calibrated_rates(single, *tables, intra_node_latency_s=8e-6)
    with_multi = calibrated_rates(single + multi, *tables, intra_node_latency_s=8e-6)
    assert without.keys() == with_multi.keys() and without
    for kind in without:
        for name in ("compute_fraction", "stream_fraction", "event_fraction"):
            assert getattr(with_multi[kind], name) == getattr(without[kind], name), (kind, name)


def test_every_multi_node_row_is_scored_or_counted_with_why_it_is_not(shipped):
    """The reasons a projection without a band prints: every row on more than one device that is not a scored
    held-out run (nor a duplicate) is counted once, under its device kind, with the input it lacks."""
    missing = shipped.summary["multi-node not scored"]["by_device"]
    expected = [r for r in shipped.results if float(r.devices or 1) > 1 and not r.duplicate_of
                and r.role != "held-out"]
    assert sum(entry["runs"] for entry in missing.values()) == len(expected)
    assert shipped.summary["multi-node not scored"]["runs"] == len(expected)
    for entry in missing.values():
        assert sum(entry["reasons"].values()) == entry["runs"]
    partial = [r for r in expected if r.role == "partial"]
    assert all(any(r.hardware in reason for reason in missing["cpu"]["reasons"]) for r in partial
               if r.hardware.startswith("Dual"))
    assert shipped.summary["multi-node cpu"]["runs"] + shipped.summary["multi-node gpu"]["runs"] == \
        shipped.summary["multi-node"]["runs"]


def test_a_fully_described_multi_node_row_gives_projections_on_its_device_kind_a_band(tmp_path):
    """With one multi-node CPU row fully described (here van Albada et al.'s 12-node PD14 run placed, for the test
    only, on a hardware row that has an interconnect latency), the back-test scores it and a CPU projection on
    several nodes prints a band from it; a GPU projection still has none, and says why."""
    from simnet.projection.human_scale import error_band

    runs = read_table("published_multinode_runs.csv").rows
    row = dict(next(r for r in runs if r["id"] == "pd14_val18a_nest_12nodes"), hardware="Fugaku node (A64FX)")
    path = write_csv(tmp_path / "runs.csv", [row], list(row))
    summary = api.backtest(runs=path).summary
    assert summary["multi-node cpu"]["runs"] == 1 and summary["multi-node gpu"]["runs"] == 0
    band = error_band(summary, 64, "cpu")
    assert band["runs"] == 1 and band["short"].startswith("x/ ") and "(1 multi-node cpu runs)" in band["text"]
    assert error_band(summary, 64, "gpu")["short"] == "none"
