"""Write ``data/element_costs.csv``: the per-element costs of the model library, counted by simnet.

Each configuration is built and run for a few steps in Brian2's runtime mode (numpy target: nothing compiled);
:func:`simnet.cost.elements.element_costs` reads its FLOPs per element and bytes of state off the record. The
counts do not depend on the machine or on the run's length. Run ``python -m simnet.bench.element_costs >
data/element_costs.csv``; ``tests/unit/test_elements.py`` checks that the committed table is what simnet counts today.
"""
from __future__ import annotations

import csv
import io
import sys

__all__ = ["CONFIGURATIONS", "count", "table_text"]

#: name -> (model, options): the networks the back-test and the projections describe.
CONFIGURATIONS = {
    "cobahh_benchmark": ("cobahh", {"neurons": 400, "mode": "benchmark", "plasticity": "none"}),
    "cobahh_classic": ("cobahh", {"neurons": 400, "mode": "classic", "plasticity": "none"}),
    "cobahh_classic_stdp": ("cobahh", {"neurons": 400, "mode": "classic", "plasticity": "stdp"}),
    **{f"pd14_{level}": ("microcircuit", {"scale": 0.02, "k_scale": 0.05, "neuron_model": level,
                                          "synapse_model": "static"})
       for level in ("lif_exp", "lif_cond", "adex", "izhikevich", "hh_traub", "two_compartment")},
    "pd14_lif_exp_stdp": ("microcircuit", {"scale": 0.02, "k_scale": 0.05, "neuron_model": "lif_exp",
                                           "synapse_model": "stdp"}),
}


def count(name: str):
    """The :class:`~simnet.cost.elements.ElementCosts` of one configuration (a 2 ms runtime-mode run)."""
    import simnet.simulation.backends as backends
    from simnet.base.version import version
    from simnet.cost.elements import element_costs
    from simnet.pipeline import execute, plan_run
    from simnet.simulation.settings import RunSettings

    model, options = CONFIGURATIONS[name]
    saved = backends.BACKENDS["runtime"]
    backends.BACKENDS["runtime"] = lambda: backends.RuntimeBackend("numpy")
    try:
        record = execute(plan_run(model, options, duration_s=2e-3, backend="runtime",
                                  settings=RunSettings(progress=False), record_spikes=False))
    finally:
        backends.BACKENDS["runtime"] = saved
    text = ", ".join(f"{k}={v}" for k, v in options.items())
    return element_costs(record.cost_detail, record.counts, name,
                         f"counted by simnet {version()} (Brian2 {record.provenance['packages']['brian2']}) "
                         f"from {model} ({text}), python -m simnet.bench.element_costs")


def table_text(names=None) -> str:
    """The CSV text of ``data/element_costs.csv`` (header comment and one row per configuration)."""
    from simnet.cost.elements import ElementCosts

    out = io.StringIO()
    out.write("# Per-element costs of simnet's model library, counted by simnet (simnet.cost.elements.element_costs):\n"
              "# FLOPs per neuron-step, per spike, per synaptic event and per plastic update (as executed and after\n"
              "# common-subexpression elimination, *_cse), bytes of state per neuron and per synapse at double precision\n"
              "# (float values apart from indices), code objects run every step. Written by\n"
              "# `python -m simnet.bench.element_costs > data/element_costs.csv`; tests/unit/test_elements.py checks it.\n")
    writer = csv.DictWriter(out, fieldnames=list(ElementCosts.__annotations__), lineterminator="\n")
    writer.writeheader()
    for name in names or CONFIGURATIONS:
        row = count(name).to_dict()
        writer.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in row.items()})
    return out.getvalue()


if __name__ == "__main__":
    sys.stdout.write(table_text())
