"""A run's network written as a SONATA circuit, for other simulators (NEST's ``SonataNetwork``, bmtk, libsonata).

What a record keeps with ``record_connectivity`` (``record.network``) becomes, in ``out_dir``:

``network/nodes.h5``, ``network/node_types.csv``
    one node population per model population (the column's L23E ... L6I), node ids local to it; one node type
    per population: ``model_type`` point_neuron, ``model_template`` the NEST model where simnet's neuron model
    has one (:data:`NEST_NEURON_MODELS`: ``lif_exp`` is ``iaf_psc_exp``, ``lif_cond`` ``iaf_cond_exp``, ``adex``
    ``aeif_cond_exp``), else ``simnet:<model>``, and ``dynamics_params`` a JSON file of its parameters (``components/point_neuron_models/<population>.json``: NEST's names and units where
    mapped, else simnet's in SI units);
``network/edges.h5``, ``network/edge_types.csv``
    one edge population per pair of populations with synapses (``<source>_to_<target>``), with every synapse's
    ``syn_weight`` (NEST's: pA for current synapses, nS for conductance ones, negative onto ``g_in``) and
    ``delay`` (ms) in group ``0``; edge type ``static_synapse``;
``circuit_config.json``, ``simulation_config.json``
    SONATA configs (paths relative to ``$BASE_DIR``; the run's ``dt`` and duration, ``target_simulator`` NEST;
    ``output.spikes_file`` names the run's own spikes, copied to ``output/simnet_spikes.h5``; the manifest is in
    NEST's form, which bmtk's config reader does not resolve: give bmtk that spikes file itself);
``simnet_network.json``
    what SONATA has no field for: each population's equations, per-neuron initial values given as Brian2 code
    (e.g. a random membrane potential, which a runner draws itself), and the mapping's notes.

A record without ``network`` (an older one, or a run with ``record_connectivity`` off) is a
:class:`~simnet.base.errors.UsageError`.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any, Optional

import h5py
import numpy as np

from simnet.base import atomic_files
from simnet.base.errors import UsageError
from simnet.record.run_record import RunRecord

__all__ = ["NEST_NEURON_MODELS", "NO_NEST_TWIN", "write_circuit"]

#: simnet neuron model -> (NEST model, {NEST parameter: (simnet parameter, factor from SI)}): only levels whose
#: equations, threshold, reset and refractory clamp are NEST's model's (the integration differs: NEST's
#: conductance models use adaptive RKF45). ``I_e`` is the population's constant current ``I_dc``; ``lif_exp``'s
#: one ``tau_syn`` is both of NEST's synaptic time constants.
NEST_NEURON_MODELS = {
    "lif_exp": ("iaf_psc_exp", {"C_m": ("C_m", 1e12), "tau_m": ("tau_m", 1e3), "E_L": ("E_L", 1e3),
                                "V_th": ("V_th", 1e3), "V_reset": ("V_reset", 1e3), "t_ref": ("t_ref", 1e3),
                                "tau_syn_ex": ("tau_syn", 1e3), "tau_syn_in": ("tau_syn", 1e3)}),
    "lif_cond": ("iaf_cond_exp", {"C_m": ("C_m", 1e12), "g_L": ("g_L", 1e9), "E_L": ("E_L", 1e3),
                                  "V_th": ("V_th", 1e3), "V_reset": ("V_reset", 1e3), "t_ref": ("t_ref", 1e3),
                                  "E_ex": ("E_ex", 1e3), "E_in": ("E_in", 1e3),
                                  "tau_syn_ex": ("tau_syn_ex", 1e3), "tau_syn_in": ("tau_syn_in", 1e3)}),
    "adex": ("aeif_cond_exp", {"C_m": ("C_m", 1e12), "g_L": ("g_L", 1e9), "E_L": ("E_L", 1e3),
                               "V_th": ("V_T", 1e3), "Delta_T": ("Delta_T", 1e3), "V_peak": ("V_cut", 1e3),
                               "V_reset": ("V_reset", 1e3), "t_ref": ("t_ref", 1e3), "a": ("a", 1e9),
                               "b": ("b", 1e12), "tau_w": ("tau_w", 1e3), "E_ex": ("E_ex", 1e3),
                               "E_in": ("E_in", 1e3), "tau_syn_ex": ("tau_syn_ex", 1e3),
                               "tau_syn_in": ("tau_syn_in", 1e3)}),
}
#: Why a level has no NEST twin, for the export's note.
NO_NEST_TWIN = {
    "izhikevich": "NEST's izhikevich has delta synapses that jump V_m; simnet's has exponential current synapses",
    "hh_traub": "NEST's hh_cond_exp_traub emits a spike at a peak above V_T + 30 mV, simnet at the crossing of "
                "v_spike (-20 mV)",
    "two_compartment": "no NEST model has its LIF soma coupled to one passive dendrite",
}
#: Factor from simnet's SI weight to NEST's, by the weight's unit (current synapses: A -> pA; conductance: S -> nS).
_NEST_WEIGHT_FACTOR = {"A": 1e12, "S": 1e9}


def write_circuit(record: RunRecord, out_dir, *, source: Optional[Path] = None) -> dict[str, Any]:
    """Write ``record``'s network as a SONATA circuit in ``out_dir`` (created; files in it are replaced).

    ``source`` is the record's file, whose spikes are copied beside the circuit. Returns the paths written
    (``circuit_config``, ``simulation_config``, ...), the NEST model of each population (None where simnet's
    neuron model has no NEST twin) and notes.
    """
    network = record.network
    if not network or not network.get("groups"):
        raise UsageError(f"the {record.model} record holds no network to export: run it again with "
                         "record_connectivity on (--record-connectivity)")
    out = Path(out_dir)
    atomic_files.check_directory(out, "out", what="export directory")
    for sub in ("network", "components/point_neuron_models", "components/synaptic_models", "output"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    neuron_model = str((record.parameters.get("neuron_model") or {}).get("value", "")) or None
    nest = NEST_NEURON_MODELS.get(neuron_model or "")
    notes = []
    if nest is None:
        why = NO_NEST_TWIN.get(neuron_model or "", "not in simnet's mapping")
        notes.append(f"neuron model {neuron_model or record.model!r} has no NEST twin ({why}): node types name it "
                     "simnet:<model> with simnet's parameters (SI units); NEST cannot build them")
    slices = _population_slices(network["groups"], record.populations)
    node_rows, nest_models, extras = [], {}, {}
    with h5py.File(out / "network" / "nodes.h5", "w") as f:
        _sonata_root(f)
        nodes = f.create_group("nodes")
        for type_id, (population, (group_name, start, stop)) in enumerate(slices.items()):
            group = network["groups"][group_name]
            size = stop - start
            pop = nodes.create_group(population)
            pop.create_dataset("node_type_id", data=np.full(size, type_id, dtype=np.int64))
            pop.create_dataset("node_group_id", data=np.zeros(size, dtype=np.int64))
            pop.create_dataset("node_group_index", data=np.arange(size, dtype=np.int64))
            attributes = pop.create_group("0")
            for name, constant in group.get("constants", {}).items():
                attributes.create_dataset(name, data=np.asarray(constant["values"][start:stop], dtype=np.float64))
            params, template = _dynamics(group, start, stop, nest, notes, population)
            nest_models[population] = template.split(":", 1)[1] if nest else None
            (out / "components" / "point_neuron_models" / f"{population}.json").write_text(
                json.dumps(params, indent=1) + "\n")
            node_rows.append(f"{type_id} point_neuron {template} {population}.json {population}")
            extras[population] = {"group": group_name, "start": start, "stop": stop,
                                  "equations": group.get("equations", ""),
                                  "initial_values": group.get("expressions", {})}
    (out / "network" / "node_types.csv").write_text(
        "node_type_id model_type model_template dynamics_params pop_name\n" + "\n".join(node_rows) + "\n")
    edge_count = _write_edges(out, network.get("projections", {}), slices, nest is not None, notes)
    (out / "components" / "synaptic_models" / "static_synapse.json").write_text("{}\n")
    paths = _write_configs(out, record, source, notes)
    (out / "simnet_network.json").write_text(json.dumps(
        {"model": record.model, "description": record.description, "neuron_model": neuron_model,
         "populations": extras, "notes": notes}, indent=1) + "\n")
    return {"out_dir": str(out), **paths, "populations": list(slices), "edges": edge_count,
            "nest_models": nest_models, "notes": notes}


def _sonata_root(f: h5py.File) -> None:
    f.attrs["magic"] = np.uint32(0x0A7A)
    f.attrs["version"] = np.array([0, 1], dtype=np.uint32)


def _population_slices(groups: dict, order: list) -> dict[str, tuple[str, int, int]]:
    """Model population -> (Brian2 group, start, stop): a group's slices where they are given, else the group."""
    slices = {}
    for name, group in groups.items():
        parts = group.get("subpopulations") or {}
        if parts:
            for sub, (start, stop) in parts.items():
                slices[sub] = (name, int(start), int(stop))
        else:
            slices[name] = (name, 0, int(group["size"]))
    ranked = [name for name in order if name in slices]
    return {name: slices[name] for name in ranked + [n for n in slices if n not in ranked]}


def _dynamics(group: dict, start: int, stop: int, nest, notes: list, population: str) -> tuple[dict, str]:
    """A population's dynamics parameters and model template: NEST's names and units where mapped."""
    values = {name: entry.get("value") for name, entry in group.get("parameters", {}).items()}
    if nest is None:
        return ({**values, "refractory": (group.get("refractory") or {}).get("display")},
                f"simnet:{group.get('model_type') or 'neuron'}")
    model, mapping = nest
    params = {nest_name: float(values[name]) * factor for nest_name, (name, factor) in mapping.items()}
    current = group.get("constants", {}).get("I_dc")
    if current is not None:
        part = np.asarray(current["values"][start:stop], dtype=np.float64)
        if part.size and not np.allclose(part, part[0]):
            notes.append(f"{population}: I_dc differs between neurons; I_e is its mean (NEST sets one per type)")
        params["I_e"] = float(part.mean() * 1e12) if part.size else 0.0
    v_init = group.get("expressions", {}).get("v")
    if v_init:
        params["V_m"] = params["E_L"]
        if not any("initial membrane potential" in note for note in notes):
            notes.append(f"initial membrane potential {v_init!r} is Brian2 code, kept in simnet_network.json; "
                         "node types start at E_L and a runner draws it (SONATA has no per-node dynamics field "
                         "NEST reads)")
    return params, f"nest:{model}"


def _write_edges(out: Path, projections: dict, slices: dict, nest: bool, notes: list) -> int:
    """One edge population per (source population, target population) with synapses; the number of edges."""
    by_group = {}
    for population, (group, start, stop) in slices.items():
        by_group.setdefault(group, []).append((population, start, stop))
    rows, total = [], 0
    with h5py.File(out / "network" / "edges.h5", "w") as f:
        _sonata_root(f)
        edges = f.create_group("edges")
        for proj in projections.values():
            i, j = np.asarray(proj["source_index"]), np.asarray(proj["target_index"])
            delay_ms = np.asarray(proj["delay_s"], dtype=np.float64) * 1e3
            weight = proj.get("weight")
            factor = _NEST_WEIGHT_FACTOR.get(proj.get("weight_unit", ""), 1.0) if nest else 1.0
            if nest and proj.get("on_pre", "").lstrip().startswith("g_in"):
                factor = -factor  # NEST's conductance models take an inhibitory synapse as a negative weight
            if weight is None:
                notes.append(f"projection {proj['source']} -> {proj['target']} has no per-synapse weight "
                             f"(its effect is {proj.get('on_pre')!r}); syn_weight is 1")
            for source, s_start, s_stop in by_group.get(proj["source"], []):
                for target, t_start, t_stop in by_group.get(proj["target"], []):
                    inside = (i >= s_start) & (i < s_stop) & (j >= t_start) & (j < t_stop)
                    count = int(inside.sum())
                    if not count:
                        continue
                    type_id = len(rows)
                    pop = edges.create_group(f"{source}_to_{target}")
                    sources = pop.create_dataset("source_node_id", data=(i[inside] - s_start).astype(np.uint64))
                    sources.attrs["node_population"] = source
                    targets = pop.create_dataset("target_node_id", data=(j[inside] - t_start).astype(np.uint64))
                    targets.attrs["node_population"] = target
                    pop.create_dataset("edge_type_id", data=np.full(count, type_id, dtype=np.int64))
                    pop.create_dataset("edge_group_id", data=np.zeros(count, dtype=np.int64))
                    pop.create_dataset("edge_group_index", data=np.arange(count, dtype=np.int64))
                    attributes = pop.create_group("0")
                    attributes.create_dataset("syn_weight", data=(np.asarray(weight, dtype=np.float64)[inside] * factor
                                                                  if weight is not None else np.ones(count)))
                    attributes.create_dataset("delay", data=delay_ms[inside])
                    rows.append(f"{type_id} static_synapse static_synapse.json")
                    total += count
    (out / "network" / "edge_types.csv").write_text(
        "edge_type_id model_template dynamics_params\n" + "\n".join(rows) + "\n")
    return total


def _write_configs(out: Path, record: RunRecord, source: Optional[Path], notes: list) -> dict[str, str]:
    """circuit_config.json and simulation_config.json (paths under ``$BASE_DIR``, the folder they are in)."""
    base = "$BASE_DIR"
    circuit = {
        "manifest": {"$BASE_DIR": "$BASE_DIR"},
        "components": {"point_neuron_models_dir": f"{base}/components/point_neuron_models",
                       "synaptic_models_dir": f"{base}/components/synaptic_models"},
        "networks": {"nodes": [{"nodes_file": f"{base}/network/nodes.h5",
                                "node_types_file": f"{base}/network/node_types.csv"}],
                     "edges": [{"edges_file": f"{base}/network/edges.h5",
                                "edge_types_file": f"{base}/network/edge_types.csv"}]},
    }
    simulation = {
        "manifest": {"$BASE_DIR": "$BASE_DIR", "$OUTPUT_DIR": f"{base}/output"},
        "target_simulator": "NEST",
        "run": {"tstop": record.duration_s * 1e3, "dt": record.dt_s * 1e3},
        "network": "circuit_config.json",
        "output": {"output_dir": "$OUTPUT_DIR", "log_file": "log.txt"},
    }
    if source is not None and record.spike_trains:
        shutil.copyfile(source, out / "output" / "simnet_spikes.h5")
        simulation["output"]["spikes_file"] = "simnet_spikes.h5"
    else:
        notes.append("no spikes copied (the record kept none, or was not read from a file)")
    paths = {}
    for name, config in (("circuit_config", circuit), ("simulation_config", simulation)):
        path = out / f"{name}.json"
        path.write_text(json.dumps(config, indent=1) + "\n")
        paths[name] = str(path)
    return paths
