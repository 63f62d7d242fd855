"""Named benchmark networks (data/network_workloads.csv) and how a runs-table row that names one is completed."""
from __future__ import annotations

import csv

import pytest

from simnet.base.data_tables import data_path, read_table
from simnet.cli import main
from simnet.projection.backtest import describe, element_costs_by_name
from simnet.projection.model import Machine
from simnet.projection.workloads import apply_workload, apply_workloads, workloads_from_rows


@pytest.fixture(scope="module")
def workloads():
    return workloads_from_rows(read_table("network_workloads.csv").rows)


def write_csv(path, rows, columns):
    with open(path, "w", newline="") as handle:
        handle.write("# a user's table\n")
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_the_shipped_table_states_hpc_benchmark_as_nests_script_defines_it(workloads):
    table = read_table("network_workloads.csv")
    assert table.source and all(row["source"].strip() for row in table.rows)
    hpc = workloads["hpc_benchmark"]
    assert hpc.figure("neurons_per_scale") == 9000 + 2250
    assert hpc.figure("in_degree") == 9000 + 2250
    # only E->E synapses are plastic: NE x CE of N x K, with NE = 0.8 N and CE = 9000
    assert hpc.figure("plastic_share") == pytest.approx(0.8 * 9000 / 11250)
    assert (hpc.figure("dt_ms"), hpc.figure("min_delay_ms")) == (0.1, 1.5)
    assert hpc.figure("mean_rate_hz") is None  # no source read states it
    assert workloads["hpc_benchmark_nestgpu"].figure("plastic_share") == 0.0
    costs = element_costs_by_name(read_table("element_costs.csv").rows)
    assert all(w.words["cost_model"] in costs for w in workloads.values())


def test_a_row_naming_a_workload_gets_only_its_empty_cells_filled(workloads):
    row = {"id": "r", "workload": "hpc_benchmark", "neurons": "1e6", "synapses": "", "plastic_synapses": "",
           "mean_rate_hz": "", "mean_rate_source": "", "dt_ms": "", "min_delay_ms": "0.5", "cost_model": ""}
    filled = apply_workload(row, workloads["hpc_benchmark"])
    assert float(filled["synapses"]) == pytest.approx(1e6 * 11250)
    assert float(filled["plastic_synapses"]) == pytest.approx(0.64 * 1e6 * 11250)
    assert filled["dt_ms"] == "0.1" and filled["min_delay_ms"] == "0.5"  # the row's own cell wins
    assert filled["cost_model"] == "pd14_lif_exp_stdp" and filled["mean_rate_hz"] == ""
    assert "not stated (workload hpc_benchmark" in filled["mean_rate_source"]
    assert "synapses = 1.125e+10" in filled["workload_filled"] and "min_delay_ms" not in filled["workload_filled"]
    stated = apply_workload({**row, "synapses": "5e9"}, workloads["hpc_benchmark"])
    assert stated["synapses"] == "5e9" and float(stated["plastic_synapses"]) == pytest.approx(0.64 * 5e9)
    assert apply_workloads([{"id": "x", "workload": ""}], workloads) == [{"id": "x", "workload": ""}]


def test_a_workload_row_with_a_rate_is_described_and_says_what_it_took(workloads):
    hardware = {row["name"]: Machine.from_row(row) for row in read_table("hardware.csv").rows}
    costs = element_costs_by_name(read_table("element_costs.csv").rows)
    row = {"id": "w", "workload": "hpc_benchmark", "simulator": "NEST 2.12", "neurons": "2.25e6",
           "mean_rate_hz": "", "hardware": "Dual Intel Xeon E5-2680 v3 node (JURECA 2015)", "devices": "1",
           "wall_s_per_bio_s": "10"}
    case, reason = describe(apply_workload(row, workloads["hpc_benchmark"]), hardware, costs)
    assert case is None and reason.startswith("mean rate: not stated (workload hpc_benchmark")
    case, reason = describe(apply_workload({**row, "mean_rate_hz": "5"}, workloads["hpc_benchmark"]), hardware, costs)
    assert case is not None, reason
    assert case.network.synapses == pytest.approx(2.25e6 * 11250)
    assert case.network.plastic_synapses == pytest.approx(0.64 * 2.25e6 * 11250)
    assert case.network.min_delay_s == pytest.approx(1.5e-3) and case.kind.name == "nest_4g"
    assert any("from workload hpc_benchmark" in note for note in case.assumptions)


@pytest.mark.parametrize("change, column", [({"parameter": "in_degre"}, "parameter"), ({"value": "-3"}, "value"),
                                            ({"source": " "}, "source")])
def test_a_bad_workload_row_names_its_row_and_column(change, column):
    rows = [dict(row) for row in read_table("network_workloads.csv").rows]
    rows[2].update(change)
    with pytest.raises(ValueError, match=rf"^row 3 \(.*\), column {column}"):
        workloads_from_rows(rows)


def test_an_unknown_workload_in_a_users_runs_file_is_one_line_exit_2(tmp_path, capsys):
    rows = [dict(row) for row in read_table("published_multinode_runs.csv").rows[:2]]
    rows[1]["workload"] = "hpc_benchmrk"
    path = write_csv(tmp_path / "runs.csv", rows, list(rows[0]))
    status = main(["backtest", "--runs", str(path)])
    err = capsys.readouterr().err
    assert status == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert f"row 2 ({rows[1]['id']}), column workload: 'hpc_benchmrk'" in err


@pytest.mark.parametrize("name", ["published_runs.csv", "published_multinode_runs.csv", "hardware.csv",
                                  "network_workloads.csv", "simulator_kinds.csv"])
def test_no_shipped_row_spills_an_unquoted_comma_into_extra_cells(name):
    """A cell with an unquoted comma would be cut there, the rest silently dropped by the reader."""
    with open(data_path(name), newline="") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    header, *body = list(csv.reader(lines))
    assert [fields[0] for fields in body if fields and len(fields) != len(header)] == []


def test_the_shipped_multi_node_rows_name_known_workloads(workloads):
    named = [row for row in read_table("published_multinode_runs.csv").rows if row["workload"]]
    assert named and all(row["workload"] in workloads for row in named)


def test_the_nest_gpu_networks_rate_is_the_mean_of_its_logged_run(workloads):
    """7.57 spikes/s: nest/nest-gpu @ bfc24ad test_hpc_benchmark_wg_8 logs, ranks' mean excitatory 7.5716 and
    inhibitory 7.5739, weighted by NE : NI = 9000 : 2250 (hand arithmetic: (4 x 7.5716 + 7.5739) / 5 = 7.57206)."""
    nestgpu = workloads["hpc_benchmark_nestgpu"]
    assert (4 * 7.5716 + 7.5739) / 5 == pytest.approx(7.57206, abs=1e-5)
    assert nestgpu.figure("mean_rate_hz") == pytest.approx(7.57)
    assert "bfc24adba052cdba7522600be47da577e121f15c" in nestgpu.sources["mean_rate_hz"]
    assert "ASSUMED" in nestgpu.sources["mean_rate_hz"]  # applied to other sizes by assumption, and says so
    assert workloads["hpc_benchmark"].figure("mean_rate_hz") is None  # NEST's own (STDP on) network: still none


def test_the_two_node_nest_gpu_row_states_what_its_logs_give():
    row = next(r for r in read_table("published_multinode_runs.csv").rows
               if r["id"] == "golosio24_nestgpu_hpcb_wg_leonardo_2nodes")
    # 8 ranks x (180,000 + 45,000) neurons, 11,250 synapses each; 1.343565 s of time_simulate for 0.25 s
    assert float(row["neurons"]) == 8 * (180_000 + 45_000)
    assert float(row["synapses"]) == pytest.approx(8 * 225_000 * 11_250)
    assert float(row["wall_s_per_bio_s"]) == pytest.approx(1.343565 / 0.25, rel=1e-3)
    assert (row["devices"], row["gpus_total"], row["ranks"], row["verified"]) == ("2", "8", "8", "yes")
