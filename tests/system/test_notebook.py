"""The example notebook (docs/notebooks/quickstart.ipynb) runs from top to bottom: every code cell is executed in a
fresh kernel and an error in any cell fails the test. Its run is small (runtime backend), so this takes seconds.

Needs nbclient and ipykernel (the dev extra); without them it is skipped.
"""
from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[2] / "docs" / "notebooks" / "quickstart.ipynb"


def test_the_quickstart_notebook_runs_every_cell(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert len(code_cells) >= 6
    # executed where it can write nothing into the repository
    nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    assert all(cell.get("execution_count") for cell in code_cells)  # each one ran
    outputs = {index: cell.outputs for index, cell in enumerate(code_cells)}
    assert not [o for cell_outputs in outputs.values() for o in cell_outputs if o.output_type == "error"]
    # the record's repr is its short form, the figure is drawn as an image (once), the rates table is a DataFrame
    results = {index: [o for o in cell_outputs if o.output_type == "execute_result"]
               for index, cell_outputs in outputs.items()}
    shown = results[0][0]["data"]["text/plain"]
    assert shown.startswith("<RunRecord cobahh on runtime") and len(shown.splitlines()) == 3
    assert [o for o in outputs[3] if "image/png" in o.get("data", {})] == results[3] and len(results[3]) == 1
    assert "mean_rate_hz" in results[5][0]["data"]["text/plain"]
