import math

import numpy as np
import pytest

from nnnumpy import optimizers
from nnnumpy.optimizers import OPTIMIZERS, ExponentialDecay, StepDecay, make_optimizer


def quadratic(params):
    """f = sum(a * (w - 3)^2) with curvatures a; gradient 2 a (w - 3)."""
    a = np.array([1.0, 5.0, 0.5])
    w = params["w"]
    return float(np.sum(a * (w - 3) ** 2)), {"w": 2 * a * (w - 3)}


@pytest.mark.parametrize("name, lr", [("sgd", 0.05), ("momentum", 0.02), ("nesterov", 0.02),
                                      ("adagrad", 0.5), ("rmsprop", 0.05), ("adam", 0.1)])
def test_every_optimizer_decreases_a_quadratic(name, lr):
    params = {"w": np.zeros(3)}
    array = params["w"]
    optimizer = make_optimizer(name, lr=lr)
    start, _ = quadratic(params)
    for _ in range(200):
        _, grads = quadratic(params)
        optimizer.update(params, grads)
    end, _ = quadratic(params)
    assert params["w"] is array, "the update must be in place"
    assert end < 1e-2 * start


def test_adam_first_two_steps_by_hand():
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    w = np.array([1.0, -2.0])
    g1, g2 = np.array([0.5, -1.0]), np.array([0.2, 0.3])
    # By the paper: m, v moments, bias-corrected m_hat, v_hat.
    m = (1 - b1) * g1
    v = (1 - b2) * g1 ** 2
    w1 = w - lr * (m / (1 - b1)) / (np.sqrt(v / (1 - b2)) + eps)
    m = b1 * m + (1 - b1) * g2
    v = b2 * v + (1 - b2) * g2 ** 2
    w2 = w1 - lr * (m / (1 - b1 ** 2)) / (np.sqrt(v / (1 - b2 ** 2)) + eps)

    params = {"w": w.copy()}
    adam = optimizers.Adam(lr=lr)
    adam.update(params, {"w": g1})
    np.testing.assert_allclose(params["w"], w1, rtol=1e-6)
    np.testing.assert_allclose(params["w"], w - lr * np.sign(g1), rtol=1e-6)
    adam.update(params, {"w": g2})
    np.testing.assert_allclose(params["w"], w2, rtol=1e-6)


def test_sgd_and_momentum_by_hand():
    params = {"w": np.array([1.0])}
    sgd = optimizers.SGD(lr=0.1)
    sgd.update(params, {"w": np.array([2.0])})
    assert params["w"][0] == pytest.approx(0.8)
    momentum = optimizers.Momentum(lr=0.1, momentum=0.9)
    momentum.update(params, {"w": np.array([1.0])})  # v = -0.1
    momentum.update(params, {"w": np.array([1.0])})  # v = -0.09 - 0.1
    assert params["w"][0] == pytest.approx(0.8 - 0.1 - 0.19)


def test_float32_parameters_stay_float32():
    for cls in OPTIMIZERS.values():
        params = {"w": np.ones(3, np.float32)}
        cls().update(params, {"w": np.full(3, 0.5, np.float32)})
        assert params["w"].dtype == np.float32, cls.__name__


@pytest.mark.parametrize("name, kwargs, message", [
    ("sgd", {"lr": 0}, "lr must be a positive finite number"),
    ("momentum", {"momentum": 1.5}, r"momentum must be in \[0, 1\)"),
    ("adam", {"beta2": -0.1}, r"beta2 must be in \[0, 1\)"),
    ("lbfgs", {}, "optimizer must be one of"),
])
def test_bad_hyperparameters(name, kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_optimizer(name, **kwargs)


def test_learning_rate_schedules():
    step = StepDecay(step_size=2, gamma=0.5)
    assert [step(0.1, epoch) for epoch in range(5)] == pytest.approx(
        [0.1, 0.1, 0.05, 0.05, 0.025])
    exponential = ExponentialDecay(gamma=0.9)
    assert exponential(0.1, 3) == pytest.approx(0.1 * 0.9 ** 3)
    with pytest.raises(ValueError, match="step_size"):
        StepDecay(step_size=0)
    assert math.isclose(ExponentialDecay(1.0)(0.3, 10), 0.3)
