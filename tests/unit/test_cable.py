"""The cable-equation solver of a SpatialNeuron, counted against a hand count of Brian2's template."""
import brian2
import pytest
from brian2 import Cylinder, Network, SpatialNeuron, Soma, cm, ms, mV, ohm, siemens, uF, um

from simnet.cost.flops import apply_activity, count_network
from simnet.cost.flops.cable import COMPARTMENT_STEP, solver_flops_per_step, template_drift


@pytest.fixture
def numpy_target():
    before = brian2.prefs.codegen.target
    brian2.prefs.codegen.target = "numpy"
    yield
    brian2.prefs.codegen.target = before


def passive_cell():
    """A soma and a 2-compartment dendrite (3 compartments, 2 sections), passive, run 1 ms."""
    morpho = Soma(diameter=20 * um)
    morpho.dend = Cylinder(diameter=2 * um, length=100 * um, n=2)
    namespace = {"gL": 1e-4 * siemens / cm**2, "EL": -65 * mV}
    cell = SpatialNeuron(morpho, "Im = gL*(EL - v) : amp/meter**2", Cm=1 * uF / cm**2, Ri=100 * ohm * cm,
                         threshold="v > -50*mV", threshold_location=0, reset="v = EL", namespace=namespace)
    net = Network(cell)
    net.run(1 * ms)
    return net


# Hand count of one step of Brian2's spatialstateupdate.cpp for N = 3 compartments in S = 2 sections (the soma,
# the dendrite), weights + - * and unary - 1, / 4 (simnet.cost.flops.ops):
#   every compartment, 3x: v* = -(Cm/dt*v) - I0 (neg 1, / 4, * 1, - 1 = 7); b = ab1 - gtot (1);
#       v = v* + B_p*u- + B_c*u+ (4); Ic = Cm*(v - v_prev)/dt (6)                        18 x 3 = 54
#   compartments j > 0, 2x: m = 1/(b - a*c) (6), c*m (1), 3 x (x - a*x_prev)*m (9)       16 x 2 = 32
#   compartment 0, 1x: four divisions by b                                                16
#   back substitution, N - S = 1x: 3 x (x - c*x_next)                                      6
#   first section: u-[first] - 1 (1), -v*[first] (1)                                       2
#   second section: P_diag += (1 - u-)*r0 (3), -u+*r0 (2), B += v*r0 (2)                  7
#   each section, 2x: (1-u+)*rn 2, -u-*rn 2, v*rn 1; elimination 4 + 2 + 2; forward 2 + 4   19 x 2 = 38
#   once: B[0] / P_diag[0]                                                                  4
HAND_COUNT_PER_STEP = 54 + 32 + 16 + 6 + 2 + 7 + 38 + 4  # 159


def test_the_cable_solver_is_counted_per_compartment_as_counted_by_hand(numpy_target):
    profile = count_network(passive_cell())
    rows = {row.role: row for row in profile.rows}
    solver = rows["cable_solver"]
    assert solver.element == COMPARTMENT_STEP and solver.group_size == 3
    # the abstract code of this passive membrane: gtot = gL is a read, I0 = gL*EL is loop-invariant (hoisted)
    assert solver.hoisted_flops_per_call == 1
    assert solver.flops_per_element * 3 == pytest.approx(HAND_COUNT_PER_STEP)
    # the threshold is evaluated at every compartment: (v > -50 mV) and (i == 0), two compares
    assert rows["threshold"].element == COMPARTMENT_STEP and rows["threshold"].flops_per_element == 2
    assert not [item for item in profile.skipped if item.kind == "unclassified"]
    assert not profile.unknown


def test_the_transcription_is_the_installed_template_and_its_sum():
    assert template_drift() == []
    assert template_drift("an unrelated template") != []
    for n, s in [(3, 2), (11, 2), (500, 120)]:
        assert solver_flops_per_step(n, s) == 40 * n + 20 * s - 1
    assert solver_flops_per_step(3, 2) == HAND_COUNT_PER_STEP


def test_compartment_steps_multiply_a_cells_rows_and_a_record_without_them_is_reported(numpy_target):
    net = passive_cell()
    # the cell's own name: Brian2 numbers it after any SpatialNeuron another test left alive (spatialneuron_1)
    name = next(obj.name for obj in net.objects if isinstance(obj, SpatialNeuron))
    profile = count_network(net)
    counts = {"n_steps": 10, "populations": {name: {
        "size": 1, "neuron_steps": 10, "compartments": 3, "compartment_steps": 30, "spikes": 0}}}
    report = apply_activity(profile, counts, 0.001, 1)
    solver = next(row for row in report.rows if row.role == "cable_solver")
    assert solver.element_count == 30 and solver.total_flops == pytest.approx(HAND_COUNT_PER_STEP * 10)
    del counts["populations"][name]["compartment_steps"]
    report = apply_activity(profile, counts, 0.001, 1)
    assert any("compartment_step" in item for item in report.missing_counts)
