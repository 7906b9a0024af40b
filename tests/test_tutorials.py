"""The tutorials in docs/tutorials: each runs from top to bottom, and they stay small.

Each notebook is executed in a fresh kernel (nbclient) in a temporary folder, so that
anything it writes lands there; an error in any cell fails the test. The per-cell
timeout only stops a hung kernel: how long each notebook takes is reported, not
asserted (the README lists the figures measured).
"""

from pathlib import Path

import pytest

from .conftest import mnist_dir

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

TUTORIALS = Path(__file__).resolve().parents[1] / "docs" / "tutorials"
NOTEBOOKS = sorted(TUTORIALS.glob("*.ipynb"))
MAX_TOTAL_BYTES = 5_000_000


def test_the_tutorials_are_numbered_in_teaching_order():
    numbers = [int(path.name.split("_")[0]) for path in NOTEBOOKS]
    assert numbers == list(range(1, len(NOTEBOOKS) + 1)), [path.name for path in NOTEBOOKS]
    assert len(NOTEBOOKS) >= 13


def test_the_tutorials_are_committed_with_outputs_and_stay_small():
    assert sum(path.stat().st_size for path in NOTEBOOKS) < MAX_TOTAL_BYTES
    for path in NOTEBOOKS:
        notebook = nbformat.read(path, as_version=4)
        code = [cell for cell in notebook.cells if cell.cell_type == "code"]
        assert all(cell.execution_count for cell in code), f"{path.name} was saved unexecuted"
        pictures = [output for cell in code for output in cell.outputs
                    if "image/png" in output.get("data", {})]
        tables = [cell for cell in notebook.cells
                  if cell.cell_type == "markdown" and "| --- |" in cell.source]
        assert pictures or tables, f"{path.name} has neither a picture nor a table"
        errors = [output for cell in code for output in cell.outputs
                  if output.output_type == "error"]
        assert not errors, f"{path.name} was saved with an error"


def test_the_readmes_list_every_tutorial():
    root = TUTORIALS.parents[1]
    for readme in ("README.md", "README.zh-CN.md"):
        text = (root / readme).read_text(encoding="utf-8")
        missing = [path.name for path in NOTEBOOKS if f"docs/tutorials/{path.name}" not in text]
        assert not missing, f"{readme} does not link {missing}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_the_tutorial_runs_without_an_error(path, tmp_path):
    notebook = nbformat.read(path, as_version=4)
    if mnist_dir() is None and any("load_mnist(" in cell.source for cell in notebook.cells):
        pytest.skip("MNIST files not found (set NNNUMPY_DATA)")
    client = nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
