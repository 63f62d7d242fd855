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
    return RunRecord(model="fake", description="", backend={}, provenance={}, duration_s=0.01,
                     dt_s=1e-4, pre_run_s=0.1, counts=COUNTS, spike_trains=split_group_spikes(COUNTS, GROUP_SPIKES),
                     populations=leaf_populations(COUNTS), **{"parameters": {}, **kwargs})


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


def test_rates_are_per_population_with_a_mean_from_the_counts_and_unpack_as_bins():
    bins = np.arange(10.0)
    given = {name: (bins, np.full(10, 7.0)) for name in ("neurons", "exc", "inh", "other", "partial", "head")}
    record = make_record(rates=given)
    # "neurons" is tiled by exc and inh and "head" is only part of "partial": neither is a population
    assert list(record.rates) == ["exc", "inh", "other", "partial"]
    exc = record.rates["exc"]
    assert exc.size == 6 and exc.mean_hz == pytest.approx(2 / 6 / 0.01)  # 2 spikes, 6 neurons, 10 ms
    assert str(exc.mean.dim) == "s^-1" and float(exc.mean) == pytest.approx(exc.mean_hz)
    start_ms, rate_hz = exc
    assert start_ms.tolist() == bins.tolist() and rate_hz.tolist() == [7.0] * 10
    # a name the counts do not know keeps the mean of its bins
    loose = RunRecord(model="fake", description="", parameters={}, backend={}, provenance={}, duration_s=1.0,
                      dt_s=1e-4, rates={"x": (bins, np.arange(10.0))})
    assert loose.rates["x"].mean_hz == pytest.approx(4.5) and loose.rates["x"].size == 0


def test_parameters_come_back_as_brian2_quantities():
    from brian2 import Hz, ms, pF, siemens, metre

    from simnet.record.files import parameter_entry

    values = {"Cm": 200 * pF, "tau": 5 * ms, "g_density": 3 * siemens / metre ** 2, "rate": 8 * Hz, "n": 400,
              "mode": "classic"}
    record = make_record(parameters={name: parameter_entry(value) for name, value in values.items()})
    assert record.parameter("Cm") == 200 * pF and record.parameter("g_density") == 3 * siemens / metre ** 2
    quantities = record.quantities()
    assert quantities["tau"] == 5 * ms and quantities["rate"] == 8 * Hz
    assert quantities["n"] == 400 and quantities["mode"] == "classic"
    with pytest.raises(UsageError, match="no parameter 'C_m'"):
        record.parameter("C_m")


def test_repr_is_a_few_lines_not_every_spike():
    many = {"exc": (np.arange(50_000.0), np.zeros(50_000, dtype=np.uint64))}
    record = RunRecord(model="fake", description="", parameters={}, backend={"name": "runtime", "precision": "double"},
                       provenance={}, duration_s=0.2, dt_s=1e-4, counts={"populations": {"exc": {"size": 10,
                       "spikes": 50_000}}, "projections": {}}, timings={"simulation_loop_s": 0.5},
                       spike_trains=many, populations=["exc"])
    text = repr(record)
    assert len(text.splitlines()) == 3 and len(text) < 400
    assert "fake on runtime" in text and "10 neurons" in text and "200 ms simulated" in text
    assert "50,000 spikes" in text and "loop 0.5 s (2.5 s per biological second)" in text


@pytest.mark.skipif(importlib.util.find_spec("pandas") is None, reason="needs pandas")
def test_to_pandas_gives_spikes_rates_and_cost_frames():
    record = make_record(rates={"exc": (np.arange(3.0), np.ones(3))})
    frames = record.to_pandas()
    spikes = frames["spikes"]
    assert list(spikes.columns) == ["population", "node_id", "time_ms"] and len(spikes) == 5
    assert spikes[spikes.population == "inh"].time_ms.tolist() == [2.0, 4.0]
    assert frames["rates"].set_index("population").loc["exc", "mean_rate_hz"] == pytest.approx(2 / 6 / 0.01)
    assert frames["cost"].empty and frames["flops"].empty  # no cost section in this record


def test_to_pandas_without_pandas_is_a_usage_error(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_pandas(name, *args, **kwargs):
        if name == "pandas":
            raise ImportError("no pandas")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pandas)
    with pytest.raises(UsageError, match="pip install pandas"):
        make_record().to_pandas()
