import itertools

import numpy as np
import pytest

from nnnumpy import MultiLayerNet, TwoLayerNet, check_network
from nnnumpy.io import load_params, save_params
from nnnumpy.layers import Dropout, LeakyReLU, ReLU
from nnnumpy.validation import cross_validate, kfold_indices

NETWORK_BOUND = 1e-6
CONFIGURATIONS = list(itertools.product(["relu", "sigmoid", "tanh", "leaky_relu"],
                                        [False, True], [False, True], [0.0, 0.1]))


def kink_free_batch(net, rng, n=7, margin=1e-2):
    """Draw x until no ReLU-like unit sees an input within ``margin`` of 0 in training mode."""
    for _ in range(1000):
        x = rng.standard_normal((n, net.input_size))
        out, closest = x, np.inf
        for layer in net.layers.values():
            if isinstance(layer, (ReLU, LeakyReLU)):
                closest = min(closest, np.abs(out).min())
            out = layer.forward(out, True) if isinstance(layer, Dropout) or \
                getattr(layer, "train_dependent", False) else layer.forward(out)
        if closest > margin:
            return x
    raise AssertionError("could not draw a batch away from the kinks")


@pytest.mark.parametrize("activation, dropout, batchnorm, decay", CONFIGURATIONS)
def test_gradient_check_every_configuration(activation, dropout, batchnorm, decay):
    net = MultiLayerNet(6, [5, 4], 3, activation=activation, use_dropout=dropout,
                        dropout_ratio=0.3, use_batchnorm=batchnorm, weight_decay_lambda=decay,
                        l1_lambda=decay / 10, dtype=np.float64, seed=3)
    rng = np.random.default_rng(4)
    x = kink_free_batch(net, rng) if dropout is False else None
    if dropout:
        net.loss(rng.standard_normal((7, 6)), np.zeros(7, int), train=True)  # draw masks
        net.fix_dropout_masks()
        x = kink_free_batch(net, rng)
    t = rng.integers(0, 3, 7)
    report = check_network(net, x, t)
    expected = {"W1", "W2", "W3", "b3"}
    if batchnorm:  # no hidden biases: batch norm would cancel them, beta replaces them
        expected |= {"gamma1", "beta1", "gamma2", "beta2"}
    else:
        expected |= {"b1", "b2"}
    assert set(report.errors) == expected
    assert report.worst < NETWORK_BOUND, str(report)


def test_seeds_network_is_one_line():
    net = MultiLayerNet(784, [200, 200], 10)
    assert [net.params[f"W{i}"].shape for i in (1, 2, 3)] == [(784, 200), (200, 200), (200, 10)]
    assert repr(net).startswith("MultiLayerNet(784-200-200-10")


def test_one_hidden_layer_equals_two_layer_net(rng):
    two = TwoLayerNet(5, 4, 3, weight_init_std="he", dtype=np.float64, seed=9)
    multi = MultiLayerNet(5, [4], 3, weight_init_std="he", dtype=np.float64, seed=9)
    x, t = rng.standard_normal((6, 5)), rng.integers(0, 3, 6)
    assert float(two.loss(x, t)) == pytest.approx(float(multi.loss(x, t)), rel=1e-14)


def test_weight_decay_adds_its_penalty(rng):
    plain = MultiLayerNet(5, [4], 3, dtype=np.float64, seed=2)
    decayed = MultiLayerNet(5, [4], 3, dtype=np.float64, seed=2, weight_decay_lambda=0.5)
    x, t = rng.standard_normal((6, 5)), rng.integers(0, 3, 6)
    penalty = 0.25 * sum(float((decayed.params[k] ** 2).sum()) for k in ("W1", "W2"))
    assert float(decayed.loss(x, t)) == pytest.approx(float(plain.loss(x, t)) + penalty)


def test_batchnorm_running_averages_are_saved_and_loaded(tmp_path, rng):
    net = MultiLayerNet(5, [4], 3, use_batchnorm=True, seed=0)
    x = rng.standard_normal((20, 5)).astype(np.float32) * 3 + 1
    for _ in range(5):
        net.loss(x, np.zeros(20, int), train=True)
    save_params(tmp_path / "bn.npz", net)
    other = MultiLayerNet(5, [4], 3, use_batchnorm=True, seed=1)
    load_params(tmp_path / "bn.npz", other)
    np.testing.assert_array_equal(other.predict(x), net.predict(x))


@pytest.mark.parametrize("kwargs, message", [
    ({"hidden_size_list": []}, "hidden_size_list must be a non-empty list"),
    ({"hidden_size_list": 5}, "hidden_size_list must be a non-empty list"),
    ({"hidden_size_list": [4, 0]}, "hidden_size_list entries must be a positive integer"),
    ({"weight_decay_lambda": -1}, "weight_decay_lambda must be >= 0"),
    ({"dropout_ratio": 1.2, "use_dropout": True}, "dropout_ratio"),
])
def test_bad_arguments(kwargs, message):
    args = {"input_size": 4, "hidden_size_list": [3], "output_size": 2, **kwargs}
    with pytest.raises(ValueError, match=message):
        MultiLayerNet(**args)


def test_kfold_validates_every_sample_once():
    folds = kfold_indices(23, k=5, seed=0)
    assert len(folds) == 5
    validated = np.concatenate([validation for _, validation in folds])
    assert sorted(validated) == list(range(23))
    for train, validation in folds:
        assert len(train) + len(validation) == 23 and not set(train) & set(validation)
    with pytest.raises(ValueError, match="k must be an integer >= 2"):
        kfold_indices(10, k=1)


def test_cross_validate_returns_one_accuracy_per_fold(rng):
    centers = rng.standard_normal((3, 4)) * 4
    t = rng.integers(0, 3, 90)
    x = centers[t] + rng.standard_normal((90, 4))
    accuracies = cross_validate(lambda: MultiLayerNet(4, [8], 3, dtype=np.float64, seed=0),
                                x, t, k=3, seed=0, epochs=5, batch_size=10, verbose=False,
                                optimizer_params={"lr": 0.1})
    assert len(accuracies) == 3 and min(accuracies) > 0.8


def test_weight_decay_and_l1_touch_weights_only_not_biases_or_betas(rng):
    """The penalties are lambda/2 sum W^2 + l1 sum |W|: biases and batch norm's beta keep the
    plain network's gradient, each W gets lambda W + l1 sign(W) on top."""
    options = {"use_batchnorm": True, "dtype": np.float64, "seed": 2}
    plain = MultiLayerNet(5, [4, 4], 3, **options)
    decayed = MultiLayerNet(5, [4, 4], 3, weight_decay_lambda=0.5, l1_lambda=0.1, **options)
    for key in plain.params:   # biases and betas away from 0, so a penalty on them would show
        plain.params[key][...] += 0.3
        decayed.params[key][...] += 0.3
    x, t = rng.standard_normal((6, 5)), rng.integers(0, 3, 6)
    weights = ("W1", "W2", "W3")
    penalty = sum(0.25 * float((decayed.params[k] ** 2).sum())
                  + 0.1 * float(np.abs(decayed.params[k]).sum()) for k in weights)
    assert float(decayed.loss(x, t)) == pytest.approx(float(plain.loss(x, t)) + penalty,
                                                      rel=1e-12)
    plain_grads, decayed_grads = plain.gradient(x, t), decayed.gradient(x, t)
    for key, value in decayed.params.items():
        extra = 0.5 * value + 0.1 * np.sign(value) if key in weights else 0.0
        np.testing.assert_allclose(decayed_grads[key], plain_grads[key] + extra, rtol=1e-12,
                                   err_msg=key)
