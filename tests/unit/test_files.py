"""RunRecord <-> HDF5: every field round-trips; writes are atomic and refuse to clobber."""
import h5py
import numpy as np
import pytest

from simnet.base.errors import UsageError
from simnet.record import files
from simnet.record.run_record import RunRecord


def make_record() -> RunRecord:
    return RunRecord(
        model="cobahh",
        description="test record",
        parameters={"we": {"value": 6e-9, "unit": "S", "display": "6. nS"},
                    "mode": {"value": "classic", "unit": "", "display": "classic"}},
        backend={"name": "cpp", "precision": "double", "threads": 2, "packages": {"brian2": "2.9.0"}},
        provenance={"seed": 7, "command_line": "simnet run cobahh", "machine": {"gpus": [], "cpu_model": "X"}},
        duration_s=1.5,
        dt_s=1e-4,
        pre_run_s=0.1,
        timings={"simulation_loop_s": 2.5, "compile_s": None},
        counts={"n_steps": 15000, "populations": {"neurons": {"size": 10, "spikes": 3, "neuron_steps": 150000,
                                                              "part_of": ""}},
                "projections": {}},
        cost_detail={"flops": {"flops_per_neuron_per_bio_s": 12.5, "flops_per_synaptic_event": None,
                               "dense_flops_per_neuron_per_bio_s": 13.0, "flops_per_neuron_per_bio_s_by_category": {},
                               "unknown_operations": [], "neuron_models": [],
                               "rows": [{"owner": "neurons", "role": "stateupdater", "category": "neuron_update",
                                         "element": "neuron_step", "flops_per_element": 12.5, "element_count": 150000.0},
                                        {"owner": "syn", "role": "pre", "category": "synaptic_propagation",
                                         "element": "synaptic_event_pre", "flops_per_element": 1.0,
                                         "element_count": 0.0}]},
                     "peak": {"source": "test"}, "memory": {"state": {}, "peak_rss": {}}, "energy": {},
                     "flags": ["a", "b"], "ok": True, "vector": np.arange(5.0),
                     "by_operator": {"/": 4.0, "*": 1.0, "100%": 2.0}},
        spike_trains={"neurons": (np.array([100.5, 101.25, 103.0]), np.array([4, 0, 9], dtype=np.uint64))},
        rates={"neurons": (np.arange(3.0), np.array([1.0, 2.0, 3.0]))},
        notes=["first note", "second note"],
        populations=["neurons"],
    )


def test_every_field_round_trips(tmp_path):
    record = make_record()
    path = files.write(record, tmp_path / "run.h5")
    back = files.read(path)
    for name in ("model", "description", "parameters", "backend", "provenance", "duration_s", "dt_s",
                 "pre_run_s", "timings", "counts", "notes", "populations"):
        assert getattr(back, name) == getattr(record, name), name
    np.testing.assert_array_equal(back.cost_detail.pop("vector"), record.cost_detail["vector"])
    expected_cost = {k: v for k, v in record.cost_detail.items() if k != "vector"}
    assert back.cost_detail == expected_cost
    assert back.timings["compile_s"] is None
    for pop, (t, i) in record.spike_trains.items():
        np.testing.assert_array_equal(back.spikes(pop).times_ms, t)
        np.testing.assert_array_equal(back.spikes(pop).node_ids, i)
    np.testing.assert_array_equal(back.rates["neurons"][1], record.rates["neurons"][1])


def test_layout_is_plain_h5py_with_a_sonata_spike_report(tmp_path):
    """What the SONATA developer guide asks of a spike file, checked with h5py alone."""
    path = files.write(make_record(), tmp_path / "run.h5")
    with h5py.File(path, "r") as f:
        assert f.attrs["model"] == "cobahh"
        assert f.attrs["magic"] == 0x0A7A and f.attrs["magic"].dtype == np.uint32
        assert list(f.attrs["version"]) == [0, 1] and f.attrs["version"].dtype == np.uint32
        population = f["spikes/neurons"]
        sorting = h5py.check_enum_dtype(population.attrs.get_id("sorting").dtype)
        assert sorting == {"none": 0, "by_id": 1, "by_time": 2}
        assert population.attrs["sorting"] == 2
        assert population["timestamps"].attrs["units"] == "ms" and population["timestamps"].dtype == np.float64
        assert population["node_ids"].dtype == np.uint64 and list(population["node_ids"][()]) == [4, 0, 9]
        for dataset in (population["timestamps"], population["node_ids"]):
            assert dataset.compression is None and not dataset.shuffle  # readers without deflate open them
        assert f["parameters/we"].attrs["unit"] == "S"
        assert f["timings"].attrs["simulation_loop_s"] == 2.5


def test_large_spike_reports_are_not_compressed(tmp_path):
    record = make_record()
    times = np.sort(np.random.default_rng(0).uniform(100, 1600, 50_000))
    record.spike_trains = {"neurons": (times, np.zeros(len(times), dtype=np.uint64))}
    with h5py.File(files.write(record, tmp_path / "run.h5"), "r") as f:
        assert f["spikes/neurons/timestamps"].compression is None


def write_format_1(record, path):
    """A record as simnet wrote it before format 2: spikes per Brian2 group (global ids), gzip, text sorting."""
    files.write(record, path)
    with h5py.File(path, "r+") as f:
        f.attrs["simnet_format"] = 1
        for name in ("magic", "version", "populations"):
            del f.attrs[name]
        for group in f["spikes"].values():
            group.attrs["sorting"] = "by_time"
    return path


def test_format_1_files_are_split_into_populations_on_read(tmp_path):
    record = make_record()
    record.counts["populations"] = {
        "neurons": {"size": 10, "spikes": 3, "neuron_steps": 150000, "part_of": "", "start": 0, "stop": 10},
        "exc": {"size": 8, "spikes": 2, "neuron_steps": 120000, "part_of": "neurons", "start": 0, "stop": 8},
        "inh": {"size": 2, "spikes": 1, "neuron_steps": 30000, "part_of": "neurons", "start": 8, "stop": 10},
    }
    back = files.read(write_format_1(record, tmp_path / "old.h5"))
    assert back.populations == ["exc", "inh"]
    assert back.spikes("exc").node_ids.tolist() == [4, 0] and back.spikes("exc").times_ms.tolist() == [100.5, 101.25]
    assert back.spikes("inh").node_ids.tolist() == [1] and back.spikes("inh").size == 2
    assert "simnet_format 1" in back.notes[-1]
    # written again, it is a format-2 file
    again = files.read(files.write(back, tmp_path / "new.h5"))
    assert again.spike_trains.keys() == {"exc", "inh"} and not any("format 1" in n for n in again.notes[:-1])


def test_a_newer_format_is_refused(tmp_path):
    path = files.write(make_record(), tmp_path / "run.h5")
    with h5py.File(path, "r+") as f:
        f.attrs["simnet_format"] = files.FORMAT_VERSION + 1
    with pytest.raises(UsageError, match="newer than this simnet reads"):
        files.read(path)


def test_existing_file_is_refused_and_kept(tmp_path):
    path = tmp_path / "run.h5"
    path.write_bytes(b"precious")
    with pytest.raises(UsageError, match="already exists"):
        files.write(make_record(), path)
    assert path.read_bytes() == b"precious"
    files.write(make_record(), path, overwrite=True)
    assert files.read(path).model == "cobahh"


def test_failed_write_leaves_no_file_and_keeps_the_old_one(tmp_path, monkeypatch):
    path = tmp_path / "run.h5"
    path.write_bytes(b"precious")

    def explode(f, record):
        f.attrs["simnet_format"] = 1
        raise KeyboardInterrupt

    monkeypatch.setattr(files, "_write_record", explode)
    with pytest.raises(KeyboardInterrupt):
        files.write(make_record(), path, overwrite=True)
    assert path.read_bytes() == b"precious"
    assert [p.name for p in tmp_path.iterdir()] == ["run.h5"]


def test_reading_a_non_simnet_file_is_a_usage_error(tmp_path):
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f["x"] = 1
    with pytest.raises(UsageError, match="not a simnet results file"):
        files.read(other)
    text = tmp_path / "text.h5"
    text.write_text("hello")
    with pytest.raises(UsageError, match="not an HDF5 file"):
        files.read(text)


def test_memory_of_an_object_that_is_neither_neurons_nor_synapses_reads_back(tmp_path):
    """A PoissonGroup's memory entry has no element count (None, stored empty): a valid record, not a damaged one."""
    record = make_record()
    record.cost_detail["memory"]["state"] = {
        "total_bytes": 800, "by_object": {"poissongroup": {"type": "PoissonGroup", "elements": None, "bytes": 800,
                                                           "bytes_by_kind": {"per_neuron": 800}}}}
    back = files.read(files.write(record, tmp_path / "run.h5"))
    assert back.cost_detail["memory"]["state"]["by_object"]["poissongroup"]["elements"] is None
