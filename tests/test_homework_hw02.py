"""Assignment 02 (activation layers): its checks and the mistakes they name."""

import json
from pathlib import Path

import numpy as np
import pytest

from nnnumpy import layers
from nnnumpy.functions import sigmoid
from nnnumpy.homework import hw02_activations as hw
from nnnumpy.homework.core import RESULTS_ENV

from .test_homework_hw01 import run_notebook

NOTEBOOK = Path(__file__).resolve().parents[1] / "homework" / "02_activations.ipynb"


# Wrong answers a student might hand in, one mistake each.

class SigmoidSign:
    def forward(self, x):
        self.out = sigmoid(-x)
        return self.out

    def backward(self, dout):
        return dout * self.out * (1 - self.out)


class SigmoidGradFromInput:
    def forward(self, x):
        self.x = x
        return sigmoid(x)

    def backward(self, dout):
        return dout * self.x * (1 - self.x)


class SigmoidInPlace:
    def forward(self, x):
        self.out = sigmoid(x)
        return self.out

    def backward(self, dout):
        dout *= self.out * (1 - self.out)
        return dout


class SigmoidWithoutDout:
    def forward(self, x):
        self.out = sigmoid(x)
        return self.out

    def backward(self, dout):
        return self.out * (1 - self.out)


class TanhGradFromInput:
    def forward(self, x):
        self.x = x
        return np.tanh(x)

    def backward(self, dout):
        return dout * (1 - self.x ** 2)


class ReluMaskFromDout:
    def forward(self, x):
        return np.maximum(x, 0)

    def backward(self, dout):
        return dout * (dout > 0)


class ReluMaskFromOutput:
    def forward(self, x):
        self.out = np.maximum(x, 0)
        return self.out

    def backward(self, dout):
        return dout * (self.out > 0)


class ReluTextbookInPlace:
    """The textbook's layer: backward writes zeros into the caller's dout."""

    def forward(self, x):
        self.mask = x <= 0
        out = x.copy()
        out[self.mask] = 0
        return out

    def backward(self, dout):
        dout[self.mask] = 0
        return dout


class ReluMaskAtZero:
    def forward(self, x):
        self.mask = x >= 0
        return x * self.mask

    def backward(self, dout):
        return dout * self.mask


class ReluForwardInPlace:
    def forward(self, x):
        self.mask = x > 0
        x[~self.mask] = 0
        return x

    def backward(self, dout):
        return dout * self.mask


class ReluReturnsMask:
    def forward(self, x):
        self.mask = (x > 0).astype(x.dtype)
        return self.mask

    def backward(self, dout):
        return dout * self.mask


class LeakyFixedAlpha:
    def __init__(self, alpha=0.01):
        self.alpha = alpha

    def forward(self, x):
        self.x = x
        return np.where(x > 0, x, 0.01 * x)

    def backward(self, dout):
        return dout * np.where(self.x > 0, 1.0, 0.01)


class LeakyDropsNegativeSlope:
    def __init__(self, alpha=0.01):
        self.alpha = alpha

    def forward(self, x):
        self.x = x
        return np.where(x > 0, x, self.alpha * x)

    def backward(self, dout):
        return dout * (self.x > 0)


class LeakyMaskAtZero:
    def __init__(self, alpha=0.01):
        self.alpha = alpha

    def forward(self, x):
        self.slope = np.where(x >= 0, 1.0, self.alpha)
        return x * self.slope

    def backward(self, dout):
        return dout * self.slope


WRONG = [
    (hw.check_sigmoid, SigmoidSign, "sigmoid_sign"),
    (hw.check_sigmoid, SigmoidGradFromInput, "sigmoid_grad_from_input"),
    (hw.check_sigmoid, SigmoidInPlace, "dout_modified_in_place"),
    (hw.check_sigmoid, SigmoidWithoutDout, "dout_ignored"),
    (hw.check_tanh, TanhGradFromInput, "tanh_grad_from_input"),
    (hw.check_relu, ReluMaskFromDout, "mask_from_dout"),
    (hw.check_relu, ReluMaskFromOutput, "mask_from_later_output"),
    (hw.check_relu, ReluTextbookInPlace, "dout_modified_in_place"),
    (hw.check_relu, ReluMaskAtZero, "mask_at_zero"),
    (hw.check_relu, ReluForwardInPlace, "x_modified_in_place"),
    (hw.check_relu, ReluReturnsMask, "relu_output_is_mask"),
    (hw.check_leaky_relu, LeakyFixedAlpha, "alpha_ignored"),
    (hw.check_leaky_relu, LeakyDropsNegativeSlope, "negative_slope_dropped"),
    (hw.check_leaky_relu, LeakyMaskAtZero, "mask_at_zero"),
]

REFERENCES = [
    (hw.check_sigmoid, layers.Sigmoid),
    (hw.check_tanh, layers.Tanh),
    (hw.check_relu, layers.ReLU),
    (hw.check_leaky_relu, layers.LeakyReLU),
]


@pytest.mark.parametrize("hidden", [False, True])
@pytest.mark.parametrize("check, reference", REFERENCES, ids=[r.__name__ for _, r in REFERENCES])
def test_the_reference_scores_full_marks(check, reference, hidden, capsys):
    result = check(reference, hidden=hidden)
    assert result.passed and result.points == hw.POINTS
    assert "passed" in capsys.readouterr().out


@pytest.mark.parametrize("hidden", [False, True])
@pytest.mark.parametrize("check, wrong, mistake", WRONG, ids=[w.__name__ for _, w, _ in WRONG])
def test_a_wrong_answer_loses_points_and_gets_its_hint(check, wrong, mistake, hidden):
    result = check(wrong, hidden=hidden)
    assert result.points < result.max_points
    assert result.mistake == mistake
    assert result.hint == hw.HINTS[mistake]


def test_a_right_forward_keeps_its_point_when_backward_is_wrong():
    result = hw.check_relu(ReluMaskFromDout)
    assert result.points == 1
    assert all(not line.startswith("forward") for line in result.details)
    assert any("gradient check against your own forward" in line for line in result.details)


def test_the_changed_dout_is_named_and_its_values_agree():
    result = hw.check_relu(ReluTextbookInPlace)
    assert result.details[0] == ("backward, x of shape (1, 5): your backward changed the "
                                 "caller's dout")
    assert result.details[1].endswith(", agrees") and "(x = 0 left out)" in result.details[1]



def test_an_unknown_wrong_answer_gets_where_it_differs():
    class TanhOffByOne:
        def forward(self, x):
            self.out = np.tanh(x)
            return self.out + (x > 2)

        def backward(self, dout):
            return dout * (1 - self.out ** 2)

    result = hw.check_tanh(TanhOffByOne)
    assert result.points == 1 and result.mistake is None and result.hint == ""
    assert result.details[0] == "forward, x of shape (1, 5):"
    assert "out differs in" in result.details[1] and "worst at out[" in result.details[1]


@pytest.mark.parametrize("check", [c for c, _ in REFERENCES])
def test_a_stub_gets_zero_and_not_implemented_yet(check):
    class Stub:
        def __init__(self, alpha=0.01):
            pass

        def forward(self, x):
            raise NotImplementedError()

        def backward(self, dout):
            raise NotImplementedError()

    result = check(Stub)
    assert result.points == 0
    assert "not implemented yet" in result.details[0]


def test_a_backward_stub_keeps_the_forward_point():
    class ForwardOnly(layers.ReLU):
        def backward(self, dout):
            raise NotImplementedError()

    result = hw.check_relu(ForwardOnly)
    assert result.points == 1 and "ReLU.backward is not implemented yet" in result.details[0]


def test_an_overflowing_sigmoid_is_judged_by_its_values():
    class NaiveSigmoid:
        def forward(self, x):
            self.out = 1 / (1 + np.exp(-x))    # overflows at x = -1000, and gives 0 anyway
            return self.out

        def backward(self, dout):
            return dout * self.out * (1 - self.out)

    assert hw.check_sigmoid(NaiveSigmoid).passed


def test_a_check_refuses_what_is_not_a_class():
    with pytest.raises(TypeError, match="ReLU must be a class"):
        hw.check_relu(np.zeros(3))


@pytest.mark.parametrize("check, wrong", [(hw.check_relu, ReluMaskFromOutput),
                                          (hw.check_sigmoid, SigmoidGradFromInput)])
def test_checks_are_deterministic(check, wrong):
    assert check(wrong).to_dict() == check(wrong).to_dict()


@pytest.mark.parametrize("check, reference", REFERENCES)
def test_hidden_cases_use_other_inputs(check, reference):
    def recording(seen):
        class Recording(reference):
            def forward(self, x):
                seen.append(x.tolist())
                return super().forward(x)

        return Recording

    public, hidden = [], []
    check(recording(public))
    check(recording(hidden), hidden=True)
    assert public and hidden and not any(x in public for x in hidden)


def test_the_results_are_recorded_for_the_grader(tmp_path, monkeypatch):
    path = tmp_path / "results.jsonl"
    monkeypatch.setenv(RESULTS_ENV, str(path))
    hw.check_relu(layers.ReLU)
    hw.check_relu(ReluMaskAtZero)
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert [(row["points"], row["mistake"]) for row in rows] == [(2, None), (1, "mask_at_zero")]


@pytest.mark.slow
def test_the_notebook_solutions_pass_every_check(tmp_path, monkeypatch):
    rows, points = run_notebook(NOTEBOOK, tmp_path, monkeypatch)
    assert all(row["passed"] for row in rows), [row for row in rows if not row["passed"]]
    assert {row["check"] for row in rows} == {"Sigmoid", "Tanh", "ReLU", "LeakyReLU"}
    assert sum(row["points"] for row in rows) == points
