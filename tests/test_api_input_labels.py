"""Whole-number float labels (0., 1., ...) are class indices everywhere a network takes t."""

import numpy as np
import pytest

from nnnumpy import MultiLayerNet, SimpleConvNet, TwoLayerNet
from nnnumpy.trainer import Trainer

NETWORKS = [
    lambda: TwoLayerNet(4, 5, 3, dtype=np.float64, seed=0),
    lambda: MultiLayerNet(4, [5, 5], 3, use_batchnorm=True, dtype=np.float64, seed=0),
    lambda: SimpleConvNet((1, 2, 2), {"filter_num": 2, "filter_size": 1}, hidden_size=3,
                          output_size=3, dtype=np.float64, seed=0),
]


@pytest.mark.parametrize("make", NETWORKS)
def test_float_labels_give_what_integer_labels_give(make, rng):
    x, t = rng.standard_normal((6, 4)), np.array([0, 2, 1, 1, 0, 2])
    by_int, by_float = make(), make()
    floats = t.astype(np.float64)
    assert float(by_float.loss(x, floats)) == float(by_int.loss(x, t))
    assert by_float.accuracy(x, floats) == by_int.accuracy(x, t)
    expected, got = by_int.gradient(x, t), by_float.gradient(x, floats.astype(np.float32))
    for key in expected:
        np.testing.assert_array_equal(got[key], expected[key])
    numerical = by_float.numerical_gradient(x[:2], floats[:2])
    for key, value in by_int.numerical_gradient(x[:2], t[:2]).items():
        np.testing.assert_array_equal(numerical[key], value)


def test_the_callers_float_labels_are_left_as_they_are(rng):
    net = TwoLayerNet(4, 5, 3, dtype=np.float64, seed=0)
    t = np.array([0.0, 2.0, 1.0])
    net.gradient(rng.standard_normal((3, 4)), t)
    assert t.dtype == np.float64


def test_the_trainer_trains_on_float_labels_as_on_integer_ones(rng):
    x, t = rng.standard_normal((40, 4)), rng.integers(0, 3, 40)
    histories = []
    for labels in (t, t.astype(np.float32)):
        net = TwoLayerNet(4, 5, 3, dtype=np.float64, seed=0)
        histories.append(Trainer(net, x, labels, x, labels, epochs=2, batch_size=8, seed=0,
                                 verbose=False).fit())
    for key in ("loss", "train_acc", "test_loss"):
        assert histories[0][key] == histories[1][key]
