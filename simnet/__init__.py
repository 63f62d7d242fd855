"""simnet: spiking-network simulations on Brian2 with cost accounting and projections to human scale.

The Python API (:mod:`simnet.api`) is available from here: ``simnet.run``, ``simnet.read``, ``simnet.cost_table``,
``simnet.extrapolate`` and the rest, loaded on first use so that ``import simnet`` stays light.
"""
from simnet.base.version import version as _version

__version__ = _version()

_API = ("plan", "execute", "compile_project", "run", "account", "read", "summary", "plot", "compare", "firing_rates",
        "isi_cv", "synchrony", "spike_statistics", "cost_table",
        "roofline", "extrapolate", "reproduce", "backends", "run_experiment", "sweep", "fidelity", "backtest",
        "export")
__all__ = ["__version__", *_API]


def __getattr__(name):
    if name in _API:
        from simnet import api

        return getattr(api, name)
    raise AttributeError(f"module 'simnet' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *_API])
