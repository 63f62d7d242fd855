"""RunRecord <-> HDF5: every field round-trips; writes are atomic and refuse to clobber."""
import h5py
import numpy as np
import pytest

from simnet import results
from simnet.errors import UsageError


def make_record() -> results.RunRecord:
    return results.RunRecord(
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
        counts={"n_steps": 15000, "populations": {"neurons": {"size": 10, "spikes": 3, "part_of": ""}},
                "projections": {}},
        cost={"rows": [{"owner": "neurons", "flops": 12.5}, {"owner": "syn", "flops": 1.0}],
              "unknown_ops": [], "flags": ["a", "b"], "ok": True, "vector": np.arange(5.0),
              "by_operator": {"/": 4.0, "*": 1.0, "100%": 2.0}},
        spikes={"neurons": (np.array([0.5, 1.25, 3.0]), np.array([4, 0, 9], dtype=np.uint64))},
        rates={"neurons": (np.arange(3.0), np.array([1.0, 2.0, 3.0]))},
        notes=["first note", "second note"],
    )


def test_every_field_round_trips(tmp_path):
    record = make_record()
    path = results.write(record, tmp_path / "run.h5")
    back = results.read(path)
    for name in ("model", "description", "parameters", "backend", "provenance", "duration_s", "dt_s",
                 "pre_run_s", "timings", "counts", "notes"):
        assert getattr(back, name) == getattr(record, name), name
    np.testing.assert_array_equal(back.cost.pop("vector"), record.cost["vector"])
    expected_cost = {k: v for k, v in record.cost.items() if k != "vector"}
    assert back.cost == expected_cost
    assert back.timings["compile_s"] is None
    for pop, (t, i) in record.spikes.items():
        np.testing.assert_array_equal(back.spikes[pop][0], t)
        np.testing.assert_array_equal(back.spikes[pop][1], i)
    np.testing.assert_array_equal(back.rates["neurons"][1], record.rates["neurons"][1])


def test_layout_is_plain_h5py_with_sonata_spikes(tmp_path):
    path = results.write(make_record(), tmp_path / "run.h5")
    with h5py.File(path, "r") as f:
        assert f.attrs["model"] == "cobahh"
        assert f["spikes/neurons/timestamps"].attrs["units"] == "ms"
        assert list(f["spikes/neurons/node_ids"][()]) == [4, 0, 9]
        assert f["parameters/we"].attrs["unit"] == "S"
        assert f["timings"].attrs["simulation_loop_s"] == 2.5


def test_existing_file_is_refused_and_kept(tmp_path):
    path = tmp_path / "run.h5"
    path.write_bytes(b"precious")
    with pytest.raises(UsageError, match="already exists"):
        results.write(make_record(), path)
    assert path.read_bytes() == b"precious"
    results.write(make_record(), path, overwrite=True)
    assert results.read(path).model == "cobahh"


def test_failed_write_leaves_no_file_and_keeps_the_old_one(tmp_path, monkeypatch):
    path = tmp_path / "run.h5"
    path.write_bytes(b"precious")

    def explode(f, record):
        f.attrs["simnet_format"] = 1
        raise KeyboardInterrupt

    monkeypatch.setattr(results, "_write_record", explode)
    with pytest.raises(KeyboardInterrupt):
        results.write(make_record(), path, overwrite=True)
    assert path.read_bytes() == b"precious"
    assert [p.name for p in tmp_path.iterdir()] == ["run.h5"]


def test_reading_a_non_simnet_file_is_a_usage_error(tmp_path):
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f["x"] = 1
    with pytest.raises(UsageError, match="not a simnet results file"):
        results.read(other)
    text = tmp_path / "text.h5"
    text.write_text("hello")
    with pytest.raises(UsageError, match="not an HDF5 file"):
        results.read(text)
