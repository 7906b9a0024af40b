"""Numbers and arrays handed to the networks and optimizers: NumPy scalars are numbers,
non-finite numbers, complex or object data and mis-shaped gradients are refused by name."""

import numpy as np
import pytest

from nnnumpy import MultiLayerNet, SimpleConvNet, TwoLayerNet
from nnnumpy.layers import BatchNormalization
from nnnumpy.optimizers import OPTIMIZERS, StepDecay


@pytest.mark.parametrize("std", [np.float32(0.01), np.float64(0.01), np.int64(1)])
def test_numpy_scalars_are_weight_init_stds(std):
    for make in (lambda: TwoLayerNet(784, 50, 10, weight_init_std=std, seed=0),
                 lambda: MultiLayerNet(784, [50], 10, weight_init_std=std, seed=0),
                 lambda: SimpleConvNet(weight_init_std=std, seed=0)):
        net = make()
        key = "W2" if isinstance(net, SimpleConvNet) else "W1"
        assert net.params[key].std() == pytest.approx(float(std), rel=0.05)


@pytest.mark.parametrize("std", [np.inf, -np.inf, np.nan, np.float32("inf"), 0, -0.1, True])
def test_non_finite_and_non_positive_stds_are_refused(std):
    with pytest.raises(ValueError, match="weight_init_std must be 'he', 'xavier' or a "
                                         "positive finite number"):
        TwoLayerNet(4, 3, 2, weight_init_std=std)


@pytest.mark.parametrize("name", ["weight_decay_lambda", "l1_lambda"])
@pytest.mark.parametrize("value", [np.inf, np.nan, -1.0, "0.1"])
def test_penalties_must_be_finite_numbers_at_least_zero(name, value):
    with pytest.raises(ValueError, match=f"{name} must be >= 0 \\(a finite number\\)"):
        MultiLayerNet(4, [3], 2, **{name: value})


@pytest.mark.parametrize("value", [np.float32(0.1), np.float64(0.0), np.int64(1)])
def test_numpy_scalar_penalties_are_accepted(value):
    net = MultiLayerNet(4, [3], 2, weight_decay_lambda=value, l1_lambda=value)
    assert net.weight_decay_lambda == net.l1_lambda == pytest.approx(float(value))
    assert type(net.weight_decay_lambda) is float


@pytest.mark.parametrize("kwargs, message", [
    ({"batchnorm_eps": np.inf}, "batchnorm_eps must be > 0 \\(a finite number\\), got inf"),
    ({"batchnorm_eps": 0}, "batchnorm_eps must be > 0 \\(a finite number\\), got 0"),
    ({"use_dropout": True, "dropout_ratio": "0.5"}, r"dropout_ratio must be in \[0, 1\), "
                                                    r"got '0.5'"),
])
def test_batchnorm_eps_and_dropout_ratio_are_checked_in_the_constructor(kwargs, message):
    with pytest.raises(ValueError, match=message):
        MultiLayerNet(4, [3], 2, use_batchnorm=True, **kwargs)


def test_batchnorm_layer_refuses_an_infinite_eps():
    with pytest.raises(ValueError, match="eps must be > 0 \\(a finite number\\), got inf"):
        BatchNormalization(np.ones(3), np.zeros(3), eps=np.inf)


@pytest.mark.parametrize("dtype", [np.complex128, np.complex64, object])
@pytest.mark.parametrize("method", ["predict", "loss", "accuracy", "gradient",
                                    "numerical_gradient"])
def test_complex_or_object_data_is_a_type_error_naming_x(dtype, method, rng):
    net = TwoLayerNet(4, 3, 2, seed=0)
    x, t = rng.standard_normal((3, 4)).astype(dtype), np.array([0, 1, 1])
    call = getattr(net, method)
    with pytest.raises(TypeError, match=f"x must hold real numbers .* got dtype "
                                        f"{np.dtype(dtype)}"):
        call(x) if method == "predict" else call(x, t)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_every_optimizer_refuses_a_gradient_of_another_shape(name):
    optimizer = OPTIMIZERS[name]()
    params = {"b": np.zeros(3), "W": np.zeros((2, 3))}
    before = {key: value.copy() for key, value in params.items()}
    with pytest.raises(ValueError, match=r"grads\['W'\] has shape \(3,\) but params\['W'\] "
                                         r"has shape \(2, 3\)"):
        optimizer.update(params, {"b": np.ones(3), "W": np.ones(3)})
    with pytest.raises(ValueError, match=r"grads\['W'\] has shape \(\) but params\['W'\]"):
        optimizer.update(params, {"b": np.ones(3), "W": 1.0})
    with pytest.raises(KeyError, match=r"grads has no 'W'"):
        optimizer.update(params, {"b": np.ones(3)})
    for key in params:   # nothing was updated: the check comes before the first step
        np.testing.assert_array_equal(params[key], before[key])


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizers_still_update_with_gradients_of_the_right_shape(name):
    params = {"W": np.zeros((2, 3))}
    OPTIMIZERS[name]().update(params, {"W": np.ones((2, 3))})
    assert (params["W"] < 0).all()


def test_channels_last_images_are_refused_with_the_transpose_to_use(rng):
    net = SimpleConvNet((3, 8, 6), {"filter_num": 2, "filter_size": 3}, hidden_size=4,
                        output_size=3, seed=0)
    x = rng.random((2, 8, 6, 3)).astype(np.float32)
    message = (r"x has shape \(2, 8, 6, 3\): channels last \(N, H, W, C\); the network takes "
               r"images \(N, C, H, W\) = \(N, 3, 8, 6\): transpose with x.transpose\(0, 3, 1, 2\)")
    for call in (lambda: net.predict(x), lambda: net.loss(x, np.array([0, 1])),
                 lambda: net.gradient(x, np.array([0, 1]))):
        with pytest.raises(ValueError, match=message):
            call()
    expected = net.predict(x.transpose(0, 3, 1, 2))
    np.testing.assert_array_equal(net.predict(x.transpose(0, 3, 1, 2).reshape(2, -1)), expected)


def test_other_layouts_of_many_channels_are_refused(rng):
    net = SimpleConvNet((3, 8, 6), {"filter_num": 2, "filter_size": 3}, hidden_size=4,
                        output_size=3, seed=0)
    with pytest.raises(ValueError, match=r"x must have shape \(N, 3, 8, 6\) or \(N, 144\), "
                                         r"got \(2, 3, 48\)"):
        net.predict(np.zeros((2, 3, 48), np.float32))


def test_one_channel_images_may_come_without_their_channel_axis(rng):
    net = SimpleConvNet((1, 8, 8), {"filter_num": 2, "filter_size": 3}, hidden_size=4,
                        output_size=3, seed=0)
    x = rng.random((2, 8, 8)).astype(np.float32)
    np.testing.assert_array_equal(net.predict(x), net.predict(x[:, None]))


def test_a_numpy_integer_is_a_step_size():
    schedule = StepDecay(step_size=np.int64(2), gamma=np.float32(0.5))
    assert [schedule(1.0, epoch) for epoch in range(5)] == [1.0, 1.0, 0.5, 0.5, 0.25]
    with pytest.raises(ValueError, match="step_size must be a positive integer, got 2.0"):
        StepDecay(step_size=2.0)
