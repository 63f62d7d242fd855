"""Peer programs: plain scripts without simnet, run in subprocesses; failures are one-line reasons, not crashes."""
import dataclasses
import json
import math
import re

import pytest

from simnet import peers
from simnet.cli import main


def _arguments(**overrides):
    arguments = {"model": "cobahh", "options": {"neurons": 300, "mode": "classic"}, "duration_s": 0.1, "seed": 1,
                 "threads": 1, "precision": "double", "device": "", "record_spikes": False, "build_root": None}
    arguments.update(overrides)
    return arguments


def _expected_synapses_bound(n_neurons, in_degree=80, sds=5):
    """Expected synapse count of p = in_degree / N over all N * N pairs, and a tolerance of ``sds`` binomial sd."""
    p = in_degree / n_neurons
    return n_neurons * n_neurons * p, sds * math.sqrt(n_neurons * n_neurons * p * (1 - p))


def test_peer_programs_do_not_import_simnet():
    for peer in peers.PEERS.values():
        source = peer.path.read_text()
        assert not re.search(r"^\s*(import|from)\s+simnet\b", source, flags=re.MULTILINE), peer.script


def test_a_missing_peer_program_is_a_failure_with_a_reason():
    ghost = dataclasses.replace(peers.PEERS["nest"], name="ghost", script="no_such_peer.py")
    result = peers.run_peer(ghost, _arguments())
    assert result["ok"] is False
    assert "peer ghost exited with status" in result["reason"] and "no_such_peer.py" in result["reason"]
    assert "\n" not in result["reason"]


def test_brian2_plain_refuses_options_it_does_not_know():
    result = peers.run_peer(peers.PEERS["brian2-plain"],
                            _arguments(options={"neurons": 300, "scale": 0.1}, device="runtime"))
    assert result == {"ok": False, "reason": "brian2-plain does not take the option(s) scale",
                      "process_wall_s": result["process_wall_s"]}


@pytest.fixture
def without_nest(tmp_path, monkeypatch):
    """A Python path on which ``import nest`` fails, as where NEST is not installed."""
    fake = tmp_path / "fake" / "nest"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('No module named nest')\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / "fake"))


def test_nest_peer_without_nest_says_how_to_install_it(without_nest):
    result = peers.run_peer(peers.PEERS["nest"], _arguments())
    assert result["ok"] is False
    assert "NEST is not installed" in result["reason"] and "simnet[nest]" in result["reason"]


def test_a_bench_whose_peer_is_not_installed_records_the_failure(without_nest, tmp_path, capsys):
    experiment = tmp_path / "nest_only.toml"
    experiment.write_text('name = "nest-only"\nmodel = "cobahh"\nduration = "50ms"\n'
                          '[sweep]\nneurons = [200]\n[[runners]]\nkind = "peer"\npeer = "nest"\nthreads = 1\n')
    status = main(["bench", str(experiment), "--out-dir", str(tmp_path / "out"), "--json"])
    captured = capsys.readouterr()
    assert status == 0, captured.err
    (point,) = json.loads(captured.out)["points"]
    assert point["status"] == "failed" and point["sim_wall_s_per_bio_s_median"] is None
    assert point["neurons"] == 200
    assert any("NEST is not installed" in reason for reason in point["reasons"])
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["points"][0]["status"] == "failed"


@pytest.mark.needs_nest
def test_nest_peer_runs_cobahh_at_a_tiny_size():
    result = peers.run_peer(peers.PEERS["nest"], _arguments())
    assert result["ok"], result.get("reason")
    assert result["imports_simnet"] is False
    assert result["neurons"] == 300
    expected, tolerance = _expected_synapses_bound(300)
    assert abs(result["synapses"] - expected) < tolerance
    assert result["spikes"] > 0 and result["mean_rate_hz"] == pytest.approx(result["spikes"] / (300 * 0.1))
    assert 0 < result["loop_s"] <= result["simulate_wall_s"] <= result["total_s"]
    assert result["versions"]["nest"]
    assert result["notes"]


@pytest.mark.needs_nest
def test_nest_peer_with_stdp_and_in_benchmark_mode():
    stdp = peers.run_peer(peers.PEERS["nest"], _arguments(options={"neurons": 300, "plasticity": "stdp"},
                                                          duration_s=0.05))
    assert stdp["ok"], stdp.get("reason")
    assert stdp["settings"]["synapse_model"] == "stdp_synapse"
    benchmark = peers.run_peer(peers.PEERS["nest"], _arguments(options={"neurons": 2000, "mode": "benchmark"},
                                                               duration_s=0.02))
    assert benchmark["ok"], benchmark.get("reason")
    expected, tolerance = _expected_synapses_bound(2000, in_degree=1000)
    assert abs(benchmark["synapses"] - expected) < tolerance


@pytest.mark.slow
def test_brian2_plain_cpp_standalone_times_the_loop_inside_the_program(tmp_path):
    result = peers.run_peer(peers.PEERS["brian2-plain"],
                            _arguments(options={"neurons": 200}, duration_s=0.05, device="cpp_standalone",
                                       build_root=str(tmp_path)))
    assert result["ok"], result.get("reason")
    assert result["imports_simnet"] is False
    assert result["settings"] == {"device": "cpp_standalone", "threads": 1, "precision": "double"}
    # the loop is a small part of a standalone run, which also generates and compiles the project
    assert 0 < result["loop_s"] < result["total_s"]
    expected, tolerance = _expected_synapses_bound(200)
    assert abs(result["synapses"] - expected) < tolerance
    assert result["spikes"] > 0
    assert not list(tmp_path.iterdir()), "the peer must remove its build directory"
