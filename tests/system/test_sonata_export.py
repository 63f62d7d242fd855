"""simnet export: a run's network as a SONATA circuit that libsonata reads, and that NEST runs to simnet's rates.

The column is run small (scale 0.02, 1.5k neurons, ~6e6 synapses, DC background so that NEST needs no Poisson
input) on the runtime backend with its connectivity kept.
"""
import json
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
    done = subprocess.run([sys.executable, str(PEER), str(circuit), "--seed", "3", "--discard-ms", str(DISCARD_MS)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    nest_rates = json.loads(done.stdout.splitlines()[-1])["rates_hz"]
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
