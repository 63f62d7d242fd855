"""The cell network with every cell in one SpatialNeuron (:func:`simnet.models.cells.brian2_cell_network_one_group`):
its layout (cells, links, somas, synapse targets) and the links' isolation (with no synaptic conductance, every cell
fires exactly as the level's single cell)."""
import numpy as np
import pytest


def _build(network):
    import brian2

    from simnet.models.cells import brian2_cell_network_one_group

    brian2.start_scope()
    brian2.prefs.codegen.target = "numpy"
    return brian2_cell_network_one_group(network)


def test_one_group_holds_every_cell_its_links_and_two_synapse_objects():
    from simnet.models.cells import CellNetwork, get_cell_level

    network = CellNetwork(level="reduced_pyramidal", sizes=(("L4E", 6), ("L4I", 2)), seed=3)
    level = get_cell_level("reduced_pyramidal")
    made = _build(network)
    group, n = made["cells"], 8
    assert made["_link_compartments"] == n - 1
    assert len(group) == n * level.compartments + n - 1
    somas, targets = made["_soma_index"], made["_excitatory_target_index"]
    assert len(set(somas)) == n and list(np.nonzero(group.is_soma[:])[0]) == sorted(somas)
    # the soma carries the level's current and full channels; links carry neither
    assert np.count_nonzero(np.asarray(group.I[:])) == n
    assert np.count_nonzero(np.asarray(group.gNa[:])) == n * level.compartments
    # excitatory synapses sit on the middle of the first basal dendrite (2 compartments after soma and axon)
    axon = level.sections[1].compartments
    basal = level.sections[2].compartments
    assert [t - s for s, t in zip(somas, targets)] == [1 + axon + basal // 2] * n
    pairs = network.pairs()
    exc, inh = made["syn_exc"], made["syn_inh"]
    assert len(exc) == sum(s.endswith("E") for s, _, _, _ in pairs)
    assert len(inh) == sum(s.endswith("I") for s, _, _, _ in pairs)
    assert set(np.asarray(exc.i[:])) <= set(somas) and set(np.asarray(exc.j[:])) <= set(targets)
    assert set(np.asarray(inh.j[:])) <= set(somas)


def test_linked_cells_fire_as_the_single_cell_when_synapses_are_off():
    import brian2
    from brian2 import Network, SpikeMonitor, ms

    from simnet.models.cells import CellNetwork, brian2_cell, get_cell_level

    level = get_cell_level("reduced_pyramidal")
    brian2.start_scope()
    brian2.prefs.codegen.target = "numpy"
    cell, namespace = brian2_cell(level)
    single = SpikeMonitor(cell)
    Network(cell, single).run(40 * ms, namespace=namespace)
    reference = np.asarray(single.t[:] / ms)
    assert len(reference) >= 2

    made = _build(CellNetwork(level="reduced_pyramidal", sizes=(("L4E", 3), ("L4I", 1)), g_exc_nS=0.0,
                              g_inh_nS=0.0))
    monitor = SpikeMonitor(made["cells"])
    objects = [v for k, v in made.items() if k in ("cells", "syn_exc", "syn_inh")]
    namespace = {k: v for k, v in made.items() if not k.startswith("_") and all(v is not o for o in objects)}
    Network(*objects, monitor).run(40 * ms, namespace=namespace)
    assert set(np.asarray(monitor.i[:])) == set(made["_soma_index"])  # only somas cross the threshold
    for soma in made["_soma_index"]:
        times = np.asarray(monitor.t[:] / ms)[np.asarray(monitor.i[:]) == soma]
        assert times == pytest.approx(reference, abs=1e-9)
