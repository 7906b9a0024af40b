"""The shared parts of the homework checks: results, records, comparisons, diagnoses."""

import json

import numpy as np
import pytest

from nnnumpy.homework.core import (
    RESULTS_ENV,
    CheckResult,
    call_student,
    diagnose,
    differences,
    report,
    verdict,
)


def test_result_passes_only_with_every_point():
    assert CheckResult("part", 2, 2).passed
    assert not CheckResult("part", 1.5, 2).passed
    with pytest.raises(ValueError, match="points"):
        CheckResult("part", 3, 2)


def test_failed_result_prints_mistake_hint_and_details():
    result = CheckResult("affine_backward", 0, 2, mistake="db_not_summed",
                         hint="sum dout over axis 0", details=["db has shape (4, 5)"])
    text = str(result)
    assert "FAIL (0/2 points)" in text
    assert "looks like: db not summed" in text
    assert "hint: sum dout over axis 0" in text
    assert "db has shape (4, 5)" in text
    with pytest.raises(AssertionError, match="db not summed"):
        result.assert_passed()


def test_report_appends_a_json_line_for_the_grader(tmp_path, monkeypatch, capsys):
    path = tmp_path / "results.jsonl"
    monkeypatch.setenv(RESULTS_ENV, str(path))
    report(CheckResult("a", 1, 1))
    report(CheckResult("b", 0, 2, mistake="m"))
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert [(row["check"], row["points"], row["mistake"]) for row in rows] == [
        ("a", 1, None), ("b", 0, "m")]
    assert "b: FAIL" in capsys.readouterr().out


def test_report_writes_nothing_without_the_variable(tmp_path, monkeypatch):
    monkeypatch.delenv(RESULTS_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    report(CheckResult("a", 1, 1))
    assert list(tmp_path.iterdir()) == []


def test_call_student_names_a_stub_and_a_bug():
    def stub(x):
        raise NotImplementedError()

    def buggy(x):
        return x[10]

    assert call_student("f", lambda x: x + 1, 1) == (2, None)
    assert "not implemented yet" in call_student("f", stub, 1)[1][0]
    value, details = call_student("f", buggy, [1])
    assert value is None and "IndexError" in details[0] and "x[10]" in details[0]


def test_differences_names_type_shape_overflow_and_worst_entry():
    expected = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert differences("dx", expected.copy(), expected) == []
    assert "is a list" in differences("dx", expected.tolist(), expected)[0]
    assert "shape (2,)" in differences("dx", expected[0], expected)[0]
    overflow = expected.copy()
    overflow[1, 0] = np.nan
    assert "dx[1, 0] is nan" in differences("dx", overflow, expected)[0]
    wrong = expected.copy()
    wrong[0, 1] = 7.0
    line = differences("dx", wrong, expected)[0]
    assert "1 of 4 entries" in line and "dx[0, 1]: got 7, expected 2" in line


def test_diagnose_finds_the_first_matching_mistake():
    right = np.array([1.0, 2.0])
    mistakes = [("not_divided_by_n", right * 2), ("transposed", right[::-1])]
    assert diagnose(right[::-1], mistakes) == "transposed"
    assert diagnose(right * 2, mistakes) == "not_divided_by_n"
    assert diagnose(right + 5, mistakes) is None
    assert diagnose("text", mistakes) is None


def test_verdict_gives_points_or_the_hint():
    assert verdict("p", 2, []).points == 2
    failed = verdict("p", 2, ["x differs"], mistake="m", hints={"m": "do this"})
    assert failed.points == 0 and failed.hint == "do this"
    unknown = verdict("p", 2, ["x differs"])
    assert unknown.mistake is None and unknown.hint == "" and not unknown.passed
