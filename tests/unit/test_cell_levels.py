"""The compartmental cell levels end to end: document 003's third road beside the measured cells, their projection
to human scale, and CoreNEURON's run in the back-test. Every expected figure is hand arithmetic written out."""
import json

import pytest

from simnet.audit.blue_brain_road import blue_brain_road, format_blue_brain_road
from simnet.projection.cells import BAND_NONE, cell_level_projection, format_cell_levels

#: a detailed cell as data/cell_costs.csv writes one (a fixed input for the hand arithmetic below: the synthetic
#: detailed level's row of the first 2026-12-07 ladder, since replaced by the reconstruction-based level)
DETAILED = {"level": "detailed_pyramidal", "compartments": "753", "flops_per_cell_per_bio_s": "12611200000.0",
            "bytes_per_cell": "203217.0", "loop_s_per_bio_s_per_cell": "28.0", "backend": "cpp",
            "measured_on": "AMD EPYC", "loadavg_1min_before": "1.5", "morphology": "synthetic", "date": "2026-12-07"}


def test_003s_rate_beside_a_measured_cell_and_the_biological_time_its_inputs_imply():
    road = blue_brain_road([DETAILED])
    level = road["levels"][0]
    assert road["stated_flop_per_neuron_bio_s"] == 3.83e15
    # 3.83e15 / 1.26112e10 = 3.037e5
    assert level["stated_over_measured"] == pytest.approx(3.037e5, rel=1e-3)
    # 8.39e17 FLOP / 2.19e5 neurons = 3.8311e12 FLOP per neuron; / 1.26112e10 FLOP per bio-s = 303.8 s
    assert level["bio_s_implied"]["1"] == pytest.approx(303.8, rel=1e-3)
    # a tenth of the partition's peak: a tenth of the time
    assert level["bio_s_implied"]["0.1"] == pytest.approx(30.38, rel=1e-3)
    assert level["compartments"] == 753
    text = "\n".join(format_blue_brain_road(road))
    assert "3.83e+15" in text and "304" in text and "30.4" in text and "synthetic" in text
    assert all(len(line) <= 100 for line in text.splitlines()[2:4])
    json.dumps(road)


def test_a_cell_level_at_human_scale_is_its_per_cell_cost_times_cells_and_time():
    years_s = 15 * 3.154e7  # 4.731e8 s
    projected = cell_level_projection(DETAILED, neurons=(1.3e9, 1.3e10), bio_seconds=years_s)
    small, large = projected["sizes"]
    # 1.26112e10 x 1.3e9 x 4.731e8 = 7.756e27 FLOP; ten times the cells, ten times the FLOPs
    assert small["counted_flops"] == pytest.approx(7.756e27, rel=1e-3)
    assert large["counted_flops"] == pytest.approx(7.756e28, rel=1e-3)
    # 203,217 B x 1.3e9 = 2.642e14 B of state
    assert small["state_bytes"] == pytest.approx(2.642e14, rel=1e-3)
    # 28 s per bio-s per cell x 1.3e9 cells x 15 years = 28 x 1.3e9 x 15 = 5.46e11 years on that machine
    assert small["wall_years_linear"] == pytest.approx(5.46e11, rel=1e-3)
    assert projected["band"] == BAND_NONE and BAND_NONE.startswith("none: ")
    text = format_cell_levels([projected])
    assert "7.76e+27" in text and "7.76e+28" in text and "band: none" in text and "load 1.5" in text


def test_a_missing_figure_stays_unknown_instead_of_zero():
    projected = cell_level_projection({**DETAILED, "loop_s_per_bio_s_per_cell": ""}, neurons=(1e9,))
    assert projected["sizes"][0]["wall_s_linear"] is None
    assert projected["sizes"][0]["counted_flops"] > 0


def test_the_shipped_cell_costs_feed_the_audit_and_the_projection():
    from simnet.base.data_tables import read_table
    from simnet.report.projections import cell_levels, reproduce

    rows = {row["level"]: row for row in read_table("cell_costs.csv").rows}
    assert set(rows) == {"ball_and_stick", "reduced_pyramidal", "detailed_pyramidal"}
    detailed = float(rows["detailed_pyramidal"]["flops_per_cell_per_bio_s"])
    audit = reproduce()
    level = next(x for x in audit.blue_brain_road["levels"] if x["level"] == "detailed_pyramidal")
    assert level["bio_s_implied"]["1"] == pytest.approx(8.39e17 / 2.19e5 / detailed)
    assert "blue_brain_road" in audit.to_dict()
    projected = {p["level"]: p for p in cell_levels((1.3e9, 1.3e10), 4.731e8)}
    assert projected["detailed_pyramidal"]["sizes"][1]["counted_flops"] == pytest.approx(detailed * 1.3e10 * 4.731e8)


def test_coreneurons_run_is_listed_as_not_described_with_the_reason():
    from simnet.base.data_tables import read_table
    from simnet.projection.backtest import describe
    from simnet.projection.model import Machine

    row = next(r for r in read_table("published_multinode_runs.csv").rows if r["id"].startswith("kumbhar19"))
    assert row["verified"] == "no" and row["neurons"] == "219000" and row["devices"] == "2048"
    machines = {r["name"]: Machine.from_row(r) for r in read_table("hardware.csv").rows}
    case, reason = describe(row, machines, {})
    assert case is None and "compartmental" in reason and "no term for compartments" in reason


def test_the_cost_figure_spans_the_column_levels_and_the_cells(tmp_path):
    from simnet.report import fidelity_table as fidelity
    from simnet.report.figures import plot_cost_vs_fidelity

    row = {"level": "lif_exp", "counted_flops_per_neuron_per_bio_s": 3e5, "sim_wall_s_per_bio_s": 1.0,
           "ks_vs_reference": None, "regime": {"asynchronous_irregular": True}, "neurons": 10, "measured_on": "here",
           "backend": "cpp", "precision": "double"}
    cell = cell_level_projection(DETAILED, neurons=(1.3e9,))
    table = {"rows": [row], "reference_level": "lif_exp", "model": "microcircuit", "cell_levels": [cell]}
    inputs = fidelity.figure_inputs(table)
    assert inputs["levels"] == ["lif_exp", "detailed_pyramidal"]
    assert inputs["counted_flops_per_neuron_per_bio_s"] == [3e5, pytest.approx(1.26112e10)]
    # a single cell's loop time is not a network's: left out of the wall panel
    assert inputs["sim_wall_s_per_bio_s"] == [1.0, None] and "single cells" in inputs["measured_on"]
    assert inputs["point_notes"] == [None, "single cell\n753 compartments"]
    written = plot_cost_vs_fidelity(**inputs, out_stem=tmp_path / "fig")
    assert all(p.stat().st_size > 0 for p in written)


def test_the_measured_cost_per_compartment_at_the_quoted_runs_compartments_per_neuron():
    scaled = blue_brain_road([DETAILED])["scaled_to_quoted_compartments"]
    # 9.95e7 compartments / 2.19e5 neurons = 454.3; 1.26112e10 / 753 = 1.6748e7 FLOP per compartment per bio-s
    assert scaled["compartments_per_neuron"] == pytest.approx(454.3, rel=1e-3)
    # 1.6748e7 x 454.3 = 7.609e9 FLOP per neuron per bio-s; 3.8311e12 / 7.609e9 = 503.5 s
    assert scaled["flop_per_neuron_bio_s"] == pytest.approx(7.609e9, rel=1e-3)
    assert scaled["bio_s_implied"]["1"] == pytest.approx(503.5, rel=1e-3)
