"""Model descriptions: what a network is, with no Brian2 object built yet.

A model module (``simnet.models.*``) turns its parameter record into a :class:`ModelSpec`;
:mod:`simnet.simulation.network_builder` is the only module that turns a ModelSpec into Brian2 groups and synapses.
Keeping the description apart from construction lets the cost accounting read the equations, and
lets every backend build the same network.

Names of populations and projections become the names of the Brian2 objects, and the keys under which
activity counts and costs are recorded; they must be valid Python identifiers and unique in a model.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any, Callable, Mapping, Optional, Union

from brian2 import Quantity

from simnet.base.errors import UsageError

__all__ = ["DEFAULT_DT_S", "Value", "Population", "Projection", "PoissonBackground", "ModelSpec", "parameter_items",
           "default", "check_run_time"]

#: Brian2's default integration time step (``defaultclock.dt``), in seconds.
DEFAULT_DT_S = 1e-4

#: A value for a state variable or a delay: a Brian2 quantity, a plain number, or a Brian2 expression string
#: evaluated per element (e.g. ``"El + (randn()*5. - 5.)*mV"``).
Value = Union[Quantity, float, int, str]


@dataclass(frozen=True)
class Population:
    """A group of identical neurons."""

    name: str
    size: int
    equations: str
    threshold: Optional[str]
    reset: Optional[str] = None
    refractory: Union[Quantity, str, None] = None
    method: str = "exponential_euler"
    initial_values: Mapping[str, Value] = field(default_factory=dict)
    namespace: Mapping[str, Any] = field(default_factory=dict)
    #: Named contiguous slices ``name -> (start, stop)``; projections may use them as source or target, and
    #: activity is also counted per slice. One group with slices builds fewer code objects than separate groups.
    subpopulations: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    #: The neuron model's type in Izhikevich (2004, Fig. 2), e.g. "hodgkin_huxley", shown beside its counted cost.
    model_type: str = ""
    #: A compartmental population (a Brian2 SpatialNeuron: one cell, ``size`` 1): its compartments, and the one
    #: its threshold is tested at (None: every compartment). 0 for point neurons.
    compartments: int = 0
    threshold_compartment: Optional[int] = None


@dataclass(frozen=True)
class Projection:
    """Synapses from one population to another.

    Exactly one connectivity rule is given: ``probability`` (independent Bernoulli draws per pair, Brian2's
    ``connect(p=...)``), ``total_number`` (a fixed total number of synapses with sources and targets drawn
    uniformly, multapses and autapses allowed, as in Potjans & Diesmann 2014), or ``arrays``: a function
    that takes a seeded ``numpy.random.Generator`` and returns ``{"i": ..., "j": ...}`` plus optional
    per-synapse values (e.g. ``"w"``, ``"delay"`` as Brian2 quantities).
    """

    name: str
    source: str
    target: str
    on_pre: Optional[str]
    model: str = ""
    on_post: Optional[str] = None
    probability: Optional[float] = None
    total_number: Optional[int] = None
    arrays: Optional[Callable[[Any], Mapping[str, Any]]] = None
    delay: Optional[Value] = None
    initial_values: Mapping[str, Value] = field(default_factory=dict)
    namespace: Mapping[str, Any] = field(default_factory=dict)
    method: str = "exact"
    #: True when the synapses carry plasticity (their on_pre/on_post update weights).
    plastic: bool = False
    #: With ``arrays``: how many synapses the function draws (None: not known before it runs).
    expected_synapses: Optional[int] = None
    #: With ``arrays``: the function takes ``in_order=True`` and then returns its synapses already stored by
    #: source neuron and delay step (the builder's order, :mod:`simnet.simulation.synapse_order`), so that they
    #: need no sort.
    arrays_in_order: bool = False

    def __post_init__(self):
        rules = [r for r in (self.probability, self.total_number, self.arrays) if r is not None]
        if len(rules) != 1:
            raise ValueError(f"projection {self.name}: give exactly one of probability, total_number, arrays")


@dataclass(frozen=True)
class PoissonBackground:
    """Independent Poisson spike trains into every neuron of a population (Brian2's ``PoissonInput``)."""

    name: str
    target: str
    target_var: str
    inputs_per_neuron: int
    rate: Quantity
    weight: str


@dataclass(frozen=True)
class ModelSpec:
    """Everything needed to build one network, plus the parameter record it came from."""

    name: str
    parameters: Any
    populations: tuple[Population, ...]
    projections: tuple[Projection, ...] = ()
    inputs: tuple[PoissonBackground, ...] = ()
    dt: Optional[Quantity] = None
    description: str = ""
    #: The model's own order of its populations (e.g. the column's layers), used by reports and plots; names it
    #: leaves out follow in the order declared.
    display_order: tuple[str, ...] = ()

    @property
    def n_neurons(self) -> int:
        return sum(p.size for p in self.populations)

    @property
    def time_step_s(self) -> float:
        """The integration time step in seconds (Brian2's default when the model sets none)."""
        return float(self.dt) if self.dt is not None else DEFAULT_DT_S

    def expected_synapses(self, projection: "Projection") -> Optional[float]:
        """How many synapses ``projection`` will have (the expectation for a probability rule; None: unknown)."""
        if projection.total_number is not None:
            return float(projection.total_number)
        if projection.probability is not None:
            sizes = {name: stop - start for name, (_, start, stop) in self.slices().items()}
            return projection.probability * sizes[projection.source] * sizes[projection.target]
        return None if projection.expected_synapses is None else float(projection.expected_synapses)

    def population(self, name: str) -> Population:
        for pop in self.populations:
            if pop.name == name:
                return pop
        raise KeyError(name)

    def slices(self) -> dict[str, tuple[str, int, int]]:
        """Every population and subpopulation name -> (owning population, start, stop)."""
        named: dict[str, tuple[str, int, int]] = {}
        for pop in self.populations:
            named[pop.name] = (pop.name, 0, pop.size)
            for sub, (start, stop) in pop.subpopulations.items():
                named[sub] = (pop.name, start, stop)
        return named


def parameter_items(parameters: Any) -> dict[str, Any]:
    """The fields of a parameter record (a dataclass, possibly nested) as a flat ``name -> value`` dict."""
    if not is_dataclass(parameters):
        return {}
    items: dict[str, Any] = {}
    for f in fields(parameters):
        value = getattr(parameters, f.name)
        if is_dataclass(value):
            for sub_name, sub_value in parameter_items(value).items():
                items[f"{f.name}.{sub_name}"] = sub_value
        else:
            items[f.name] = value
    return items


def default(value: Any):
    """Dataclass default for a Brian2 quantity (an array type, which dataclasses refuse as a plain default)."""
    return field(default_factory=lambda: value)


def check_run_time(duration_s: float, pre_run_s: float, step_s: float, what: str) -> None:
    """Refuse a duration (or pre-run) shorter than one time step ``step_s`` of ``what`` (e.g. "the cobahh
    model"): nothing would be simulated, and every figure per biological second would divide by (nearly)
    nothing."""
    for name, seconds in (("duration", duration_s), ("pre_run", pre_run_s)):
        if (name == "duration" or seconds > 0) and seconds < step_s * (1 - 1e-9):
            raise UsageError(f"{name} {seconds * 1e3:g} ms is shorter than one time step of {what} "
                             f"({step_s * 1e3:g} ms): nothing would be simulated", parameter=name)
