"""MultiLayerNet against a direct computation: batch norm's eps, dtypes, messages, seeds, L1."""

import inspect

import numpy as np
import pytest

from nnnumpy import MultiLayerNet
from nnnumpy.layers import Dropout


def batchnorm_relu_scores(net, x, eps):
    """x -> (x W1 - mean) / sqrt(var + eps) -> gamma, beta -> ReLU -> W2 + b2, by hand."""
    p = net.params
    h = x @ p["W1"]
    mean = h.sum(axis=0) / len(x)
    var = ((h - mean) ** 2).sum(axis=0) / len(x)
    h = p["gamma1"] * (h - mean) / np.sqrt(var + eps) + p["beta1"]
    return np.maximum(h, 0) @ p["W2"] + p["b2"]


@pytest.mark.parametrize("eps", [None, 0.5])
def test_batchnorm_divides_by_the_root_of_var_plus_eps(eps):
    """batchnorm_eps is the eps of sqrt(var + eps), 1e-5 when not given."""
    options = {} if eps is None else {"batchnorm_eps": eps}
    net = MultiLayerNet(3, [4], 2, use_batchnorm=True, dtype=np.float64, seed=1, **options)
    rng = np.random.default_rng(2)
    net.params["gamma1"][...] = rng.uniform(0.5, 2.0, 4)
    net.params["beta1"][...] = rng.standard_normal(4)
    x = rng.standard_normal((6, 3)) * 0.01          # var of x W1 about 1e-4: eps matters
    expected = batchnorm_relu_scores(net, x, 1e-5 if eps is None else eps)
    np.testing.assert_allclose(net.predict(x, train=True), expected, rtol=1e-10, atol=1e-12)


def test_weight_init_std_default_is_he_as_documented():
    """The signature (what help() shows) says "he", as the docstring does."""
    default = inspect.signature(MultiLayerNet).parameters["weight_init_std"].default
    assert default == "he"
    net = MultiLayerNet(400, [300], 2, dtype=np.float64, seed=0)
    drawn = np.random.default_rng(0).standard_normal((400, 300))
    np.testing.assert_allclose(net.params["W1"], np.sqrt(2 / 400) * drawn, rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("use_batchnorm", [False, True])
def test_every_array_and_score_has_the_network_dtype(dtype, use_batchnorm):
    options = {} if dtype is np.float32 else {"dtype": dtype}     # float32 is the default
    net = MultiLayerNet(3, [4, 5], 2, use_batchnorm=use_batchnorm, seed=0, **options)
    arrays = {**net.params, **net.buffers}
    expected = ["W1", "W2", "W3", "b3"]
    expected += (["beta1", "beta2", "gamma1", "gamma2", "running_mean1", "running_mean2",
                  "running_var1", "running_var2"] if use_batchnorm else ["b1", "b2"])
    assert sorted(arrays) == sorted(expected)
    for key, array in arrays.items():
        assert array.dtype == dtype, key
    x = np.random.default_rng(1).standard_normal((6, 3)).astype(dtype)
    for train in (False, True):
        assert net.predict(x, train=train).dtype == dtype
    net.loss(x, np.zeros(6, int), train=True)
    for key in net.buffers:                       # updated in place, keeping their dtype
        assert net.buffers[key].dtype == dtype, key


@pytest.mark.parametrize("kwargs, message", [
    ({"input_size": 0}, r"^input_size must be a positive integer, got 0$"),
    ({"input_size": 2.0}, r"^input_size must be a positive integer, got 2.0$"),
    ({"output_size": 0}, r"^output_size must be a positive integer, got 0$"),
    ({"output_size": True}, r"^output_size must be a positive integer, got True$"),
    ({"hidden_size_list": []},
     r"^hidden_size_list must be a non-empty list of sizes, got \[\]$"),
    ({"hidden_size_list": 5}, r"^hidden_size_list must be a non-empty list of sizes, got 5$"),
])
def test_bad_sizes_are_named_with_their_value(kwargs, message):
    args = {"input_size": 4, "hidden_size_list": [3], "output_size": 2, **kwargs}
    with pytest.raises(ValueError, match=message):
        MultiLayerNet(**args)


def test_one_32_bit_dropout_seed_per_hidden_layer_and_each_layer_uses_its_own():
    """dropout_seeds[l - 1] seeds Dropout{l}; each seed fits NumPy's legacy np.random.seed."""
    net = MultiLayerNet(3, [4, 5, 6], 2, use_dropout=True, dropout_ratio=0.4,
                        dtype=np.float64, seed=0)
    assert len(net.dropout_seeds) == 3
    for seed in net.dropout_seeds:
        assert isinstance(seed, int) and 0 <= seed < 2 ** 32
        np.random.RandomState(seed)                 # refuses a seed of 2 ** 32 or more
    again = MultiLayerNet(3, [4, 5, 6], 2, use_dropout=True, dropout_ratio=0.4,
                          dtype=np.float64, seed=0)
    assert again.dropout_seeds == net.dropout_seeds
    for index, seed in enumerate(net.dropout_seeds, start=1):
        layer = net.layers[f"Dropout{index}"]
        assert isinstance(layer, Dropout)
        x = np.ones((7, 4 + index - 1))
        keep = np.random.default_rng(seed).random(x.shape) >= 0.4
        np.testing.assert_allclose(layer.forward(x, True), keep / 0.6, rtol=1e-15)
    assert len(MultiLayerNet(3, [4], 2, seed=0).dropout_seeds) == 1


def test_the_first_affine_layer_skips_the_gradient_of_the_images():
    """Nothing needs dx of the input: the first Affine returns None (see Affine's docstring),
    the later ones return dx = dout W^T."""
    net = MultiLayerNet(3, [4], 2, dtype=np.float64, seed=0)
    x, t = np.random.default_rng(1).standard_normal((5, 3)), np.array([0, 1, 0, 1, 1])
    net.gradient(x, t)
    dout = np.ones((5, 4))
    assert net.layers["Affine1"].backward(dout) is None
    dout = np.ones((5, 2))
    np.testing.assert_allclose(net.layers["Affine2"].backward(dout), dout @ net.params["W2"].T)


def test_l1_gradient_is_zero_where_a_weight_is_zero():
    """d(l1 |w|)/dw = l1 sign(w): +l1, -l1, and 0 (sign(0)) where w is exactly 0."""
    def make(l1):
        net = MultiLayerNet(3, [4], 2, l1_lambda=l1, dtype=np.float64, seed=0)
        net.params["W1"][0] = 0.0                   # a whole row of exact zeros
        return net

    rng = np.random.default_rng(1)
    x, t = rng.standard_normal((5, 3)), rng.integers(0, 2, 5)
    plain, penalised = make(0.0).gradient(x, t), make(0.3).gradient(x, t)
    W1, W2 = make(0.3).params["W1"], make(0.3).params["W2"]
    signs1 = np.where(W1 > 0, 1.0, np.where(W1 < 0, -1.0, 0.0))
    signs2 = np.where(W2 > 0, 1.0, np.where(W2 < 0, -1.0, 0.0))
    np.testing.assert_allclose(penalised["W1"], plain["W1"] + 0.3 * signs1, rtol=1e-12)
    np.testing.assert_allclose(penalised["W2"], plain["W2"] + 0.3 * signs2, rtol=1e-12)
    np.testing.assert_array_equal(penalised["b1"], plain["b1"])
    assert float(make(0.3).regularization_loss()) == pytest.approx(0.3 * (
        np.abs(W1).sum() + np.abs(W2).sum()), rel=1e-12)
