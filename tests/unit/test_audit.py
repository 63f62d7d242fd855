"""The seed documents' chains, checked against arithmetic written out by hand here.

Every expected number is typed in from the documents (shared/seeds) or the raw benchmark lines, and
multiplied out in the test itself, not taken from the code under test.
"""
from __future__ import annotations

import json
import math

import pytest

from simnet import audit as d
from simnet.audit import Stated


@pytest.fixture(scope="module")
def records():
    return {item.id: item for item in d.reproduce_all()}


# --------------------------------------------------------------------------------------------------
# The chains, from their stated defaults
# --------------------------------------------------------------------------------------------------

def test_spiking_net_chain_from_its_own_inputs():
    # 3840 cores x 1.6e9 Hz x 2 FLOP = 1.2288e13 FLOP/s; 1e4 s / 10 bio-s = 1e3 s per bio-s
    per_neuron_per_bio_s = 1.2288e13 * 1e3 / 2.05e7          # 5.9941e8, not the 6.14e6 written
    assert per_neuron_per_bio_s == pytest.approx(5.9941e8, rel=1e-4)
    expected = per_neuron_per_bio_s * 4.73e8 * 1.3e9            # 3.686e26
    assert d.spiking_net_training_flop() == pytest.approx(expected)
    assert d.spiking_net_training_flop() == pytest.approx(3.686e26, rel=1e-3)


def test_spiking_net_last_line_as_written():
    assert d.training_flop_as_written() == pytest.approx(6.14e6 * 4.78e8 * 1.3e9)
    assert d.training_flop_as_written() == pytest.approx(3.8154e24, rel=1e-4)


def test_blue_brain_chain_from_its_own_inputs():
    flop = 2048 * 16 * 1.6e9 * 8 * 2e3                            # 8.388608e17
    assert d.blue_brain_benchmark_flop() == pytest.approx(8.388608e17)
    per_neuron_per_bio_s = flop / 2.19e5 / 0.001                  # 3.8304e15
    assert d.blue_brain_training_flop() == pytest.approx(per_neuron_per_bio_s * 4.73e8 * 1.3e9)
    assert d.blue_brain_training_flop() == pytest.approx(2.3553e33, rel=1e-4)


def test_small_chains():
    assert d.half_neocortex_neurons() == 13e9
    assert d.training_bio_seconds() == pytest.approx(4.731e8)
    assert d.numenta_pseudo_flop_per_s() == pytest.approx(8.325e12)
    assert d.flop_in_petaflop() == pytest.approx(2.37e18)
    assert d.coreneuron_equations() == 6.2e8
    assert d.brain_synaptic_ops_per_s() == pytest.approx(6.8e16)
    assert d.brain_weight_bytes() == pytest.approx(6.8e13)
    assert d.memory_fraction_percent() == pytest.approx(100 * 3840 / 68000)
    assert d.hardware_multiple() == pytest.approx(17.708, rel=1e-4)
    assert d.gpu_count() == 960
    assert d.gpu_cost_usd() == 24e6
    assert d.dense_emulation_flop_per_s() == pytest.approx(1e17)
    assert d.gpt3_double_pass_flop() == pytest.approx(8e11)
    assert d.electricity_usd_per_h() == pytest.approx(2.0)
    assert d.synaptic_power_w() == pytest.approx(1e5 * 1.602176634e-19 * 1e15)


def test_calculations_take_plain_numbers_or_stated_values():
    assert d.spiking_net_training_flop(neurons=1.3e10) == pytest.approx(10 * d.spiking_net_training_flop())
    with_stated = d.flop_per_neuron(flop=Stated(1e9, "FLOP", "test", "here"), neurons=1e3)
    assert with_stated == pytest.approx(1e6)


def test_stated_inputs_carry_their_source():
    inputs = {item.name: item for item in d.stated_inputs(d.spiking_net_training_flop)}
    assert inputs["benchmark_neurons"].value == 2.05e7
    assert inputs["benchmark_neurons"].source == "003"
    assert "2.05e7" in inputs["benchmark_neurons"].where
    assert inputs["training_bio_s"].value == 4.73e8
    with pytest.raises(TypeError, match="no stated source"):
        d.stated_inputs(d.spiking_net_training_flop, neurons=1.3e10)
    with pytest.raises(TypeError, match="no input named"):
        d.stated_inputs(d.spiking_net_training_flop, neuron=Stated(1, "", "x", "y"))


# --------------------------------------------------------------------------------------------------
# Verdict rules
# --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, figures", [("20", 1), ("3840", 3), ("300e9", 3), ("6.14e6", 3), ("1e4", 1),
                                           ("2.05e7", 3), ("17", 2), ("<=1e10", 1), ("8.325e12", 4)])
def test_significant_figures(text, figures):
    assert d.significant_figures(text) == figures


@pytest.mark.parametrize("text, recomputed, passes", [
    ("4.73e8", 3.154e7 * 15, True),     # 4.731e8
    ("4.78e8", 3.154e7 * 15, False),    # the slip
    ("20", 68000 / 3840, True),          # 17.7 rounds to 20 at one figure
    ("10", 2.53e24 / 3.14e23, False),    # 8.06 rounds to 8, not 10
    ("5", 100 * 3840 / 68000, False),    # 5.65 rounds to 6
    ("1.6e9", 12.15e12 / 7680, True),    # 1.582e9
    ("3.82e15", 3.8304e15, False),
    ("6.14e6", 1.229e16 / 2.05e7, False),
])
def test_rounding_rule(text, recomputed, passes):
    assert d.rounding(text, recomputed)[0] is passes


def test_chain_log_oom_and_bound_rules():
    assert d.chain("2.37e33", 2.37e33 * 1.019)[0]
    assert not d.chain("2.37e33", 2.37e33 * 1.021)[0]
    assert d.log_axis_reading("1e4", 8737)[0]
    assert not d.log_axis_reading("1e4", 873.7)[0]
    assert d.orders_of_magnitude("10", 9.6)[0] and not d.orders_of_magnitude("10", 9.4)[0]
    assert d.bound("0<..<1", 0.18)[0] and not d.bound("0<..<1", 1.2)[0]
    assert d.bound(">6e8", 6.2e8)[0] and not d.bound("<=1e10", 1.75e11)[0]
    with pytest.raises(ValueError):
        d.bound("about 5", 5)


# --------------------------------------------------------------------------------------------------
# The records
# --------------------------------------------------------------------------------------------------

def test_bio_seconds_slip_is_detected(records):
    derived = records["003-bio-seconds"]
    assert derived.consistent and derived.recomputed == pytest.approx(4.731e8)
    slip = records["003-bio-seconds-restated"]
    assert not slip.consistent
    assert slip.stated == 4.78e8
    assert slip.ratio == pytest.approx(4.731e8 / 4.78e8)
    assert slip.verdict.startswith("inconsistent: ")


def test_spiking_net_division_slip_is_flagged(records):
    step = records["003-snn-flop-per-neuron"]
    assert not step.consistent
    assert step.recomputed == pytest.approx(1.229e16 / 2.05e7)
    assert step.ratio == pytest.approx(97.64, rel=1e-3)
    assert records["003-snn-total-as-written"].consistent          # the last multiplication is right
    whole = records["003-snn-chain"]
    assert not whole.consistent
    assert whole.ratio == pytest.approx(3.686e26 / 3.82e24, rel=1e-3)


def test_blue_brain_chain_is_consistent_despite_copy_slips(records):
    assert records["003-bbp-chain"].consistent
    assert records["003-bbp-chain"].ratio == pytest.approx(2.3553e33 / 2.37e33, rel=1e-4)
    assert records["003-bbp-total-as-written"].consistent
    assert not records["003-bbp-rate-restated"].consistent         # 3.83e15 copied as 3.82e15
    assert "2.37e30" in " ".join(records["003-bbp-total-as-written"].notes)   # the typo history


def test_neuron_count_and_unit_slips(records):
    used = records["003-neurons-used"]
    assert not used.consistent and used.ratio == pytest.approx(10)
    units = records["003-numenta-flops-units"]
    assert not units.consistent and units.ratio == pytest.approx(1000)
    assert records["003-numenta-flops"].consistent


def test_titan_xp_clock_is_reported_against_the_table(records):
    clock = records["003-titanxp-clock"]
    assert clock.recomputed == pytest.approx(12.15e12 / (3840 * 2))   # 1.582 GHz from hardware.csv
    assert clock.consistent                                            # rounds to the 1.6 written
    assert any("1.582" in note for note in clock.notes)


def test_brian2genn_reading(records):
    # TITAN Xp, Mbody_example, 20,480,200 neurons, GeNN pre, float32: 917878218 - 44191985 us = 873.686233 s
    figure = records["003-b2g-figure-reading"]
    assert figure.recomputed == pytest.approx(10 * 873.686233)        # the line labelled '10s', as drawn
    assert figure.consistent
    data = records["003-b2g-data"]
    assert data.recomputed == pytest.approx(873.686233)
    assert not data.consistent
    assert "873.7" in data.verdict
    assert records["003-b2g-neurons"].recomputed == 20480200
    assert records["003-b2g-neurons"].consistent


def test_estimate_with_the_measured_time(records):
    # 1.2288e13 FLOP/s x 87.3686233 wall s per bio-s / 20,480,200 neurons x 4.73e8 s x 1.3e9 neurons
    per_neuron_per_bio_s = 1.2288e13 * 87.3686233 / 20480200       # 5.242e7
    expected = per_neuron_per_bio_s * 4.73e8 * 1.3e9               # 3.223e25
    assert expected == pytest.approx(3.223e25, rel=1e-3)
    assert records["003-snn-from-data"].recomputed == pytest.approx(expected)
    assert not records["003-snn-from-data"].consistent
    assert records["003-snn-from-data-13e9"].recomputed == pytest.approx(10 * expected)
    # COBAHH, 1,024,000 neurons, line 74: 254616506 - 103143969 us = 151.472537 s per 10 bio-s
    cobahh = 1.2288e13 * 15.1472537 / 1024000 * 4.73e8 * 1.3e9
    assert records["003-snn-from-data-cobahh"].recomputed == pytest.approx(cobahh)


def test_comparisons_with_gpt3_and_palm(records):
    # Epoch AI: GPT-3 3.14e23, PaLM 2.53e24 FLOP
    assert records["003-snn-ooms-over-gpt3"].recomputed == pytest.approx(math.log10(3.82e24 / 3.14e23))
    assert records["003-snn-ooms-over-gpt3"].consistent                 # 1.09 ~ "about 1 OOM"
    assert records["003-snn-ooms-over-palm"].recomputed == pytest.approx(math.log10(3.82e24 / 2.53e24))
    assert records["003-snn-ooms-over-palm"].consistent                 # 0.18 < 1
    assert records["003-bbp-ooms-over-gpt3"].recomputed == pytest.approx(math.log10(2.37e33 / 3.14e23))
    assert records["003-bbp-ooms-over-gpt3"].consistent                 # 9.88 ~ 10
    assert records["003-bbp-ooms-over-palm"].consistent                 # 8.97 ~ 9
    palm = records["003-table-palm-x-gpt3"]
    assert palm.recomputed == pytest.approx(2.5e24 / 3.1e23)           # 8.06, written "10x"
    assert not palm.consistent
    assert records["003-table-chinchilla-x-gpt3"].consistent            # 1.87 -> "2x"
    assert records["003-table-gpt3"].consistent and records["003-table-palm"].consistent


def test_other_documents(records):
    assert records["002-synaptic-ops"].consistent
    assert records["002-gpus-for-ops"].recomputed == pytest.approx(6.8e16 / 3958e12)   # 17.2 -> "17"
    assert records["002-cluster-memory"].recomputed == 3 * 16 * 80
    assert not records["002-memory-fraction"].consistent                # 5.65 % written as 5 %
    assert records["002-hardware-multiple"].consistent                  # 17.7 -> "20 times"
    assert records["001-rtx4090-flops"].recomputed == pytest.approx(82.6e12)
    assert records["001-rtx4090-bandwidth"].recomputed == pytest.approx(1008e9)
    assert records["001-gpt3-training"].consistent
    assert records["000-synaptic-power"].consistent                     # 16 W <= 20 W
    largest = records["004-largest-model"]
    assert largest.recomputed == 175e9 and not largest.consistent


def test_every_record_is_complete_and_json_safe(records):
    assert set(item.document for item in records.values()) == set(d.DOCUMENTS)
    for item in records.values():
        assert item.inputs, item.id
        assert all(entry.source and entry.where for entry in item.inputs), item.id
        assert item.verdict == "consistent" or item.verdict.startswith("inconsistent: ")
        assert item.consistent == (item.verdict == "consistent")
        payload = json.loads(json.dumps(item.to_dict(), allow_nan=False))
        assert payload["id"] == item.id
        assert payload["ratio"] == pytest.approx(item.recomputed / item.stated)
    assert len(records) == len(d.reproduce_all())                         # ids are unique


def test_format_table(records):
    reps = d.reproduce_all()
    table = d.format_table(reps)
    lines = table.splitlines()
    inconsistent = sum(not item.consistent for item in reps)
    assert f"{len(reps)} checks" in lines[0] and f"{inconsistent} inconsistent" in lines[0]
    assert all(len(line) <= 100 for line in lines)
    for item in reps:
        row = next(line for line in lines if line.startswith(item.id + " "))
        assert row.rstrip().endswith("consistent" if item.consistent else "INCONSISTENT")


def test_the_bio_time_implied_by_003s_blue_brain_inputs_inverts_its_rate():
    from simnet.audit.half_neocortex import bio_s_implied, flop_per_neuron_bio_s

    # at 003's own 3.83e15 FLOP per neuron per biological second the inputs give back its 0.001 s
    assert bio_s_implied(measured_flop_per_neuron_bio_s=flop_per_neuron_bio_s()) == pytest.approx(0.001, rel=2e-3)
    # a cheaper cell means the same machine-time covered more biological time, in proportion
    assert bio_s_implied(measured_flop_per_neuron_bio_s=3.83e12) == pytest.approx(1.0, rel=2e-3)
    assert bio_s_implied(measured_flop_per_neuron_bio_s=3.83e12, utilisation=0.1) == pytest.approx(0.1, rel=2e-3)
