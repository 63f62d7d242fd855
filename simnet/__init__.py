"""simnet: spiking-network simulations on Brian2 with cost accounting and projections to human scale.

The Python API (:mod:`simnet.api`) is available from here: ``simnet.run``, ``simnet.read``, ``simnet.cost_table``,
``simnet.extrapolate`` and the rest, loaded on first use so that ``import simnet`` stays light.
"""
import logging as _logging

from simnet.base.version import version as _version


class _WithoutBrian2CacheSize(_logging.Filter):
    """Brian2 checks its Cython cache when it is imported and, once the cache passes 1 GB, says so at INFO in two
    lines on the console, before simnet can turn Brian2's console down: that breaks simnet's one line per error.
    The cache is Brian2's to manage: its size is left unsaid."""

    def filter(self, record):
        return not record.getMessage().startswith("Cache size for target")


# Before anything imports brian2, on the logger its own module logs through: "brian2" in Brian2 2.5 (the GeNN
# environment), "brian2.brian2" in 2.9 (a logger's filters see only what is logged on it).
for _name in ("brian2", "brian2.brian2"):
    _logging.getLogger(_name).addFilter(_WithoutBrian2CacheSize())
del _name

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
