"""Assignment 03 (MSE, softmax, cross-entropy, softmax with loss): checks and the mistakes named."""

import json
from pathlib import Path

import numpy as np
import pytest

from nnnumpy.functions import cross_entropy_error, mean_squared_error, one_hot, softmax
from nnnumpy.homework import hw03_losses as hw
from nnnumpy.homework.core import RESULTS_ENV
from nnnumpy.layers import SoftmaxWithLoss

from .test_homework_hw01 import run_notebook

NOTEBOOK = Path(__file__).resolve().parents[1] / "homework" / "03_losses.ipynb"


# Wrong answers a student might hand in, one mistake each.

def mse_over_outputs(y, t):
    return 0.5 * np.sum((y - t) ** 2) / y.shape[1]


def mse_np_mean(y, t):
    return 0.5 * np.mean((y - t) ** 2)


def mse_without_half(y, t):
    return np.sum((y - t) ** 2) / y.shape[0]


def mse_summed(y, t):
    return 0.5 * np.sum((y - t) ** 2)


def softmax_unshifted(x):
    exp = np.exp(x)
    return exp / exp.sum(axis=1, keepdims=True)


def softmax_axis0(x):
    exp = np.exp(x - x.max(axis=0, keepdims=True))
    return exp / exp.sum(axis=0, keepdims=True)


def softmax_global_max(x):
    exp = np.exp(x - np.max(x))
    return exp / exp.sum(axis=1, keepdims=True)


def softmax_whole_batch(x):
    exp = np.exp(x - np.max(x))
    return exp / np.sum(exp)


def labels_as_indices(y, t):
    return t.argmax(axis=1) if t.ndim == 2 else t


def cross_entropy_summed(y, t):
    t = labels_as_indices(y, t)
    return -np.sum(np.log(y[np.arange(len(t)), t] + 1e-7))


def cross_entropy_divided_twice(y, t):
    return cross_entropy_error(y, t) / y.shape[0]


def cross_entropy_positive(y, t):
    return -cross_entropy_error(y, t)


def cross_entropy_mean(y, t):
    if t.ndim == 1:
        t = one_hot(t, y.shape[1])
    return -np.mean(t * np.log(y + 1e-7))


def cross_entropy_unpaired_index(y, t):
    t = labels_as_indices(y, t)
    return -np.sum(np.log(y[:, t] + 1e-7)) / y.shape[0]


def cross_entropy_plain_log(y, t):
    if t.ndim == 1:
        return -np.sum(np.log(y[np.arange(len(t)), t])) / y.shape[0]
    return -np.sum(t * np.log(y)) / y.shape[0]


def cross_entropy_textbook(y, t):
    """The textbook's answer, log(y + 1e-7): the checks accept it."""
    t = labels_as_indices(y, t)
    return -np.sum(np.log(y[np.arange(y.shape[0]), t] + 1e-7)) / y.shape[0]


class LossLayer:
    """Right unless a subclass changes one step."""

    def forward(self, x, t):
        self.t = t if t.ndim == 2 else one_hot(t, x.shape[1])
        self.y = self.probabilities(x)
        return cross_entropy_error(self.y, self.t) * self.scale_loss(x.shape[0])

    def probabilities(self, x):
        return softmax(x)

    def scale_loss(self, n):
        return 1.0

    def backward(self, dout=1):
        return (self.y - self.t) / self.y.shape[0]


class LossUnshifted(LossLayer):
    def probabilities(self, x):
        return softmax_unshifted(x)


class LossSummed(LossLayer):
    def scale_loss(self, n):
        return n


class BackwardNotDivided(LossLayer):
    def backward(self, dout=1):
        return self.y - self.t


class BackwardDividedTwice(LossLayer):
    def backward(self, dout=1):
        return (self.y - self.t) / self.y.shape[0] ** 2


class BackwardSign(LossLayer):
    def backward(self, dout=1):
        return (self.t - self.y) / self.y.shape[0]


class BackwardFromScores(LossLayer):
    def forward(self, x, t):
        self.x = x
        return super().forward(x, t)

    def backward(self, dout=1):
        return (self.x - self.t) / self.x.shape[0]


WRONG = [
    (hw.check_mean_squared_error, mse_over_outputs, "mse_divided_by_outputs"),
    (hw.check_mean_squared_error, mse_np_mean, "mse_mean_over_entries"),
    (hw.check_mean_squared_error, mse_without_half, "mse_without_half"),
    (hw.check_mean_squared_error, mse_summed, "mse_not_averaged"),
    (hw.check_softmax, softmax_unshifted, "softmax_no_max_shift"),
    (hw.check_softmax, softmax_axis0, "softmax_wrong_axis"),
    (hw.check_softmax, softmax_global_max, "max_shift_over_whole_batch"),
    (hw.check_softmax, softmax_whole_batch, "softmax_over_whole_batch"),
    (hw.check_cross_entropy_error, cross_entropy_summed, "loss_not_divided_by_n"),
    (hw.check_cross_entropy_error, cross_entropy_divided_twice, "loss_divided_by_n_twice"),
    (hw.check_cross_entropy_error, cross_entropy_mean, "loss_mean_over_every_entry"),
    (hw.check_cross_entropy_error, cross_entropy_positive, "loss_sign"),
    (hw.check_cross_entropy_error, cross_entropy_unpaired_index, "fancy_index_not_paired"),
    (hw.check_cross_entropy_error, cross_entropy_plain_log, "log_of_zero"),
    (hw.check_softmax_with_loss, LossUnshifted, "softmax_no_max_shift"),
    (hw.check_softmax_with_loss, LossSummed, "loss_not_divided_by_n"),
    (hw.check_softmax_with_loss, BackwardNotDivided, "backward_not_divided_by_n"),
    (hw.check_softmax_with_loss, BackwardDividedTwice, "backward_divided_by_n_twice"),
    (hw.check_softmax_with_loss, BackwardFromScores, "backward_uses_scores"),
    (hw.check_softmax_with_loss, BackwardSign, "backward_sign"),
]

REFERENCES = [
    (hw.check_mean_squared_error, mean_squared_error),
    (hw.check_softmax, softmax),
    (hw.check_cross_entropy_error, cross_entropy_error),
    (hw.check_softmax_with_loss, SoftmaxWithLoss),
]


@pytest.mark.parametrize("hidden", [False, True])
@pytest.mark.parametrize("check, reference", REFERENCES, ids=[r.__name__ for _, r in REFERENCES])
def test_the_reference_scores_full_marks(check, reference, hidden, capsys):
    result = check(reference, hidden=hidden)
    assert result.passed and result.points == result.max_points
    assert "passed" in capsys.readouterr().out


@pytest.mark.parametrize("hidden", [False, True])
@pytest.mark.parametrize("check, wrong, mistake", WRONG, ids=[w.__name__ for _, w, _ in WRONG])
def test_a_wrong_answer_loses_points_and_gets_its_hint(check, wrong, mistake, hidden):
    result = check(wrong, hidden=hidden)
    assert result.points < result.max_points
    assert result.mistake == mistake
    assert result.hint == hw.HINTS[mistake]


def test_the_textbook_epsilon_is_accepted():
    assert hw.check_cross_entropy_error(cross_entropy_textbook).passed
    assert hw.check_cross_entropy_error(cross_entropy_textbook, hidden=True).passed


def test_softmax_without_the_shift_keeps_a_point_and_is_told_where_it_overflows():
    result = hw.check_softmax(softmax_unshifted)
    assert result.points == 1
    assert "logits near +-1000" in result.details[0]
    assert "is nan" in result.details[1] and "subtract the maximum" in result.details[1]


def test_a_wrong_backward_keeps_the_forward_point():
    result = hw.check_softmax_with_loss(BackwardNotDivided)
    assert result.points == 1
    assert all(not line.startswith("forward") for line in result.details)


def test_plain_log_fails_both_label_kinds():
    result = hw.check_cross_entropy_error(cross_entropy_plain_log)
    assert result.points == 0
    assert any("expected a finite loss" in line for line in result.details)



def test_an_unknown_wrong_answer_gets_where_it_differs():
    def softmax_squared(x):
        return softmax(x) ** 2

    result = hw.check_softmax(softmax_squared)
    assert result.points == 0 and result.mistake is None and result.hint == ""
    assert result.details[0] == "x of shape (4, 3), ordinary logits:"
    assert "softmax(x) differs in 12 of 12 entries; worst at softmax(x)[" in result.details[1]


@pytest.mark.parametrize("check", [c for c, _ in REFERENCES])
def test_a_stub_gets_zero_and_not_implemented_yet(check):
    class Stub:
        def __init__(self, *args):
            raise NotImplementedError()

    result = check(Stub)
    assert result.points == 0
    assert "not implemented yet" in result.details[0]


def test_a_check_refuses_what_is_not_callable():
    with pytest.raises(TypeError, match="softmax must be a function"):
        hw.check_softmax("softmax")


@pytest.mark.parametrize("check, wrong", [(hw.check_softmax, softmax_unshifted),
                                          (hw.check_cross_entropy_error, cross_entropy_mean),
                                          (hw.check_softmax_with_loss, BackwardFromScores)])
def test_checks_are_deterministic(check, wrong):
    assert check(wrong).to_dict() == check(wrong).to_dict()


def recording_function(reference, seen):
    def recording(x, *rest):
        seen.append(np.asarray(x).tolist())
        return reference(x, *rest)

    return recording


def recording_layer(seen):
    class Recording(SoftmaxWithLoss):
        def forward(self, x, t):
            seen.append(x.tolist())
            return super().forward(x, t)

    return Recording


@pytest.mark.parametrize("check, reference", REFERENCES[:3])
def test_hidden_cases_use_other_inputs(check, reference):
    public, hidden = [], []
    check(recording_function(reference, public))
    check(recording_function(reference, hidden), hidden=True)
    assert public and hidden and not any(x in public for x in hidden)


def test_hidden_cases_of_the_layer_use_other_inputs():
    public, hidden = [], []
    hw.check_softmax_with_loss(recording_layer(public))
    hw.check_softmax_with_loss(recording_layer(hidden), hidden=True)
    assert public and hidden and not any(x in public for x in hidden)


def test_the_results_are_recorded_for_the_grader(tmp_path, monkeypatch):
    path = tmp_path / "results.jsonl"
    monkeypatch.setenv(RESULTS_ENV, str(path))
    hw.check_softmax(softmax)
    hw.check_softmax(softmax_axis0)
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert [(row["points"], row["mistake"]) for row in rows] == [(2, None),
                                                                 (0, "softmax_wrong_axis")]


@pytest.mark.slow
def test_the_notebook_solutions_pass_every_check(tmp_path, monkeypatch):
    rows, points = run_notebook(NOTEBOOK, tmp_path, monkeypatch)
    assert all(row["passed"] for row in rows), [row for row in rows if not row["passed"]]
    assert {row["check"] for row in rows} == {"mean_squared_error", "softmax",
                                              "cross_entropy_error", "SoftmaxWithLoss"}
    assert sum(row["points"] for row in rows) == points
