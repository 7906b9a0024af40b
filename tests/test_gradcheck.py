import numpy as np
import pytest

from nnnumpy import TwoLayerNet
from nnnumpy.gradcheck import check_layer, check_network, rel_error


class StudentSquare:
    """A student's own layer: out = x^2, with a correct backward."""

    def forward(self, x):
        self.x = x
        return x ** 2

    def backward(self, dout):
        return 2 * self.x * dout


class WrongScale:
    """A student's layer with a parameter and a bug: forgets the factor 2 in dW."""

    def __init__(self, W):
        self.W = W
        self.dW = None

    def forward(self, x):
        self.x = x
        return x * self.W ** 2

    def backward(self, dout):
        self.dW = (dout * self.x).sum(axis=0) * self.W  # should be 2 * W
        return dout * self.W ** 2


def test_rel_error():
    assert rel_error(np.array([1.0, 2.0]), np.array([1.0, 2.0])) == 0.0
    assert rel_error(np.array([1.0]), np.array([3.0])) == pytest.approx(0.5)
    assert rel_error(np.array([0.0]), np.array([1e-12])) == pytest.approx(1e-4)
    with pytest.raises(ValueError, match="same shape"):
        rel_error(np.zeros(2), np.zeros(3))


def test_check_layer_passes_a_correct_student_layer(rng):
    report = check_layer(StudentSquare(), rng.standard_normal((3, 4)))
    assert report.passed
    assert list(report.errors) == ["x"]


def test_check_layer_catches_a_wrong_gradient(rng):
    layer = WrongScale(rng.uniform(0.5, 1.5, 4))
    report = check_layer(layer, rng.standard_normal((3, 4)))
    assert not report.passed
    assert report.errors["x"] < 1e-7
    assert report.errors["W"] > 1e-2
    assert "FAIL" in str(report) and "W" in str(report)


def test_check_layer_needs_float64(rng):
    with pytest.raises(TypeError, match="float64"):
        check_layer(StudentSquare(), rng.standard_normal((2, 2)).astype(np.float32))


def test_check_layer_leaves_the_input_untouched(rng):
    x = rng.standard_normal((2, 3))
    before = x.copy()
    check_layer(StudentSquare(), x)
    np.testing.assert_array_equal(x, before)


def test_check_network_reports_every_key():
    net = TwoLayerNet(4, 5, 3, weight_init_std="he", dtype=np.float64, seed=3)
    rng = np.random.default_rng(4)
    x = rng.standard_normal((7, 4))
    t = rng.integers(0, 3, 7)
    report = check_network(net, x, t)
    assert list(report.errors) == ["W1", "b1", "W2", "b2"]
    assert report.passed, str(report)
    assert "(4, 5)" in str(report)
