"""RunRecord: spikes per model population (split from Brian2 groups), arrays and neo, the cost table's names."""
import importlib.util

import numpy as np
import pytest

from simnet.base.errors import UsageError
from simnet.record.run_record import RunRecord, leaf_populations, split_group_spikes

COUNTS = {"populations": {
    "neurons": {"size": 10, "spikes": 4, "part_of": ""},
    "exc": {"size": 6, "spikes": 2, "part_of": "neurons", "start": 0},
    "inh": {"size": 4, "spikes": 2, "part_of": "neurons", "start": 6},
    "other": {"size": 3, "spikes": 0, "part_of": ""},
    "partial": {"size": 5, "spikes": 1, "part_of": ""},
    "head": {"size": 2, "spikes": 0, "part_of": "partial", "start": 0},
}}
GROUP_SPIKES = {"neurons": (np.array([1.0, 2.0, 3.0, 4.0]), np.array([0, 9, 5, 6], dtype=np.uint64)),
                "partial": (np.array([2.5]), np.array([4], dtype=np.uint64))}


def test_slices_that_tile_a_group_are_its_populations_and_others_stay_whole():
    # "head" covers only part of "partial", so "partial" is kept whole (no spike would be lost)
    assert leaf_populations(COUNTS) == ["exc", "inh", "other", "partial"]
    assert leaf_populations(COUNTS, order=("other", "inh")) == ["other", "inh", "exc", "partial"]


def test_group_spikes_are_split_with_local_ids_and_time_order_kept():
    split = split_group_spikes(COUNTS, GROUP_SPIKES)
    assert split["exc"][0].tolist() == [1.0, 3.0] and split["exc"][1].tolist() == [0, 5]
    assert split["inh"][0].tolist() == [2.0, 4.0] and split["inh"][1].tolist() == [3, 0]
    assert split["other"][0].size == 0
    assert split["partial"][1].tolist() == [4]
    assert split_group_spikes(COUNTS, {}) == {}


def make_record(**kwargs) -> RunRecord:
    return RunRecord(model="fake", description="", parameters={}, backend={}, provenance={}, duration_s=0.01,
                     dt_s=1e-4, pre_run_s=0.1, counts=COUNTS, spike_trains=split_group_spikes(COUNTS, GROUP_SPIKES),
                     populations=leaf_populations(COUNTS), **kwargs)


def test_spikes_of_a_population_are_arrays_with_their_window():
    record = make_record()
    times_ms, node_ids = record.spikes("inh")
    assert times_ms.tolist() == [2.0, 4.0] and node_ids.dtype == np.uint64
    train = record.spikes("inh")
    assert train.size == 4 and (train.t_start_ms, train.t_stop_ms) == (100.0, 110.0)
    assert [t.tolist() for t in train.per_neuron()] == [[4.0], [], [], [2.0]]
    assert list(record.spikes()) == ["exc", "inh", "other", "partial"]
    with pytest.raises(UsageError, match="no population 'L4E'"):
        record.spikes("L4E")
    with pytest.raises(UsageError, match="kept no spike trains"):
        RunRecord(model="fake", description="", parameters={}, backend={}, provenance={}, duration_s=1.0,
                  dt_s=1e-4, counts=COUNTS, populations=["exc"]).spikes("exc")


@pytest.mark.skipif(importlib.util.find_spec("neo") is None, reason="needs neo")
def test_to_neo_gives_one_spike_train_per_neuron():
    record = make_record()
    record.spike_trains["exc"] = (np.array([101.0, 103.0]), np.array([0, 5], dtype=np.uint64))
    trains = record.spikes("exc").to_neo()
    assert len(trains) == 6 and trains[5].magnitude.tolist() == [103.0]
    assert str(trains[0].units.dimensionality) == "ms" and float(trains[0].t_stop) == 110.0


def test_cost_is_empty_without_a_cost_section():
    assert make_record().cost == {}
