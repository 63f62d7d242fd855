"""Per-element costs: read off a record by hand, and data/element_costs.csv is what simnet counts today."""
from __future__ import annotations

import csv
import io

import pytest

from simnet.base.data_tables import read_table
from simnet.cost.elements import ElementCosts, element_costs


def test_element_costs_by_hand():
    cost = {"flops": {"rows": [
        {"owner": "exc", "role": "state_update", "category": "neuron_update", "element": "neuron_step",
         "flops_per_element": 30.0, "flops_per_element_cse": 20.0},
        {"owner": "inh", "role": "state_update", "category": "neuron_update", "element": "neuron_step",
         "flops_per_element": 10.0, "flops_per_element_cse": 10.0},
        {"owner": "drive", "role": "poisson_input", "category": "input", "element": "input_neuron_step",
         "flops_per_element": 6.0, "flops_per_element_cse": 6.0, "element_count": 300.0},
        {"owner": "ee", "role": "pre_pathway", "category": "synaptic_propagation", "element": "synaptic_event_pre",
         "flops_per_element": 1.0, "flops_per_element_cse": 1.0},
        {"owner": "ee", "role": "pre_pathway", "category": "plasticity", "element": "synaptic_event_pre",
         "flops_per_element": 8.0, "flops_per_element_cse": 6.0},
        {"owner": "ie", "role": "pre_pathway", "category": "synaptic_propagation", "element": "synaptic_event_pre",
         "flops_per_element": 3.0, "flops_per_element_cse": 3.0},
    ]}, "memory": {"state": {"n_neurons": 4, "n_synapses": 10, "by_variable": [
        {"kind": "per_neuron", "dtype": "float64", "itemsize": 8, "bytes": 64},
        {"kind": "per_neuron", "dtype": "int32", "itemsize": 4, "bytes": 16},
        {"kind": "per_synapse", "dtype": "float64", "itemsize": 8, "bytes": 80},
        {"kind": "per_synapse", "dtype": "int32", "itemsize": 4, "bytes": 80}]}}}
    counts = {"n_steps": 100, "populations": {"exc": {"size": 3, "neuron_steps": 300},
                                              "inh": {"size": 1, "neuron_steps": 100}},
              "projections": {"ee": {"synapses": 6, "plastic": True}, "ie": {"synapses": 4, "plastic": False}}}
    c = element_costs(cost, counts, "hand", "by hand")
    # (30 x 3 + 10 x 1 + 6 x 300/100) / 4 neurons; after CSE (20 x 3 + 10 + 18) / 4
    assert c.neuron_flops_per_step == pytest.approx((90 + 10 + 18) / 4)
    assert c.neuron_flops_per_step_cse == pytest.approx((60 + 10 + 18) / 4)
    assert c.event_flops == pytest.approx((1 * 6 + 3 * 4) / 10)          # weighted by each projection's synapses
    assert c.plastic_flops_per_pre_event == 8.0 and c.plastic_flops_per_pre_event_cse == 6.0
    assert (c.neuron_float_bytes, c.neuron_other_bytes) == (16.0, 4.0)
    assert (c.synapse_float_bytes, c.synapse_other_bytes) == (8.0, 8.0)
    assert c.neuron_bytes("single") == 12.0 and c.synapse_bytes("double") == 16.0
    assert c.code_objects_per_step == 5                                  # ee pre pathway counted once


def _counted(names):
    from simnet.bench.element_costs import table_text

    return {row["model"]: row for row in csv.DictReader(line for line in io.StringIO(table_text(names))
                                                        if not line.startswith("#"))}


def _assert_table_matches(names):
    table = {row["model"]: ElementCosts.from_row(row) for row in read_table("element_costs.csv").rows}
    for name, row in _counted(names).items():
        counted = ElementCosts.from_row(row)
        for field in ElementCosts.__annotations__:
            if field in ("model", "source"):
                continue
            assert getattr(table[name], field) == pytest.approx(getattr(counted, field), rel=1e-5), (name, field)


def test_the_committed_cobahh_costs_are_what_simnet_counts():
    _assert_table_matches(["cobahh_benchmark"])


@pytest.mark.slow
def test_the_whole_committed_table_is_what_simnet_counts():
    from simnet.bench.element_costs import CONFIGURATIONS

    assert {row["model"] for row in read_table("element_costs.csv").rows} == set(CONFIGURATIONS)
    _assert_table_matches(list(CONFIGURATIONS))
