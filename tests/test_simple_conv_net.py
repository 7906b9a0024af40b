"""SimpleConvNet: gradients against numerical ones, shapes, saving, and bad input."""

import numpy as np
import pytest

from nnnumpy import SimpleConvNet
from nnnumpy.gradcheck import check_network
from nnnumpy.io import load_params, save_params

NETWORK_BOUND = 1e-6


def small_net(**options):
    return SimpleConvNet((2, 8, 8), {"filter_num": 3, "filter_size": 3}, hidden_size=6,
                         output_size=4, weight_init_std="he", dtype=np.float64, seed=0,
                         **options)


def far_from_kinks(net, x, margin=1e-3):
    """True when every ReLU input is at least ``margin`` from 0 and every pooling window's
    maximum is at least ``margin`` above the runner-up: then no nudge of h = 1e-5 crosses a
    kink, and central differences see one smooth function."""
    conv = net.layers["Conv1"].forward(x)
    relu = np.maximum(conv, 0)
    n, c, height, width = relu.shape
    windows = relu.reshape(n, c, height // 2, 2, width // 2, 2).transpose(0, 1, 2, 4, 3, 5)
    top_two = np.sort(windows.reshape(n, c, height // 2, width // 2, 4), axis=-1)[..., -2:]
    hidden = net.layers["Affine1"].forward(net.layers["Pool1"].forward(relu))
    return (np.abs(conv).min() > margin and np.abs(hidden).min() > margin
            and (top_two[..., 1] - top_two[..., 0]).min() > margin)


def test_gradients_match_numerical_end_to_end():
    net = small_net()
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 2, 8, 8))
    while not far_from_kinks(net, x):   # draw again: a kink would fail any derivative
        x = rng.standard_normal((3, 2, 8, 8))
    t = np.array([0, 3, 1])
    report = check_network(net, x, t)
    assert set(report.errors) == {"W1", "b1", "W2", "b2", "W3", "b3"}
    assert report.worst < NETWORK_BOUND, str(report)


def test_textbook_shapes_on_mnist_sized_input(rng):
    net = SimpleConvNet(seed=0)
    assert [net.params[k].shape for k in ("W1", "b1", "W2", "b2", "W3", "b3")] == [
        (30, 1, 5, 5), (30,), (4320, 100), (100,), (100, 10), (10,)]
    x = rng.random((4, 1, 28, 28)).astype(np.float32)
    scores = net.predict(x)
    assert scores.shape == (4, 10) and scores.dtype == np.float32
    np.testing.assert_array_equal(net.predict(x.reshape(4, 784)), scores)
    grads = net.gradient(x, np.array([1, 2, 3, 4]))
    assert {k: v.shape for k, v in grads.items()} == {k: v.shape for k, v in net.params.items()}


def test_training_steps_lower_the_loss(rng):
    net = SimpleConvNet((1, 12, 12), {"filter_num": 4, "filter_size": 3}, hidden_size=16,
                        output_size=3, weight_init_std="he", seed=0)
    t = rng.integers(0, 3, 30)
    x = 0.1 * rng.random((30, 1, 12, 12)).astype(np.float32)
    for n, label in enumerate(t):   # class k: a bright square in the k-th third of the image
        x[n, 0, 4:8, 4 * label:4 * label + 4] += 1.0
    before = float(net.loss(x, t))
    for _ in range(30):
        loss, grads = net.loss_and_gradient(x, t)
        for key in net.params:
            net.params[key] -= 0.1 * grads[key]
    assert float(net.loss(x, t)) < 0.5 * before


def test_save_and_load_round_trip(tmp_path, rng):
    net, other = small_net(), SimpleConvNet((2, 8, 8), {"filter_num": 3, "filter_size": 3},
                                            hidden_size=6, output_size=4, dtype=np.float64,
                                            seed=5)
    save_params(tmp_path / "conv.npz", net)
    load_params(tmp_path / "conv.npz", other)
    x = rng.standard_normal((2, 2, 8, 8))
    np.testing.assert_array_equal(other.predict(x), net.predict(x))
    with pytest.raises(ValueError, match="saved for a different architecture"):
        load_params(tmp_path / "conv.npz", SimpleConvNet((2, 8, 8), hidden_size=6,
                                                         output_size=4, dtype=np.float64))


@pytest.mark.parametrize("kwargs, message", [
    ({"input_dim": (28, 28)}, r"input_dim must be \(channels, height, width\)"),
    ({"conv_param": {"filters": 3}}, r"conv_param has unknown keys \['filters'\]"),
    ({"input_dim": (1, 6, 6), "conv_param": {"filter_size": 6}},
     "leaves 1 x 1 pixels of a 6 x 6 image"),
])
def test_bad_settings_are_value_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SimpleConvNet(**kwargs)


def test_wrong_images_are_value_errors_naming_the_shapes():
    net = SimpleConvNet(seed=0)
    with pytest.raises(ValueError, match=r"x must have shape \(N, 784\), got \(2, 3, 28, 28\)"):
        net.loss(np.zeros((2, 3, 28, 28), np.float32), np.array([0, 1]))
