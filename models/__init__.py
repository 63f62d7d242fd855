"""simnet's model library: one module per model family, registered here by name.

Each entry turns a model's options (as ``simnet run`` and experiment files give them) into the family's frozen
parameter record and that record into a :class:`simnet.specs.model_spec.ModelSpec`. An option a model does not take is an
error, not silently ignored. Time options (``dt``) may be given as text such as ``"0.1ms"``, as a Brian2 quantity or in seconds.
"""
from __future__ import annotations

import dataclasses
import math
import numbers
from dataclasses import dataclass
from typing import Any, Callable, Optional

from simnet.base.errors import UsageError

__all__ = ["TIME_OPTIONS", "MAX_WHOLE_OPTION", "ModelEntry", "get_model", "model_names", "UsageError"]

#: Options whose values are times: text such as "0.1ms" is read as a Brian2 quantity.
TIME_OPTIONS = ("dt",)


@dataclass(frozen=True)
class ModelEntry:
    name: str
    summary: str
    #: option name -> parameter field it sets
    options: dict[str, str]
    params: Callable[..., Any]
    #: the parameter record -> a ModelSpec, or a network made by code (simnet.specs.user_network.UserNetwork)
    build_spec: Callable[[Any], Any]
    #: the backends that can run it (empty: any that can run its network)
    backends: tuple = ()
    #: why only ``backends`` run it (said when another is asked for)
    backends_reason: str = ""
    #: the parameter record -> the options a peer program is given (None: the model's options as given)
    peer_options: Optional[Callable[[Any], dict]] = None
    #: the thread count when the user gives none (None: simnet's default, every free CPU), and why
    default_threads: Optional[int] = None
    default_threads_reason: str = ""

    def check_backend(self, backend: str) -> None:
        """Refuse a backend this model cannot run on, in one line."""
        if self.backends and backend not in self.backends:
            raise UsageError(f"model {self.name} runs on {' and '.join(self.backends)} only; {backend} cannot run "
                             f"it ({self.backends_reason})", parameter="backend")

    def parameters(self, **options) -> Any:
        """The parameter record for the given options (None values mean "use the default")."""
        given = {k: v for k, v in options.items() if v is not None}
        unsupported = sorted(set(given) - set(self.options))
        if unsupported:
            raise UsageError(f"model {self.name} does not take the option(s) {', '.join(unsupported)} "
                             f"(it takes {', '.join(self.options)})")
        kinds = {f.name: str(f.type) for f in dataclasses.fields(self.params)}
        for name, value in given.items():
            given[name] = _of_kind(name, value, kinds.get(self.options[name], ""))
        try:
            return self.params(**{self.options[k]: v for k, v in given.items()})
        except ValueError as err:
            raise UsageError(str(err)) from None


#: The largest magnitude a model option may take (neurons, scales): ten times a human brain's neuron count.
MAX_WHOLE_OPTION = 10**12


def _of_kind(name: str, value: Any, kind: str) -> Any:
    """An option's value checked against the type of the parameter field it sets (a whole number of neurons, a
    fraction, a name, a time), so a wrong one is refused in simnet's words rather than failing deep inside."""
    if kind == "int":
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise UsageError(f"{name} must be a whole number, got {value!r}", parameter=name)
        value = int(value)
        if abs(value) > MAX_WHOLE_OPTION:  # beyond any machine: refused before any size is computed from it
            raise UsageError(f"{name} must be at most {MAX_WHOLE_OPTION:.0e}, got {value:.3g}", parameter=name)
    elif kind == "float":
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
            raise UsageError(f"{name} must be a number, got {value!r}", parameter=name)
        value = float(value)
        if abs(value) > MAX_WHOLE_OPTION:
            raise UsageError(f"{name} must be at most {MAX_WHOLE_OPTION:.0e}, got {value:.3g}", parameter=name)
    elif kind == "str":
        if not isinstance(value, str):
            raise UsageError(f"{name} must be a name, got {value!r}", parameter=name)
    elif name in TIME_OPTIONS:
        from brian2 import second

        from simnet.base.units import as_seconds

        value = as_seconds(value, name) * second  # "0.1ms", 0.1*ms or seconds; another dimension is refused
    return value


def _registry() -> dict[str, ModelEntry]:
    from simnet.models import cells, cobahh, microcircuit

    return {
        "cobahh": ModelEntry(
            name="cobahh",
            summary="Brette et al. 2007 benchmark 3: Hodgkin-Huxley network, conductance synapses, optional STDP",
            options={"neurons": "n_neurons", "mode": "mode", "plasticity": "plasticity"},
            params=cobahh.CobahhParams,
            build_spec=cobahh.build_spec,
        ),
        "microcircuit": ModelEntry(
            name="microcircuit",
            summary="Potjans & Diesmann 2014 cortical microcircuit; neuron model, synapse model and scale chosen",
            options={"scale": "n_scaling", "k_scale": "k_scaling", "neuron_model": "neuron_model",
                     "synapse_model": "synapse_model", "background": "background", "dt": "dt"},
            params=microcircuit.MicrocircuitParams,
            build_spec=microcircuit.build_spec,
        ),
        "cells": ModelEntry(
            name="cells",
            summary="compartmental cells of one level (ball and stick, reduced or detailed pyramidal), wired with "
                    "the column's layer-4 connection probabilities; one excitatory cell alone by default",
            options={"level": "level", "exc": "exc", "inh": "inh"},
            params=cells.CellCircuitParams,
            build_spec=cells.build_circuit,
            backends=cells.CELL_BACKENDS,
            backends_reason="Brian2GeNN and Brian2CUDA have no multicompartment support",
            peer_options=cells.circuit_as_peer_data,
            default_threads=1,
            default_threads_reason="one SpatialNeuron per cell, whose few compartments OpenMP splits at every step: "
                                   "a second thread slowed ten wired cells several-fold and did not speed up the "
                                   "detailed cell (docs/results/detailed-cells.md)",
        ),
    }


def get_model(name: str) -> ModelEntry:
    models = _registry()
    if name not in models:
        raise UsageError(f"unknown model {name!r}; choose one of {', '.join(models)}")
    return models[name]


def model_names() -> list[str]:
    return list(_registry())
