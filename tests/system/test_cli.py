"""The command line: bad input gets one line and exit status 2, nothing is written; a real run works.

Most cases call the command in this process (``simnet.cli.main``), which is what the console script does. The
full matrix of bad input and faults, signals and process groups among them, is ``test_robustness.py``.
"""
import json
import os
import subprocess
import sys
from types import SimpleNamespace

import h5py
import pytest

from simnet.cli import main

SIMNET = [sys.executable, "-m", "simnet"]

@pytest.fixture
def simnet(capsys, monkeypatch):
    """Run the command in this process: ``simnet(*args, cwd=None)`` -> (returncode, stdout, stderr)."""
    def invoke(*args, cwd=None):
        if cwd is not None:
            monkeypatch.chdir(cwd)
        capsys.readouterr()
        status = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return SimpleNamespace(returncode=status, stdout=out, stderr=err)
    return invoke


@pytest.mark.parametrize("args, message", [
    (["run", "nosuchmodel"], "'nosuchmodel' is not one of 'cobahh', 'microcircuit'"),
    (["run", "cobahh", "--backend", "nosuch"], "Invalid value for '--backend': 'nosuch' is not one of"),
    (["run", "cobahh", "--frobnicate"], "No such option"),
    (["run", "cobahh", "--neurons", "0"], "at least 2 neurons"),
    (["run", "cobahh", "--neurons", "-5"], "at least 2 neurons"),
    (["run", "cobahh", "--neurons", "many"], "--neurons must be a whole number, got 'many'"),
    (["run", "cobahh", "--duration", "0s"], "--duration must be positive"),
    (["run", "cobahh", "--duration", "-1s"], "--duration must be positive"),
    (["run", "cobahh", "--duration", "5mV"], "is not a time"),
    (["run", "cobahh", "--duration", "ten"], "is not a time"),
    (["run", "cobahh", "--mode", "sparse"], "Invalid value for '--mode': 'sparse' is not one of 'classic', 'benchmark'"),
    (["run", "cobahh", "--plasticity", "bcm"], "Invalid value for '--plasticity': 'bcm' is not one of"),
    (["run", "cobahh", "--precision", "half"], "Invalid value for '--precision': 'half' is not one of 'single', 'double'"),
    (["run", "cobahh", "--threads", "0"], "--threads must be at least 1"),
    (["run", "cobahh", "--backend", "cuda"], "backend cuda needs"),
    (["run", "cobahh", "--backend", "genn"], "backend genn needs"),
    (["show", "does-not-exist.h5"], "no such results file"),
])
def test_bad_input_is_one_line_exit_2(simnet, tmp_path, args, message):
    if "cuda" in args or "genn" in args:
        from simnet.simulation.backends import get_backend

        if get_backend(args[-1]).availability().usable:
            pytest.skip("the GPU backend is usable on this machine")
    out = simnet(*args, "--out", str(tmp_path / "r.h5")) if args[0] == "run" else simnet(*args, cwd=tmp_path)
    assert out.returncode == 2, out.stderr
    assert message in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1, out.stderr
    assert "Traceback" not in out.stderr
    assert not (tmp_path / "r.h5").exists()


def test_existing_output_is_refused_and_untouched(simnet, tmp_path):
    target = tmp_path / "r.h5"
    target.write_bytes(b"keep me")
    out = simnet("run", "cobahh", "--neurons", "40", "--out", str(target))
    assert out.returncode == 2
    assert "already exists" in out.stderr and "--overwrite" in out.stderr
    assert target.read_bytes() == b"keep me"


def test_unwritable_output_is_refused(simnet, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    out = simnet("run", "cobahh", "--neurons", "40", "--out", str(blocker / "sub" / "r.h5"))
    assert out.returncode == 2
    assert "cannot create output directory" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_backends_reports_gpu_backends_with_reason(simnet):
    out = simnet("backends", "--json")
    assert out.returncode == 0
    table = {row["name"]: row for row in json.loads(out.stdout)["backends"]}
    assert table["cpp"]["usable"] and table["runtime"]["usable"]
    for name in ("cuda", "genn"):
        if not table[name]["usable"]:
            assert table[name]["reason"].startswith(f"backend {name} needs")
            assert "\n" not in table[name]["reason"]


@pytest.mark.slow
def test_run_writes_record_and_show_reads_it(simnet, tmp_path):
    target = tmp_path / "runs" / "small.h5"
    out = simnet("run", "cobahh", "--neurons", "200", "--duration", "100ms", "--backend", "cpp",
                 "--threads", "1", "--precision", "single", "--plasticity", "stdp", "--seed", "3",
                 "--out", str(target), "--json", "--no-progress", "--profile")
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    assert summary["neurons"] == 200 and summary["backend"] == "cpp" and summary["precision"] == "single"
    assert summary["synapses"] > 0 and summary["spikes"] > 0
    for phase in ("compile_s", "synapse_creation_s", "initialisation_s", "simulation_loop_s", "total_s"):
        assert summary["timings_s"][phase] >= 0
    assert summary["sim_wall_s_per_bio_s"] == pytest.approx(summary["timings_s"]["simulation_loop_s"] / 0.1)
    with h5py.File(target, "r") as f:
        assert f.attrs["model"] == "cobahh"
        assert f["provenance"].attrs["seed"] == 3
        assert sum(len(f[f"spikes/{p}/timestamps"]) for p in ("exc", "inh")) == summary["spikes"]
    shown = simnet("show", str(target), "--json")
    assert shown.returncode == 0
    assert json.loads(shown.stdout)["spikes"] == summary["spikes"]
    assert [p.name for p in target.parent.iterdir()] == ["small.h5"]
    cost = simnet("cost", str(target), "--json")
    assert cost.returncode == 0, cost.stderr
    table = json.loads(cost.stdout)
    assert table["counted_flops_per_neuron_per_bio_s"] > 0
    by_category = table["counted_flops_per_neuron_per_bio_s_by_category"]
    assert by_category["plasticity"] > 0 and by_category["neuron_update"] > 0
    assert table["counts"]["spikes"] == summary["spikes"]
    if table["peak_equivalent_flops_per_neuron_per_bio_s"] is not None:
        counted = table["counted_flops_per_neuron_per_bio_s"]
        assert table["utilisation"] == pytest.approx(counted / table["peak_equivalent_flops_per_neuron_per_bio_s"])
    assert "FLOPs per neuron per biological second" in simnet("cost", str(target)).stdout
    # --profile: every code object timed, shown beside its counted work against the bandwidth given
    profiled = json.loads(simnet("cost", str(target), "--bandwidth-gb-s", "20", "--json").stdout)["loop_profile"]
    assert profiled["bandwidth_bytes_per_s"] == 20e9 and profiled["clock"].startswith("processor time")
    updater = next(e for e in profiled["code_objects"] if e["code_object"].startswith("neurons_stateupdater"))
    assert updater["counted"] and updater["achieved_flops_per_s"] > 0 and updater["measured_over_memory_bound"] > 0
    assert "loop time per code object" in simnet("cost", str(target), "--bandwidth-gb-s", "20").stdout
    refused = simnet("cost", str(target), "--bandwidth-gb-s", "0")
    assert refused.returncode == 2 and "--bandwidth-gb-s must be positive" in refused.stderr
    bound = simnet("roofline", str(target), "--bandwidth-gb-s", "20", "--json")
    assert bound.returncode == 0, bound.stderr
    bound = json.loads(bound.stdout)
    assert bound["bandwidth_bytes_per_s"] == 20e9 and bound["bytes_moved"] > 0
    assert bound["measured_over_bound"] == pytest.approx(bound["measured_loop_s"] / bound["bound_s"])
    bad = simnet("roofline", str(target), "--bandwidth-gb-s", "0")
    assert bad.returncode == 2 and "must be positive" in bad.stderr


def test_shell_completion_offers_the_fixed_choices():
    env = {**os.environ, "_SIMNET_COMPLETE": "bash_complete", "COMP_WORDS": "simnet run cobahh --precision ",
           "COMP_CWORD": "4"}
    done = subprocess.run(SIMNET, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["plain,single", "plain,double"]
