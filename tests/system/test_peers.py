"""Peer programs: plain scripts without simnet, run in subprocesses; failures are one-line reasons, not crashes."""
import dataclasses
import json
import math
import os
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
    programs = [path for peer in peers.PEERS.values() for path in peer.paths]
    assert any(path.name == "nest_microcircuit.py" for path in programs)
    for path in programs:
        source = path.read_text()
        assert not re.search(r"^\s*(import|from)\s+simnet\b", source, flags=re.MULTILINE), path.name


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
    # Every run failed: status 1 and one line saying so (after the progress line), the reasons kept in the summary.
    assert status == 1, captured.err
    assert captured.err.splitlines()[-1].startswith("simnet: error: every run failed")
    assert "NEST is not installed" in captured.err.splitlines()[-1]
    (point,) = json.loads((tmp_path / "out" / "summary.json").read_text())["points"]
    assert point["status"] == "failed" and point["sim_wall_s_per_bio_s_median"] is None
    assert point["neurons"] == 200
    assert any("NEST is not installed" in reason for reason in point["reasons"])


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


# --- the microcircuit in NEST ---

def _microcircuit_arguments(**options):
    return _arguments(model="microcircuit", options={"scale": 0.02, "k_scale": 0.1, **options}, duration_s=0.3)


def _nest_microcircuit_module():
    # The peer is a standalone program, not part of the package: load it from its file, as running it as a
    # script would, with its folder (which holds peer_protocol.py) on the path (it imports NEST only inside run()).
    import importlib.util
    import sys

    path = peers.PEERS["nest"].path_for("microcircuit")
    sys.path.insert(0, str(path.parent))
    try:
        spec = importlib.util.spec_from_file_location("nest_microcircuit_peer", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(path.parent))
    return module


def test_the_nest_peer_runs_the_microcircuit_with_its_own_program():
    nest_peer = peers.PEERS["nest"]
    assert nest_peer.path_for("microcircuit").name == "nest_microcircuit.py"
    assert nest_peer.path_for("cobahh") == nest_peer.path
    assert set(nest_peer.models["microcircuit"]) == {"scale", "k_scale", "neuron_model", "synapse_model",
                                                     "background"}


@pytest.mark.parametrize("scale, k_scale, background",
                         [(0.02, 0.1, "poisson"), (0.1, 0.5, "dc"), (0.05, 1.0, "poisson")])
def test_nest_microcircuit_derives_the_same_numbers_as_simnets_model(scale, k_scale, background):
    import numpy as np
    from brian2 import pA

    from simnet.models.microcircuit import POPULATIONS, MicrocircuitParams

    params = MicrocircuitParams(n_scaling=scale, k_scaling=k_scale, background=background)
    column = _nest_microcircuit_module().column_numbers(scale, k_scale, background)
    assert column["sizes"] == [params.sizes()[name] for name in POPULATIONS]
    assert np.array_equal(np.asarray(column["synapses"]), params.synapse_numbers())
    assert column["external_in_degrees"] == [params.external_in_degrees()[name] for name in POPULATIONS]
    assert np.allclose(np.asarray(column["mean_weights_pA"]) * 1e-12, params.mean_currents(), rtol=1e-12)
    assert column["background_weight_pA"] == pytest.approx(float(params.background_current() / pA), rel=1e-12)
    assert column["dc_pA"] == pytest.approx([float(params.dc_currents()[name] / pA) for name in POPULATIONS],
                                            rel=1e-12)


@pytest.mark.parametrize("options, fragment", [
    ({"neuron_model": "adex"}, "lif_exp (iaf_psc_exp) only, not 'adex'"),
    ({"synapse_model": "stdp"}, "static synapses only, not 'stdp'"),
    ({"dt": 0.05}, "does not take the option(s) dt"),
])
def test_nest_microcircuit_refuses_what_it_cannot_run_in_one_line(without_nest, options, fragment):
    # Refused before NEST is imported, so this holds where NEST is missing too.
    result = peers.run_peer(peers.PEERS["nest"], _microcircuit_arguments(**options))
    assert result["ok"] is False
    assert fragment in result["reason"] and "\n" not in result["reason"]


def test_an_experiment_cannot_give_the_nest_microcircuit_an_option_it_does_not_take():
    from simnet.base.errors import UsageError
    from simnet.bench import experiment_file as bench

    with pytest.raises(UsageError, match="peer nest does not take the option.*dt"):
        bench.experiment_from_dict({
            "name": "x", "model": "microcircuit", "options": {"scale": 0.02, "dt": "0.1*ms"},
            "runners": [{"kind": "peer", "peer": "nest"}]}, source="here")


def test_the_microcircuit_nest_experiment_file_validates():
    from pathlib import Path

    from simnet.bench import experiment_file as bench

    experiment = bench.load_experiment(Path(__file__).parents[2] / "experiments" / "microcircuit_nest.toml")
    assert experiment.model == "microcircuit"
    assert [r.kind for r in experiment.runners] == ["simnet", "peer"]
    assert all(r.threads == 2 for r in experiment.runners)


@pytest.mark.needs_nest
def test_nest_peer_runs_a_tiny_microcircuit_with_simnets_sizes():
    from simnet.models.microcircuit import MicrocircuitParams

    params = MicrocircuitParams(n_scaling=0.02, k_scaling=0.1)
    result = peers.run_peer(peers.PEERS["nest"], _microcircuit_arguments())
    assert result["ok"], result.get("reason")
    assert result["imports_simnet"] is False
    assert result["neurons"] == sum(params.sizes().values())
    assert result["synapses"] == int(params.synapse_numbers().sum())
    assert result["population_sizes"] == params.sizes()
    assert result["spikes"] > 0
    assert result["mean_rate_hz"] == pytest.approx(result["spikes"] / (result["neurons"] * 0.3))
    assert all(rate > 0 for rate in result["population_rates_hz"].values()), result["population_rates_hz"]
    assert 0 < result["loop_s"] <= result["simulate_wall_s"] <= result["total_s"]
    assert result["notes"]


def test_nest_microcircuit_gives_the_kernel_what_the_reference_implementation_gives_it():
    peer = _nest_microcircuit_module()
    assert peer.kernel_settings(2, 0) == {"resolution": 0.1, "local_num_threads": 2, "rng_seed": 1,
                                          "print_time": False}
    # static_synapse itself, as the reference, while every thread stays under NEST's per-model limit ...
    assert peer.synapse_model_names(3.0e7, 1) == ["static_synapse"] * 8
    # ... and one copy per source population where it would not: the full column on two threads
    assert len(set(peer.synapse_model_names(2.99e8, 2))) == 8


@pytest.mark.needs_nest
def test_nest_microcircuit_kernel_reads_back_the_reference_settings():
    result = peers.run_peer(peers.PEERS["nest"], _microcircuit_arguments())
    assert result["ok"], result.get("reason")
    kernel = result["settings"]["kernel"]
    assert kernel["resolution"] == pytest.approx(0.1) and kernel["local_num_threads"] == 1
    assert kernel["rng_seed"] == 2 and kernel["print_time"] is False
    assert kernel["min_delay"] == pytest.approx(0.1)  # delays redrawn below half a step, then on the grid
    assert result["settings"]["synapse_model"] == "static_synapse"


@pytest.mark.needs_nest
def test_nest_microcircuit_pre_run_is_simulated_but_not_counted():
    # NEST's runs are deterministic for one seed, and a run split in two simulates the same as one run: the
    # spikes after a 0.2 s pre-run are exactly those of a 0.3 s run less those of its first 0.2 s.
    whole = peers.run_peer(peers.PEERS["nest"], _microcircuit_arguments())
    first = peers.run_peer(peers.PEERS["nest"], {**_microcircuit_arguments(), "duration_s": 0.2})
    after = peers.run_peer(peers.PEERS["nest"], {**_microcircuit_arguments(), "duration_s": 0.1, "pre_run_s": 0.2})
    assert whole["ok"] and first["ok"] and after["ok"], (whole, first, after)
    assert after["settings"]["pre_run_s"] == pytest.approx(0.2)
    assert after["spikes"] == whole["spikes"] - first["spikes"] > 0
    assert after["mean_rate_hz"] == pytest.approx(after["spikes"] / (after["neurons"] * 0.1))


def test_the_pd14_reference_peer_without_a_checkout_names_the_variable(monkeypatch):
    monkeypatch.setenv("SIMNET_PD14_REFERENCE", "/no/such/checkout")
    result = peers.run_peer(peers.PEERS["nest-pd14-reference"], _microcircuit_arguments())
    assert result["ok"] is False
    assert "set SIMNET_PD14_REFERENCE to a checkout of INM-6/microcircuit-PD14-model" in result["reason"]
    assert "\n" not in result["reason"]


@pytest.mark.parametrize("peer, accepted", [("nest", True), ("nest-pd14-reference", True), ("brian2-plain", False)])
def test_only_peers_with_a_pre_run_take_an_experiments_pre_run(peer, accepted):
    from simnet.base.errors import UsageError
    from simnet.bench import experiment_file as bench

    model, options = (("cobahh", {"neurons": 200}) if peer == "brian2-plain"
                      else ("microcircuit", {"scale": 0.02}))
    data = {"name": "x", "model": model, "options": options, "pre_run": "100ms",
            "runners": [{"kind": "peer", "peer": peer}]}
    if accepted:
        assert bench.experiment_from_dict(data, source="here").pre_run_s == pytest.approx(0.1)
    else:
        with pytest.raises(UsageError, match=f"peer {peer} has no pre-run for {model}"):
            bench.experiment_from_dict(data, source="here")


@pytest.mark.skipif(not os.environ.get("SIMNET_PD14_REFERENCE"),
                    reason="needs a checkout of INM-6/microcircuit-PD14-model named by SIMNET_PD14_REFERENCE")
def test_the_pd14_reference_builds_the_peers_network_sizes():
    reference = peers.run_peer(peers.PEERS["nest-pd14-reference"], {**_microcircuit_arguments(), "pre_run_s": 0.1})
    ours = peers.run_peer(peers.PEERS["nest"], _microcircuit_arguments())
    assert reference["ok"], reference.get("reason")
    assert reference["imports_simnet"] is False
    assert reference["population_sizes"] == ours["population_sizes"]
    assert reference["settings"]["kernel"]["local_num_threads"] == 1 and reference["spikes"] > 0
