"""Assignment 04 (Affine, a two-layer network by backprop): its checks and the mistakes named."""

import json
from pathlib import Path

import numpy as np
import pytest

from nnnumpy.homework import hw04_backprop as hw
from nnnumpy.homework.core import RESULTS_ENV
from nnnumpy.layers import Affine, ReLU, SoftmaxWithLoss

from .conftest import mnist_dir
from .test_homework_hw01 import run_notebook

NOTEBOOK = Path(__file__).resolve().parents[1] / "homework" / "04_backprop.ipynb"


# Wrong Affine layers a student might hand in, one mistake each.

class AffineLayer:
    """Right unless a subclass changes one step."""

    def __init__(self, W, b):
        self.W, self.b = W, b

    def forward(self, x):
        self.x_shape = x.shape
        self.x = x.reshape(x.shape[0], -1)
        return self.x @ self.W + self.b

    def backward(self, dout):
        self.dW = self.x.T @ dout
        self.db = dout.sum(axis=0)
        return (dout @ self.W.T).reshape(self.x_shape)


class AffineWithoutBias(AffineLayer):
    def forward(self, x):
        return super().forward(x) - self.b


class AffineTransposedW(AffineLayer):
    def forward(self, x):
        self.x = x.reshape(x.shape[0], -1)
        return self.x @ self.W.T + self.b


class AffineNotFlattened(AffineLayer):
    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, dout):
        self.dW = self.x.T @ dout
        self.db = dout.sum(axis=0)
        return dout @ self.W.T


class AffineDbNotSummed(AffineLayer):
    def backward(self, dout):
        dx = super().backward(dout)
        self.db = dout
        return dx


class AffineDbAxis1(AffineLayer):
    def backward(self, dout):
        dx = super().backward(dout)
        self.db = dout.sum(axis=1)
        return dx


class AffineDwTransposed(AffineLayer):
    def backward(self, dout):
        dx = super().backward(dout)
        self.dW = dout.T @ self.x
        return dx


class AffineDxNotTransposed(AffineLayer):
    def backward(self, dout):
        super().backward(dout)
        return (dout @ self.W).reshape(self.x_shape)


class AffineDividedByN(AffineLayer):
    def backward(self, dout):
        n = dout.shape[0]
        dx = super().backward(dout)
        self.dW, self.db = self.dW / n, self.db / n
        return dx / n


class AffineDxNotReshaped(AffineLayer):
    def backward(self, dout):
        super().backward(dout)
        return dout @ self.W.T


class AffineMisnamedDw(AffineLayer):
    def backward(self, dout):
        dx = super().backward(dout)
        self.dw = self.dW
        del self.dW
        return dx


class AffineClipsDoutInPlace(AffineLayer):
    def backward(self, dout):
        np.clip(dout, -1.0, 1.0, out=dout)   # clipped in place: the caller's dout changes
        return super().backward(dout)


def network_class(affine_class, swap=False, keys=hw.PARAM_KEYS):
    """TwoLayerNet(params) built on ``affine_class``, optionally with a mistake in gradient."""

    class TwoLayerNet:
        def __init__(self, params):
            self.params = params
            self.layers = [affine_class(params["W1"], params["b1"]), ReLU(),
                           affine_class(params["W2"], params["b2"])]
            self.last_layer = SoftmaxWithLoss()

        def predict(self, x):
            for layer in self.layers:
                x = layer.forward(x)
            return x

        def loss(self, x, t):
            return self.last_layer.forward(self.predict(x), t)

        def gradient(self, x, t):
            self.loss(x, t)
            dout = self.last_layer.backward()
            for layer in reversed(self.layers):
                dout = layer.backward(dout)
            first, second = self.layers[0], self.layers[2]
            if swap:
                first, second = second, first
            grads = {"W1": first.dW, "b1": first.db, "W2": second.dW, "b2": second.db}
            return {key: grads[key] for key in keys}

    return TwoLayerNet


class AscendingNet(network_class(Affine)):
    def gradient(self, x, t):
        return {key: -value for key, value in super().gradient(x, t).items()}


WRONG = [
    (hw.check_affine_forward, AffineWithoutBias, "bias_not_added"),
    (hw.check_affine_forward, AffineTransposedW, "w_transposed"),
    (hw.check_affine_forward, AffineNotFlattened, "x_not_flattened"),
    (hw.check_affine_backward, AffineDbNotSummed, "db_not_summed"),
    (hw.check_affine_backward, AffineDbAxis1, "db_summed_over_wrong_axis"),
    (hw.check_affine_backward, AffineDwTransposed, "dw_transposed"),
    (hw.check_affine_backward, AffineDxNotTransposed, "dx_w_not_transposed"),
    (hw.check_affine_backward, AffineDividedByN, "gradients_divided_by_n"),
    (hw.check_affine_backward, AffineDxNotReshaped, "dx_not_reshaped"),
    (hw.check_affine_backward, AffineMisnamedDw, "misnamed_gradient_attribute"),
    (hw.check_affine_backward, AffineNotFlattened, "x_not_flattened"),
    (hw.check_affine_backward, AffineClipsDoutInPlace, "dout_modified_in_place"),
    (hw.check_two_layer_gradient, network_class(AffineDbNotSummed), "db_not_summed"),
    (hw.check_two_layer_gradient, network_class(AffineDividedByN), "gradients_divided_by_n"),
    (hw.check_two_layer_gradient, network_class(AffineDwTransposed), "dw_transposed"),
    (hw.check_two_layer_gradient, network_class(Affine, swap=True), "gradients_swapped"),
    (hw.check_two_layer_gradient, network_class(Affine, keys=("W1", "b1", "W2")),
     "gradient_missing_keys"),
]

REFERENCES = [
    (hw.check_affine_forward, Affine, hw.POINTS_FORWARD),
    (hw.check_affine_backward, Affine, hw.POINTS_BACKWARD),
    (hw.check_two_layer_gradient, network_class(Affine), hw.POINTS_GRADIENT),
]


def blobs(seed, n):
    """Three Gaussian blobs in 10 dimensions: x (n, 10), t (n,)."""
    rng = np.random.default_rng(seed)
    centers = rng.normal(scale=3, size=(3, 10))
    t = rng.integers(0, 3, size=n)
    return centers[t] + rng.normal(size=(n, 10)), t


@pytest.mark.parametrize("hidden", [False, True])
@pytest.mark.parametrize("check, reference, points", REFERENCES,
                         ids=["affine_forward", "affine_backward", "two_layer_gradient"])
def test_the_reference_scores_full_marks(check, reference, points, hidden, capsys):
    result = check(reference, hidden=hidden)
    assert result.passed and result.points == points == result.max_points
    assert "passed" in capsys.readouterr().out


@pytest.mark.parametrize("hidden", [False, True])
@pytest.mark.parametrize("check, wrong, mistake", WRONG,
                         ids=[f"{w.__name__}-{m}" for _, w, m in WRONG])
def test_a_wrong_answer_loses_points_and_gets_its_hint(check, wrong, mistake, hidden):
    result = check(wrong, hidden=hidden)
    assert result.points < result.max_points
    assert result.mistake == mistake
    assert result.hint == hw.HINTS[mistake]


def test_the_misnamed_attribute_is_named():
    result = hw.check_affine_backward(AffineMisnamedDw)
    assert result.points == 2
    assert any("no dW after backward; found dw (an array of shape (4, 4))" in line
               for line in result.details)


def test_each_backward_part_keeps_its_point():
    assert hw.check_affine_backward(AffineDbNotSummed).points == 2
    assert hw.check_affine_backward(AffineDxNotTransposed).points == 0   # it raises
    assert hw.check_affine_backward(AffineDividedByN).points == 0


def test_the_network_check_shows_the_numerical_gradient_check():
    result = hw.check_two_layer_gradient(network_class(Affine))
    rows = [line for line in result.details if "against the numerical gradient" in line]
    assert len(rows) == 4 and all("(agrees)" in row for row in rows)
    result = hw.check_two_layer_gradient(network_class(AffineDividedByN))
    assert any("W1" in line and "(DIFFERS)" in line for line in result.details)



def test_an_unknown_wrong_answer_gets_where_it_differs():
    class AffineDoubledDb(AffineLayer):
        def backward(self, dout):
            dx = super().backward(dout)
            self.db = 2 * self.db
            return dx

    result = hw.check_affine_backward(AffineDoubledDb)
    assert result.points == 2 and result.mistake is None and result.hint == ""
    assert result.details[0] == "x of shape (3, 4), W of shape (4, 4):"
    assert "db differs in" in result.details[1] and "worst at db[" in result.details[1]


@pytest.mark.parametrize("check", [c for c, _, _ in REFERENCES])
def test_a_stub_gets_zero_and_not_implemented_yet(check):
    class Stub:
        def __init__(self, *args):
            raise NotImplementedError()

    result = check(Stub)
    assert result.points == 0
    assert "not implemented yet" in result.details[0]


def test_a_stub_gradient_gets_zero_and_not_implemented_yet():
    class StubNet(network_class(Affine)):
        def gradient(self, x, t):
            raise NotImplementedError()

    result = hw.check_two_layer_gradient(StubNet)
    assert result.points == 0
    assert "TwoLayerNet.gradient is not implemented yet" in result.details[0]


def test_a_check_refuses_what_is_not_a_class():
    with pytest.raises(TypeError, match="Affine must be a class"):
        hw.check_affine_forward(np.eye(3))


@pytest.mark.parametrize("check, wrong", [(hw.check_affine_backward, AffineDwTransposed),
                                          (hw.check_two_layer_gradient,
                                           network_class(AffineDividedByN))])
def test_checks_are_deterministic(check, wrong):
    assert check(wrong).to_dict() == check(wrong).to_dict()


@pytest.mark.parametrize("check", [hw.check_affine_forward, hw.check_affine_backward])
def test_hidden_cases_use_other_inputs(check):
    def recording(seen):
        class Recording(Affine):
            def forward(self, x):
                seen.append(x.tolist())
                return super().forward(x)

        return Recording

    public, hidden = [], []
    check(recording(public))
    check(recording(hidden), hidden=True)
    assert public and hidden and not any(x in public for x in hidden)


def test_hidden_network_case_is_another_network():
    shapes = []

    class Recording(network_class(Affine)):
        def __init__(self, params):
            shapes.append(params["W1"].shape)
            super().__init__(params)

    hw.check_two_layer_gradient(Recording)
    hw.check_two_layer_gradient(Recording, hidden=True)
    assert shapes[0] != shapes[-1]


def test_training_passes_with_a_right_network_and_fails_without_learning():
    x_train, t_train = blobs(0, 300)
    x_test, t_test = blobs(0, 450)
    x_test, t_test = x_test[300:], t_test[300:]
    result = hw.check_training(network_class(Affine), x_train, t_train, x_test, t_test,
                               learning_rate=0.1)
    assert result.passed and result.details[-1].startswith("epoch 5: test accuracy")
    again = hw.check_training(network_class(Affine), x_train, t_train, x_test, t_test,
                              learning_rate=0.1)
    assert again.to_dict() == result.to_dict()
    failed = hw.check_training(AscendingNet, x_train, t_train, x_test, t_test,
                               learning_rate=0.1)
    assert failed.points == 0 and failed.mistake == "did_not_learn"
    assert failed.hint == hw.HINTS["did_not_learn"]
    broken = hw.check_training(network_class(AffineDbNotSummed), x_train, t_train, x_test,
                               t_test, learning_rate=0.1)
    assert broken.points == 0 and "grads['b1'] has shape (100, 50)" in broken.details[-1]


def test_training_refuses_labels_that_do_not_fit():
    x, t = blobs(0, 30)
    with pytest.raises(ValueError, match="x_train must be"):
        hw.check_training(network_class(Affine), x, t[:-1], x, t)


def test_the_results_are_recorded_for_the_grader(tmp_path, monkeypatch):
    path = tmp_path / "results.jsonl"
    monkeypatch.setenv(RESULTS_ENV, str(path))
    hw.check_affine_backward(Affine)
    hw.check_affine_backward(AffineDbNotSummed)
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert [(row["points"], row["mistake"]) for row in rows] == [(3, None),
                                                                 (2, "db_not_summed")]


@pytest.mark.slow
@pytest.mark.mnist
@pytest.mark.skipif(mnist_dir() is None, reason="MNIST files not found (set NNNUMPY_DATA)")
def test_the_notebook_solutions_pass_every_check(tmp_path, monkeypatch):
    rows, points = run_notebook(NOTEBOOK, tmp_path, monkeypatch)
    assert all(row["passed"] for row in rows), [row for row in rows if not row["passed"]]
    assert {row["check"] for row in rows} == {"affine_forward", "affine_backward",
                                              "two_layer_gradient", "training"}
    assert sum(row["points"] for row in rows) == points
