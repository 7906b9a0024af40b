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


def test_nesterov_by_hand_differs_from_momentum():
    """Two steps of v <- mu v - lr g; w <- w + mu v - lr g, computed by hand."""
    lr, mu = 0.1, 0.9
    params = {"w": np.array([1.0])}
    nesterov = optimizers.Nesterov(lr=lr, momentum=mu)
    nesterov.update(params, {"w": np.array([1.0])})   # v = -0.1;  w = 1 - 0.09 - 0.1
    assert params["w"][0] == pytest.approx(0.81)
    nesterov.update(params, {"w": np.array([2.0])})   # v = -0.09 - 0.2 = -0.29
    assert params["w"][0] == pytest.approx(0.81 + mu * -0.29 - lr * 2.0)   # 0.349
    plain = {"w": np.array([1.0])}
    momentum = optimizers.Momentum(lr=lr, momentum=mu)
    momentum.update(plain, {"w": np.array([1.0])})
    momentum.update(plain, {"w": np.array([2.0])})
    assert plain["w"][0] == pytest.approx(1.0 - 0.1 - 0.29)             # 0.61, not 0.349


def test_adagrad_by_hand_eps_outside_the_root():
    """w <- w - lr g / (sqrt(h) + eps), h the running sum of g^2; eps large enough to see
    that it is added after the square root (inside it, the steps would differ)."""
    lr, eps = 0.5, 0.5
    params = {"w": np.array([2.0, 2.0])}
    adagrad = optimizers.AdaGrad(lr=lr, eps=eps)
    adagrad.update(params, {"w": np.array([1.0, 0.0])})   # h = [1, 0]
    np.testing.assert_allclose(params["w"], [2.0 - 0.5 * 1.0 / 1.5, 2.0])
    adagrad.update(params, {"w": np.array([2.0, 3.0])})   # h = [5, 9]
    np.testing.assert_allclose(params["w"], [2.0 - 1 / 3 - 0.5 * 2.0 / (math.sqrt(5) + 0.5),
                                             2.0 - 0.5 * 3.0 / (3.0 + 0.5)])


def test_rmsprop_by_hand():
    lr, rho, eps = 0.1, 0.5, 0.25
    params = {"w": np.array([1.0])}
    rmsprop = optimizers.RMSprop(lr=lr, decay_rate=rho, eps=eps)
    rmsprop.update(params, {"w": np.array([2.0])})   # h = 0.5 * 4 = 2
    assert params["w"][0] == pytest.approx(1.0 - 0.1 * 2.0 / (math.sqrt(2.0) + 0.25))
    rmsprop.update(params, {"w": np.array([1.0])})   # h = 0.5 * 2 + 0.5 * 1 = 1.5
    assert params["w"][0] == pytest.approx(1.0 - 0.1 * 2.0 / (math.sqrt(2.0) + 0.25)
                                           - 0.1 * 1.0 / (math.sqrt(1.5) + 0.25))


@pytest.mark.parametrize("lr", [np.float32(0.1), np.float64(0.1), np.int64(1)])
def test_numpy_scalars_are_accepted_as_hyperparameters(lr):
    for cls in OPTIMIZERS.values():
        assert cls(lr=lr).lr == pytest.approx(float(lr))
    with pytest.raises(ValueError, match="lr must be a positive finite number"):
        optimizers.SGD(lr=np.float32("nan"))
