"""Executors: a sweep on a local Dask cluster gives the serial summary, resumes after an interruption, survives a
killed worker; records travel back when a worker cannot see the output folder; hosts and sharing are reported."""
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from simnet.base.errors import UsageError
from simnet.bench import execute, experiment_file, points, statistics
from simnet.bench.executors import DaskExecutor, Failure, SerialExecutor, open_executor
from simnet.cli import main

#: Runs differ by repeat, not size: Brian2 writes the size into the code it compiles, so one size compiles once
#: (and is then cached) where several sizes would each compile for tens of seconds.
TINY = {
    "name": "tiny-executors", "model": "cobahh", "duration": "50ms", "seeds": [1], "repeats": 2,
    "options": {"mode": "classic"}, "sweep": {"neurons": [200]},
    "runners": [{"kind": "simnet", "backend": "runtime"}],
}
#: The plain Brian2 script as a peer (once per point): peers run on workers the same way.
PEER = {"kind": "peer", "peer": "brian2-plain", "device": "runtime"}


def _experiment(**changes):
    return experiment_file.experiment_from_dict({**TINY, **changes}, source="test")


def _needs_dask():
    pytest.importorskip("distributed")


def _with_peer(**changes):
    return _experiment(runners=[*TINY["runners"], PEER], **{"repeats": 1, **changes})


def _dynamics(summary):
    """What the seed decides, per runner, point and seed (and so every repeat): the same whoever ran it."""
    return {(p["runner"], json.dumps(p["options"]), p["seed"]):
            (p["status"], p["neurons"], p["synapses"], p["spikes_median"], p["mean_rate_hz_median"],
             p.get("population_rates_hz_median")) for p in summary["points"]}


class _Interrupt:
    """A log that presses Ctrl-C once ``after`` runs have finished."""

    def __init__(self, after):
        self.after, self.seen = after, 0

    def __call__(self, line):
        if line.startswith("["):
            self.seen += 1
            if self.seen == self.after:
                raise KeyboardInterrupt


# ---------------------------------------------------------------------------------------------------------
# Without a cluster: resuming, records travelling back, hosts and sharing
# ---------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def serial_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("serial")
    summary = execute.run_experiment(_with_peer(), out)
    return out, summary


def test_serial_summary_names_the_executor_and_the_host(serial_run):
    out, summary = serial_run
    assert summary["complete"] and all(p["status"] == "ok" for p in summary["points"])
    provenance = summary["provenance"]
    assert provenance["executor"]["kind"] == "serial" and provenance["runs_resumed"] == 0
    (host, entry), = provenance["hosts"].items()
    assert entry["kind"] == points.host_kind(entry["machine"]) and entry["machine"]["hostname"] == host
    for point in summary["points"]:
        assert [run["host"] for run in point["runs"]] == [host] and point["host_kinds"] == [entry["kind"]]
        assert point["points_beside_max"] == 0  # one at a time
        for record in point["files"]:
            assert (out / record).is_file() and (out / (record.rsplit(".", 1)[0] + execute.POINT_SUFFIX)).is_file()
    assert "interleaved" in provenance["run_order"] and "cluster" not in provenance["run_order"]


def test_rerun_skips_recorded_points_and_redo_runs_them_again(tmp_path):
    out = tmp_path / "out"
    first = execute.run_experiment(_experiment(), out)
    records = sorted((out / "points").glob("*.h5"))
    before = {path: path.stat().st_mtime_ns for path in records}
    lines = []
    again = execute.run_experiment(_experiment(), out, log=lines.append)
    assert lines == [f"2 of 2 runs already recorded in {out}: running the other 0"]
    assert {path: path.stat().st_mtime_ns for path in records} == before
    assert again["provenance"]["runs_resumed"] == 2 and _dynamics(again) == _dynamics(first)
    # An experiment extended by a repeat runs only the new run: the hash leaves out what selects runs.
    lines.clear()
    extended = execute.run_experiment(_experiment(repeats=3), out, log=lines.append)
    assert lines[0].startswith("2 of 3 runs already recorded") and extended["points"][0]["repeats_ok"] == 3
    # redo runs everything again.
    lines.clear()
    execute.run_experiment(_experiment(), out, redo=True, log=lines.append)
    assert sum(line.startswith("[") for line in lines) == 2
    assert all(path.stat().st_mtime_ns > before[path] for path in records)
    # The manifest beside the summary lists every file the experiment wrote, with what it wrote
    import hashlib

    listed = json.loads((out / "manifest.json").read_text())["files"]
    written = {str(path.relative_to(out)) for path in out.rglob("*") if path.is_file()} - {"manifest.json"}
    assert set(listed) == written and any(name.endswith("_r3.h5") for name in listed)
    assert all(hashlib.sha256((out / name).read_bytes()).hexdigest() == digest for name, digest in listed.items())
    # --overwrite with another experiment deletes exactly that (the third repeat's record too), not the user's file
    (out / "points" / "mine.txt").write_text("the user's")
    execute.run_experiment(_experiment(duration="40ms"), out, overwrite=True)
    assert (out / "points" / "mine.txt").read_text() == "the user's"
    assert not [path for path in (out / "points").iterdir() if "_r3" in path.name]


def test_a_failed_point_is_kept_with_its_reason_and_run_again_next_time(tmp_path, monkeypatch):
    experiment = _experiment()
    real_execute, calls = points.execute, []

    def second_run_fails(plan, **kwargs):
        calls.append(plan)
        if len(calls) == 2:
            raise RuntimeError("the machine caught fire\nand more")
        return real_execute(plan, **kwargs)

    monkeypatch.setattr(points, "execute", second_run_fails)
    out = tmp_path / "out"
    (point,) = execute.run_experiment(experiment, out)["points"]
    assert point["repeats_run"] == 2 and point["repeats_ok"] == 1
    assert point["reasons"] == ["RuntimeError: the machine caught fire"]
    assert [run["ok"] for run in point["runs"]] == [True, False]
    monkeypatch.setattr(points, "execute", real_execute)
    lines = []
    (point,) = execute.run_experiment(experiment, out, log=lines.append)["points"]
    assert lines[0] == f"1 of 2 runs already recorded in {out}: running the other 1"
    assert point["repeats_ok"] == 2 and point["reasons"] == []


def test_interrupted_serial_sweep_resumes(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        execute.run_experiment(_experiment(), out, log=_Interrupt(after=1))
    partial = json.loads((out / "summary.json").read_text())
    assert partial["complete"] is False and partial["points"][0]["repeats_run"] == 1
    lines = []
    summary = execute.run_experiment(_experiment(), out, log=lines.append)
    assert lines[0] == f"1 of 2 runs already recorded in {out}: running the other 1"
    assert summary["complete"] and summary["points"][0]["repeats_ok"] == 2
    assert summary["provenance"]["runs_resumed"] == 1


def test_a_record_travels_back_when_the_worker_cannot_see_the_folder(tmp_path):
    run = points.SimnetRun("cobahh", {"neurons": 200, "mode": "classic"}, duration_s=0.02, backend="runtime")
    (tmp_path / "points").mkdir()
    with points.marked_out_dir(tmp_path) as token:
        elsewhere = points.run_point(points.PointJob("points/a", run, str(tmp_path), out_dir_token="not " + token))
        assert elsewhere["ok"] and isinstance(elsewhere["payload"], bytes)
        assert not (tmp_path / "points" / "a.h5").exists()
        delivered = points.deliver(elsewhere, tmp_path)
        assert "payload" not in delivered and (tmp_path / "points" / "a.h5").read_bytes() == elsewhere["payload"]
        here = points.run_point(points.PointJob("points/b", run, str(tmp_path), out_dir_token=token))
        assert here["payload"] is None and (tmp_path / "points" / "b.h5").is_file()
    assert here["spikes"] == elsewhere["spikes"] and here["host"] == elsewhere["host"]
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["a.h5", "b.h5", "points"]  # no mark, no temporary


def test_points_hold_the_machine_and_a_gpu_where_they_use_one():
    assert points.point_resources(points.SimnetRun("cobahh", {}, 1.0, "cpp")) == {"machine": 1}
    assert points.point_resources(points.SimnetRun("cobahh", {}, 1.0, "cuda")) == {"machine": 1, "gpu": 1}
    assert points.point_resources(points.PeerRun("nest", {})) == {"machine": 1}


def _run(host, start, end, kind="A", neurons=100, wall=1.0):
    return {"runner": "simnet-cpp", "point": {"neurons": neurons}, "seed": 1, "repeat": 1, "threads": 1,
            "requested_neurons": neurons, "ok": True, "sim_wall_s_per_bio_s": wall, "total_wall_s_per_bio_s": wall,
            "neurons": neurons, "synapses": 80 * neurons, "spikes": 5, "mean_rate_hz": 1.0, "file": "x.h5",
            "host": host, "host_kind": kind, "started_unix": start, "ended_unix": end}


def test_points_beside_counts_overlapping_runs_on_the_same_host_only():
    runs = [_run("a", 0, 10), _run("a", 5, 7), _run("a", 10, 12), _run("b", 0, 10),
            {**_run("a", None, None), "started_unix": None}]
    assert statistics.points_beside(runs) == [1, 1, 0, 0, None]


def test_no_scaling_law_across_kinds_of_host():
    experiment = experiment_file.experiment_from_dict({
        "name": "mixed", "model": "cobahh", "sweep": {"neurons": [100, 200, 400]},
        "runners": [{"kind": "simnet", "backend": "cpp", "threads": 1}]}, source="test")
    one_kind = [_run(f"h{n}", 0, 1, "A", n, n / 100) for n in (100, 200, 400)]
    fitted = statistics.summarise(experiment, one_kind, {}, complete=True)
    assert fitted["fits"]["simnet-cpp"]["vs_neurons"]["available"]
    mixed = one_kind[:2] + [_run("h400", 0, 1, "B", 400, 4.0)]
    summary = statistics.summarise(experiment, mixed, {}, complete=True)
    fit = summary["fits"]["simnet-cpp"]
    assert fit["host_kinds"] == ["A", "B"] and not fit["vs_neurons"]["available"]
    assert "different kinds" in fit["vs_neurons"]["reason"]
    assert any("no scaling law fitted" in note for note in summary["notes"])
    from simnet.projection.fits import scaling_fits, scaling_series

    assert scaling_fits(scaling_series(summary["points"])) == {}


def _python(script: str, folder) -> subprocess.CompletedProcess:
    """``script`` run by a new Python in ``folder``, which must end well."""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=folder)
    assert done.returncode == 0, done.stderr
    return done


def test_a_stopped_worker_says_nothing_more_on_stderr_its_compiler_included(tmp_path):
    """A worker's stderr, and its children's, reach the user until its points are stopped, and not after: a
    compiler stopped mid-file (its assembler then missing the file its driver removed) must not add lines to
    simnet's one."""
    script = (
        "import subprocess, sys\n"
        "from simnet.bench import dask_worker\n"
        "dask_worker._gate_stderr()\n"
        "print('worker before', file=sys.stderr, flush=True)\n"
        "subprocess.run(['sh', '-c', 'echo child before >&2'])\n"
        "import time; time.sleep(0.2)\n"
        "dask_worker._stopped.set()\n"
        "subprocess.run(['sh', '-c', 'echo child after >&2'])\n"
        "print('worker after', file=sys.stderr, flush=True)\n"
    )
    assert _python(script, tmp_path).stderr.splitlines() == ["worker before", "child before"]


def test_a_point_stopped_twice_finishes_the_clean_up_the_first_stop_began(tmp_path):
    """Stopping is asked for more than once as a cluster closes; the second request must not interrupt the
    clean-up the first one started (a temporary directory half removed was left in the user's TMPDIR)."""
    script = (
        "import threading, time, types\n"
        "from simnet.bench import dask_worker\n"
        "worker = types.SimpleNamespace(active_threads={})\n"
        "began, steps = threading.Event(), []\n"
        "def point():\n"
        "    try:\n"
        "        began.set()\n"
        "        while True: time.sleep(0.01)\n"
        "    finally:\n"
        "        for _ in range(30): time.sleep(0.01); steps.append(1)\n"
        "def run():\n"
        "    worker.active_threads[threading.get_ident()] = 'point'\n"
        "    try: point()\n"
        "    except dask_worker.PointStopped: pass\n"
        "    finally: worker.active_threads.clear()\n"
        "thread = threading.Thread(target=run); thread.start(); began.wait()\n"
        "dask_worker.stop_points(worker); time.sleep(0.1); dask_worker.stop_points(worker)\n"
        "thread.join()\n"
        "print(len(steps))\n"
    )
    assert _python(script, tmp_path).stdout.split() == ["30"]


def test_executor_choice_and_bad_addresses():
    assert isinstance(open_executor(), SerialExecutor)
    with pytest.raises(UsageError, match="not both"):
        open_executor(scheduler="tcp://127.0.0.1:8786", workers=2)
    _needs_dask()
    with pytest.raises(UsageError, match="at least 1"):
        open_executor(workers=0)
    with pytest.raises(UsageError, match="address such as tcp://host:8786") as err:
        open_executor(scheduler="nonsense")
    assert err.value.parameter == "scheduler"


def test_cli_refuses_bad_executor_options_in_one_line_before_writing(tmp_path, capsys):
    _needs_dask()
    path = tmp_path / "exp.toml"
    path.write_text('name = "x"\nmodel = "cobahh"\n[sweep]\nneurons = [100]\n[[runners]]\nkind = "simnet"\n')
    for args, message in ((["--workers", "0"], "--workers must be at least 1"),
                          (["--scheduler", "nonsense"], "--scheduler must be an address")):
        status = main(["bench", str(path), "--out-dir", str(tmp_path / "out"), *args])
        err = capsys.readouterr().err
        assert status == 2 and message in err and len(err.strip().splitlines()) == 1, err
        assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------------------------------------------------
# A local cluster of two single-threaded workers, one for all these tests (its workers warm up once)
# ---------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def cluster():
    _needs_dask()
    with DaskExecutor(workers=2) as executor:
        yield executor


def _temporary_folder(_job) -> str:
    import tempfile

    return tempfile.gettempdir()


def test_a_workers_temporary_files_live_in_the_clusters_folder_and_go_with_it():
    """What a worker and its children put in TMPDIR (Brian2's compiler-flag probes, its logs) lands in the cluster's
    own folder, removed once the workers have ended: a point stopped halfway through its clean-up leaves nothing in
    the user's TMPDIR."""
    import tempfile
    from types import SimpleNamespace

    _needs_dask()
    with DaskExecutor(workers=1) as executor:
        [(_, folder)] = list(executor.map(_temporary_folder, [SimpleNamespace(resources={})]))
        assert Path(folder).is_dir() and Path(folder).name == "tmp"
        assert Path(folder).parent.name.startswith("simnet-dask-")
        assert Path(folder).parent.parent == Path(tempfile.gettempdir())
    assert not Path(folder).parent.exists()


def test_local_cluster_gives_the_serial_summary(serial_run, cluster, tmp_path):
    _, serial = serial_run
    summary = execute.run_experiment(_with_peer(), tmp_path / "out", executor=cluster)
    assert summary["complete"]
    assert _dynamics(summary) == _dynamics(serial)  # same seeds, same spikes and rates, whoever ran them
    assert [p["runner"] for p in summary["points"]] == [p["runner"] for p in serial["points"]]
    assert set(summary) == set(serial)
    executor = summary["provenance"]["executor"]
    assert executor["kind"] == "dask" and executor["allowed_failures"] == 1
    assert [w["resources"].get("machine") for w in executor["workers"]] == [1, 1]
    assert all(w["nthreads"] == 1 for w in executor["workers"])
    assert "cluster" in summary["provenance"]["run_order"]
    for point in summary["points"]:
        (record,) = point["files"]
        assert (tmp_path / "out" / record).is_file()


def test_local_cluster_resumes_an_interrupted_sweep(cluster, tmp_path):
    out = tmp_path / "out"
    experiment = _experiment(repeats=3)
    with pytest.raises(KeyboardInterrupt):
        execute.run_experiment(experiment, out, executor=cluster, log=_Interrupt(after=1))
    assert json.loads((out / "summary.json").read_text())["complete"] is False
    lines = []
    summary = execute.run_experiment(experiment, out, executor=cluster, log=lines.append)
    resumed = summary["provenance"]["runs_resumed"]
    assert 1 <= resumed < 3 and lines[0].startswith(f"{resumed} of 3 runs already recorded")
    assert summary["complete"] and summary["points"][0]["repeats_ok"] == 3


def test_a_worker_killed_mid_point_has_its_point_retried_elsewhere(cluster, tmp_path):
    killed = []

    def kill_the_first_busy_worker():
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not killed:
            busy = [address for address, keys in cluster._client.processing().items() if keys]
            if busy:
                pid = cluster._client.run(os.getpid, workers=[busy[0]])[busy[0]]
                time.sleep(0.3)  # inside the point, past its start
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
            time.sleep(0.05)

    killer = threading.Thread(target=kill_the_first_busy_worker, daemon=True)
    killer.start()
    summary = execute.run_experiment(_experiment(), tmp_path / "out", executor=cluster)
    killer.join()
    assert killed, "no worker was seen running a point"
    assert summary["complete"] and summary["points"][0]["repeats_ok"] == 2, summary["points"]


def _kill_own_worker(job):
    """Stands in for a point whose worker dies under it, every time."""
    if job.name == "dies":
        os.kill(os.getpid(), signal.SIGKILL)
    return job.name


class _Job:
    def __init__(self, name, **resources):
        self.name, self.resources = name, {"machine": 1, **resources}


def _map_here(cluster, jobs):
    import sys

    import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the workers cannot import this test module
    try:
        return {job.name: result for job, result in cluster.map(_kill_own_worker, jobs)}
    finally:
        cloudpickle.unregister_pickle_by_value(sys.modules[__name__])


def test_a_point_whose_worker_dies_twice_is_a_failure_and_the_others_finish(cluster):
    # Both workers up first: the test before killed one, and with only its replacement starting, Dask would
    # queue both points on the one worker left, where the dying point takes the other down with it twice.
    cluster._client.wait_for_workers(2, timeout=120)
    done = _map_here(cluster, [_Job("dies"), _Job("lives")])
    assert done["lives"] == "lives"
    assert isinstance(done["dies"], Failure) and "died" in done["dies"].reason


def test_a_point_no_worker_can_take_fails_at_once_and_a_cluster_that_can_take_none_is_refused(cluster):
    done = _map_here(cluster, [_Job("lives"), _Job("needs-a-tpu", tpu=1)])
    assert done["lives"] == "lives"
    assert isinstance(done["needs-a-tpu"], Failure) and "--resources machine=1,tpu=1" in done["needs-a-tpu"].reason
    with pytest.raises(UsageError, match="offers the resources"):
        _map_here(cluster, [_Job("needs-a-tpu", tpu=1)])


def test_the_comparison_script_puts_the_two_runs_side_by_side(serial_run, tmp_path, capsys):
    import copy
    import importlib.util

    path = Path(__file__).resolve().parents[2] / "experiments" / "compare_executors.py"
    module_spec = importlib.util.spec_from_file_location("compare_executors", path)
    compare = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(compare)
    _, serial = serial_run
    cluster = copy.deepcopy(serial)
    cluster["provenance"]["executor"] = {"kind": "dask", "workers": [{}, {}]}
    cluster["provenance"]["session_wall_s"] = serial["provenance"]["session_wall_s"] / 2
    for point in cluster["points"]:
        for field in ("median", "min", "max"):
            point[f"sim_wall_s_per_bio_s_{field}"] *= 1.25
    table = compare.compare(serial, cluster)
    assert table["whole_sweep_wall_s"]["serial_over_dask"] == pytest.approx(2.0)
    assert [row["dask_over_serial_loop"] for row in table["points"]] == pytest.approx([1.25, 1.25])
    assert all(row["same_spikes"] for row in table["points"]) and table["dask_workers"] == 2
    (tmp_path / "s").mkdir()
    (tmp_path / "d").mkdir()
    from simnet.record import files

    files.write_summary(serial, tmp_path / "s")
    files.write_summary(cluster, tmp_path / "d")
    assert compare.main([str(tmp_path / "s"), str(tmp_path / "d"), "--out", str(tmp_path / "c.json")]) == 0
    assert "(2.00x)" in capsys.readouterr().out
    assert json.loads((tmp_path / "c.json").read_text())["format"] == compare.FORMAT
    cluster["provenance"]["runs_resumed"] = 1
    files.write_summary(cluster, tmp_path / "d")
    assert compare.main([str(tmp_path / "s"), str(tmp_path / "d")]) == 2
    err = capsys.readouterr().err
    assert "resumed 1 run(s)" in err and len(err.strip().splitlines()) == 1
