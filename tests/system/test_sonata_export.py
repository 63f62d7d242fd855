"""simnet export: a run's network as a SONATA circuit that libsonata reads, and that NEST runs to simnet's rates.

The column is run small (scale 0.02, 1.5k neurons, ~6e6 synapses, DC background so that NEST needs no Poisson
input) on the runtime backend with its connectivity kept. NEST's own SONATA reader (``nest.SonataNetwork``) needs
a NEST built with HDF5, which the pip wheel is not: its test runs where ``SIMNET_NEST_PREFIX`` names the install
prefix of such a NEST (``make nest-sonata`` builds one), or where the environment's NEST has HDF5, else it skips.
"""
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import simnet
from simnet.base.errors import UsageError

PEER = Path(__file__).resolve().parents[2] / "simnet" / "peers" / "nest_sonata.py"
DISCARD_MS = 50.0
NEST_PREFIX_VARIABLE = "SIMNET_NEST_PREFIX"


def _nest_with_hdf5() -> dict:
    """The environment in which a child Python imports a NEST with HDF5 (``SIMNET_NEST_PREFIX``'s, else the
    environment's own); skips the test where there is none."""
    env = dict(os.environ)
    prefix = os.environ.get(NEST_PREFIX_VARIABLE)
    if prefix:
        found = sorted(Path(prefix).glob("lib*/python3*/site-packages/nest/__init__.py"))
        if not found:
            pytest.fail(f"{NEST_PREFIX_VARIABLE}={prefix} holds no PyNEST (lib*/python3*/site-packages/nest)")
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(found[0].parents[1]), env.get("PYTHONPATH")]))
    probe = subprocess.run([sys.executable, "-c", "import h5py, nest; print(nest.__file__); "
                            "print(nest.GetKernelStatus('build_info')['have_hdf5'])"],
                           capture_output=True, text=True, env=env, timeout=120)
    if probe.returncode != 0:
        pytest.skip(f"no importable NEST for nest.SonataNetwork: {probe.stderr.strip().splitlines()[-1:]}")
    where, have_hdf5 = probe.stdout.split()[-2:]
    if have_hdf5 != "True":
        pytest.skip(f"the NEST at {where} was built without HDF5 (as the pip wheel is), so it has no "
                    f"nest.SonataNetwork: set {NEST_PREFIX_VARIABLE} to a NEST built with -Dwith-hdf5=ON "
                    "(make nest-sonata)")
    return env


def _peer_rates(circuit: Path, env: dict, seed: int, reader: str) -> dict:
    done = subprocess.run([sys.executable, str(PEER), str(circuit), "--seed", str(seed), "--discard-ms",
                           str(DISCARD_MS), "--reader", reader], capture_output=True, text=True, env=env, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.splitlines()[-1])


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    folder = tmp_path_factory.mktemp("export")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the column at this scale warns that its scaling is unreliable
        simnet.run("microcircuit", scale=0.02, background="dc", duration="300ms", backend="runtime", seed=1,
                   progress=False, record_connectivity=True, out=folder / "run.h5")
    written = simnet.export(folder / "run.h5", folder / "circuit")
    return simnet.read(folder / "run.h5"), written, folder / "circuit"


def test_libsonata_reads_the_nodes_and_every_synapse_with_its_weight_and_delay(exported):
    libsonata = pytest.importorskip("libsonata")
    record, written, circuit = exported
    nodes = libsonata.NodeStorage(str(circuit / "network" / "nodes.h5"))
    assert sorted(nodes.population_names) == sorted(record.populations)
    for name in record.populations:
        assert nodes.open_population(name).size == record.rates[name].size
    edges = libsonata.EdgeStorage(str(circuit / "network" / "edges.h5"))
    total, weights = 0, []
    for name in edges.population_names:
        population = edges.open_population(name)
        selection = libsonata.Selection([(0, population.size)])
        weights.append(population.get_attribute("syn_weight", selection))
        assert np.all(population.get_attribute("delay", selection) >= record.dt_s * 1e3 - 1e-9)
        assert population.source == name.split("_to_")[0]
        total += population.size
    projections = record.network["projections"]
    assert total == written["edges"] == sum(len(p["source_index"]) for p in projections.values())
    # pA, as NEST's current synapses take them: the column's excitatory mean is 87.8 pA, inhibitory -4 times it
    stacked = np.concatenate(weights)
    assert 60 < np.median(stacked[stacked > 0]) < 200 and np.all(stacked != 0)
    config = json.loads((circuit / "simulation_config.json").read_text())
    assert config["run"] == {"tstop": pytest.approx(300.0), "dt": pytest.approx(0.1)}


def test_a_record_without_its_network_cannot_be_exported(exported, tmp_path):
    record, _, _ = exported
    record.network = {}
    with pytest.raises(UsageError, match="record_connectivity"):
        simnet.export(record, tmp_path / "nothing")


@pytest.mark.needs_nest
@pytest.mark.slow
def test_nest_runs_the_exported_column_at_simnets_rates(exported):
    """Tolerance: each population's rate within 50% or 3 Hz of simnet's, and the size-weighted mean rate of the
    excitatory and of the inhibitory populations within 45%. That is the seed spread at this size (21 to 438
    neurons per population, 150 to 250 ms after a 50 ms opening): simnet's own column at seeds 1 and 2 gave
    L23E 6.5 and 13.4 Hz, L23I 14.2 and 24.9 Hz, and excitatory means 5.4 and 7.9 Hz (47% apart;
    experiments/results/nest-sonata-export_*.json). NEST integrates the same network with another generator and
    its own initial potentials, so a tighter bound would test the seed, not the export."""
    record, _, circuit = exported
    nest_rates = _peer_rates(circuit, dict(os.environ), seed=3, reader="h5py")["rates_hz"]
    _assert_rates_agree(record, nest_rates)


def _assert_rates_agree(record, nest_rates):
    """NEST's population rates against simnet's: each within half of simnet's (or 3 Hz), and the E and I means
    within 45 % (the seed spread, see the test above)."""
    ours = {name: float(np.mean(simnet.firing_rates(record, name, discard=f"{DISCARD_MS}ms")))
            for name in record.populations}
    for name, rate in ours.items():
        assert abs(nest_rates[name] - rate) <= max(0.5 * rate, 3.0), (name, nest_rates[name], rate)
    sizes = {name: record.rates[name].size for name in record.populations}
    for kind in ("E", "I"):
        names = [n for n in record.populations if n.endswith(kind)]
        mean_nest = sum(nest_rates[n] * sizes[n] for n in names) / sum(sizes[n] for n in names)
        mean_ours = sum(ours[n] * sizes[n] for n in names) / sum(sizes[n] for n in names)
        assert mean_nest == pytest.approx(mean_ours, rel=0.45), kind


@pytest.mark.needs_nest
@pytest.mark.slow
def test_nest_sonata_network_builds_the_exported_column_and_runs_it_at_simnets_rates(exported):
    """NEST's own reader builds every exported synapse; with the same seed it gives the same spike counts as the
    h5py reader (the same neurons, initial potentials, weights, delays and connection order, and no random input),
    and its rates agree with simnet's within the seed spread (the bounds of the h5py test above)."""
    env = _nest_with_hdf5()
    record, written, circuit = exported
    sonata = _peer_rates(circuit, env, seed=3, reader="sonata")
    assert sonata["reader"] == "nest.SonataNetwork"
    neurons = sum(sonata["sizes"].values())
    assert sonata["connections"] == written["edges"] + neurons  # the synapses, and each neuron to its recorder
    h5py_built = _peer_rates(circuit, env, seed=3, reader="h5py")
    assert h5py_built["reader"].startswith("h5py")
    assert sonata["rates_hz"] == h5py_built["rates_hz"]
    _assert_rates_agree(record, sonata["rates_hz"])


@pytest.mark.needs_nest
def test_the_nest_peer_asked_for_sonata_by_a_nest_without_hdf5_says_so_in_one_line(exported):
    _, _, circuit = exported
    probe = subprocess.run([sys.executable, "-c", "import nest; print(nest.GetKernelStatus('build_info')['have_hdf5'])"],
                           capture_output=True, text=True, timeout=120)
    if probe.stdout.split()[-1:] == ["True"]:
        pytest.skip("this environment's NEST has HDF5, so it has nest.SonataNetwork")
    done = subprocess.run([sys.executable, str(PEER), str(circuit), "--reader", "sonata"], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "without HDF5" in done.stderr


def test_the_nest_peer_refuses_a_folder_without_a_circuit_in_one_line(tmp_path):
    done = subprocess.run([sys.executable, str(PEER), str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "circuit_config.json" in done.stderr


@pytest.fixture(scope="module")
def levels(tmp_path_factory):
    """A tiny column (scale 0.01, in-degrees 1%, so weights 10 times PD14's) of each level, 5 ms, exported."""
    folder = tmp_path_factory.mktemp("levels")
    circuits = {}
    for level in ("lif_cond", "adex", "izhikevich"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            simnet.run("microcircuit", scale=0.01, k_scale=0.01, background="dc", duration="5ms", backend="runtime",
                       seed=1, progress=False, record_connectivity=True, neuron_model=level,
                       out=folder / f"{level}.h5")
        circuits[level] = simnet.export(folder / f"{level}.h5", folder / level)
    return circuits


@pytest.mark.slow
@pytest.mark.parametrize("level, nest_model", [("lif_cond", "iaf_cond_exp"), ("adex", "aeif_cond_exp")])
def test_conductance_levels_are_written_as_their_nest_twins_with_signed_nS_weights(levels, level, nest_model):
    written = levels[level]
    circuit = Path(written["out_dir"])
    assert set(written["nest_models"].values()) == {nest_model}
    params = json.loads((circuit / "components" / "point_neuron_models" / "L4E.json").read_text())
    assert params["g_L"] == pytest.approx(25.0) and params["C_m"] == pytest.approx(250.0)  # nS, pF
    assert params["E_in"] == pytest.approx(-80.0) and params["tau_syn_in"] == pytest.approx(0.5)
    if level == "adex":
        assert params["V_peak"] == pytest.approx(-40.0) and params["b"] == pytest.approx(80.5)  # mV, pA
    import h5py

    total_nS = 0.0
    with h5py.File(circuit / "network" / "edges.h5", "r") as f:
        for name, group in f["edges"].items():
            weight = group["0/syn_weight"][()]
            source = name.split("_to_")[0]
            # NEST's conductance models: a positive weight opens g_ex, a negative one g_in
            assert np.all(weight > 0) if source.endswith("E") else np.all(weight < 0), name
            total_nS += float(np.abs(weight).sum())
    record = simnet.read(circuit.parent / f"{level}.h5")
    total_siemens = sum(float(np.sum(p["weight"])) for p in record.network["projections"].values())
    assert total_nS == pytest.approx(total_siemens * 1e9, rel=1e-9)


@pytest.mark.needs_nest
@pytest.mark.slow
@pytest.mark.parametrize("level", ["lif_cond", "adex"])
def test_nest_builds_and_runs_the_exported_conductance_levels(levels, level):
    done = subprocess.run([sys.executable, str(PEER), levels[level]["out_dir"], "--reader", "h5py"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.splitlines()[-1])
    assert result["connections"] == levels[level]["edges"] + sum(result["sizes"].values())


@pytest.mark.slow
def test_a_level_without_a_nest_twin_is_written_for_simnet_and_says_why(levels):
    written = levels["izhikevich"]
    assert set(written["nest_models"].values()) == {None}
    assert any("delta synapses" in note for note in written["notes"])
    types = (Path(written["out_dir"]) / "network" / "node_types.csv").read_text()
    assert "simnet:" in types and "nest:" not in types
