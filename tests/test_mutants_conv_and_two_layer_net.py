"""SimpleConvNet and TwoLayerNet: defaults, layer names, first layers without dx, messages."""

import re

import numpy as np
import pytest

from nnnumpy import SimpleConvNet, TwoLayerNet

from .test_conv import conv_reference

SMALL_CONV = {"filter_num": 2, "filter_size": 3, "pad": 0, "stride": 1}


def small_conv_net(**kwargs):
    """(1, 6, 6) images -> 2 filters 3 x 3 -> (2, 4, 4) -> pooled (2, 2, 2) -> 4 -> 3."""
    return SimpleConvNet((1, 6, 6), SMALL_CONV, hidden_size=4, output_size=3, **kwargs)


# ---- the textbook's default spread of the initial weights: 0.01 -------------------------

def test_two_layer_net_draws_its_weights_with_std_0_01_by_default():
    net = TwoLayerNet(5, 4, 3, dtype=np.float64, seed=3)
    rng = np.random.default_rng(3)   # the same draws, in the same order: W1, then W2
    np.testing.assert_allclose(net.params["W1"], 0.01 * rng.standard_normal((5, 4)),
                               rtol=1e-12)
    np.testing.assert_allclose(net.params["W2"], 0.01 * rng.standard_normal((4, 3)),
                               rtol=1e-12)
    assert not net.params["b1"].any() and not net.params["b2"].any()


def test_simple_conv_net_draws_its_weights_with_std_0_01_by_default():
    net = small_conv_net(dtype=np.float64, seed=5)
    rng = np.random.default_rng(5)   # the filters first, then W2, then W3
    np.testing.assert_allclose(net.params["W1"], 0.01 * rng.standard_normal((2, 1, 3, 3)),
                               rtol=1e-12)
    np.testing.assert_allclose(net.params["W2"], 0.01 * rng.standard_normal((8, 4)),
                               rtol=1e-12)
    np.testing.assert_allclose(net.params["W3"], 0.01 * rng.standard_normal((4, 3)),
                               rtol=1e-12)


# ---- every parameter, and the scores, in the network's dtype ---------------------------

@pytest.mark.parametrize("dtype", [None, np.float32, np.float64])
def test_simple_conv_net_params_and_scores_are_in_its_dtype(dtype):
    net = small_conv_net(seed=0) if dtype is None else small_conv_net(dtype=dtype, seed=0)
    expected = np.dtype(np.float32 if dtype is None else dtype)   # float32 is the default
    assert {key: value.dtype for key, value in net.params.items()} == \
        {key: expected for key in ("W1", "b1", "W2", "b2", "W3", "b3")}
    scores = net.predict(np.ones((2, 1, 6, 6), expected))
    assert scores.dtype == expected


# ---- the layers, by the names the tutorials and train_mnist use --------------------------

def test_simple_conv_net_layer_names_in_order():
    net = small_conv_net(seed=0)
    assert list(net.layers) == ["Conv1", "Relu1", "Pool1", "Affine1", "Relu2", "Affine2"]


def test_simple_conv_net_feature_maps_are_relu_of_the_convolution():
    """What tutorial 13 and train_mnist draw: layers['Relu1'] applied to layers['Conv1']."""
    net = small_conv_net(weight_init_std="he", dtype=np.float64, seed=1)
    net.params["b1"][...] = [0.3, -0.2]
    x = np.random.default_rng(2).standard_normal((2, 1, 6, 6))
    maps = net.layers["Relu1"].forward(net.layers["Conv1"].forward(x))
    conv, _, _, _ = conv_reference(x, net.params["W1"], net.params["b1"], 1, 0,
                                   np.zeros((2, 2, 4, 4)))
    np.testing.assert_allclose(maps, np.maximum(conv, 0), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh", "leaky_relu"])
def test_two_layer_net_layer_names_in_order(activation):
    net = TwoLayerNet(4, 3, 2, activation=activation, dtype=np.float64, seed=0)
    assert list(net.layers) == ["Affine1", "Activation1", "Affine2"]
    # The hidden layer's output, read through the layers by name.
    x = np.random.default_rng(0).standard_normal((3, 4))
    z = x @ net.params["W1"] + net.params["b1"]
    expected = {"relu": np.maximum(z, 0), "sigmoid": 1 / (1 + np.exp(-z)), "tanh": np.tanh(z),
                "leaky_relu": np.where(z > 0, z, 0.01 * z)}[activation]
    hidden = net.layers["Activation1"].forward(net.layers["Affine1"].forward(x))
    np.testing.assert_allclose(hidden, expected, rtol=1e-12, atol=1e-15)


# ---- no gradient of the images: the first layer's backward returns None -----------------

def test_two_layer_net_first_layer_computes_no_dx():
    net = TwoLayerNet(4, 3, 2, dtype=np.float64, seed=0)
    x, t = np.random.default_rng(0).standard_normal((5, 4)), np.array([0, 1, 1, 0, 1])
    net.gradient(x, t)
    assert net.layers["Affine1"].backward(np.ones((5, 3))) is None
    assert net.layers["Affine2"].backward(np.ones((5, 2))).shape == (5, 3)   # the others do


def test_simple_conv_net_first_layer_computes_no_dx():
    net = small_conv_net(dtype=np.float64, seed=0)
    x, t = np.random.default_rng(0).standard_normal((2, 1, 6, 6)), np.array([0, 2])
    net.gradient(x, t)
    assert net.layers["Conv1"].backward(np.ones((2, 2, 4, 4))) is None
    assert net.layers["Affine1"].backward(np.ones((2, 4))).shape == (2, 2, 2, 2)


# ---- settings checked by name ------------------------------------------------------------

@pytest.mark.parametrize("kwargs, message", [
    ({"input_dim": (1, 0, 8)}, "input_dim entries must be a positive integer, got 0"),
    ({"input_dim": (1, 8, 8.0)}, "input_dim entries must be a positive integer, got 8.0"),
    ({"hidden_size": 0}, "hidden_size must be a positive integer, got 0"),
    ({"hidden_size": True}, "hidden_size must be a positive integer, got True"),
    ({"output_size": -1}, "output_size must be a positive integer, got -1"),
    ({"output_size": 2.0}, "output_size must be a positive integer, got 2.0"),
])
def test_simple_conv_net_sizes_are_checked_by_name(kwargs, message):
    settings = {"input_dim": (1, 8, 8), "conv_param": SMALL_CONV, **kwargs}
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        SimpleConvNet(**settings)


def test_a_filter_larger_than_the_padded_image_names_both_sizes():
    """6 x 7 padded by 1 is 8 x 9: a 9 x 9 filter does not fit (it would at 6 + 3 * 1)."""
    message = ("conv_param['filter_size'] = 9 is larger than the 6 x 7 image padded by "
               "conv_param['pad'] = 1 (8 x 9)")
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        SimpleConvNet((1, 6, 7), {"filter_size": 9, "pad": 1})


@pytest.mark.parametrize("input_dim, conv_h, conv_w", [((1, 5, 8), 1, 4), ((1, 8, 5), 4, 1)])
def test_too_few_pixels_to_pool_in_one_direction_is_an_error(input_dim, conv_h, conv_w):
    """A 5 x 5 filter leaves one row (or column): 2 x 2 pooling cannot take it."""
    height, width = input_dim[1:]
    message = (f"a 5 x 5 filter with stride 1 and pad 0 leaves {conv_h} x {conv_w} pixels of "
               f"a {height} x {width} image: too few to pool 2 x 2 (make conv_param's "
               "filter_size or stride smaller, or its pad larger)")
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        SimpleConvNet(input_dim, {"filter_size": 5})


# ---- kink_entries uses the step it is given ----------------------------------------------

@pytest.mark.parametrize("h", [1e-4, 0.05, 0.5])
def test_kink_entries_follow_the_step_h(h):
    """An entry straddles a kink where the nudges +h and -h give pre-activations of
    opposite signs for some sample: (A + h x)(A - h x) < 0 for W1, (A + h)(A - h) < 0 for b1."""
    net = TwoLayerNet(3, 4, 2, weight_init_std=0.5, dtype=np.float64, seed=6)
    net.params["b1"][...] = [0.01, -0.2, 0.04, 0.3]
    x = np.random.default_rng(1).standard_normal((5, 3))
    A = x @ net.params["W1"] + net.params["b1"]
    W1_kinks = np.zeros((3, 4), bool)
    for n in range(5):
        for i in range(3):
            for j in range(4):
                W1_kinks[i, j] |= (A[n, j] + h * x[n, i]) * (A[n, j] - h * x[n, i]) < 0
    b1_kinks = ((A + h) * (A - h) < 0).any(axis=0)
    masks = net.kink_entries(x, h=h)
    assert masks["W1"].tolist() == W1_kinks.tolist()
    assert masks["b1"].tolist() == b1_kinks.tolist()
    assert not masks["W2"].any() and not masks["b2"].any()
    if h == 0.5:
        assert W1_kinks.any() and b1_kinks.any()   # the large step does reach some kinks
