"""The pyramidal levels' morphologies: the morphometry reader on a hand-made reconstruction (figures worked by
hand), and the levels built from the shipped statistics keeping what data/cell_morphologies.md says they keep."""
import importlib.util
import math
import subprocess
import sys
from pathlib import Path

import pytest

from simnet.models.cells import detailed_pyramidal, morphometry, nseg_d_lambda, reduced_pyramidal

ROOT = Path(__file__).resolve().parents[2]

#: a 10 um x 10 um soma contour, a marker, and one basal tree: a stem (0,0,0)-(0,10,0) of diameter 2 that splits
#: into (0,13,4) [5 um from the stem's end] and (6,18,0) [10 um], both of diameter 1
TINY_ASC = """; hand-made
("CellBody"
  (Color Red)
  (CellBody)
  ( 0 0 0 1) ( 10 0 0 1) ( 10 10 0 1) ( 0 10 0 1)
)
( (Color Blue)
  (Dendrite)
  ( 0 0 0 2)  ; Root
  ( 0 10 0 2)
  (Dot (Color Yellow) (Name "Marker 1") ( 50 50 50 1))
  (
    ( 0 13 4 1)
    Normal
  |
    ( 6 18 0 1)
    Normal
  )
)
"""


@pytest.fixture(scope="module")
def reader():
    spec = importlib.util.spec_from_file_location("cell_morphometry", ROOT / "experiments" / "cell_morphometry.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["cell_morphometry"] = module
    spec.loader.exec_module(module)
    return module


def test_the_reader_counts_sections_lengths_and_the_soma_by_hand(reader):
    cell = reader.read_asc(TINY_ASC)
    rows = {(g, q): v for g, q, v, _ in reader.statistics(cell)}
    # 100 um2 contour: the circle of that area has diameter 2 sqrt(100 / pi) = 11.284 um
    assert rows[("soma", "contour_equivalent_diameter")] == pytest.approx(11.284, rel=1e-4)
    assert rows[("basal", "sections")] == 3 and rows[("basal", "branch_points")] == 1 and rows[("basal", "tips")] == 2
    # 10 + 5 + 10 um; the marker's point is not part of the tree
    assert rows[("basal", "total_length")] == pytest.approx(25.0)
    # length-weighted diameter (10 x 2 + 15 x 1) / 25 = 1.4; the children's first step is from the parent's end
    # (diameter 2) to their first point (1), so their mean diameter is 1.5
    assert rows[("basal_order2", "diameter_length_weighted_mean")] == pytest.approx(1.5)
    assert rows[("basal", "diameter_length_weighted_mean")] == pytest.approx((10 * 2 + 15 * 1.5) / 25)
    assert rows[("basal", "tip_path_length_mean")] == pytest.approx((15 + 20) / 2)
    assert rows[("basal_order1", "children")] == 2 and rows[("basal_order2", "terminal_section_length_mean")] == 7.5


def test_bad_input_is_one_line_and_status_2(tmp_path):
    bad = tmp_path / "bad.asc"
    bad.write_text("(Dendrite) ( 0 0 0 1)\n")
    done = subprocess.run([sys.executable, str(ROOT / "experiments" / "cell_morphometry.py"), str(bad), "x"],
                          capture_output=True, text=True, env={"PYTHONPATH": str(ROOT)})
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1 and "CellBody" in done.stderr


def test_d_lambda_rule_by_hand():
    # d = 1 um: lambda(100 Hz) = 0.5 sqrt(1e-4 cm / (pi x 100 x 100 x 1e-6)) = 0.02821 cm = 282.1 um;
    # 200 um / 28.21 = 7.09; int((7.09 + 0.9) / 2) x 2 + 1 = 7
    assert nseg_d_lambda(200.0, 1.0) == 7
    assert nseg_d_lambda(5.0, 1.0) == 1


def _part(name: str) -> str:
    for prefix in ("basal", "apical_oblique", "apical_tuft", "trunk", "axon", "soma"):
        if name.startswith(prefix):
            return prefix
    raise AssertionError(name)


def test_the_detailed_level_keeps_the_reconstructions_sections_lengths_and_areas():
    m, cell = morphometry(), detailed_pyramidal()
    parts = {}
    for s in cell.sections:
        count, length, area = parts.get(_part(s.name), (0, 0.0, 0.0))
        parts[_part(s.name)] = (count + 1, length + s.length_um, area + math.pi * s.diameter_um * s.length_um)
    for part, group in (("basal", "basal"), ("apical_oblique", "apical_oblique"), ("apical_tuft", "apical_tuft")):
        count, length, area = parts[part]
        assert count == m[(group, "sections")]
        assert length == pytest.approx(m[(group, "total_length")], rel=1e-4)
        assert area == pytest.approx(m[(group, "membrane_area")], rel=1e-4)
    assert parts["trunk"][1] == pytest.approx(m[("apical_trunk", "total_length")])
    assert parts["trunk"][2] == pytest.approx(m[("apical_trunk", "membrane_area")], rel=1e-3)
    assert cell.sections[0].diameter_um == m[("soma", "contour_equivalent_diameter")]
    assert all(s.compartments % 2 == 1 for s in cell.sections)


def test_the_detailed_level_is_seeded():
    assert detailed_pyramidal() == detailed_pyramidal()
    other = detailed_pyramidal(seed=1)
    assert other.sections != detailed_pyramidal().sections
    # the seed moves branches, not lengths: the same sections and compartments
    assert (other.compartments, len(other.sections)) == (detailed_pyramidal().compartments,
                                                         len(detailed_pyramidal().sections))


def test_the_reduced_level_keeps_each_parts_area_and_path_length():
    m, cell = morphometry(), reduced_pyramidal()
    area = {s.name: math.pi * s.diameter_um * s.length_um for s in cell.sections}
    assert area["basal1"] + area["basal2"] == pytest.approx(m[("basal", "membrane_area")])
    assert area["trunk"] == pytest.approx(m[("apical_trunk", "membrane_area")] + m[("apical_oblique", "membrane_area")])
    assert area["tuft1"] + area["tuft2"] == pytest.approx(m[("apical_tuft", "membrane_area")])
    lengths = {s.name: s.length_um for s in cell.sections}
    assert lengths["basal1"] == m[("basal", "tip_path_length_mean")]
    assert lengths["tuft1"] == m[("apical_tuft", "tip_path_length_mean")]


def test_the_cell_network_draws_the_columns_layer4_pairs_once_and_seeded():
    from simnet.models.cells import CellNetwork

    network = CellNetwork()
    pairs = network.pairs()
    assert pairs == CellNetwork().pairs() and pairs != CellNetwork(seed=2).pairs()
    assert len(set(pairs)) == len(pairs) and not any(s == t and i == j for s, i, t, j in pairs)
    # expected numbers over many seeds: p x sources x targets (less autapses), PD14 Table 5, layer 4
    mean = {}
    for seed in range(100):
        for s, _, t, _ in CellNetwork(seed=seed).pairs():
            mean[(s, t)] = mean.get((s, t), 0) + 1 / 100
    assert mean[("L4E", "L4E")] == pytest.approx(0.0497 * 16 * 15, rel=0.15)
    assert mean[("L4I", "L4E")] == pytest.approx(0.1350 * 4 * 16, rel=0.15)
    assert mean[("L4E", "L4I")] == pytest.approx(0.0794 * 16 * 4, rel=0.15)


def test_the_cell_network_builds_one_cell_per_spatialneuron_and_a_synapse_per_pair():
    import brian2

    from simnet.models.cells import CellNetwork, brian2_cell_network

    brian2.start_scope()
    network = CellNetwork(sizes=(("L4E", 3), ("L4I", 1)), seed=3)
    made = brian2_cell_network(network)
    cells = [o for o in made.values() if isinstance(o, brian2.SpatialNeuron)]
    synapses = [o for o in made.values() if isinstance(o, brian2.Synapses)]
    assert len(cells) == 4 and len(synapses) == len(network.pairs())
    for synapse in synapses:
        excitatory = synapse.name.startswith("syn_L4E")
        # excitatory onto the dendrite's middle compartment (1 soma + 20 // 2), inhibitory onto the soma
        assert list(synapse.j[:]) == ([11] if excitatory else [0])
