"""comparison.py: the rows say what they measure (the simulation program's peak memory apart from the compiler's),
and a note says when the compared runs differ in model or neuron model."""
import numpy as np
import pytest

from simnet.record.run_record import RunRecord
from simnet.report.comparison import compare_records, format_comparison

MiB = 2**20


def costed(model="microcircuit", backend="cpp", neuron_model="lif", peak_rss=None, model_type="integrate_and_fire"):
    counts = {"n_steps": 10, "populations": {"exc": {"size": 10, "spikes": 5, "neuron_steps": 100, "part_of": ""}},
              "projections": {}}
    cost = {"flops": {"flops_per_neuron_per_bio_s": 1e6, "flops_per_synaptic_event": None,
                      "dense_flops_per_neuron_per_bio_s": 1e6, "flops_per_neuron_per_bio_s_by_category": {},
                      "unknown_operations": [], "rows": [],
                      "neuron_models": [{"population": "exc", "izhikevich_model_type": model_type}]},
            "peak": {"source": "test"}, "energy": {},
            "memory": {"state": {}, "peak_rss": peak_rss if peak_rss is not None else
                       {"self_bytes": 150 * MiB, "children_bytes": 1000 * MiB, "program_bytes": 20 * MiB,
                        "compiler_bytes": 1000 * MiB}}}
    parameters = {"neuron_model": {"value": neuron_model, "unit": "", "display": neuron_model}} if neuron_model else {}
    return RunRecord(model=model, description="", parameters=parameters,
                     backend={"name": backend, "precision": "double"}, provenance={"machine": {"hostname": "h"}},
                     duration_s=1.0, dt_s=1e-4, timings={"simulation_loop_s": 2.0}, counts=counts, cost_detail=cost,
                     rates={"exc": (np.arange(3.0), np.ones(3))}, populations=["exc"])


def rows(comparison):
    return {row["label"]: (row["a"], row["b"]) for row in comparison["rows"]}


def test_the_program_and_the_compiler_have_rows_of_their_own():
    compared = compare_records(costed(), costed())
    shown = rows(compared)
    assert shown["peak RSS, simulation program"] == (20 * MiB, 20 * MiB)
    assert shown["peak RSS, compiler"] == (1000 * MiB, 1000 * MiB)
    assert shown["peak RSS, simnet's Python process"] == (150 * MiB, 150 * MiB)
    assert "simulation process" not in format_comparison(compared)


def test_runtime_simulates_in_python_and_an_older_record_has_no_program_peak():
    old = costed(peak_rss={"self_bytes": 150 * MiB, "children_bytes": 1000 * MiB})
    shown = rows(compare_records(costed(backend="runtime", peak_rss={"self_bytes": 300 * MiB}), old))
    assert shown["peak RSS, simulation program"] == (300 * MiB, None)  # never the compiler's 1000 MiB
    assert shown["peak RSS, compiler"] == (None, None)


@pytest.mark.parametrize("b, note", [
    (dict(neuron_model="hh", model_type="hodgkin_huxley"), "different neuron models (lif and hh)"),
    (dict(model="cobahh", neuron_model=None, model_type="hodgkin_huxley"), "different models (microcircuit and cobahh)"),
])
def test_runs_of_different_models_or_neuron_models_get_a_note(b, note):
    compared = compare_records(costed(), costed(**b))
    assert any(note in text for text in compared["notes"])
    assert f"note: {note}" in format_comparison(compared)
    assert compare_records(costed(), costed())["notes"] == []
