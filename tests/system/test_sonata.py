"""Every model's results file is a SONATA spike report that libsonata reads, with the spikes simnet reads.

libsonata is a ``dev`` dependency (its wheels have no deflate filter, which is why spike reports are
uncompressed). Each model runs briefly on the runtime backend with numpy code generation (nothing to compile).
"""
import dataclasses
import warnings

import numpy as np
import pytest

from simnet.models import model_names
from simnet.pipeline import execute, plan_run
from simnet.record import files
from simnet.simulation.backends import RuntimeBackend
from simnet.simulation.settings import RunSettings

libsonata = pytest.importorskip("libsonata")

#: Small options per library model; a model added to the library without an entry here fails the test below.
SMALL = {"cobahh": {"neurons": 200}, "microcircuit": {"scale": 0.01, "k_scale": 0.05},
         "cells": {"level": "ball_and_stick", "exc": 2, "inh": 1}}
EXPECTED_POPULATIONS = {"cobahh": ["exc", "inh"],
                        "microcircuit": ["L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E", "L6I"],
                        "cells": ["L4E_0", "L4E_1", "L4I_0"]}


def test_every_library_model_is_covered():
    assert sorted(SMALL) == sorted(model_names())


@pytest.fixture(scope="module", params=sorted(SMALL))
def written(request, tmp_path_factory):
    plan = plan_run(request.param, SMALL[request.param], duration_s=0.05, backend="runtime",
                    settings=RunSettings(progress=False), seed=4, record_spikes=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the column at this scale warns that its scaling is unreliable
        record = execute(dataclasses.replace(plan, backend=RuntimeBackend("numpy")))
    return request.param, files.write(record, tmp_path_factory.mktemp("sonata") / "run.h5")


def test_libsonata_reads_every_population_with_simnets_spikes(written):
    model, path = written
    record = files.read(path)
    assert record.populations == EXPECTED_POPULATIONS[model]
    reader = libsonata.SpikeReader(str(path))
    assert sorted(reader.get_population_names()) == sorted(record.populations)
    total = 0
    for name in record.populations:
        population = reader[name]
        assert population.sorting == "by_time"
        node_ids, times = np.asarray(population.get_dict()["node_ids"]), np.asarray(population.get_dict()["timestamps"])
        ours = record.spikes(name)
        np.testing.assert_array_equal(times, ours.times_ms)
        np.testing.assert_array_equal(node_ids, ours.node_ids)
        assert len(ours) == record.counts["populations"][name]["spikes"]
        if len(ours):
            assert ours.node_ids.max() < ours.size  # local ids
        total += len(ours)
    assert total == record.n_spikes > 0


def test_libsonata_selects_by_node_and_time(written):
    _, path = written
    record = files.read(path)
    name = max(record.populations, key=lambda p: len(record.spikes(p)))
    ours = record.spikes(name)
    node = int(ours.node_ids[0])
    selected = libsonata.SpikeReader(str(path))[name].get(node_ids=[node], tstart=0.0, tstop=30.0)
    expected = sorted((node, t) for t, n in zip(ours.times_ms, ours.node_ids) if n == node and t <= 30.0)
    assert sorted(selected) == expected


def test_bmtks_analyzer_reads_every_population_with_simnets_spikes(written):
    """bmtk's ``to_dataframe`` takes a SONATA *config* first: ``to_dataframe(path)`` hands it the .h5 as JSON (the
    UnicodeDecodeError at byte 0x89, HDF5's signature). A spikes file is given as ``spikes_file``, and one that
    holds several populations with the population named (bmtk refuses to guess)."""
    spike_trains = pytest.importorskip("bmtk.analyzer.spike_trains")
    _, path = written
    record = files.read(path)
    for name in record.populations:
        frame = spike_trains.to_dataframe(config_file=None, spikes_file=str(path), population=name)
        mine = frame[frame["population"] == name].sort_values(["timestamps", "node_ids"], kind="stable")
        ours = record.spikes(name)
        order = np.lexsort((ours.node_ids, ours.times_ms))
        np.testing.assert_array_equal(mine["timestamps"].to_numpy(), ours.times_ms[order])
        np.testing.assert_array_equal(mine["node_ids"].to_numpy(), ours.node_ids[order])
    assert len(frame) == record.n_spikes > 0
