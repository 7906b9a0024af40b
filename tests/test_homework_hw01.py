"""Assignment 01 (numerical gradients, gradient descent): its checks and the mistakes they name."""

import json
from pathlib import Path

import numpy as np
import pytest

from nnnumpy.gradient import gradient_descent, numerical_diff, numerical_gradient
from nnnumpy.homework import hw01_gradients as hw
from nnnumpy.homework.core import RESULTS_ENV

from . import conftest

NOTEBOOK = Path(__file__).resolve().parents[1] / "homework" / "01_gradients.ipynb"
H = 1e-4


# Wrong answers a student might hand in, one mistake each.

def diff_forward(f, x, h=H):
    return (f(x + h) - f(x)) / h


def diff_backward(f, x, h=H):
    return (f(x) - f(x - h)) / h


def diff_by_h(f, x, h=H):
    return (f(x + h) - f(x - h)) / h


def diff_fixed_h(f, x, h=H):
    return (f(x + 1e-4) - f(x - 1e-4)) / (2 * 1e-4)


def gradient_forward(f, x):
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        original = x[index]
        f_x = f(x)
        x[index] = original + H
        grad[index] = (f(x) - f_x) / H
        x[index] = original
    return grad


def gradient_not_restored(f, x):
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + H
        f_plus = f(x)
        x[index] = original - H
        grad[index] = (f_plus - f(x)) / (2 * H)
    return grad


def gradient_first_axis(f, x):
    grad = np.zeros_like(x)
    for i in range(x.shape[0]):
        original = x[i].copy()
        x[i] = original + H
        f_plus = f(x)
        x[i] = original - H
        grad[i] = (f_plus - f(x)) / (2 * H)
        x[i] = original
    return grad


def gradient_first_axis_view(f, x):
    grad = np.zeros_like(x)
    for i in range(x.shape[0]):
        tmp = x[i]          # a view of the row, not a copy
        x[i] = tmp + H
        f_plus = f(x)
        x[i] = tmp - H
        grad[i] = (f_plus - f(x)) / (2 * H)
        x[i] = tmp
    return grad


def gradient_by_h(f, x):
    return 2 * numerical_gradient(f, x)


def descent_ascent(f, init_x, lr=0.01, step_num=100):
    x = init_x.copy()
    for _ in range(step_num):
        x += lr * numerical_gradient(f, x)
    return x


def descent_replaces_x(f, init_x, lr=0.01, step_num=100):
    x = init_x.copy()
    for _ in range(step_num):
        x = lr * numerical_gradient(f, x)
    return x


def descent_one_step_short(f, init_x, lr=0.01, step_num=100):
    x = init_x.copy()
    for _ in range(step_num - 1):
        x -= lr * numerical_gradient(f, x)
    return x


def descent_fixed_lr(f, init_x, lr=0.01, step_num=100):
    return gradient_descent(f, init_x, 0.01, step_num)


def descent_in_place(f, init_x, lr=0.01, step_num=100):
    x = init_x
    for _ in range(step_num):
        x -= lr * numerical_gradient(f, x)
    return x


WRONG = [
    (hw.check_numerical_diff, diff_forward, "forward_difference"),
    (hw.check_numerical_diff, diff_backward, "backward_difference"),
    (hw.check_numerical_diff, diff_by_h, "divided_by_h"),
    (hw.check_numerical_diff, diff_fixed_h, "h_ignored"),
    (hw.check_numerical_gradient, gradient_forward, "forward_difference"),
    (hw.check_numerical_gradient, gradient_not_restored, "x_not_restored"),
    (hw.check_numerical_gradient, gradient_first_axis, "first_axis_only"),
    (hw.check_numerical_gradient, gradient_first_axis_view, "first_axis_only"),
    (hw.check_numerical_gradient, gradient_by_h, "divided_by_h"),
    (hw.check_gradient_descent, descent_ascent, "gradient_ascent"),
    (hw.check_gradient_descent, descent_replaces_x, "step_replaces_x"),
    (hw.check_gradient_descent, descent_one_step_short, "wrong_number_of_steps"),
    (hw.check_gradient_descent, descent_fixed_lr, "lr_ignored"),
    (hw.check_gradient_descent, descent_in_place, "init_x_modified"),
]

REFERENCES = [
    (hw.check_numerical_diff, numerical_diff, hw.POINTS_DIFF),
    (hw.check_numerical_gradient, numerical_gradient, hw.POINTS_GRADIENT),
    (hw.check_gradient_descent, gradient_descent, hw.POINTS_DESCENT),
]


@pytest.mark.parametrize("hidden", [False, True])
@pytest.mark.parametrize("check, reference, points", REFERENCES,
                         ids=[ref.__name__ for _, ref, _ in REFERENCES])
def test_the_reference_scores_full_marks(check, reference, points, hidden, capsys):
    result = check(reference, hidden=hidden)
    assert result.passed and result.points == points == result.max_points
    assert "passed" in capsys.readouterr().out


@pytest.mark.parametrize("hidden", [False, True])
@pytest.mark.parametrize("check, wrong, mistake", WRONG, ids=[w.__name__ for _, w, _ in WRONG])
def test_a_wrong_answer_loses_points_and_gets_its_hint(check, wrong, mistake, hidden):
    result = check(wrong, hidden=hidden)
    assert result.points < result.max_points
    assert result.mistake == mistake
    assert result.hint == hw.HINTS[mistake]



def test_changing_init_x_keeps_one_point_when_the_values_are_right():
    result = hw.check_gradient_descent(descent_in_place)
    assert result.points == hw.POINTS_DESCENT - 1
    assert "init_x was changed" in result.details[0]


def test_a_gradient_that_leaves_x_changed_is_named():
    def shifts_x(f, x):
        grad = numerical_gradient(f, x)
        x += H
        return grad

    result = hw.check_numerical_gradient(shifts_x)
    assert result.points == 0 and result.mistake == "x_not_restored"
    assert result.details == ["numerical_gradient at x of shape (3,): your function left x "
                              "changed (x[i] not restored)",
                              "numerical_gradient at x of shape (2, 3): your function left x "
                              "changed (x[i] not restored)"]


def test_an_unknown_wrong_answer_gets_where_it_differs():
    def off_by_a_bit(f, x, h=H):
        return numerical_diff(f, x, h) + 0.5

    result = hw.check_numerical_diff(off_by_a_bit)
    assert result.points == 0 and result.mistake is None and result.hint == ""
    assert any("differs in 5 of 5 entries" in line for line in result.details)
    assert any("f = x^3 at x=2.0: got" in line for line in result.details)

    def doubled_last_row(f, x):
        grad = numerical_gradient(f, x)
        grad[-1] *= 2
        return grad

    result = hw.check_numerical_gradient(doubled_last_row)
    assert result.mistake is None
    assert any("grad (x: (2, 3))" in line and "worst at grad (x: (2, 3))[1," in line
               for line in result.details)


@pytest.mark.parametrize("check", [c for c, _, _ in REFERENCES])
def test_a_stub_gets_zero_and_not_implemented_yet(check):
    def stub(*args):
        raise NotImplementedError()

    result = check(stub)
    assert result.points == 0
    assert "not implemented yet" in result.details[0]


def test_a_student_error_is_a_result_and_not_a_crash():
    result = hw.check_numerical_gradient(lambda f, x: x[99, 99])
    assert result.points == 0 and "IndexError" in result.details[0]
    result = hw.check_numerical_diff(lambda f, x, h=H: None)
    assert result.details == ["numerical_diff returned a NoneType for f = x^3 at x=2.0, "
                              "expected a number"]


def test_a_check_refuses_what_is_not_a_function():
    with pytest.raises(TypeError, match="numerical_diff must be a function"):
        hw.check_numerical_diff(3.0)


@pytest.mark.parametrize("check, wrong", [(hw.check_numerical_diff, diff_forward),
                                          (hw.check_numerical_gradient, gradient_not_restored),
                                          (hw.check_gradient_descent, descent_ascent)])
def test_checks_are_deterministic(check, wrong):
    assert check(wrong).to_dict() == check(wrong).to_dict()


def recorder(reference, seen):
    def recording(f, x, *rest):
        seen.append(np.array(x, dtype=np.float64).tolist())
        return reference(f, x, *rest)

    return recording


@pytest.mark.parametrize("check, reference", [(c, r) for c, r, _ in REFERENCES])
def test_hidden_cases_use_other_inputs(check, reference):
    public, hidden = [], []
    check(recorder(reference, public))
    check(recorder(reference, hidden), hidden=True)
    assert public and hidden and not any(x in public for x in hidden)


def test_the_results_are_recorded_for_the_grader(tmp_path, monkeypatch):
    path = tmp_path / "results.jsonl"
    monkeypatch.setenv(RESULTS_ENV, str(path))
    hw.check_numerical_diff(numerical_diff)
    hw.check_numerical_diff(diff_forward)
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert [(row["points"], row["mistake"]) for row in rows] == [(1, None),
                                                                 (0, "forward_difference")]


def run_notebook(path, tmp_path, monkeypatch):
    """Execute the notebook (solutions in) in a fresh kernel: the check results it recorded
    and the points its check cells are worth."""
    notebook, rows = conftest.run_notebook(path, tmp_path, monkeypatch)
    points = sum(cell.metadata["nbgrader"]["points"] for cell in notebook.cells
                 if cell.metadata.get("nbgrader", {}).get("grade"))
    return rows, points


@pytest.mark.slow
def test_the_notebook_solutions_pass_every_check(tmp_path, monkeypatch):
    rows, points = run_notebook(NOTEBOOK, tmp_path, monkeypatch)
    assert all(row["passed"] for row in rows), [row for row in rows if not row["passed"]]
    assert {row["check"] for row in rows} == {"numerical_diff", "numerical_gradient",
                                              "gradient_descent"}
    assert sum(row["points"] for row in rows) == points
