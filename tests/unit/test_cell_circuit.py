"""The ``cells`` library model: its options checked in simnet's words, the backends it refuses, and the same circuit
handed to the NEURON peer as data (every cell named as Brian2 names its population)."""
import pytest

from simnet.base.errors import UsageError
from simnet.bench import experiment_file
from simnet.models import get_model
from simnet.models.cells import CellCircuitParams, circuit_as_peer_data, circuit_network


@pytest.mark.parametrize("options, message", [
    ({"level": "pyramidal"}, "unknown cell level 'pyramidal'"),
    ({"exc": 0}, "at least one cell in all"),
    ({"exc": -1, "inh": 3}, "whole numbers of cells"),
    ({"exc": 30, "inh": 11}, "at most 40 cells"),
    ({"exc": 1.5}, "exc must be a whole number"),
    ({"neurons": 4}, "does not take the option(s) neurons"),
])
def test_bad_options_are_refused_in_one_line(options, message):
    with pytest.raises(UsageError, match=message.replace("(", r"\(").replace(")", r"\)")):
        get_model("cells").parameters(**options)


@pytest.mark.parametrize("backend", ["genn", "genn-cpu", "cuda"])
def test_gpu_backends_are_refused_and_the_cpu_ones_taken(backend):
    entry = get_model("cells")
    with pytest.raises(UsageError, match=f"model cells runs on runtime and cpp only; {backend} cannot run it"):
        entry.check_backend(backend)
    for usable in ("runtime", "cpp"):
        entry.check_backend(usable)


def test_the_default_is_one_excitatory_cell_without_synapses():
    data = circuit_as_peer_data(get_model("cells").parameters())
    assert data["cells"] == 1 and data["names"] == ["L4E_0"] and data["connections"] == []
    assert data["cell"]["name"] == "ball_and_stick"


def test_the_peer_gets_every_cell_named_in_brian2s_order_and_every_pair():
    params = CellCircuitParams(level="reduced_pyramidal", exc=6, inh=2)
    data = circuit_as_peer_data(params)
    network = circuit_network(params)
    assert data["names"] == [f"L4E_{k}" for k in range(6)] + ["L4I_0", "L4I_1"]
    assert len(data["connections"]) == len(network.pairs()) > 0
    for source, target, kind in data["connections"]:
        assert 0 <= source < 8 and 0 <= target < 8 and source != target
        assert kind == ("exc" if source < 6 else "inh")
    # no inhibitory cells: the population is left out rather than drawn empty
    assert [name for name, _ in circuit_network(CellCircuitParams(exc=3)).sizes] == ["L4E"]


def _cells_experiment(runner):
    return experiment_file.experiment_from_dict({
        "name": "cells", "model": "cells", "duration": "0.1s", "options": {"level": "ball_and_stick"},
        "sweep": {"exc": [1, 2]}, "runners": [runner]}, source="test")


def test_an_experiment_runs_the_cells_beside_neuron_but_not_on_genn():
    experiment = _cells_experiment({"kind": "peer", "peer": "neuron", "device": "coreneuron", "threads": 2})
    assert experiment.points() == [{"exc": 1}, {"exc": 2}]
    with pytest.raises(UsageError, match="runner 1: model cells runs on runtime and cpp only; genn cannot"):
        _cells_experiment({"kind": "simnet", "backend": "genn"})
