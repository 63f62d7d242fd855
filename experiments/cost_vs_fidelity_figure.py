"""The cost-versus-fidelity figure from LIF to the detailed cell, drawn from committed results only: the column's
ladder (experiments/results/fidelity_epyc-2core_2026-11-22.json) and the compartmental cells (data/cell_costs.csv).
Writes docs/results/cost_vs_fidelity_cells.png and .svg.

    PYTHONPATH=. python experiments/cost_vs_fidelity_figure.py
"""
import json
from pathlib import Path

from simnet.report import fidelity_table
from simnet.report.figures import plot_cost_vs_fidelity

ROOT = Path(__file__).resolve().parent.parent
LADDER = ROOT / "experiments" / "results" / "fidelity_epyc-2core_2026-11-22.json"


def main() -> list:
    table = json.loads(LADDER.read_text())
    table["cell_levels"] = fidelity_table.cell_levels()
    return plot_cost_vs_fidelity(**fidelity_table.figure_inputs(table),
                                 out_stem=ROOT / "docs" / "results" / "cost_vs_fidelity_cells")


if __name__ == "__main__":
    print("\n".join(str(path) for path in main()))
