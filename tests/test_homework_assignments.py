"""Every assignment in homework/: its student version runs, the grader scores it.

For each homework/*.ipynb (whatever is there): the source releases cleanly; the student
version, run from top to bottom in a fresh kernel as a student's "Run all" does, raises
nowhere and records 0 points in every check cell, each part stopping at its
NotImplementedError; and the grader gives the source (the solutions) full marks and the
student version 0.
"""

import os
from pathlib import Path

import pytest

from nnnumpy.homework import release

from .conftest import mnist_dir

HOMEWORK = Path(__file__).resolve().parents[1] / "homework"
ASSIGNMENTS = sorted(HOMEWORK.glob("*.ipynb"))
CELL_TIMEOUT = 120     # s: only stops a hung kernel; each notebook runs in well under 60 s
TOTAL_TIMEOUT = 600


def skip_without_mnist(path):
    notebook = release.read_notebook(path)
    if mnist_dir() is None and any("load_mnist(" in cell["source"] for cell in notebook["cells"]):
        pytest.skip("MNIST files not found (set NNNUMPY_DATA)")


def code_cells(notebook):
    return [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]


@pytest.mark.parametrize("path", ASSIGNMENTS, ids=[path.stem for path in ASSIGNMENTS])
def test_the_source_releases_to_a_student_version_without_answers(path):
    source = release.read_notebook(path)
    student = release.student_version(source, path.name)
    text = "".join(cell["source"] for cell in student["cells"])
    assert not any(marker in text for marker in release.MARKERS)
    solutions = [cell for cell in code_cells(student) if release.is_solution_cell(cell)]
    checks = [cell for cell in code_cells(student) if release.is_check_cell(cell)]
    assert solutions and checks, f"{path.name} needs solution cells and check cells"
    assert all(release.CODE_STUB in cell["source"] for cell in solutions)
    assert all(release.nbgrader_metadata(cell)["points"] > 0 for cell in checks)


@pytest.mark.slow
@pytest.mark.parametrize("path", ASSIGNMENTS, ids=[path.stem for path in ASSIGNMENTS])
def test_the_student_version_runs_to_each_parts_not_implemented_error(path, tmp_path):
    grader = pytest.importorskip("nnnumpy.homework.grader")
    skip_without_mnist(path)
    cells = code_cells(release.student_version(release.read_notebook(path), path.name))
    results = tmp_path / "results.jsonl"
    env = dict(os.environ, MPLBACKEND="Agg", **{grader.RESULTS_ENV: str(results)})
    with grader.NotebookRun([cell["source"] for cell in cells], tmp_path, env, CELL_TIMEOUT,
                            TOTAL_TIMEOUT) as run:
        for index, cell in enumerate(cells):
            grade_id = release.nbgrader_metadata(cell).get("grade_id")
            offset = results.stat().st_size if results.exists() else 0
            outcome = run.run(index)
            assert outcome.status == "ok", f"{path.name}, cell '{grade_id}': {outcome.message}"
            if not release.is_check_cell(cell):
                continue
            checks = grader.read_results(results, offset)
            assert checks, f"{path.name}: the check cell '{grade_id}' recorded no result"
            assert all(check["points"] == 0 for check in checks), (grade_id, checks)
            details = [line for check in checks for line in check["details"]]
            assert any("not implemented yet" in line for line in details), (grade_id, details)


@pytest.mark.slow
@pytest.mark.parametrize("path", ASSIGNMENTS, ids=[path.stem for path in ASSIGNMENTS])
def test_the_grader_gives_the_solutions_full_marks_and_the_student_version_zero(path,
                                                                               tmp_path):
    grader = pytest.importorskip("nnnumpy.homework.grader")
    skip_without_mnist(path)
    submissions = tmp_path / "submitted"
    (submissions / "solutions").mkdir(parents=True)
    (submissions / "solutions" / path.name).write_bytes(path.read_bytes())
    (submissions / "student").mkdir()
    release.release(path, submissions / "student" / path.name)
    table = grader.grade_all(path, submissions, tmp_path / "grades", CELL_TIMEOUT,
                             TOTAL_TIMEOUT, jobs=2, progress=False)
    solutions, student = table["students"]
    for part in solutions["parts"]:
        assert (part["points"], part["reason"]) == (part["max_points"], ""), part
        recorded = sum(check["max_points"] for check in part["checks"])
        assert recorded == part["max_points"], (
            f"{part['part']}: its checks are worth {recorded}, its metadata says "
            f"{part['max_points']} points")
    assert student["total"] == 0
    assert all(part["reason"].startswith("not implemented yet") for part in student["parts"])
