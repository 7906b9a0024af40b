"""The tutorials in docs/tutorials: each runs from top to bottom, and they stay small.

Each notebook is executed in a fresh kernel (nbclient) in a temporary folder, so that
anything it writes lands there; an error in any cell fails the test. The per-cell
timeout only stops a hung kernel: how long each notebook takes is reported, not
asserted (the README lists the figures measured). Every figure saved in a notebook is
at least MIN_FIGURE_WIDTH pixels wide, readable on a projector.
"""

import base64
from pathlib import Path

import pytest

from .conftest import mnist_dir

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

TUTORIALS = Path(__file__).resolve().parents[1] / "docs" / "tutorials"
NOTEBOOKS = sorted(TUTORIALS.glob("*.ipynb"))
MAX_TOTAL_BYTES = 5_000_000
MIN_FIGURE_WIDTH = 1000   # pixels: readable on a projector
# Notebooks whose figures are still drawn at 72 dpi (under 650 pixels wide): remove a name
# from this list when its figures are redrawn at least MIN_FIGURE_WIDTH wide.
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


def png_width(data):
    """The width in pixels of a PNG image: bytes 16-20 of its IHDR chunk, big-endian."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ValueError(f"not a PNG image: it starts with {data[:16]!r}")
    return int.from_bytes(data[16:20], "big")


def test_png_width_reads_the_header():
    header = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\x0dIHDR" + (1234).to_bytes(4, "big")
    assert png_width(header + (567).to_bytes(4, "big")) == 1234
    with pytest.raises(ValueError, match="not a PNG"):
        png_width(b"GIF89a" + bytes(20))


def saved_figure_widths(path):
    """The pixel width of every PNG output saved in the notebook at ``path``."""
    notebook = nbformat.read(path, as_version=4)
    return [png_width(base64.b64decode(output["data"]["image/png"]))
            for cell in notebook.cells if cell.cell_type == "code"
            for output in cell.outputs if "image/png" in output.get("data", {})]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_every_saved_figure_is_wide_enough_for_a_projector(path):
    widths = saved_figure_widths(path)
    narrow = [width for width in widths if width < MIN_FIGURE_WIDTH]
    assert not narrow, (f"{path.name}: {len(narrow)} of {len(widths)} figures are narrower than "
                        f"{MIN_FIGURE_WIDTH} px ({narrow}); set figure.dpi and figure.figsize")


def test_the_readmes_list_every_tutorial():
    root = TUTORIALS.parents[1]
    for readme in ("README.md", "README.zh-CN.md"):
        text = (root / readme).read_text(encoding="utf-8")
        missing = [path.name for path in NOTEBOOKS if f"docs/tutorials/{path.name}" not in text]
        assert not missing, f"{readme} does not link {missing}"


def glyph_warnings(notebook):
    """The stderr outputs of an executed notebook that report a glyph missing from a font."""
    return [output.text for cell in notebook.cells if cell.cell_type == "code"
            for output in cell.outputs
            if output.output_type == "stream" and output.name == "stderr"
            and "glyph" in output.text.lower()]


def execute(path, tmp_path, language):
    """Run the notebook at ``path`` in a fresh kernel in ``tmp_path``, figure text in
    ``language`` ('en' or 'zh', through NNNUMPY_LANG); an error in a cell fails the test."""
    notebook = nbformat.read(path, as_version=4)
    if mnist_dir() is None and any("load_mnist(" in cell.source for cell in notebook.cells):
        pytest.skip("MNIST files not found (set NNNUMPY_DATA)")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NNNUMPY_LANG", language)
        client = nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3",
                                         resources={"metadata": {"path": str(tmp_path)}})
        client.execute()
    assert not glyph_warnings(notebook), f"{path.name}: {glyph_warnings(notebook)[0]}"
    return notebook


def test_figure_text_is_written_in_both_languages():
    """Every tutorial that draws a figure writes its text as tr(english, chinese), so that the
    Chinese twin, whose code is the same, can draw it in Chinese (nnnumpy.plotting.tr)."""
    for path in NOTEBOOKS:
        code = "\n".join(cell.source for cell in nbformat.read(path, as_version=4).cells
                         if cell.cell_type == "code")
        if saved_figure_widths(path):
            assert "from nnnumpy.plotting import" in code and "tr(" in code, path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_the_tutorial_runs_without_an_error(path, tmp_path):
    execute(path, tmp_path, "en")
