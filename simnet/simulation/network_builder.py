"""ModelSpec -> Brian2 objects, and the activity counts read back from them after a run.

This is the only module that creates Brian2 groups, synapses and monitors for simnet. A network made by user code
(:class:`simnet.specs.user_network.UserNetwork`) is built by that code instead: :func:`adopt` adds simnet's monitors beside
its objects and :func:`describe` reads its description back from them, so that the rest of a run treats it as any
model. It works the same in runtime and standalone modes: the active Brian2 device (set by a :mod:`simnet.simulation.backends`
session) decides whether the calls execute now or are recorded into a generated program. ``mark`` is called between
construction steps so the session can time them (in standalone mode, inside the generated program).
"""
from __future__ import annotations

import re
import sys
import warnings
from dataclasses import dataclass, field
from typing import Callable, Union

import brian2
import numpy as np
from brian2.core.spikesource import SpikeSource
from brian2.devices.device import RuntimeDevice
from brian2.groups.subgroup import Subgroup

from simnet.base.errors import UsageError
from simnet.simulation.phases import INIT_END, SYNAPSES_END, SYNAPSES_START
from simnet.simulation.synapse_order import source_delay_order
from simnet.specs.model_spec import ModelSpec, PoissonBackground, Population, Projection
from simnet.specs.user_network import UserNetwork

__all__ = ["BuiltNetwork", "build", "adopt", "describe", "python_objects", "element_probes", "activity_counts", "spike_trains",
           "population_rates", "monitor_data"]


@dataclass
class BuiltNetwork:
    """The Brian2 objects of one model instance."""

    spec: ModelSpec
    net: brian2.Network
    groups: dict  # population name -> NeuronGroup
    views: dict  # population or subpopulation name -> NeuronGroup or Subgroup
    synapses: dict  # projection name -> Synapses
    inputs: dict  # background name -> PoissonInput
    spike_monitors: dict  # population name -> SpikeMonitor
    rate_monitors: dict  # population or subpopulation name -> PopulationRateMonitor
    #: What the reader of the run's record must know about how it was built.
    notes: list = field(default_factory=list)
    #: Where the run looks up external names in the objects' code (a user network's script globals; simnet's
    #: own models carry theirs in each object).
    namespace: dict = field(default_factory=dict)
    #: A user network's own monitors (SpikeMonitor, StateMonitor, PopulationRateMonitor, ...), by name.
    user_monitors: dict = field(default_factory=dict)


def build(spec: ModelSpec, *, seed: int, record_spikes: bool, mark: Callable[[str], None],
          synapse_order: str = "source_delay") -> BuiltNetwork:
    """Create the Brian2 network described by ``spec`` on the active device.

    Parameters
    ----------
    spec : ModelSpec
        The model.
    seed : int
        Seeds Brian2's random numbers (initial values, probabilistic connections; in standalone mode the
        generated program's generator) and the numpy generator used for fixed-number connectivity.
    record_spikes : bool
        Keep every spike time and index; otherwise only per-neuron spike counts are kept.
    mark : callable
        Called with a phase name between construction steps.
    synapse_order : {"source_delay", "drawn"}
        Store drawn synapses sorted by source neuron and delay (:mod:`simnet.simulation.synapse_order`), or as drawn.
    """
    if spec.dt is not None:
        brian2.defaultclock.dt = spec.dt
    notes = []
    if _device_takes_seed():
        brian2.seed(seed)
    else:
        notes.append(f"this device takes no seed: its random draws (initial values, probabilistic connections, "
                     f"Poisson input) are not reproducible; simnet's own draws (fixed-number and listed "
                     f"connections) used seed {seed}")
    rng = np.random.default_rng(seed)

    groups = {}
    for pop in spec.populations:
        groups[pop.name] = brian2.NeuronGroup(
            pop.size, pop.equations, threshold=pop.threshold, reset=pop.reset,
            refractory=pop.refractory if pop.refractory is not None else False,
            method=pop.method, namespace=dict(pop.namespace), name=pop.name,
        )
    views = {}
    for name, (owner, start, stop) in spec.slices().items():
        views[name] = groups[owner] if name == owner else groups[owner][start:stop]

    synapses = {
        proj.name: brian2.Synapses(
            views[proj.source], views[proj.target], model=proj.model, on_pre=proj.on_pre,
            on_post=proj.on_post, namespace=dict(proj.namespace), method=proj.method, name=proj.name,
        )
        for proj in spec.projections
    }
    inputs = {
        bg.name: brian2.PoissonInput(views[bg.target], bg.target_var, bg.inputs_per_neuron, bg.rate, bg.weight)
        for bg in spec.inputs
    }

    mark(SYNAPSES_START)
    per_synapse_values = {proj.name: _connect(synapses[proj.name], proj, rng, sort=synapse_order == "source_delay")
                          for proj in spec.projections}
    mark(SYNAPSES_END)

    for pop in spec.populations:
        for var, value in pop.initial_values.items():
            setattr(groups[pop.name], var, value)
    for proj in spec.projections:
        syn = synapses[proj.name]
        for var, value in proj.initial_values.items():
            setattr(syn, var, value)
        drawn = per_synapse_values.pop(proj.name)
        for var in list(drawn):
            # popped so each drawn array is freed as soon as Brian2 has it (a full-scale column has 3e8)
            setattr(syn, var, drawn.pop(var))
        if proj.delay is not None:
            syn.delay = proj.delay
    mark(INIT_END)

    spike_monitors, rate_monitors = _monitors(groups, views, record_spikes)
    net = brian2.Network(
        *groups.values(), *synapses.values(), *inputs.values(), *spike_monitors.values(),
        *rate_monitors.values(),
    )
    return BuiltNetwork(spec, net, groups, views, synapses, inputs, spike_monitors, rate_monitors, notes)


def _monitors(groups: dict, views: dict, record_spikes: bool, prefix: str = "") -> tuple[dict, dict]:
    """simnet's own monitors: spikes (or only counts) per group, population rates per group and slice."""
    spike_monitors = {
        name: brian2.SpikeMonitor(group, record=record_spikes, name=f"{prefix}{name}_spikemonitor")
        for name, group in groups.items()
    }
    rate_monitors = {
        name: brian2.PopulationRateMonitor(view, name=f"{prefix}{name}_ratemonitor") for name, view in views.items()
    }
    return spike_monitors, rate_monitors


def adopt(user: UserNetwork, *, seed: int, record_spikes: Union[bool, Callable[[int], bool]],
          mark: Callable[[str], None]) -> BuiltNetwork:
    """Build a network made by user code on the active device and add simnet's monitors beside its objects.

    The user's objects are not changed; their description is read back from them (:func:`describe`).
    ``record_spikes`` may be a function of the number of neurons (known only once the objects exist). The
    whole of the user's construction lies between the synapse-creation marks (it cannot be split), which a
    note says.
    """
    if user.dt_s is not None:
        brian2.defaultclock.dt = user.dt_s * brian2.second
    notes = []
    if _device_takes_seed():
        brian2.seed(seed)
    else:
        notes.append("this device takes no seed: the random draws of the network's code are not reproducible")
    mark(SYNAPSES_START)
    objects, namespace = user.build()
    mark(SYNAPSES_END)
    mark(INIT_END)
    notes.extend(_said(user.notes))
    notes.extend(_said(python_objects(objects, user.name)))
    silent = [obj.name for obj in objects if isinstance(obj, brian2.NeuronGroup) and "spike" not in obj.events]
    if silent:
        raise UsageError(f"{user.name} makes NeuronGroup(s) without a threshold ({', '.join(silent)}); simnet counts "
                         "spikes per population: give each a threshold (one that never fires will do)",
                         parameter="script")
    notes.append(f"{user.description}: its set-up (groups, synapses, initial values, made by its own code in one "
                 "piece) is reported as synapse creation")
    spec = describe(objects, user)
    groups = {pop.name: _object_named(objects, pop.name) for pop in spec.populations}
    inputs_as_neurons = [name for name, group in groups.items() if not isinstance(group, brian2.NeuronGroup)]
    if inputs_as_neurons:
        notes.append(f"spike sources that are not NeuronGroups ({', '.join(inputs_as_neurons)}) are populations "
                     "too: their neurons count in every per-neuron figure")
    views = {name: groups[owner] if name == owner else groups[owner][start:stop]
             for name, (owner, start, stop) in spec.slices().items()}
    for pop in spec.populations:
        if pop.compartments and pop.threshold_compartment is not None:
            # a cell's rate is that of its spiking compartment, not its spikes spread over every compartment
            at = pop.threshold_compartment
            views[pop.name] = groups[pop.name][at:at + 1]
        elif pop.compartments:
            notes.append(f"{pop.name} tests its threshold at every compartment: its spikes are threshold crossings "
                         "in any compartment (give threshold_location to count a cell's spikes at one)")
    synapses = {proj.name: _object_named(objects, proj.name) for proj in spec.projections}
    inputs = {bg.name: _object_named(objects, bg.name) for bg in spec.inputs}
    if callable(record_spikes):
        record_spikes = record_spikes(spec.n_neurons)
    spike_monitors, rate_monitors = _monitors(groups, views, record_spikes, prefix="simnet_")
    net = brian2.Network(*objects, *spike_monitors.values(), *rate_monitors.values())
    own = {obj.name: obj for obj in objects if isinstance(obj, _MONITORS)}
    return BuiltNetwork(spec, net, groups, views, synapses, inputs, spike_monitors, rate_monitors, notes, namespace,
                        own)


_MONITORS = (brian2.EventMonitor, brian2.StateMonitor, brian2.PopulationRateMonitor)


def monitor_data(built: BuiltNetwork) -> dict:
    """What a user network's own monitors recorded, read after the run: ``{name: {"kind", "source", "arrays",
    "units"}}`` with every array in SI units (see :class:`simnet.record.run_record.MonitorData`)."""
    data = {}
    for name, monitor in built.user_monitors.items():
        if isinstance(monitor, brian2.PopulationRateMonitor):
            variables = {"t": monitor.t[:], "rate": monitor.rate[:]}
        elif isinstance(monitor, brian2.StateMonitor):
            variables = {"t": monitor.t[:], "indices": np.asarray(monitor.record, dtype=np.int64)}
            variables.update({var: getattr(monitor, var)[:] for var in monitor.record_variables})
        else:  # SpikeMonitor and other EventMonitors
            variables = {"count": np.asarray(monitor.count[:], dtype=np.int64)}
            if monitor.record:
                variables.update({var: getattr(monitor, var)[:] for var in ("t", "i", *monitor.record_variables)})
        arrays, units = {}, {}
        for var, values in variables.items():
            arrays[var] = np.asarray(values)
            units[var] = "" if not isinstance(values, brian2.Quantity) or values.is_dimensionless else \
                str(brian2.get_unit(values.dim))
        data[name] = {"kind": type(monitor).__name__, "source": getattr(monitor.source, "name", ""),
                      "arrays": arrays, "units": units}
    return data


def python_objects(objects: list, where: str) -> list[str]:
    """Notes on the objects that run Python every step (``network_operation``): simnet cannot count their work,
    and a standalone program cannot run them at all, which is refused rather than dropped without a word."""
    operations = [obj.name for obj in objects if isinstance(obj, brian2.NetworkOperation)]
    if not operations:
        return []
    if not isinstance(brian2.get_device(), RuntimeDevice):
        raise UsageError(f"{where} uses network_operation ({', '.join(operations)}), Python code that a standalone "
                         "program cannot run; run it with --backend runtime (its Python work is then listed as "
                         "not counted)", parameter="backend")
    return [f"network_operation {name} runs Python code every step: it ran, but its work is not counted in any "
            "FLOP, memory or energy figure" for name in operations]


def _said(notes: list[str]) -> list[str]:
    """``notes`` for the record, each also said now as a warning (one line each on the command line)."""
    for note in notes:
        warnings.warn(note, stacklevel=2)
    return list(notes)


def _object_named(objects: list, name: str):
    return next(obj for obj in objects if obj.name == name)


def _made_by_user_code(rng):
    raise RuntimeError("these synapses were connected by the user's code; simnet does not connect them")


def describe(objects: list, user: UserNetwork) -> ModelSpec:
    """A :class:`ModelSpec` read back from Brian2 objects that user code made: populations (spike sources and
    the slices of them that synapses and inputs use), projections, Poisson inputs, time step.

    It describes; nothing is built from it. A projection's connectivity rule is the user's code.
    """
    sources = [obj for obj in objects if isinstance(obj, SpikeSource) and not isinstance(obj, Subgroup)
               and not isinstance(obj, brian2.Synapses)]
    used_slices: dict[str, dict[str, tuple[int, int]]] = {obj.name: {} for obj in sources}

    def name_of(group) -> str:
        if isinstance(group, Subgroup):
            used_slices.setdefault(group.source.name, {})[group.name] = (int(group.start), int(group.stop))
        return group.name

    projections = []
    for syn in (obj for obj in objects if isinstance(obj, brian2.Synapses)):
        pathways = {pathway.prepost: str(pathway.code) for pathway in syn._pathways}
        projections.append(Projection(
            name=syn.name, source=name_of(syn.source), target=name_of(syn.target), on_pre=pathways.get("pre"),
            on_post=pathways.get("post"), model=str(syn.equations), arrays=_made_by_user_code,
            plastic=_is_plastic(syn, pathways)))
    inputs = tuple(
        PoissonBackground(name=inp.name, target=name_of(inp.group), target_var=str(inp._target_var),
                          inputs_per_neuron=int(inp.N), rate=inp.rate, weight=str(inp._weight))
        for inp in objects if isinstance(inp, brian2.PoissonInput))
    for obj in objects:  # slices the code bound to names, e.g. Pe = P[:3200]
        if isinstance(obj, Subgroup):
            name_of(obj)
    populations = tuple(
        Population(name=group.name, size=1 if _is_cell(group) else len(group),
                   equations=str(getattr(group, "equations", "")),
                   threshold=getattr(group, "events", {}).get("spike"), method="",
                   subpopulations={} if _is_cell(group) else dict(sorted(used_slices.get(group.name, {}).items(),
                                                                         key=lambda item: item[1])),
                   compartments=len(group) if _is_cell(group) else 0,
                   threshold_compartment=_threshold_compartment(group))
        for group in sources)
    return ModelSpec(name=user.name, parameters=user.source, populations=populations,
                     projections=tuple(projections), inputs=inputs, dt=brian2.defaultclock.dt,
                     description=user.description)


def _is_cell(group) -> bool:
    """A Brian2 SpatialNeuron: one cell of many compartments."""
    return isinstance(group, brian2.SpatialNeuron)


def _threshold_compartment(group):
    """The compartment a SpatialNeuron tests its threshold at: Brian2 appends ``and (i == k)`` to the threshold
    for ``threshold_location=k``; None when the threshold applies at every compartment (or for point neurons)."""
    if not _is_cell(group):
        return None
    found = re.search(r"and \(i == (\d+)\)\s*$", str(getattr(group, "events", {}).get("spike") or ""))
    return int(found.group(1)) if found else None


def _is_plastic(syn: brian2.Synapses, pathways: dict) -> bool:
    """Whether the synapses change their own variables on a spike (plasticity), read from the pathway code."""
    own = {name for name, var in syn.variables.items()
           if getattr(getattr(var, "owner", None), "name", None) == syn.name and not name.startswith("_")}
    for code in pathways.values():
        for line in code.splitlines():
            target = line.split("=")[0].strip().rstrip("+-*/").strip() if "=" in line else ""
            if target in own and target not in ("lastupdate",):
                return True
    return False


def _device_takes_seed() -> bool:
    """Whether the active device can seed its random numbers.

    Brian2GeNN 1.7's device accepts ``brian2.seed`` and refuses it only later, when it builds the project
    (``NotImplementedError`` from ``GeNNDevice.make_main_lines``), so it has to be asked before seeding.
    """
    genn = sys.modules.get("brian2genn.device")  # imported by the genn backends' sessions, never here
    return genn is None or not isinstance(brian2.get_device(), genn.GeNNDevice)


def element_probes(spec: ModelSpec) -> tuple[dict, dict]:
    """One neuron of every population and the (unconnected) synapses of every projection, built as
    :func:`build` builds them, so that the variables Brian2 gives each neuron and synapse can be counted
    before the real network is built (``simnet.cost.memory.estimate_state_bytes``).

    Returns ``({population: NeuronGroup}, {projection: Synapses})``; nothing is run or connected. Call it
    outside a standalone session (the objects are created on the active device).
    """
    groups = {
        pop.name: brian2.NeuronGroup(1, pop.equations, threshold=pop.threshold, reset=pop.reset,
                                     refractory=pop.refractory if pop.refractory is not None else False,
                                     method=pop.method, namespace=dict(pop.namespace))
        for pop in spec.populations
    }
    owner = {name: population for name, (population, _, _) in spec.slices().items()}
    synapses = {
        proj.name: brian2.Synapses(groups[owner[proj.source]], groups[owner[proj.target]], model=proj.model,
                                   on_pre=proj.on_pre, on_post=proj.on_post, namespace=dict(proj.namespace),
                                   method=proj.method)
        for proj in spec.projections
    }
    for probe in (*groups.values(), *synapses.values()):
        # Brian2 warns when an object that was never in a network is collected (BrianObject.__del__ tests
        # ``_network is None``), which for a probe is the intent: mark it as accounted for.
        probe._network = "simnet probe"
    return groups, synapses


def _connect(syn: brian2.Synapses, proj: Projection, rng: np.random.Generator, sort: bool) -> dict:
    """Create the synapses of ``proj``; returns per-synapse values still to be assigned.

    With ``sort``, synapses simnet draws are stored by source and delay (:mod:`simnet.simulation.synapse_order`),
    drawn in that order where the projection can (``arrays_in_order``); Brian2's own ``connect(p=...)`` already
    creates them source by source.
    """
    if proj.probability is not None:
        syn.connect(p=proj.probability)
        return {}
    if proj.total_number is not None:
        drawn = {"i": rng.integers(0, len(syn.source), size=proj.total_number),
                 "j": rng.integers(0, len(syn.target), size=proj.total_number)}
    elif sort and proj.arrays_in_order:
        drawn = dict(proj.arrays(rng, in_order=True))
        sort = False  # drawn in the order the sort would give
    else:
        drawn = dict(proj.arrays(rng))
    if sort:
        order = source_delay_order(drawn["i"], drawn.get("delay"), float(brian2.defaultclock.dt))
        for name in list(drawn):
            drawn[name] = drawn[name][order]  # one array at a time: the drawn one is freed as it is replaced
        del order
    syn.connect(i=np.asarray(drawn.pop("i")), j=np.asarray(drawn.pop("j")))
    return drawn


def activity_counts(built: BuiltNetwork, duration: brian2.Quantity) -> dict:
    """What the run did: neuron-steps, spikes, synaptic events and synapse-steps, by population and projection.

    Synaptic events are counted exactly from per-neuron spike counts and each neuron's out-degree (pre
    pathway) or in-degree (post pathway, only where the projection has one). Monitors are paused during a
    pre-run, so every count covers the measured loop only. Spikes whose delayed delivery
    would fall after the end of the run are included, so the count can exceed what was delivered by at most
    the spikes of the last delay interval.
    """
    spec = built.spec
    n_steps = int(round(float(duration / brian2.defaultclock.dt)))
    spike_counts = {name: np.asarray(mon.count[:]) for name, mon in built.spike_monitors.items()}
    slices = spec.slices()

    cells = {pop.name: pop for pop in spec.populations if pop.compartments}

    def counts_of(name: str) -> np.ndarray:
        """Spikes per element (neuron, or a cell's compartment: synapses index compartments)."""
        owner, start, stop = slices[name]
        return spike_counts[owner] if owner in cells else spike_counts[owner][start:stop]

    def cell_spikes(name: str) -> int:
        """Spikes of a population: a cell's at the compartment it tests its threshold at."""
        pop = cells.get(name)
        if pop is not None and pop.threshold_compartment is not None:
            return int(spike_counts[name][pop.threshold_compartment])
        return int(counts_of(name).sum())

    populations = {
        name: {
            "size": stop - start,
            "neuron_steps": (stop - start) * n_steps,
            **({"compartments": cells[name].compartments,
                "compartment_steps": cells[name].compartments * n_steps} if name in cells else {}),
            "spikes": cell_spikes(name),
            # a subpopulation names the population it is a slice of; totals add up top-level entries only
            "part_of": owner if owner != name else "",
            # where it lies in its population's neuron indices (node_ids of the spike trains)
            "start": start,
            "stop": stop,
        }
        for name, (owner, start, stop) in slices.items()
    }
    projections = {}
    for proj in spec.projections:
        syn = built.synapses[proj.name]
        pre_index, post_index = np.asarray(syn.i[:]), np.asarray(syn.j[:])
        source_counts, target_counts = counts_of(proj.source), counts_of(proj.target)
        out_degree = np.bincount(pre_index, minlength=len(source_counts))
        in_degree = np.bincount(post_index, minlength=len(target_counts))
        projections[proj.name] = {
            "source": proj.source,
            "target": proj.target,
            "synapses": int(len(pre_index)),
            "plastic": bool(proj.plastic),
            "synaptic_events_pre": int(np.dot(out_degree, source_counts)) if proj.on_pre else 0,
            "synaptic_events_post": int(np.dot(in_degree, target_counts)) if proj.on_post else 0,
            "synapse_steps": int(len(pre_index)) * n_steps,
        }
    inputs = {}
    for bg in spec.inputs:
        _, start, stop = slices[bg.target]
        # PoissonInput draws a binomial number of events per step without recording it: the expected count.
        expected = (stop - start) * bg.inputs_per_neuron * float(bg.rate * duration)
        inputs[bg.name] = {"target": bg.target, "events": int(round(expected)), "events_are_expected_value": True}
    return {"n_steps": n_steps, "populations": populations, "projections": projections, "inputs": inputs}


def spike_trains(built: BuiltNetwork) -> dict:
    """Recorded spikes per Brian2 group: ``{name: (times_ms, node_ids)}`` (empty when not recorded); the run
    pipeline splits them into the model's populations (:func:`simnet.record.run_record.split_group_spikes`)."""
    trains = {}
    cells = {pop.name: pop for pop in built.spec.populations if pop.compartments}
    for name, mon in built.spike_monitors.items():
        if mon.record:
            times, ids = np.asarray(mon.t[:] / brian2.ms, dtype=np.float64), np.asarray(mon.i[:], dtype=np.uint64)
            if name in cells:  # a cell: its spikes are those at its threshold compartment, node id 0
                at = cells[name].threshold_compartment
                keep = ids == at if at is not None else np.ones(len(ids), dtype=bool)
                times, ids = times[keep], np.zeros(int(keep.sum()), dtype=np.uint64)
            trains[name] = (times, ids)
    return trains


def population_rates(built: BuiltNetwork, bin_width: brian2.Quantity = 1.0 * brian2.ms) -> dict:
    """Population rates per population/subpopulation, averaged in bins: ``{name: (bin_start_ms, rate_hz)}``."""
    rates = {}
    for name, mon in built.rate_monitors.items():
        rate = np.asarray(mon.rate[:] / brian2.Hz, dtype=np.float64)
        per_bin = max(1, int(round(float(bin_width / brian2.defaultclock.dt))))
        n_bins = len(rate) // per_bin
        binned = rate[: n_bins * per_bin].reshape(n_bins, per_bin).mean(axis=1)
        # The monitor starts recording after any pre-run, so bins are placed at its own first time.
        first_ms = float(mon.t[0] / brian2.ms) if len(mon.t) else 0.0
        starts = first_ms + np.arange(n_bins) * float(bin_width / brian2.ms)
        rates[name] = (starts, binned)
    return rates
