"""The shared network base and the fast central differences, against what a user relies on.

Test mode by default, dropout and batch statistics with ``train=True``, the messages of the
shape checks for inputs that are not arrays, the float64 copy, and the defaults and
boundaries of the fast numerical gradient and its kink masks.
"""

import numpy as np
import pytest

from nnnumpy import MultiLayerNet, TwoLayerNet, rel_error
from nnnumpy.networks.fast_numerical import (
    sample_losses,
    two_layer_kinks,
    two_layer_numerical_gradient,
)


def log_softmax_rows(scores):
    shifted = scores - scores.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def mean_cross_entropy(scores, t):
    """-(1/N) sum_n log softmax(scores_n)[t_n], by a loop over the samples."""
    log_y = log_softmax_rows(scores)
    return -sum(log_y[n, t[n]] for n in range(len(t))) / len(t)


def relu_net_loss_by_hand(net, x, t):
    """Loss of a MultiLayerNet(D, [H], C) in test mode: Affine, ReLU, Affine, cross-entropy."""
    p = net.params
    hidden = np.maximum(x @ p["W1"] + p["b1"], 0)
    return mean_cross_entropy(hidden @ p["W2"] + p["b2"], t)


def test_loss_is_in_test_mode_by_default():
    """loss(x, t) has train=False: dropout is off, the same number every call."""
    net = MultiLayerNet(6, [8], 3, use_dropout=True, dropout_ratio=0.5,
                        dtype=np.float64, seed=0)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((5, 6))
    t = np.array([0, 1, 2, 1, 0])
    expected = relu_net_loss_by_hand(net, x, t)
    assert float(net.loss(x, t)) == pytest.approx(expected, rel=1e-12)
    assert float(net.loss(x, t)) == pytest.approx(expected, rel=1e-12)


def test_loss_leaves_batch_norm_running_averages_alone_by_default():
    net = MultiLayerNet(5, [4], 3, use_batchnorm=True, dtype=np.float64, seed=0)
    rng = np.random.default_rng(2)
    x = 3 * rng.standard_normal((20, 5)) + 1
    before = {key: value.copy() for key, value in net.buffers.items()}
    net.loss(x, np.zeros(20, int))
    for key, value in net.buffers.items():
        np.testing.assert_array_equal(value, before[key], err_msg=key)


def test_loss_with_train_true_turns_dropout_on():
    """With half the hidden units dropped, the training loss is not the test-mode loss."""
    net = MultiLayerNet(6, [8], 3, use_dropout=True, dropout_ratio=0.5,
                        dtype=np.float64, seed=0)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((5, 6))
    t = np.array([0, 1, 2, 1, 0])
    test_mode = relu_net_loss_by_hand(net, x, t)
    training = [float(net.loss(x, t, train=True)) for _ in range(3)]
    assert all(abs(loss - test_mode) > 1e-6 for loss in training)


def test_loss_with_train_true_updates_batch_norm_running_averages():
    """Training mode normalises with the batch statistics and moves the running mean toward
    the batch mean: the buffers change, the running mean by momentum's share of the gap."""
    net = MultiLayerNet(5, [4], 3, use_batchnorm=True, dtype=np.float64, seed=0)
    rng = np.random.default_rng(2)
    x = 3 * rng.standard_normal((20, 5)) + 1
    mean_before = net.buffers["running_mean1"].copy()
    batch_mean = (x @ net.params["W1"]).mean(axis=0)     # no bias before batch norm
    net.loss(x, np.zeros(20, int), train=True)
    moved = net.buffers["running_mean1"] - mean_before
    assert np.all(np.abs(moved) > 1e-6)
    # each unit moves toward its batch mean
    assert np.all(np.sign(moved) == np.sign(batch_mean - mean_before))


@pytest.mark.parametrize("x, kind", [([[0.0, 1.0, 2.0, 3.0], [1.0, 2.0, 3.0, 4.0]], "list"),
                                     (3.0, "float"), (None, "NoneType")])
def test_input_that_is_not_an_array_names_the_shape_and_the_type(x, kind):
    net = TwoLayerNet(4, 3, 2, seed=0)
    message = rf"x must have shape \(N, 4\), got {kind}$"
    with pytest.raises(ValueError, match=message):
        net.predict(x)
    with pytest.raises(ValueError, match=message):
        net.loss(x, np.array([0, 1]))


@pytest.mark.parametrize("t, kind", [([0, 1], "list"), (1, "int"), (None, "NoneType")])
def test_labels_that_are_not_an_array_name_the_shapes_and_the_type(t, kind):
    net = TwoLayerNet(4, 3, 2, seed=0)
    x = np.zeros((2, 4), np.float32)
    message = (r"t must have shape \(2,\) \(class indices\) or \(2, 2\) \(one-hot\) "
               rf"to match x \(2, 4\), got {kind}$")
    with pytest.raises(ValueError, match=message):
        net.loss(x, t)
    with pytest.raises(ValueError, match=message):
        net.accuracy(x, t)


def test_float64_copy_of_a_float32_network_says_float64():
    net = TwoLayerNet(4, 3, 2, seed=0)                   # float32 by default
    twin = net.float64_copy()
    assert twin.dtype == np.float64
    assert twin.config()["dtype"] == "float64"
    assert "dtype=float64" in repr(twin)
    assert all(value.dtype == np.float64 for value in twin.params.values())
    assert net.dtype == np.float32 and "dtype=float32" in repr(net)
    x = np.random.default_rng(0).standard_normal((3, 4))
    assert twin.predict(x).dtype == np.float64


@pytest.mark.parametrize("method", ["loop", "fast"])
def test_numerical_gradient_of_a_float32_batch_is_that_of_its_float64_values(method):
    """The differences are taken in float64 whatever the batch's dtype: a float32 batch
    gives the numbers of the same values held in float64 (float32 widens exactly)."""
    net = TwoLayerNet(5, 4, 3, weight_init_std="he", dtype=np.float64, seed=3)
    rng = np.random.default_rng(4)
    x32 = rng.standard_normal((6, 5)).astype(np.float32)
    t = rng.integers(0, 3, 6)
    from_float32 = net.numerical_gradient(x32, t, method=method)
    from_float64 = net.numerical_gradient(x32.astype(np.float64), t, method=method)
    for key in net.params:
        assert from_float32[key].dtype == np.float64
        np.testing.assert_allclose(from_float32[key], from_float64[key],
                                   rtol=1e-12, atol=1e-15, err_msg=key)


def test_sample_losses_of_stacked_scores_with_one_hot_labels():
    """scores (K, N, C) and one-hot t (N, C): one loss per (k, n), -log softmax(scores[k, n])
    at the sample's class."""
    rng = np.random.default_rng(5)
    scores = rng.standard_normal((2, 3, 4))
    classes = np.array([3, 0, 2])
    losses = sample_losses(scores, np.eye(4)[classes])
    assert losses.shape == (2, 3)
    for k in range(2):
        for n in range(3):
            expected = -log_softmax_rows(scores[k, n])[classes[n]]
            assert losses[k, n] == pytest.approx(expected, rel=1e-13)


def test_two_layer_numerical_gradient_default_step_gives_the_gradient():
    """Called directly, with its default step, it agrees with backpropagation and with
    the network's own fast method (whose step is 1e-4)."""
    net = TwoLayerNet(5, 4, 3, weight_init_std="he", activation="tanh",
                      dtype=np.float64, seed=6)
    rng = np.random.default_rng(7)
    x = rng.standard_normal((6, 5))
    t = rng.integers(0, 3, 6)
    direct = two_layer_numerical_gradient(net, x, t)
    backprop = net.gradient(x, t)
    method = net.numerical_gradient(x, t, method="fast")
    for key in net.params:
        assert rel_error(direct[key], backprop[key]) < 1e-6, key
        np.testing.assert_allclose(direct[key], method[key], rtol=1e-12, atol=1e-15)


def test_two_layer_kinks_default_step_is_1e_4():
    """A pre-activation 5e-3 from 0 is a kink for a step of 0.1 but not for the default 1e-4."""
    net = TwoLayerNet(2, 2, 2, dtype=np.float64, seed=0)
    net.params["W1"][...] = [[1.0, 0.0], [0.0, 1.0]]
    x = np.array([[5e-3, 1.0], [2.0, 3.0]])        # A = x: unit 0 of sample 0 is 5e-3 from 0
    default = two_layer_kinks(net, x)
    assert not any(mask.any() for mask in default.values())
    assert two_layer_kinks(net, x, 0.1)["b1"].tolist() == [True, False]
    for key, mask in net.kink_entries(x).items():
        np.testing.assert_array_equal(default[key], mask)


def test_kinks_at_the_boundary_are_the_entries_that_disagree():
    """Sample 0 is all zeros, so its pre-activations are the biases b1 = [h, 0, 0].

    - W1[i, j]: x[0, i] = 0, so nudging W1[i, j] does not move sample 0 at all: no kink,
      even for the units j = 1, 2 that sit exactly at 0 (|A| = 0 is not < h * 0).
    - b1[0]: A[0, 0] = h exactly, the nudges go to 2h and 0, both on the linear side of
      ReLU: no kink (|A| = h is not < h). b1[1], b1[2]: A = 0 is a kink.
    The fast differences agree with backprop exactly where the mask says no kink.
    """
    h = 1e-4
    net = TwoLayerNet(3, 3, 2, weight_init_std="he", dtype=np.float64, seed=0)
    net.params["b1"][...] = [h, 0.0, 0.0]
    rng = np.random.default_rng(1)
    x = np.zeros((8, 3))
    x[1:] = rng.standard_normal((7, 3))
    distance = np.abs(x[1:] @ net.params["W1"] + net.params["b1"])
    assert distance.min() > 1e-2                     # the other samples are far from 0
    t = rng.integers(0, 2, 8)
    kinks = net.kink_entries(x)
    assert kinks["b1"].tolist() == [False, True, True]
    assert not kinks["W1"].any()
    assert not kinks["W2"].any() and not kinks["b2"].any()
    backprop = net.gradient(x, t)
    fast = net.numerical_gradient(x, t, method="fast")
    assert rel_error(backprop["W1"], fast["W1"]) < 1e-6
    assert rel_error(backprop["b1"][0], fast["b1"][0]) < 1e-6
    for j in (1, 2):
        assert rel_error(backprop["b1"][j], fast["b1"][j]) > 1e-3
