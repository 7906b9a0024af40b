"""An empty batch (N = 0) is a clear error where it enters, not a reshape error inside."""

import numpy as np
import pytest

from nnnumpy import MultiLayerNet, SimpleConvNet, TwoLayerNet
from nnnumpy.conv import AveragePooling, Convolution, Flatten, Pooling

NETWORKS = {
    "TwoLayerNet": lambda: TwoLayerNet(4, 5, 3, seed=0),
    "MultiLayerNet": lambda: MultiLayerNet(4, [5], 3, use_batchnorm=True, seed=0),
    "SimpleConvNet": lambda: SimpleConvNet((1, 2, 2), {"filter_num": 2, "filter_size": 1},
                                           hidden_size=3, output_size=3, seed=0),
}
EMPTY_MESSAGE = r"x is an empty batch: shape \(0, 4\); it needs at least one sample \(N >= 1\)"


@pytest.mark.parametrize("name", NETWORKS)
@pytest.mark.parametrize("method", ["predict", "loss", "accuracy", "gradient",
                                    "numerical_gradient"])
def test_every_entry_point_of_every_network_refuses_an_empty_batch(name, method):
    net = NETWORKS[name]()
    call = getattr(net, method)
    x, t = np.zeros((0, 4), np.float32), np.zeros(0, np.int64)
    with pytest.raises(ValueError, match=EMPTY_MESSAGE):
        call(x) if method == "predict" else call(x, t)


def test_empty_images_are_named_with_their_shape():
    net = NETWORKS["SimpleConvNet"]()
    with pytest.raises(ValueError, match=r"x is an empty batch: shape \(0, 1, 2, 2\)"):
        net.loss(np.zeros((0, 1, 2, 2), np.float32), np.zeros(0, np.int64))


@pytest.mark.parametrize("layer", [
    Convolution(np.zeros((2, 1, 3, 3)), np.zeros(2)), Pooling(2, 2), AveragePooling(2, 2),
    Flatten()])
def test_conv_layers_refuse_an_empty_batch_in_forward(layer):
    with pytest.raises(ValueError, match=r"x is an empty batch: shape \(0, 1, 4, 4\)"):
        layer.forward(np.zeros((0, 1, 4, 4)))


def test_one_sample_still_works_everywhere(rng):
    for make in NETWORKS.values():
        net = make()
        x, t = rng.standard_normal((1, 4)).astype(np.float32), np.array([2])
        assert net.predict(x).shape == (1, 3)
        assert np.isfinite(float(net.loss(x, t)))
        assert net.accuracy(x, t) in (0.0, 1.0)
