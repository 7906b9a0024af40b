"""The grader: points per part from the checks' records, and a zero with its reason for
every way a submission can go wrong, without ever stopping.

One grading run of a folder of submissions of tests/homework_fixtures/tiny.ipynb (two
parts of 2 points each) is shared by the tests that read its tables; each submission is
the student version with one or two solution cells rewritten.
"""

import contextlib
import csv
import io
import json
import os
from pathlib import Path

import pytest

from nnnumpy.homework import release

nbclient = pytest.importorskip("nbclient")
from nnnumpy.homework import grader  # noqa: E402 (needs nbclient)
from nnnumpy.homework.__main__ import main  # noqa: E402

FIXTURES = Path(__file__).resolve().parent / "homework_fixtures"
TINY = FIXTURES / "tiny.ipynb"
CELL_TIMEOUT = 3

RIGHT_DOUBLE = "def double(x):\n    return 2 * x"
RIGHT_SQUARE_SUM = "def square_sum(x):\n    return float(np.sum(x ** 2))"
SUBMISSIONS = {    # student -> {solution grade_id: the student's code}
    "raises": {"double_solution": 'raise RuntimeError("my cell fails")',
               "square_sum_solution": RIGHT_SQUARE_SUM},
    "loops": {"double_solution": "def double(x):\n    while True:\n        pass",
              "square_sum_solution": RIGHT_SQUARE_SUM},
    "syntax": {"double_solution": RIGHT_DOUBLE,
               "square_sum_solution": "def square_sum(x)\n    return x"},
    "prints": {"double_solution": 'print("x" * 5_000_000)\n' + RIGHT_DOUBLE,
               "square_sum_solution": "def square_sum(x):\n    while True:\n"
                                      "        print('spam' * 1000)"},
    "exits": {"double_solution": "import os\n\ndef double(x):\n    os._exit(1)",
              "square_sum_solution": RIGHT_SQUARE_SUM},
    "partial": {"double_solution": "def double(x):\n    return 2 * x if x.ndim == 1 else x",
                "square_sum_solution": "def square_sum(x):\n    return float(np.sum(x))"},
}


def student_notebook():
    return release.student_version(release.read_notebook(TINY), TINY.name)


def with_solutions(notebook, solutions):
    for cell in notebook["cells"]:
        grade_id = release.nbgrader_metadata(cell).get("grade_id")
        if grade_id in solutions:
            cell["source"] = solutions[grade_id]
    return notebook


def write_submission(folder, student, notebook, nested=False):
    path = folder / student / ("tiny" if nested else "") / "tiny.ipynb"
    path.parent.mkdir(parents=True)
    release.write_notebook(notebook, path)
    return path


def deleted_and_edited_checks():
    """Check cells deleted, the setup's check_double made to pass anything, double wrong."""
    notebook = with_solutions(student_notebook(), {
        "double_solution": "def double(x):\n    return x + 2",
        "square_sum_solution": RIGHT_SQUARE_SUM,
        "setup": "def check_double(f, hidden=False):\n    print('all good')"})
    notebook["cells"] = [cell for cell in notebook["cells"]
                         if not release.nbgrader_metadata(cell).get("grade")]
    return notebook


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The tables of one run over every kind of submission (two at a time)."""
    folder = tmp_path_factory.mktemp("submissions")
    write_submission(folder, "solution", release.read_notebook(TINY), nested=True)
    write_submission(folder, "unmodified", student_notebook())
    for student, solutions in SUBMISSIONS.items():
        write_submission(folder, student, with_solutions(student_notebook(), solutions))
    write_submission(folder, "deleted_checks", deleted_and_edited_checks())
    (folder / "no_notebook").mkdir()
    (folder / "not_json" / "tiny.ipynb").parent.mkdir()
    (folder / "not_json" / "tiny.ipynb").write_text("{", encoding="utf-8")
    out = tmp_path_factory.mktemp("grades")
    printed, progress = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(progress):
        status = main(["grade", str(TINY), str(folder), "--out", str(out), "--jobs", "2",
                       "--timeout-cell", str(CELL_TIMEOUT), "--timeout-total", "60"])
    assert status == 0, progress.getvalue()
    table = json.loads((out / "tiny_grades.json").read_text(encoding="utf-8"))
    return {"table": table, "out": out, "printed": printed.getvalue(),
            "progress": progress.getvalue(),
            "students": {result["student"]: result for result in table["students"]}}


def parts(graded, student):
    return {part["part"]: part for part in graded["students"][student]["parts"]}


def points(graded, student):
    return [part["points"] for part in graded["students"][student]["parts"]]


@pytest.mark.slow
def test_the_solution_gets_full_marks_in_the_nested_layout(graded):
    result = graded["students"]["solution"]
    assert result["total"] == result["max_total"] == 4
    assert result["submission"].endswith("solution/tiny/tiny.ipynb")
    assert all(part["reason"] == "" for part in result["parts"])
    checks = parts(graded, "solution")["check_double"]["checks"]
    assert [(check["check"], check["points"], check["passed"]) for check in checks] == [
        ("double", 1, True), ("double", 1, True)], "the public and the hidden check recorded"


@pytest.mark.slow
def test_the_unmodified_student_version_gets_zero_not_implemented_yet(graded):
    assert points(graded, "unmodified") == [0, 0]
    for part in parts(graded, "unmodified").values():
        assert part["reason"].startswith("not implemented yet: the solution cell '")
        assert "is not implemented yet" in part["checks"][0]["details"][0]


@pytest.mark.slow
def test_a_cell_that_raises_zeroes_its_part_with_the_error(graded):
    assert points(graded, "raises") == [0, 2]
    reason = parts(graded, "raises")["check_double"]["reason"]
    assert "the solution cell 'double_solution' failed: RuntimeError: my cell fails" in reason
    assert "the check cell: NameError: name 'double' is not defined" in reason


@pytest.mark.slow
def test_an_endless_loop_times_out_and_the_next_part_is_graded_in_a_fresh_kernel(graded):
    assert points(graded, "loops") == [0, 2]
    reason = parts(graded, "loops")["check_double"]["reason"]
    assert f"timed out after {CELL_TIMEOUT} s" in reason


@pytest.mark.slow
def test_a_syntax_error_zeroes_its_part_only(graded):
    assert points(graded, "syntax") == [2, 0]
    reason = parts(graded, "syntax")["check_square_sum"]["reason"]
    assert "the solution cell 'square_sum_solution' failed: SyntaxError" in reason


@pytest.mark.slow
def test_megabytes_of_output_cost_nothing_and_printing_forever_times_out(graded):
    assert points(graded, "prints") == [2, 0]
    assert "timed out" in parts(graded, "prints")["check_square_sum"]["reason"]


@pytest.mark.slow
def test_a_kernel_killed_by_os_exit_zeroes_that_part_and_the_next_is_graded(graded):
    assert points(graded, "exits") == [0, 2]
    assert "the kernel died" in parts(graded, "exits")["check_double"]["reason"]


@pytest.mark.slow
def test_partial_points_survive_the_assert_that_closes_the_hidden_tests(graded):
    assert points(graded, "partial") == [1, 0]
    double, square_sum = parts(graded, "partial").values()
    assert [check["passed"] for check in double["checks"]] == [True, False]
    assert [check["mistake"] for check in square_sum["checks"]] == ["sum_not_squared"] * 2
    assert square_sum["checks"][0]["hint"] == "Square each entry before summing: np.sum(x ** 2)."
    assert square_sum["reason"] == "square_sum: sum_not_squared"


@pytest.mark.slow
def test_deleted_or_edited_checks_are_the_teachers_again(graded):
    assert points(graded, "deleted_checks") == [0, 2]
    double = parts(graded, "deleted_checks")["check_double"]
    assert [check["mistake"] for check in double["checks"]] == ["added_two", "added_two"]
    assert double["checks"][0]["hint"] == "Doubling multiplies by 2; it does not add 2."


@pytest.mark.slow
def test_a_missing_or_unreadable_notebook_is_a_zero_with_the_reason(graded):
    assert points(graded, "no_notebook") == [0, 0]
    assert parts(graded, "no_notebook")["check_double"]["reason"] == (
        "no submission: expected <student>/tiny.ipynb")
    assert "not a readable notebook" in parts(graded, "not_json")["check_double"]["reason"]


@pytest.mark.slow
def test_the_csv_has_a_row_per_student_and_a_column_per_part(graded):
    with open(graded["out"] / "tiny_grades.csv", newline="", encoding="utf-8") as file:
        rows = list(csv.reader(file))
    assert rows[0] == ["student", "check_double", "check_square_sum", "total"]
    assert dict((row[0], row[1:]) for row in rows[1:]) == {
        "deleted_checks": ["0", "2", "2"], "exits": ["0", "2", "2"], "loops": ["0", "2", "2"],
        "no_notebook": ["0", "0", "0"], "not_json": ["0", "0", "0"],
        "partial": ["1", "0", "1"], "prints": ["2", "0", "2"], "raises": ["0", "2", "2"],
        "solution": ["2", "2", "4"], "syntax": ["2", "0", "2"], "unmodified": ["0", "0", "0"]}


@pytest.mark.slow
def test_the_json_holds_each_check_with_its_verdict_mistake_and_hint(graded):
    table = graded["table"]
    assert table["assignment"] == "tiny" and table["max_total"] == 4
    assert table["parts"] == [{"part": "check_double", "max_points": 2},
                              {"part": "check_square_sum", "max_points": 2}]
    partial = {result["student"]: result for result in table["students"]}["partial"]
    check = partial["parts"][1]["checks"][0]
    assert set(check) == {"check", "points", "max_points", "passed", "mistake", "hint",
                          "details"}
    assert check["details"][0].startswith("square_sum(x) differs")


@pytest.mark.slow
def test_the_command_prints_a_summary_table_and_a_progress_bar(graded):
    lines = graded["printed"].splitlines()
    assert lines[0].split() == ["student", "check_double", "check_square_sum", "total"]
    assert lines[1].split() == ["(max)", "2", "2", "4"]
    rows = {line.split()[0]: line.split()[1:] for line in lines[2:-1]}
    assert len(rows) == 11 and rows["solution"] == ["2", "2", "4"]
    assert rows["partial"] == ["1", "0", "1"]
    assert lines[-1].startswith("wrote ") and lines[-1].endswith("tiny_grades.json")
    assert "grading tiny: 100%" in graded["progress"] and "11/11" in graded["progress"]


@pytest.mark.slow
def test_what_a_cell_prints_is_not_kept_only_its_error(tmp_path):
    sources = ['print("x" * 3_000_000)', 'raise ValueError("v" * 10_000)']
    with grader.NotebookRun(sources, tmp_path, dict(os.environ), CELL_TIMEOUT, 60) as run:
        assert run.run(0) == grader.Outcome("ok", None, "")
        outcome = run.run(1)
    assert run.notebook.cells[0].outputs == []
    assert outcome.status == "error" and outcome.error_name == "ValueError"
    assert len(outcome.message) < 400 and "(10000 characters)" in outcome.message


@pytest.mark.slow
def test_the_check_command_exits_0_only_with_full_marks(tmp_path, capsys):
    student = tmp_path / "tiny.ipynb"
    release.write_notebook(with_solutions(student_notebook(), SUBMISSIONS["partial"]), student)
    assert main(["check", str(student), str(TINY), "--timeout-cell", "20"]) == 1
    out = capsys.readouterr().out
    assert "tiny: 1/4 points" in out
    assert "hint: Square each entry before summing" in out
    assert main(["check", str(TINY), str(TINY)]) == 0
    assert "tiny: 4/4 points" in capsys.readouterr().out


@pytest.mark.slow
def test_checking_against_the_student_version_scales_the_public_checks_to_the_points(
        tmp_path, capsys):
    public = release.release(TINY, tmp_path / "public.ipynb")    # what a classroom repo holds
    assert main(["check", str(TINY), str(public)]) == 0
    assert "4/4 points" in capsys.readouterr().out
    assert main(["check", str(public), str(public)]) == 1
    assert "not implemented yet" in capsys.readouterr().out


@pytest.mark.parametrize("outcome, checks, expected_points, reason", [
    (grader.Outcome("ok", None, ""), [(1, 1), (1, 1)], 2, ""),
    (grader.Outcome("ok", None, ""), [(1, 2)], 1, "c: m"),            # scaled to the 2 points
    (grader.Outcome("ok", None, ""), [(3, 4), (4, 4)], 1.75, "c: m"),
    (grader.Outcome("error", "AssertionError", "AssertionError: x"), [(1, 1), (0, 1)], 1, "c: m"),
    (grader.Outcome("error", "AssertionError", "AssertionError: x"), [(1, 1)], 0,
     "the check cell: AssertionError: x"),                          # a check did not record
    (grader.Outcome("error", "TypeError", "TypeError: t"), [(1, 1), (1, 1)], 0,
     "the check cell: TypeError: t"),
    (grader.Outcome("timeout", None, "timed out"), [(1, 1)], 0, "the check cell: timed out"),
    (grader.Outcome("ok", None, ""), [], 0, "the check cell recorded no result"),
])
def test_score_part(outcome, checks, expected_points, reason):
    part = grader.Part("check_p", 2, ("p_solution",))
    recorded = [{"check": "c", "points": got, "max_points": most, "passed": got == most,
                 "mistake": "m", "hint": "", "details": []} for got, most in checks]
    scored = grader.score_part(part, outcome, recorded, set(), {})
    assert (scored["points"], scored["reason"]) == (expected_points, reason)


def test_score_part_gives_zero_to_an_unchanged_solution_and_names_a_failed_one():
    part = grader.Part("check_p", 2, ("p_solution",))
    full = [{"check": "c", "points": 2, "max_points": 2, "passed": True, "mistake": None,
             "hint": "", "details": []}]
    ok = grader.Outcome("ok", None, "")
    assert grader.score_part(part, ok, full, {"p_solution"}, {})["points"] == 0
    died = grader.Outcome("died", None, "the kernel died")
    scored = grader.score_part(part, died, [], set(), {"p_solution": "SyntaxError: bad"})
    assert scored["reason"] == ("the solution cell 'p_solution' failed: SyntaxError: bad; "
                                "the check cell: the kernel died")


def test_read_results_skips_lines_that_are_not_results(tmp_path):
    path = tmp_path / "results.jsonl"
    good = {"check": "c", "points": 1, "max_points": 2, "mistake": "m", "hint": "h",
            "details": ["d"]}
    path.write_text("junk\n" + json.dumps(good) + '\n{"points": true, "max_points": 1}\n[1]\n',
                    encoding="utf-8")
    assert grader.read_results(path, 0) == [dict(good, passed=False)]
    assert grader.read_results(path, path.stat().st_size) == []
    assert grader.read_results(tmp_path / "missing.jsonl", 0) == []


def test_find_submissions_reads_both_layouts_and_names_an_empty_folder(tmp_path):
    (tmp_path / "b" / "hw").mkdir(parents=True)
    (tmp_path / "b" / "hw" / "hw.ipynb").write_text("{}", encoding="utf-8")
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "hw.ipynb").write_text("{}", encoding="utf-8")
    (tmp_path / ".ipynb_checkpoints").mkdir()
    (tmp_path / "c").mkdir()
    assert grader.find_submissions(tmp_path, "hw") == [
        ("a", tmp_path / "a" / "hw.ipynb"), ("b", tmp_path / "b" / "hw" / "hw.ipynb"),
        ("c", None)]
    with pytest.raises(ValueError, match="no student folder in .*<student>/hw.ipynb"):
        grader.find_submissions(tmp_path / "c", "hw")


def test_an_assignment_needs_a_check_cell(tmp_path):
    notebook = release.read_notebook(TINY)
    notebook["cells"] = [cell for cell in notebook["cells"]
                         if not release.nbgrader_metadata(cell).get("grade")]
    path = tmp_path / "nochecks.ipynb"
    release.write_notebook(notebook, path)
    with pytest.raises(ValueError, match="nochecks.ipynb: no check cell"):
        grader.Assignment(path)
