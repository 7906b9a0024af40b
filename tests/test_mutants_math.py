"""Values of the losses, steps, optimizers and shape layers, computed independently.

Each test pins a formula that a consistent but wrong implementation could pass a
gradient check with: a loss computed by hand, a descent step written out, an
optimizer's update for several parameters by a direct loop over them.
"""

import math

import numpy as np
import pytest

from nnnumpy import functions as F
from nnnumpy import layers, optimizers
from nnnumpy.conv import AveragePooling, Flatten
from nnnumpy.gradient import gradient_descent, numerical_diff, numerical_gradient


# ------------------------------------------------------------------------ losses by hand
def test_mean_squared_error_divides_by_the_batch_not_the_outputs():
    """A 3 x 2 batch: (1/2N) sum (y - t)^2 with N = 3 samples, not C = 2 outputs."""
    y = np.array([[1.0, 2.0], [0.0, 0.5], [3.0, -1.0]])
    t = np.array([[0.0, 2.0], [1.0, 1.0], [1.0, 1.0]])
    squares = 1.0 + 0.0 + 1.0 + 0.25 + 4.0 + 4.0      # 10.25
    assert F.mean_squared_error(y, t) == pytest.approx(squares / (2 * 3), rel=1e-14)
    # Class indices become one-hot rows: t = [1, 0, 1].
    indices = np.array([1, 0, 1])
    by_hand = ((1 - 0) ** 2 + (2 - 1) ** 2 + (0 - 1) ** 2 + 0.5 ** 2 + 3 ** 2 + (-1 - 1) ** 2)
    assert F.mean_squared_error(y, indices) == pytest.approx(by_hand / 6, rel=1e-14)
    # A single sample is a batch of one: no division by the number of outputs either.
    assert F.mean_squared_error(np.array([1.0, 2.0, 4.0]), np.array([0.0, 0.0, 1.0])) == \
        pytest.approx(0.5 * (1 + 4 + 9), rel=1e-14)


def test_sum_squared_error_by_hand():
    assert F.sum_squared_error(np.array([1.0, -2.0]), np.array([0.0, 1.0])) == \
        pytest.approx(0.5 * (1 + 9))


def test_mean_squared_error_loss_forward_and_backward_by_hand():
    """L = (1/2N) sum (y - t)^2 and dx = (y - t) / N, on a 3 x 2 batch whose y + t differs."""
    y = np.array([[1.0, 2.0], [0.0, 0.5], [3.0, -1.0]])
    t = np.array([[0.0, 2.0], [1.0, 1.0], [1.0, 1.0]])
    layer = layers.MeanSquaredErrorLoss()
    assert layer.forward(y, t) == pytest.approx(10.25 / 6, rel=1e-14)
    np.testing.assert_allclose(layer.backward(), (y - t) / 3, rtol=1e-14)
    np.testing.assert_allclose(layer.backward(2.0), 2 * (y - t) / 3, rtol=1e-14)
    # Class indices [1, 0, 1] are the one-hot rows [[0, 1], [1, 0], [0, 1]].
    one_hot_rows = np.array([[0.0, 1.0], [1.0, 0.0], [0.0, 1.0]])
    assert layer.forward(y, np.array([1, 0, 1])) == pytest.approx(
        0.5 * np.sum((y - one_hot_rows) ** 2) / 3, rel=1e-14)
    np.testing.assert_allclose(layer.backward(), (y - one_hot_rows) / 3, rtol=1e-14)


def test_step_function_threshold_is_zero():
    x = np.array([-1.0, 0.0, 1e-9, 0.5, 1.0, 2.0])
    np.testing.assert_array_equal(F.step_function(x), [0, 0, 1, 1, 1, 1])
    assert F.step_function(x).dtype == np.int64


def test_relu_grad_and_sigmoid_grad_by_hand():
    x = np.array([-1.0, 0.0, 2.0])
    np.testing.assert_array_equal(F.relu_grad(x), [0.0, 0.0, 1.0])
    s = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(F.sigmoid_grad(x), s * (1 - s), rtol=1e-14)


# ------------------------------------------------------------ numerical differences, descent
def test_gradient_descent_steps_are_x_minus_lr_times_the_gradient():
    """f = (x0 - 1)^2 + 2 (x1 + 2)^2, minimum at (1, -2): each step is
    x <- x - lr * (2 (x0 - 1), 4 (x1 + 2)), so the distance to the minimum shrinks by the
    factors 1 - 2 lr and 1 - 4 lr, and x ends at the minimum, not where x = lr * grad."""
    def f(x):
        return float((x[0] - 1) ** 2 + 2 * (x[1] + 2) ** 2)

    lr, steps = 0.1, 60
    x, history = gradient_descent(f, np.array([4.0, 3.0]), lr=lr, step_num=steps,
                                  return_history=True)
    k = np.arange(steps + 1)
    expected = np.stack([1 + 3.0 * (1 - 2 * lr) ** k, -2 + 5.0 * (1 - 4 * lr) ** k], axis=1)
    np.testing.assert_allclose(history, expected, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(x, [1.0, -2.0], atol=1e-5)
    np.testing.assert_array_equal(x, history[-1])
    # Without return_history, the same point alone.
    np.testing.assert_array_equal(gradient_descent(f, np.array([4.0, 3.0]), lr=lr,
                                                   step_num=steps), x)


def test_gradient_descent_of_zero_steps_is_the_start():
    x = gradient_descent(lambda v: float(v @ v), np.array([1.0, 2.0]), step_num=0)
    np.testing.assert_array_equal(x, [1.0, 2.0])


@pytest.mark.parametrize("kwargs, message", [
    ({"lr": -1}, "lr must be a positive finite number, got -1"),
    ({"lr": 0}, "lr must be a positive finite number, got 0"),
    ({"lr": float("inf")}, "lr must be a positive finite number, got inf"),
    ({"step_num": -2}, "step_num must be a non-negative integer, got -2"),
    ({"step_num": 2.5}, "step_num must be a non-negative integer, got 2.5"),
])
def test_gradient_descent_names_the_bad_argument(kwargs, message):
    with pytest.raises(ValueError, match=message):
        gradient_descent(lambda x: 0.0, np.zeros(2), **kwargs)


@pytest.mark.parametrize("h", [0.0, -1e-4, float("nan"), float("inf")])
def test_numerical_gradient_and_diff_refuse_a_bad_step(h):
    """A negative h would even give the right numbers: refused all the same, by name."""
    message = f"h must be a positive finite step, got {h!r}"
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        numerical_gradient(lambda v: float(v.sum()), np.array([1.0, 2.0]), h=h)
    with pytest.raises(ValueError, match="h must be a positive finite step"):
        numerical_diff(lambda v: v, 1.0, h=h)


def test_numerical_gradient_with_a_large_step_is_the_central_difference():
    """With h = 0.5 the central difference of x^3 is 3 x^2 + h^2, not the derivative 3 x^2:
    the step really is h on either side, divided by 2h."""
    x = np.array([1.0, 2.0])
    grad = numerical_gradient(lambda v: float(np.sum(v ** 3)), x, h=0.5)
    np.testing.assert_allclose(grad, 3 * x ** 2 + 0.25, rtol=1e-14)
    assert numerical_diff(lambda v: v ** 3, 2.0, h=0.5) == pytest.approx(12.25, rel=1e-14)


def test_numerical_gradient_refuses_cupy_like_and_non_arrays():
    with pytest.raises(TypeError, match=r"x must be a NumPy array of floats \(it is perturbed "
                                        r"in place\), got list with dtype None"):
        numerical_gradient(lambda v: 0.0, [1.0, 2.0])


# ------------------------------------------------- optimizers: several parameters, by a loop
def reference_update(name, hyper, params, grads_per_step):
    """Apply each optimizer's equations to every parameter on its own, by a plain loop,
    with state kept per parameter (as the docstrings' equations say)."""
    params = {key: value.copy() for key, value in params.items()}
    state = {key: {"v": np.zeros_like(p), "h": np.zeros_like(p), "m": np.zeros_like(p)}
             for key, p in params.items()}
    for step, grads in enumerate(grads_per_step, start=1):
        for key in params:
            g, s = grads[key], state[key]
            if name == "sgd":
                params[key] = params[key] - hyper["lr"] * g
            elif name == "momentum":
                s["v"] = hyper["momentum"] * s["v"] - hyper["lr"] * g
                params[key] = params[key] + s["v"]
            elif name == "nesterov":
                s["v"] = hyper["momentum"] * s["v"] - hyper["lr"] * g
                params[key] = params[key] + hyper["momentum"] * s["v"] - hyper["lr"] * g
            elif name == "adagrad":
                s["h"] = s["h"] + g ** 2
                params[key] = params[key] - hyper["lr"] * g / (np.sqrt(s["h"]) + hyper["eps"])
            elif name == "rmsprop":
                rho = hyper["decay_rate"]
                s["h"] = rho * s["h"] + (1 - rho) * g ** 2
                params[key] = params[key] - hyper["lr"] * g / (np.sqrt(s["h"]) + hyper["eps"])
            else:   # adam, as its docstring writes it: lr_t folds in both bias corrections
                b1, b2 = hyper["beta1"], hyper["beta2"]
                s["m"] = b1 * s["m"] + (1 - b1) * g
                s["h"] = b2 * s["h"] + (1 - b2) * g ** 2
                lr_t = hyper["lr"] * math.sqrt(1 - b2 ** step) / (1 - b1 ** step)
                params[key] = params[key] - lr_t * s["m"] / (np.sqrt(s["h"]) + hyper["eps"])
    return params


HYPER = {
    "sgd": {"lr": 0.1},
    "momentum": {"lr": 0.1, "momentum": 0.8},
    "nesterov": {"lr": 0.1, "momentum": 0.8},
    "adagrad": {"lr": 0.3, "eps": 0.25},
    "rmsprop": {"lr": 0.2, "decay_rate": 0.6, "eps": 0.25},
    "adam": {"lr": 0.1, "beta1": 0.7, "beta2": 0.8, "eps": 0.5},
}


@pytest.mark.parametrize("name", sorted(HYPER))
def test_optimizer_keeps_its_state_per_parameter(name):
    """Three steps on three parameters (two of the same shape) with different gradients:
    each parameter moves as the equations say for it alone. A velocity or accumulator
    shared between parameters, or a mistake in a term, gives other numbers."""
    rng = np.random.default_rng(5)
    params = {"W1": rng.standard_normal((2, 3)), "b1": rng.standard_normal(3),
              "b2": rng.standard_normal(3)}
    grads_per_step = [{key: rng.standard_normal(p.shape) for key, p in params.items()}
                      for _ in range(3)]
    expected = reference_update(name, HYPER[name], params, grads_per_step)
    optimizer = optimizers.make_optimizer(name, **HYPER[name])
    arrays = {key: value for key, value in params.items()}
    for grads in grads_per_step:
        optimizer.update(params, grads)
    for key in params:
        assert params[key] is arrays[key], "the update must be in place"
        np.testing.assert_allclose(params[key], expected[key], rtol=1e-12, atol=1e-14,
                                   err_msg=key)


def test_adam_adds_eps_to_the_root():
    """One step, eps large: w - lr_1 m / (sqrt(v) + eps), lr_1 = lr sqrt(1 - b2) / (1 - b1)."""
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 0.5
    g = np.array([0.5, -1.0])
    adam = optimizers.Adam(lr=lr, beta1=b1, beta2=b2, eps=eps)
    params = {"w": np.array([1.0, -2.0])}
    adam.update(params, {"w": g})
    m, v = (1 - b1) * g, (1 - b2) * g ** 2
    lr_1 = lr * math.sqrt(1 - b2) / (1 - b1)
    np.testing.assert_allclose(params["w"], [1.0, -2.0] - lr_1 * m / (np.sqrt(v) + eps),
                               rtol=1e-14)
    assert adam.iter == 1


def test_one_optimizer_may_serve_two_parameter_dicts():
    """State per key: a second dict with other keys starts from fresh zeros."""
    momentum = optimizers.Momentum(lr=0.1, momentum=0.5)
    first, second = {"a": np.array([1.0])}, {"b": np.array([1.0])}
    momentum.update(first, {"a": np.array([1.0])})
    momentum.update(second, {"b": np.array([1.0])})
    assert first["a"][0] == pytest.approx(0.9) and second["b"][0] == pytest.approx(0.9)


@pytest.mark.parametrize("grads, error, message", [
    ({}, KeyError, r"grads has no 'w': it must have the keys of params \['w'\], got \[\]"),
    ({"w": np.zeros(3)}, ValueError, r"grads\['w'\] has shape \(3,\) but params\['w'\] has "
                                     r"shape \(2, 3\): each gradient must have its "
                                     r"parameter's shape"),
    ({"w": [1.0, 2.0]}, ValueError, r"grads\['w'\] has shape \(2,\)"),
])
def test_gradients_of_the_wrong_keys_or_shapes_change_nothing(grads, error, message):
    params = {"w": np.ones((2, 3))}
    for name in HYPER:
        with pytest.raises(error, match=message):
            optimizers.make_optimizer(name).update(params, grads)
        np.testing.assert_array_equal(params["w"], 1.0)


@pytest.mark.parametrize("cls, kwargs, message", [
    (optimizers.SGD, {"lr": True}, "lr must be a positive finite number, got True"),
    (optimizers.SGD, {"lr": "0.1"}, "lr must be a positive finite number, got '0.1'"),
    (optimizers.SGD, {"lr": float("inf")}, "lr must be a positive finite number, got inf"),
    (optimizers.AdaGrad, {"eps": 0}, "eps must be a positive finite number, got 0"),
    (optimizers.RMSprop, {"decay_rate": 1.0}, r"decay_rate must be in \[0, 1\), got 1.0"),
    (optimizers.Adam, {"beta1": True}, r"beta1 must be in \[0, 1\), got True"),
    (optimizers.Adam, {"beta1": -0.5}, r"beta1 must be in \[0, 1\), got -0.5"),
    (optimizers.Momentum, {"momentum": "0.9"}, r"momentum must be in \[0, 1\), got '0.9'"),
    (optimizers.StepDecay, {"step_size": True}, "step_size must be a positive integer, got True"),
    (optimizers.StepDecay, {"step_size": 1.5}, "step_size must be a positive integer, got 1.5"),
    (optimizers.ExponentialDecay, {"gamma": 0}, "gamma must be a positive finite number"),
])
def test_hyperparameters_are_checked_by_name(cls, kwargs, message):
    with pytest.raises(ValueError, match=message):
        cls(**kwargs)


def test_boundary_hyperparameters_are_accepted():
    assert optimizers.Momentum(momentum=0).momentum == 0.0
    assert optimizers.StepDecay(step_size=1, gamma=2)(1.0, 3) == pytest.approx(8.0)
    assert optimizers.StepDecay(step_size=np.int64(3))(1.0, 2) == pytest.approx(1.0)
    with pytest.raises(ValueError, match=r"optimizer must be one of \['adagrad', 'adam', "
                                         r"'momentum', 'nesterov', 'rmsprop', 'sgd'\], got 'x'"):
        optimizers.make_optimizer("x")


# ------------------------------------------------------------------------- shape layers
def test_flatten_forward_and_backward_shapes_and_values(rng):
    x = rng.standard_normal((2, 3, 4, 5))
    layer = Flatten()
    out = layer.forward(x)
    assert out.shape == (2, 60)
    np.testing.assert_array_equal(out[1], x[1].ravel())
    dout = rng.standard_normal((2, 60))
    dx = layer.backward(dout)
    assert dx.shape == (2, 3, 4, 5)
    np.testing.assert_array_equal(dx[1, 2, 3], dout[1, 55:60])


def test_flatten_refuses_an_empty_batch():
    with pytest.raises(ValueError, match=r"^x is an empty batch: shape \(0, 3\); it needs at "
                                         r"least one sample \(N >= 1\)"):
        Flatten().forward(np.zeros((0, 3)))


@pytest.mark.parametrize("shape, message", [
    ((3, 4, 4), r"x must be images \(N, C, H, W\), got shape \(3, 4, 4\)"),
    ((1, 1, 1, 4), r"a 2 x 2 window does not fit in images of shape \(1, 1, 1, 4\)"),
])
def test_average_pooling_checks_its_input(shape, message):
    with pytest.raises(ValueError, match=message):
        AveragePooling(2, 2).forward(np.zeros(shape))


def test_average_pooling_of_a_constant_and_its_backward_share():
    layer = AveragePooling(2, 3, stride=1)
    x = np.full((1, 1, 3, 4), 6.0)
    np.testing.assert_allclose(layer.forward(x), np.full((1, 1, 2, 2), 6.0))
    dx = layer.backward(np.ones((1, 1, 2, 2)))
    # The corner pixel is in one window; each window gives each of its 6 pixels 1/6.
    assert dx[0, 0, 0, 0] == pytest.approx(1 / 6)
    assert dx[0, 0, 1, 1] == pytest.approx(4 / 6)


# ------------------------------------------------------- dtypes, defaults and the device path
def test_relu_grad_threshold_and_dtype():
    x = np.array([-0.5, 0.0, 0.5, 1.0, 3.0], dtype=np.float32)
    grad = F.relu_grad(x)
    np.testing.assert_array_equal(grad, [0, 0, 1, 1, 1])
    assert grad.dtype == np.float32


def test_float32_losses_stay_float32_and_finite_at_zero_probability():
    y = np.array([[1.0, 0.0], [0.25, 0.75]], dtype=np.float32)
    loss = F.cross_entropy_error(y, np.array([1, 1]))
    # log of float32's smallest positive number, not of 0 (which would be -inf).
    tiny = np.finfo(np.float32).tiny
    assert loss == pytest.approx(-(np.log(tiny) + np.log(0.75)) / 2, rel=1e-6)
    bce = F.binary_cross_entropy(np.array([0.0, 1.0, 0.5], np.float32),
                                 np.array([1.0, 0.0, 1.0], np.float32))
    assert bce == pytest.approx(-(2 * np.log(tiny) + np.log(0.5)) / 3, rel=1e-6)
    y = np.array([[0.5, 0.25], [1.0, 0.0]], dtype=np.float32)
    assert F.mean_squared_error(y, np.array([0, 1])).dtype == np.float32
    layer = layers.MeanSquaredErrorLoss()
    assert layer.forward(y, np.array([0, 1])).dtype == np.float32
    assert layer.backward().dtype == np.float32


def test_one_hot_by_hand():
    encoded = F.one_hot(np.array([2, 0]), 3)
    np.testing.assert_array_equal(encoded, [[0, 0, 1], [1, 0, 0]])
    assert encoded.dtype == np.float64
    assert F.one_hot(np.array([1]), 2, dtype=np.float32).dtype == np.float32


def test_defaults_of_the_schedules_and_of_gradient_descent():
    assert optimizers.ExponentialDecay()(1.0, 2) == pytest.approx(0.95 ** 2)
    assert optimizers.StepDecay()(1.0, 10) == pytest.approx(0.5)
    assert optimizers.StepDecay()(1.0, 9) == pytest.approx(1.0)
    # f = x^2: each default step (lr 0.01) multiplies x by 0.98, 100 times by default.
    x, history = gradient_descent(lambda v: float(v @ v), np.array([1.0]),
                                  return_history=True)
    assert history.shape == (101, 1)
    assert x[0] == pytest.approx(0.98 ** 100, rel=1e-6)
    defaults = {"sgd": {"lr": 0.01}, "momentum": {"lr": 0.01, "momentum": 0.9},
                "adagrad": {"lr": 0.01, "eps": 1e-7},
                "rmsprop": {"lr": 0.01, "decay_rate": 0.99, "eps": 1e-7},
                "adam": {"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}}
    for name, values in defaults.items():
        optimizer = optimizers.make_optimizer(name)
        for attribute, value in values.items():
            assert getattr(optimizer, attribute) == value, (name, attribute)


def test_functions_follow_the_data_onto_the_device():
    """On the CuPy stand-in, which refuses any NumPy conversion, every function computes
    with CuPy and returns a CuPy array of the same values."""
    from .conftest import fake_cupy_installed

    x = np.array([[-2.0, 0.0, 0.5], [3.0, -1.0, 1.0]])
    t = np.array([2, 0])
    with fake_cupy_installed() as cupy:
        on_device = cupy.asarray(x)
        for name in ("step_function", "relu", "relu_grad", "sigmoid", "leaky_relu", "tanh",
                     "softplus", "softmax", "log_softmax"):
            out = getattr(F, name)(on_device)
            assert isinstance(out, cupy.ndarray), name
            np.testing.assert_allclose(cupy.asnumpy(out), getattr(F, name)(x), err_msg=name)
        probabilities = F.softmax(on_device)
        for loss in (F.cross_entropy_error, F.mean_squared_error):
            value = loss(probabilities, cupy.asarray(t))
            assert float(value) == pytest.approx(loss(F.softmax(x), t)), loss.__name__
        assert isinstance(F.one_hot(cupy.asarray(t), 3), cupy.ndarray)
        # Picking each sample's label indexes with a device array: nothing crosses from host.
        labels = cupy.asarray(t)
        cupy.counters.reset()
        loss = F.softmax_cross_entropy(on_device, labels)
        assert cupy.counters.host_to_device == 0 and cupy.counters.synchronizations == 0
        assert float(loss) == pytest.approx(F.softmax_cross_entropy(x, t), rel=1e-14)


@pytest.mark.parametrize("make, error, message", [
    (lambda: layers.Affine(np.zeros(3)), ValueError,
     r"^W must be a 2-D array \(D, M\), got shape \(3,\)"),
    (lambda: layers.Affine(np.zeros((4, 3)), np.zeros(4)), ValueError,
     r"^b must have shape \(3,\) to match W \(4, 3\), got \(4,\)"),
    (lambda: layers.LeakyReLU(1.0), ValueError, r"^alpha must be in \[0, 1\), got 1.0"),
    (lambda: layers.LeakyReLU(-0.1), ValueError, r"^alpha must be in \[0, 1\), got -0.1"),
    (lambda: layers.Dropout(-0.1), ValueError, r"^dropout_ratio must be in \[0, 1\), got -0.1"),
    (lambda: layers.Dropout("0.5"), ValueError, r"^dropout_ratio must be in \[0, 1\)"),
    (lambda: layers.BatchNormalization(np.ones(3), np.zeros(2)), ValueError,
     r"^gamma and beta must be 1-D arrays of the same shape, got \(3,\) and \(2,\)"),
    (lambda: layers.BatchNormalization(np.ones((3, 1)), np.zeros((3, 1))), ValueError,
     r"^gamma and beta must be 1-D arrays"),
    (lambda: layers.BatchNormalization(np.ones(3), np.zeros(3), momentum=1.0), ValueError,
     r"^momentum must be in \[0, 1\), got 1.0"),
    (lambda: layers.BatchNormalization(np.ones(3), np.zeros(3), eps=0.0), ValueError,
     r"^eps must be > 0 \(a finite number\), got 0.0"),
])
def test_layer_settings_are_checked_by_name(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_layer_settings_at_their_boundaries_are_accepted():
    assert layers.LeakyReLU(0.0).alpha == 0.0
    assert layers.Dropout(0.0).dropout_ratio == 0.0
    assert layers.BatchNormalization(np.ones(2), np.zeros(2), momentum=0.0).momentum == 0.0
    assert layers.Affine(np.zeros((2, 3))).b is None


def test_layers_without_bias_and_without_dx(rng):
    W = rng.standard_normal((4, 3))
    x, dout = rng.standard_normal((5, 4)), rng.standard_normal((5, 3))
    plain = layers.Affine(W)
    np.testing.assert_allclose(plain.forward(x), x @ W, rtol=1e-14)
    np.testing.assert_allclose(plain.backward(dout), dout @ W.T, rtol=1e-14)
    assert plain.db is None
    np.testing.assert_allclose(plain.dW, x.T @ dout, rtol=1e-14)
    first = layers.Affine(W, np.ones(3), compute_dx=False)
    np.testing.assert_allclose(first.forward(x), x @ W + 1, rtol=1e-14)
    assert first.backward(dout) is None
    np.testing.assert_allclose(first.db, dout.sum(axis=0), rtol=1e-14)


def test_layers_by_hand():
    x = np.array([[-2.0, 0.0, 3.0]])
    relu = layers.ReLU()
    np.testing.assert_array_equal(relu.forward(x), [[0, 0, 3]])
    np.testing.assert_array_equal(relu.backward(np.full((1, 3), 5.0)), [[0, 0, 5]])
    leaky = layers.LeakyReLU(0.25)
    np.testing.assert_array_equal(leaky.forward(x), [[-0.5, 0, 3]])
    np.testing.assert_array_equal(leaky.backward(np.full((1, 3), 4.0)), [[1, 1, 4]])
    assert leaky.forward(x.astype(np.float32)).dtype == np.float32
    tanh = layers.Tanh()
    out = tanh.forward(x)
    np.testing.assert_allclose(tanh.backward(np.ones((1, 3))), 1 - np.tanh(x) ** 2, rtol=1e-14)
    np.testing.assert_allclose(out, np.tanh(x), rtol=1e-14)
    sigmoid = layers.Sigmoid()
    s = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(sigmoid.forward(x), s, rtol=1e-14)
    np.testing.assert_allclose(sigmoid.backward(2 * np.ones((1, 3))), 2 * s * (1 - s), rtol=1e-14)
    assert layers.LeakyReLU().alpha == 0.01
    assert layers.Dropout().dropout_ratio == 0.5
    bn = layers.BatchNormalization(np.ones(2), np.zeros(2))
    assert (bn.momentum, bn.eps) == (0.9, 1e-5)
    np.testing.assert_array_equal(bn.running_mean, [0, 0])
    np.testing.assert_array_equal(bn.running_var, [1, 1])


def test_loss_layers_scale_their_backward_by_dout(rng):
    x, t = rng.standard_normal((4, 3)), np.array([0, 2, 1, 1])
    for layer, labels in ((layers.MeanSquaredErrorLoss(), t),
                          (layers.SigmoidWithLoss(), rng.integers(0, 2, (4, 3)).astype(float)),
                          (layers.SoftmaxWithLoss(), np.eye(3)[t])):
        layer.forward(x, labels)
        np.testing.assert_allclose(layer.backward(3.0), 3 * layer.backward(), rtol=1e-14)
    sigmoid = layers.SigmoidWithLoss()
    labels = np.array([1.0, 0.0])
    sigmoid.forward(np.array([0.0, 2.0]), labels)
    np.testing.assert_allclose(sigmoid.backward(), ([0.5, 1 / (1 + np.exp(-2.0))] - labels) / 2,
                               rtol=1e-14)


def test_gradient_descent_starts_from_a_float64_copy_of_any_array_like():
    """Integer starting points (a list, an int array) work: x is a float64 copy."""
    start = np.array([3, 4])
    x = gradient_descent(lambda v: float(v @ v), start, lr=0.25, step_num=1)
    np.testing.assert_allclose(x, [1.5, 2.0], rtol=1e-8)    # x - 0.25 * 2x
    assert x.dtype == np.float64
    np.testing.assert_array_equal(start, [3, 4])
    np.testing.assert_allclose(gradient_descent(lambda v: float(v @ v), [3, 4], lr=0.25,
                                                step_num=1), [1.5, 2.0], rtol=1e-8)


def test_numerical_gradient_names_what_it_needs():
    from .conftest import fake_cupy_installed

    with pytest.raises(TypeError, match=r"^numerical_gradient needs float64: x is float32, in "
                                        r"which x \+ h is itself rounded \(h = 0.0001 against a "
                                        r"spacing of 1.1920928955078125e-07 at 1\), so the "
                                        r"differences would be off or zero. Pass "
                                        r"x.astype\(np.float64\).$"):
        numerical_gradient(lambda v: 0.0, np.zeros(2, np.float32))
    with fake_cupy_installed() as cupy:
        with pytest.raises(TypeError, match=r"^numerical_gradient runs on the host: x must be a "
                                            r"NumPy array, got a CuPy array \(bring it back "
                                            r"with nnnumpy.backend.to_numpy\)$"):
            numerical_gradient(lambda v: 0.0, cupy.zeros(2))
    with pytest.raises(TypeError, match=r"^x must be a NumPy array of floats \(it is perturbed "
                                        r"in place\), got ndarray with dtype int64$"):
        numerical_gradient(lambda v: 0.0, np.arange(2))


def test_dropout_masks_follow_the_seed_and_are_drawn_anew_unless_fixed():
    x = np.ones((4, 6), dtype=np.float32)
    layer = layers.Dropout(0.5, seed=3)
    assert layer.fixed is False
    first = layer.forward(x)
    keep = np.random.default_rng(3).random((4, 6)) >= 0.5
    np.testing.assert_array_equal(first, keep * np.float32(2.0))
    assert first.dtype == np.float32
    np.testing.assert_array_equal(layers.Dropout(0.5, seed=3).forward(x), first)
    second = layer.forward(x)
    assert not np.array_equal(second, first), "a new mask for every training batch"
    layer.fixed = True
    np.testing.assert_array_equal(layer.forward(x), second)
    assert layer.forward(np.ones((2, 6), np.float32)).shape == (2, 6)   # other shape: new mask


def test_dropout_backward_at_test_time_is_a_copy_of_dout():
    layer = layers.Dropout(0.5, seed=0)
    layer.forward(np.ones((2, 3)))
    x = np.arange(6.0).reshape(2, 3)
    assert layer.forward(x, train=False) is x
    assert layer.scaled_mask is None
    dout = np.ones((2, 3))
    dx = layer.backward(dout)
    np.testing.assert_array_equal(dx, dout)
    assert dx is not dout


def test_batchnorm_updates_the_running_arrays_it_was_given_in_place(rng):
    mean, var = np.full(2, 1.0), np.full(2, 2.0)
    layer = layers.BatchNormalization(np.ones(2), np.zeros(2), momentum=0.5, running_mean=mean,
                                      running_var=var)
    x = rng.standard_normal((10, 2)) * 3
    layer.forward(x, train=True)
    assert layer.running_mean is mean and layer.running_var is var
    np.testing.assert_allclose(mean, 0.5 * 1.0 + 0.5 * x.mean(axis=0), rtol=1e-14)
    np.testing.assert_allclose(var, 0.5 * 2.0 + 0.5 * x.var(axis=0), rtol=1e-14)
    dout = rng.standard_normal((10, 2))
    layer.backward(dout)
    xn = (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + 1e-5)
    np.testing.assert_allclose(layer.dbeta, dout.sum(axis=0), rtol=1e-12)
    np.testing.assert_allclose(layer.dgamma, (dout * xn).sum(axis=0), rtol=1e-12)


def test_a_single_sample_with_its_label_in_a_one_entry_array():
    """y: (C,) with t = [k] (an index in an array) is one sample of class k, not a one-hot row."""
    y = np.array([0.1, 0.7, 0.2])
    assert F.cross_entropy_error(y, np.array([1])) == pytest.approx(-np.log(0.7), rel=1e-14)
    assert F.softmax_cross_entropy(np.log(y), np.array([2])) == pytest.approx(-np.log(0.2),
                                                                               rel=1e-12)
    assert F.mean_squared_error(y, np.array([1])) == pytest.approx(
        0.5 * (0.01 + 0.09 + 0.04), rel=1e-14)
    batch, labels = F.as_batch(y, np.array([0.0, 1.0, 0.0]))
    assert batch.shape == (1, 3) and labels.shape == (1, 3)


@pytest.mark.parametrize("make, shape, message", [
    (lambda: AveragePooling(2, 2), (0, 1, 4, 4),
     r"^x is an empty batch: shape \(0, 1, 4, 4\); it needs at least one sample \(N >= 1\)"),
    (lambda: AveragePooling(3, 2, pad=1), (1, 1, 0, 0),
     r"^a 3 x 2 window does not fit in images of shape \(1, 1, 0, 0\) padded by 1 \(2 x 2\)$"),
])
def test_pooling_names_the_input_that_does_not_fit(make, shape, message):
    with pytest.raises(ValueError, match=message):
        make().forward(np.zeros(shape))


@pytest.mark.parametrize("make, message", [
    (lambda: AveragePooling(True, 2), "^pool_h must be an integer >= 1, got True$"),
    (lambda: AveragePooling(2, 0), "^pool_w must be an integer >= 1, got 0$"),
    (lambda: AveragePooling(2, 2, stride=0), "^stride must be an integer >= 1, got 0$"),
    (lambda: AveragePooling(2, 2, pad=-1), "^pad must be an integer >= 0, got -1$"),
    (lambda: AveragePooling(2, 2, pad=True), "^pad must be an integer >= 0, got True$"),
])
def test_pooling_settings_are_checked_by_name(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_pooling_stride_defaults_to_the_window_and_boundaries_are_accepted():
    from nnnumpy.conv import Pooling

    x = np.arange(36.0).reshape(1, 1, 6, 6)
    for make in (Pooling, AveragePooling):
        assert make(3, 3).stride == 3 and make(3, 2).stride == 3
        assert make(1, 1, stride=1, pad=0).forward(x).shape == (1, 1, 6, 6)
        assert make(3, 3).forward(x).shape == (1, 1, 2, 2)
    np.testing.assert_array_equal(Pooling(3, 3).forward(x)[0, 0], [[14, 17], [32, 35]])
    np.testing.assert_array_equal(AveragePooling(3, 3).forward(x)[0, 0], [[7, 10], [25, 28]])


@pytest.mark.parametrize("cls", [optimizers.SGD, optimizers.Momentum, optimizers.Nesterov,
                                 optimizers.AdaGrad, optimizers.RMSprop, optimizers.Adam])
def test_every_optimizer_names_its_bad_hyperparameters(cls):
    with pytest.raises(ValueError, match="^lr must be a positive finite number, got -1$"):
        cls(lr=-1)
    names = {"Momentum": ["momentum"], "Nesterov": ["momentum"], "AdaGrad": ["eps"],
             "RMSprop": ["decay_rate", "eps"], "Adam": ["beta1", "beta2", "eps"]}
    for name in names.get(cls.__name__, []):
        with pytest.raises(ValueError, match=f"^{name} must be "):
            cls(**{name: -1})


def test_the_schedules_name_their_bad_gamma():
    for cls in (optimizers.StepDecay, optimizers.ExponentialDecay):
        with pytest.raises(ValueError, match="^gamma must be a positive finite number, got 0$"):
            cls(gamma=0)


def test_a_fixed_dropout_draws_its_first_mask_and_runs_on_the_device():
    from .conftest import fake_cupy_installed

    layer = layers.Dropout(0.5, seed=1)
    layer.fixed = True                      # before any mask exists: the first one is drawn
    np.testing.assert_array_equal(layers.Dropout(0.5).backward(np.ones(2)), np.ones(2))
    out = layer.forward(np.ones((3, 4)))
    np.testing.assert_array_equal(out, layer.forward(np.ones((3, 4))))
    with fake_cupy_installed() as cupy:
        on_device = layers.Dropout(0.5, seed=1).forward(cupy.ones((3, 4)))
        assert isinstance(on_device, cupy.ndarray)
        np.testing.assert_array_equal(cupy.asnumpy(on_device), out)


@pytest.mark.parametrize("W, b, kwargs, message", [
    (np.zeros((2, 3, 3)), np.zeros(2), {},
     r"^W must be filters \(FN, C, FH, FW\), got shape \(2, 3, 3\)$"),
    ([1.0], np.zeros(2), {}, r"^W must be filters \(FN, C, FH, FW\), got shape \[1.0\]$"),
    (np.zeros((2, 1, 3, 3)), np.zeros(3), {},
     r"^b must have shape \(2,\) to match W \(2, 1, 3, 3\), got \(3,\)$"),
    (np.zeros((2, 1, 3, 3)), [0.0, 0.0], {},
     r"^b must have shape \(2,\) to match W \(2, 1, 3, 3\), got \[0.0, 0.0\]$"),
    (np.zeros((2, 1, 3, 3)), np.zeros(2), {"stride": 1.0}, "^stride must be an integer >= 1"),
    (np.zeros((2, 1, 3, 3)), np.zeros(2), {"pad": -2}, "^pad must be an integer >= 0, got -2$"),
])
def test_convolution_settings_are_checked_by_name(W, b, kwargs, message):
    from nnnumpy.conv import Convolution

    with pytest.raises(ValueError, match=message):
        Convolution(W, b, **kwargs)


def test_convolution_accepts_numpy_integers_for_its_geometry(rng):
    from nnnumpy.conv import Convolution

    layer = Convolution(rng.standard_normal((1, 1, 2, 2)), np.zeros(1), stride=np.int64(2),
                        pad=np.int64(0))
    assert layer.forward(rng.standard_normal((1, 1, 4, 4))).shape == (1, 1, 2, 2)


@pytest.mark.parametrize("gamma, beta, shown", [
    ([1.0, 1.0], np.zeros(2), r"\[1.0, 1.0\] and \(2,\)"),
    (np.ones(2), [0.0, 0.0], r"\(2,\) and \[0.0, 0.0\]"),
])
def test_batchnorm_names_gamma_and_beta_that_are_not_arrays(gamma, beta, shown):
    with pytest.raises(ValueError, match="^gamma and beta must be 1-D arrays of the same shape, "
                                         f"got {shown}$"):
        layers.BatchNormalization(gamma, beta)


def test_loss_layers_keep_float32_in_backward(rng):
    x = rng.standard_normal((4, 3)).astype(np.float32)
    for layer, labels in ((layers.SoftmaxWithLoss(), np.array([0, 2, 1, 1])),
                          (layers.MeanSquaredErrorLoss(), np.array([0, 2, 1, 1])),
                          (layers.SigmoidWithLoss(), (x > 0).astype(np.float32))):
        layer.forward(x, labels)
        assert layer.backward().dtype == np.float32, type(layer).__name__


def test_affine_names_w_and_b_that_are_not_arrays():
    with pytest.raises(ValueError, match=r"^W must be a 2-D array \(D, M\), got shape \[1.0\]$"):
        layers.Affine([1.0])
    with pytest.raises(ValueError, match=r"^b must have shape \(3,\) to match W \(2, 3\), got "
                                         r"\[0.0, 0.0, 0.0\]$"):
        layers.Affine(np.zeros((2, 3)), [0.0, 0.0, 0.0])


def test_im2col_col2im_and_convolution_default_to_stride_1_and_no_padding(rng):
    from nnnumpy.conv import Convolution, col2im, im2col

    from .conftest import fake_cupy_installed

    x = rng.standard_normal((2, 3, 5, 4))
    col = im2col(x, 2, 3)
    assert col.shape == (2, 3 * 2 * 3, 4 * 2)          # OH = 5 - 2 + 1, OW = 4 - 3 + 1
    np.testing.assert_array_equal(col[1, :, 0], x[1, :, 0:2, 0:3].ravel())
    np.testing.assert_array_equal(col2im(col, x.shape, 2, 3),
                                  col2im(col, x.shape, 2, 3, stride=1, pad=0))
    assert col2im(col, x.shape, 2, 3).shape == x.shape
    layer = Convolution(rng.standard_normal((1, 3, 2, 3)), np.zeros(1))
    assert (layer.stride, layer.pad) == (1, 0)
    assert layer.forward(x).shape == (2, 1, 4, 2)
    with fake_cupy_installed() as cupy:
        on_device = im2col(cupy.asarray(x), 2, 3)
        assert isinstance(on_device, cupy.ndarray)
        np.testing.assert_array_equal(cupy.asnumpy(on_device), col)


def test_pooling_runs_on_the_device_and_over_windows_of_129_pixels():
    from nnnumpy.conv import Pooling

    from .conftest import fake_cupy_installed

    x = np.arange(3 * 43, dtype=np.float64).reshape(1, 1, 3, 43)   # the maximum is offset 128
    layer = Pooling(3, 43)
    assert layer.forward(x)[0, 0, 0, 0] == 128
    dx = layer.backward(np.ones((1, 1, 1, 1)))
    assert dx[0, 0, 2, 42] == 1 and dx.sum() == 1
    with pytest.raises(ValueError, match=r"^x must be images \(N, C, H, W\), got shape list$"):
        AveragePooling(2, 2).forward([[1.0]])
    with fake_cupy_installed() as cupy:
        for make in (lambda: Pooling(2, 2), lambda: AveragePooling(2, 2, pad=1)):
            pool = make()
            out = pool.forward(cupy.asarray(x[:, :, :, :4]))
            dx = pool.backward(cupy.ones(out.shape))
            assert isinstance(out, cupy.ndarray) and isinstance(dx, cupy.ndarray)
            host = make()
            np.testing.assert_array_equal(cupy.asnumpy(out), host.forward(x[:, :, :, :4]))
            np.testing.assert_array_equal(cupy.asnumpy(dx), host.backward(np.ones(out.shape)))
