"""simnet's model library: one module per model family, registered here by name.

Each entry turns the command line's model options into the family's frozen parameter record and that record
into a :class:`simnet.spec.ModelSpec`. An option a model does not take is an error, not silently ignored.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from simnet.errors import UsageError


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
            flags = ", ".join("--" + name.replace("_", "-") for name in unsupported)
            raise UsageError(f"model {self.name} does not take {flags}")
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
