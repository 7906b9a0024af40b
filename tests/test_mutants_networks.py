"""Networks against a direct computation: trained (non-zero) biases, convolution geometry, seeds."""

import numpy as np
import pytest

from nnnumpy import SimpleConvNet, TwoLayerNet
from nnnumpy.networks.fast_numerical import sample_losses, two_layer_kinks

from .test_conv import conv_reference, pool_reference


def log_softmax_rows(scores):
    shifted = scores - scores.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh", "leaky_relu"])
@pytest.mark.parametrize("one_hot_labels", [False, True])
def test_fast_numerical_gradient_of_a_network_with_nonzero_biases(activation, one_hot_labels):
    """A fresh network has b1 = b2 = 0, where + b and - b agree: here both are drawn."""
    net = TwoLayerNet(6, 5, 4, weight_init_std="he", activation=activation,
                      dtype=np.float64, seed=2)
    rng = np.random.default_rng(8)
    net.params["b1"][...] = rng.standard_normal(5)
    net.params["b2"][...] = 2 * rng.standard_normal(4)
    x = rng.standard_normal((7, 6))
    hidden = x @ net.params["W1"] + net.params["b1"]
    keep = np.abs(hidden).min(axis=1) > 1e-2     # drop samples near a kink
    x = x[keep]
    t = rng.integers(0, 4, x.shape[0])
    labels = np.eye(4)[t] if one_hot_labels else t
    loop = net.numerical_gradient(x, labels)
    fast = net.numerical_gradient(x, labels, method="fast")
    for key in net.params:
        scale = np.max(np.abs(loop[key]))
        assert scale > 1e-3, key
        assert np.max(np.abs(fast[key] - loop[key])) <= 1e-8 * scale, key


def test_sample_losses_by_hand():
    scores = np.array([[0.0, 1.0, 2.0], [3.0, 0.0, 0.0]])
    log_y = log_softmax_rows(scores)
    np.testing.assert_allclose(sample_losses(scores, np.array([2, 1])),
                               [-log_y[0, 2], -log_y[1, 1]], rtol=1e-14)
    np.testing.assert_allclose(sample_losses(scores, np.eye(3)[[0, 0]]),
                               [-log_y[0, 0], -log_y[1, 0]], rtol=1e-14)
    stacked = sample_losses(np.stack([scores, scores + 1]), np.array([2, 1]))
    assert stacked.shape == (2, 2)
    np.testing.assert_allclose(stacked[1], stacked[0], rtol=1e-14)


def test_two_layer_kinks_marks_exactly_the_straddling_entries():
    """|A[n, j]| < h |x[n, i]| for W1[i, j]; |A[n, j]| < h for b1[j]; nothing for tanh."""
    net = TwoLayerNet(2, 2, 2, dtype=np.float64, seed=0)
    net.params["W1"][...] = [[1.0, 0.0], [0.0, 1.0]]
    net.params["b1"][...] = 0.0
    h = 1e-4
    x = np.array([[5e-5, 1.0], [2.0, 3.0]])     # A = x: unit 0 of sample 0 is 5e-5 from 0
    masks = two_layer_kinks(net, x, h)
    assert masks["b1"].tolist() == [True, False]
    # W1[i, 0] straddles where |A[0, 0]| = 5e-5 < h |x[0, i]|: i = 1 (|x| = 1), not i = 0.
    assert masks["W1"].tolist() == [[False, False], [True, False]]
    assert not masks["W2"].any() and not masks["b2"].any()
    assert masks["W2"].shape == (2, 2)
    smooth = TwoLayerNet(2, 2, 2, activation="tanh", dtype=np.float64, seed=0)
    assert not any(mask.any() for mask in two_layer_kinks(smooth, x, h).values())


def conv_net_reference(net, x):
    """Scores of SimpleConvNet by loops: conv (its stride and pad), ReLU, 2 x 2 max pooling
    with stride 2, Affine, ReLU, Affine."""
    p, c = net.params, net.conv_param
    size = (x.shape[2] + 2 * c["pad"] - c["filter_size"]) // c["stride"] + 1
    no_dout = np.zeros((x.shape[0], c["filter_num"], size, size))
    conv, _, _, _ = conv_reference(x, p["W1"], p["b1"], c["stride"], c["pad"], no_dout)
    relu = np.maximum(conv, 0)
    pooled, _ = pool_reference(relu, 2, 2, 0, np.zeros(relu.shape), "max")
    hidden = np.maximum(pooled.reshape(x.shape[0], -1) @ p["W2"] + p["b2"], 0)
    return hidden @ p["W3"] + p["b3"]


@pytest.mark.parametrize("conv_param, pooled_pixels", [
    ({"filter_num": 3, "filter_size": 3, "stride": 1, "pad": 0}, 3 * 3 * 3),   # 7 x 7 -> 3 x 3
    ({"filter_num": 3, "filter_size": 3, "stride": 2, "pad": 0}, 3 * 2 * 2),   # 4 x 4 -> 2 x 2
    ({"filter_num": 2, "filter_size": 3, "stride": 1, "pad": 1}, 2 * 4 * 4),   # 9 x 9 -> 4 x 4
    ({"filter_num": 2, "filter_size": 2, "stride": 2, "pad": 2}, 2 * 3 * 3),   # 6 x 6 -> 3 x 3
])
def test_simple_conv_net_uses_its_stride_and_padding(conv_param, pooled_pixels):
    net = SimpleConvNet((2, 9, 9), conv_param, hidden_size=5, output_size=3,
                        weight_init_std="he", dtype=np.float64, seed=4)
    assert net.params["W2"].shape == (pooled_pixels, 5)
    assert net.params["W1"].shape == (conv_param["filter_num"], 2, conv_param["filter_size"],
                                      conv_param["filter_size"])
    rng = np.random.default_rng(0)
    net.params["b1"][...] = 0.1 * rng.standard_normal(net.params["b1"].shape)
    net.params["b2"][...] = 0.1 * rng.standard_normal(5)
    x = rng.standard_normal((3, 2, 9, 9))
    np.testing.assert_allclose(net.predict(x), conv_net_reference(net, x), rtol=1e-10,
                               atol=1e-12)


def test_simple_conv_net_seed_decides_the_initial_weights():
    def make(seed):
        return SimpleConvNet((1, 8, 8), {"filter_num": 2, "filter_size": 3}, hidden_size=4,
                             output_size=3, weight_init_std="he", dtype=np.float64, seed=seed)

    first, again, other = make(7), make(7), make(8)
    for key in first.params:
        np.testing.assert_array_equal(first.params[key], again.params[key])
    assert not np.array_equal(first.params["W1"], other.params["W1"])
    assert not np.array_equal(first.params["W2"], other.params["W2"])
    # He initialisation of the filters: std sqrt(2 / (C FS FS)) = sqrt(2 / 9), on 2 * 9 draws.
    rng = np.random.default_rng(7)
    np.testing.assert_allclose(first.params["W1"],
                               np.sqrt(2 / 9) * rng.standard_normal((2, 1, 3, 3)), rtol=1e-12)
    assert not first.params["b1"].any() and not first.params["b3"].any()


@pytest.mark.parametrize("conv_param, message", [
    ({"filter_size": 0}, r"conv_param\['filter_size'\] must be an integer >= 1, got 0"),
    ({"stride": True}, r"conv_param\['stride'\] must be an integer >= 1, got True"),
    ({"pad": -1}, r"conv_param\['pad'\] must be an integer >= 0, got -1"),
    ({"filter_size": 10, "pad": 0}, r"conv_param\['filter_size'\] = 10 is larger than the 8 x 8"
                                    r" image padded by conv_param\['pad'\] = 0 \(8 x 8\)"),
    ([3, 3], r"conv_param must be a dict with keys \['filter_num', 'filter_size', 'pad', "
             r"'stride'\], got list"),
])
def test_simple_conv_net_names_the_bad_conv_param(conv_param, message):
    with pytest.raises((ValueError, TypeError), match=message):
        SimpleConvNet((1, 8, 8), conv_param)


def test_simple_conv_net_accepts_the_smallest_settings():
    net = SimpleConvNet((1, 3, 3), {"filter_num": 1, "filter_size": 1, "pad": 0, "stride": 1},
                        hidden_size=1, output_size=2, dtype=np.float64, seed=0)
    assert net.params["W2"].shape == (1, 1)   # 3 x 3 -> pooled 1 x 1
    assert net.predict(np.ones((1, 1, 3, 3))).shape == (1, 2)


def test_config_and_repr_say_what_the_network_is():
    from nnnumpy import MultiLayerNet

    two = TwoLayerNet(5, 4, 3, activation="tanh", dtype=np.float64, seed=0)
    assert two.config() == {"class": "TwoLayerNet", "input_size": 5, "hidden_size": 4,
                            "output_size": 3, "activation": "tanh", "dtype": "float64"}
    assert repr(two) == "TwoLayerNet(5-4-3, activation='tanh', dtype=float64)"
    multi = MultiLayerNet(6, [5, 4], 3, weight_decay_lambda=0.1, l1_lambda=0.01,
                          use_dropout=True, dropout_ratio=0.25, use_batchnorm=True, seed=0)
    assert multi.config() == {"class": "MultiLayerNet", "input_size": 6,
                              "hidden_size_list": [5, 4], "output_size": 3,
                              "activation": "relu", "weight_decay_lambda": 0.1,
                              "l1_lambda": 0.01, "use_dropout": True, "dropout_ratio": 0.25,
                              "use_batchnorm": True, "dtype": "float32"}
    assert repr(multi) == ("MultiLayerNet(6-5-4-3, activation='relu', weight_decay=0.1, "
                           "l1=0.01, dropout=0.25, batchnorm, dtype=float32)")
    assert repr(MultiLayerNet(2, [3], 2, seed=0)) == \
        "MultiLayerNet(2-3-2, activation='relu', dtype=float32)"
    conv = SimpleConvNet((1, 8, 8), {"filter_num": 2, "filter_size": 3}, hidden_size=4,
                         output_size=3, seed=0)
    assert conv.config() == {"class": "SimpleConvNet", "input_dim": [1, 8, 8],
                             "conv_param": {"filter_num": 2, "filter_size": 3, "pad": 0,
                                            "stride": 1},
                             "hidden_size": 4, "output_size": 3, "dtype": "float32"}
    assert repr(conv) == "SimpleConvNet(1x8x8: conv 2x3x3 -> pool 2x2 -> 4 -> 3, dtype=float32)"


def test_to_gpu_and_to_cpu_move_every_array_and_rebuild_the_layers():
    from nnnumpy import MultiLayerNet

    from .conftest import fake_cupy_installed

    net = MultiLayerNet(4, [3], 2, use_batchnorm=True, dtype=np.float64, seed=0)
    x = np.random.default_rng(0).standard_normal((5, 4))
    scores = net.predict(x)
    before = {key: value.copy() for key, value in {**net.params, **net.buffers}.items()}
    with fake_cupy_installed() as cupy:
        assert net.to_gpu() is net
        for arrays in (net.params, net.buffers):
            assert all(isinstance(value, cupy.ndarray) for value in arrays.values())
        assert net.layers["Affine1"].W is net.params["W1"]
        np.testing.assert_allclose(cupy.asnumpy(net.predict(cupy.asarray(x))), scores)
        assert net.to_cpu() is net
    for key, value in {**net.params, **net.buffers}.items():
        assert isinstance(value, np.ndarray), key
        np.testing.assert_array_equal(value, before[key])
    assert net.layers["Affine1"].W is net.params["W1"]
    np.testing.assert_array_equal(net.predict(x), scores)


def test_networks_without_a_fast_method_say_so():
    net = SimpleConvNet((1, 6, 6), {"filter_num": 1, "filter_size": 3}, hidden_size=2,
                        output_size=2, dtype=np.float64, seed=0)
    with pytest.raises(NotImplementedError, match="SimpleConvNet has no fast numerical "
                                                  "gradient; use method='loop'"):
        net.numerical_gradient(np.zeros((1, 36)), np.array([0]), method="fast")


@pytest.mark.parametrize("make, message", [
    (lambda: TwoLayerNet(0, 3, 2), "^input_size must be a positive integer, got 0"),
    (lambda: TwoLayerNet(4, True, 2), "^hidden_size must be a positive integer, got True"),
    (lambda: TwoLayerNet(4, 3, 2.0), "^output_size must be a positive integer, got 2.0"),
    (lambda: TwoLayerNet(4, 3, 2, activation="gelu"),
     r"^activation must be one of \['leaky_relu', 'relu', 'sigmoid', 'tanh'\], got 'gelu'"),
    (lambda: TwoLayerNet(4, 3, 2, weight_init_std="glorot"),
     "^weight_init_std must be 'he', 'xavier' or a positive finite number, got 'glorot'"),
    (lambda: TwoLayerNet(4, 3, 2, weight_init_std=0.0), "^weight_init_std must be"),
    (lambda: TwoLayerNet(4, 3, 2, dtype=np.float16), "^dtype must be float32 or float64, got "
                                                     "float16"),
])
def test_network_settings_are_checked_by_name(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_weight_init_std_sets_the_spread_of_the_weights():
    """He: sqrt(2 / fan_in); Xavier: sqrt(1 / fan_in); a number: itself; any case."""
    for init, std in (("he", np.sqrt(2 / 400)), ("HE", np.sqrt(2 / 400)),
                      ("xavier", np.sqrt(1 / 400)), (0.05, 0.05), (np.float32(0.5), 0.5)):
        net = TwoLayerNet(400, 300, 2, weight_init_std=init, dtype=np.float64, seed=0)
        drawn = np.random.default_rng(0).standard_normal((400, 300))
        np.testing.assert_allclose(net.params["W1"], std * drawn, rtol=1e-6)
        assert not net.params["b1"].any()
    assert TwoLayerNet(4, 3, 2).params["W1"].dtype == np.float32   # the default dtype


def test_bad_batches_are_named_with_their_shapes():
    net = TwoLayerNet(4, 3, 2, dtype=np.float64, seed=0)
    with pytest.raises(ValueError, match=r"^x must have shape \(N, 4\), got \(3, 5\)"):
        net.predict(np.zeros((3, 5)))
    with pytest.raises(ValueError, match=r"^x must have shape \(N, 4\), got \(4,\)"):
        net.predict(np.zeros(4))
    with pytest.raises(ValueError, match=r"^t must have shape \(3,\) \(class indices\) or "
                                         r"\(3, 2\) \(one-hot\) to match x \(3, 4\), got \(2,\)"):
        net.loss(np.zeros((3, 4)), np.array([0, 1]))
    with pytest.raises(ValueError, match=r"^method must be 'loop' or 'fast', got 'x'"):
        net.numerical_gradient(np.zeros((1, 4)), np.array([0]), method="x")
    images = SimpleConvNet((3, 6, 6), {"filter_num": 1, "filter_size": 3}, hidden_size=2,
                           output_size=2, seed=0)
    with pytest.raises(ValueError, match=r"^x has shape \(1, 6, 6, 3\): channels last \(N, H, "
                                         r"W, C\); the network takes images \(N, C, H, W\) = "
                                         r"\(N, 3, 6, 6\): transpose with x.transpose\(0, 3, "
                                         r"1, 2\)"):
        images.predict(np.zeros((1, 6, 6, 3), np.float32))
    with pytest.raises(ValueError, match=r"^x must have shape \(N, 3, 6, 6\) or \(N, 108\), "
                                         r"got \(1, 6, 3, 6\)"):
        images.predict(np.zeros((1, 6, 3, 6), np.float32))
    assert images.predict(np.zeros((1, 108), np.float32)).shape == (1, 2)


def test_a_network_and_its_batch_must_be_on_the_same_device():
    from .conftest import fake_cupy_installed

    net = TwoLayerNet(4, 3, 2, dtype=np.float64, seed=0)
    with fake_cupy_installed() as cupy:
        with pytest.raises(TypeError, match=r"^x is a CuPy array but the network's parameters "
                                            r"are NumPy arrays: bring it back with "
                                            r"nnnumpy.backend.to_numpy\(x\), or move the "
                                            r"network with net.to_gpu\(\)"):
            net.predict(cupy.zeros((1, 4)))
        net.to_gpu()
        with pytest.raises(TypeError, match=r"^t is a NumPy array but the network's parameters "
                                            r"are on the GPU \(CuPy\): move it with "
                                            r"cupy.asarray\(t\), or bring the network back "
                                            r"with net.to_cpu\(\)"):
            net.loss(cupy.zeros((1, 4)), np.array([0]))
        # The numerical gradient is taken on the host and comes back to the device.
        grads = net.numerical_gradient(cupy.zeros((2, 4)), cupy.asarray(np.array([0, 1])))
        assert all(isinstance(grad, cupy.ndarray) for grad in grads.values())
        net.to_cpu()


def test_numerical_gradient_of_a_float32_network_is_float32_and_leaves_it_alone():
    net = TwoLayerNet(3, 4, 2, weight_init_std="he", activation="tanh", seed=0)
    twin = TwoLayerNet(3, 4, 2, weight_init_std="he", activation="tanh", dtype=np.float64,
                       seed=0)
    x, t = np.random.default_rng(1).standard_normal((5, 3)), np.array([0, 1, 1, 0, 1])
    before = {key: value.copy() for key, value in net.params.items()}
    grads = net.numerical_gradient(x.astype(np.float32), t)
    expected = twin.numerical_gradient(x, t)
    for key in net.params:
        assert grads[key].dtype == np.float32
        np.testing.assert_allclose(grads[key], expected[key], rtol=1e-3, atol=1e-6)
        np.testing.assert_array_equal(net.params[key], before[key])
    one_hot = net.numerical_gradient(x.astype(np.float32), np.eye(2)[t])
    for key in net.params:
        np.testing.assert_allclose(one_hot[key], grads[key], rtol=1e-6, atol=1e-8)
