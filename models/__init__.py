"""simnet's model library: one module per model family, registered here by name.

Each entry turns a model's options (as ``simnet run`` and experiment files give them) into the family's frozen
parameter record and that record into a :class:`simnet.spec.ModelSpec`. An option a model does not take is an
error, not silently ignored. Time options (``dt``) may be given as text such as ``"0.1ms"``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from simnet.errors import UsageError

#: Options whose values are times: text such as "0.1ms" is read as a Brian2 quantity.
TIME_OPTIONS = ("dt",)


@dataclass(frozen=True)
class ModelEntry:
    name: str
    summary: str
    #: option name -> parameter field it sets
    options: dict[str, str]
    params: Callable[..., Any]
    build_spec: Callable[[Any], Any]

    def parameters(self, **options) -> Any:
        """The parameter record for the given options (None values mean "use the default")."""
        given = {k: v for k, v in options.items() if v is not None}
        unsupported = sorted(set(given) - set(self.options))
        if unsupported:
            raise UsageError(f"model {self.name} does not take the option(s) {', '.join(unsupported)} "
                             f"(it takes {', '.join(self.options)})")
        for name in TIME_OPTIONS:
            if isinstance(given.get(name), str):
                from brian2 import second

                from simnet.units import parse_time_s

                given[name] = parse_time_s(given[name], name) * second
        try:
            return self.params(**{self.options[k]: v for k, v in given.items()})
        except ValueError as err:
            raise UsageError(str(err)) from None


def _registry() -> dict[str, ModelEntry]:
    from simnet.models import cobahh, microcircuit

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
    }


def get_model(name: str) -> ModelEntry:
    models = _registry()
    if name not in models:
        raise UsageError(f"unknown model {name!r}; choose one of {', '.join(models)}")
    return models[name]


def model_names() -> list[str]:
    return list(_registry())
