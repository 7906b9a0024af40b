"""The Chinese homework, homework/zh/: the same notebooks with the text translated.

Each homework/NN_name.ipynb has a twin homework/zh/NN_name.ipynb whose code cells are
identical cell by cell (source, cell id and nbgrader metadata), so that the release
command and the grader treat both alike, and whose markdown cells sit at the same
places and hold Chinese text. Each twin, solutions in, earns full marks.
"""

import re
from pathlib import Path

import pytest

from nnnumpy.homework import release

from .conftest import mnist_dir
from .test_homework_hw01 import run_notebook

HOMEWORK = Path(__file__).resolve().parents[1] / "homework"
ENGLISH = sorted(HOMEWORK.glob("*.ipynb"))
NAMES = [path.name for path in ENGLISH]
CJK = re.compile(r"[\u4e00-\u9fff]")


def pair(name):
    """The English notebook and its Chinese twin, as dicts (each source one string)."""
    return (release.read_notebook(HOMEWORK / name),
            release.read_notebook(HOMEWORK / "zh" / name))


def test_every_english_notebook_has_a_chinese_twin_and_no_other():
    assert NAMES, "no homework notebooks found"
    assert sorted(path.name for path in (HOMEWORK / "zh").glob("*.ipynb")) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_cells_match_kind_by_kind_and_code_is_identical(name):
    english, chinese = pair(name)
    assert [cell["cell_type"] for cell in chinese["cells"]] == [
        cell["cell_type"] for cell in english["cells"]]
    for index, (en, zh) in enumerate(zip(english["cells"], chinese["cells"])):
        assert zh.get("id") == en.get("id"), (name, index)
        assert release.nbgrader_metadata(zh) == release.nbgrader_metadata(en), (name, index)
        if en["cell_type"] == "code":
            assert release.source_text(zh) == release.source_text(en), (name, index)


@pytest.mark.parametrize("name", NAMES)
def test_markdown_is_translated_and_keeps_the_solution_markers(name):
    english, chinese = pair(name)
    for index, (en, zh) in enumerate(zip(english["cells"], chinese["cells"])):
        if en["cell_type"] != "markdown":
            continue
        text = release.source_text(zh)
        assert CJK.search(text), f"{name} cell {index} has no Chinese text"
        markers = [line.strip() for line in text.splitlines() if line.strip() in release.MARKERS]
        assert markers == [line.strip() for line in release.source_text(en).splitlines()
                           if line.strip() in release.MARKERS], (name, index)


@pytest.mark.parametrize("name", NAMES)
def test_both_languages_release_to_the_same_student_code(name):
    english, chinese = pair(name)
    students = [release.student_version(notebook, name) for notebook in (english, chinese)]
    code = [[release.source_text(cell) for cell in student["cells"] if cell["cell_type"] == "code"]
            for student in students]
    assert code[0] == code[1]


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_the_chinese_notebook_solutions_earn_full_marks(name, tmp_path, monkeypatch):
    if mnist_dir() is None and any("load_mnist(" in release.source_text(cell)
                                   for cell in pair(name)[1]["cells"]):
        pytest.skip("MNIST files not found (set NNNUMPY_DATA)")
    monkeypatch.setenv("NNNUMPY_LANG", "zh")
    rows, points = run_notebook(HOMEWORK / "zh" / name, tmp_path, monkeypatch)
    assert rows, "the notebook recorded no check"
    assert all(row["passed"] for row in rows), [row for row in rows if not row["passed"]]
    assert sum(row["points"] for row in rows) == points
