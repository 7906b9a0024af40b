"""CuPy against NumPy: the same computations on the GPU give NumPy's numbers.

NumPy is the reference here (its layers are checked against numerical gradients and
hand-computed values in the other test modules). The comparisons run on the CuPy
backend only: on a machine without CuPy or a GPU they skip with a reason, since
comparing NumPy with itself would prove nothing.
"""

import numpy as np
import pytest

from nnnumpy import MultiLayerNet, TwoLayerNet, layers
from nnnumpy.backend import get_array_module, to_backend, to_numpy
from nnnumpy.trainer import Trainer

from .conftest import BACKENDS, backend_set_to


@pytest.fixture(params=[param for param in BACKENDS if param.values == ("cupy",)])
def gpu_backend(request):
    """The CuPy backend, where it works; NumPy is restored after the test."""
    with backend_set_to(request.param) as name:
        yield name

TOLERANCE = {np.float64: 1e-10, np.float32: 1e-4}


def assert_same(on_backend, on_numpy, dtype):
    np.testing.assert_allclose(to_numpy(on_backend), on_numpy, rtol=TOLERANCE[dtype],
                               atol=TOLERANCE[dtype] * 1e-3)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("make_layer", [layers.ReLU, layers.Sigmoid, layers.Tanh,
                                        lambda: layers.LeakyReLU(0.1)])
def test_activation_layers_match_numpy(gpu_backend, make_layer, dtype, rng):
    x = rng.standard_normal((6, 5)).astype(dtype)
    dout = rng.standard_normal((6, 5)).astype(dtype)
    reference = make_layer()
    expected_out, expected_dx = reference.forward(x), reference.backward(dout)
    layer = make_layer()
    out = layer.forward(to_backend(x))
    assert get_array_module(out) is get_array_module(to_backend(x))
    assert_same(out, expected_out, dtype)
    assert_same(layer.backward(to_backend(dout)), expected_dx, dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_affine_softmax_and_batchnorm_match_numpy(gpu_backend, dtype, rng):
    W = rng.standard_normal((5, 4)).astype(dtype)
    b = rng.standard_normal(4).astype(dtype)
    x = rng.standard_normal((6, 5)).astype(dtype)
    t = rng.integers(0, 4, 6)
    chains = []
    for move in (np.asarray, to_backend):
        affine = layers.Affine(move(W), move(b))
        norm = layers.BatchNormalization(move(np.ones(4, dtype)), move(np.zeros(4, dtype)))
        loss_layer = layers.SoftmaxWithLoss()
        loss = loss_layer.forward(norm.forward(affine.forward(move(x))), move(t))
        dx = affine.backward(norm.backward(loss_layer.backward(1)))
        chains.append((loss, dx, affine.dW, norm.dgamma, norm.running_mean))
    for on_backend, on_numpy in zip(chains[1], chains[0]):
        assert_same(on_backend, to_numpy(on_numpy), dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("make_net", [
    lambda dtype: TwoLayerNet(12, 8, 3, weight_init_std="he", dtype=dtype, seed=5),
    lambda dtype: MultiLayerNet(12, [8, 6], 3, use_batchnorm=True, weight_decay_lambda=0.01,
                                dtype=dtype, seed=5),
])
def test_networks_match_numpy_for_the_same_seed(gpu_backend, make_net, dtype, rng):
    x = rng.standard_normal((7, 12)).astype(dtype)
    t = rng.integers(0, 3, 7)
    from nnnumpy import backend

    backend.set_backend("numpy")
    reference = make_net(dtype)
    expected_loss = float(reference.loss(x, t))
    expected = {k: v.copy() for k, v in reference.gradient(x, t).items()}
    backend.set_backend(gpu_backend)
    net = make_net(dtype)
    for key in reference.params:
        assert_same(net.params[key], reference.params[key], dtype)  # same initial weights
    x_here, t_here = to_backend(x), to_backend(t)
    assert float(to_numpy(net.loss(x_here, t_here))) == pytest.approx(
        expected_loss, rel=TOLERANCE[dtype])
    for key, value in net.gradient(x_here, t_here).items():
        assert_same(value, expected[key], dtype)


def test_trainer_history_matches_numpy(gpu_backend):
    rng = np.random.default_rng(0)
    centers = rng.standard_normal((3, 6)) * 3
    t = rng.integers(0, 3, 150)
    x = centers[t] + rng.standard_normal((150, 6))
    histories = []
    from nnnumpy import backend

    for name in ("numpy", gpu_backend):
        backend.set_backend(name)
        net = TwoLayerNet(6, 8, 3, weight_init_std="he", dtype=np.float64, seed=1)
        trainer = Trainer(net, x[:120], t[:120], x[120:], t[120:], optimizer="momentum",
                          epochs=2, batch_size=16, seed=0, verbose=False)
        histories.append(trainer.fit())
    for key in ("loss", "train_loss", "test_acc"):
        np.testing.assert_allclose(histories[1][key], histories[0][key], rtol=1e-10)


def test_to_gpu_and_back_keeps_the_weights(backend_name):
    net = MultiLayerNet(4, [3], 2, use_batchnorm=True, seed=0)
    before = {k: to_numpy(v).copy() for k, v in net.params.items()}
    if backend_name == "cupy":
        net.to_gpu()
        assert get_array_module(net.params["W1"]) is not np
        assert net.layers["Affine1"].W is net.params["W1"]
    net.to_cpu()
    assert net.layers["Affine1"].W is net.params["W1"]
    for key, value in net.params.items():
        assert isinstance(value, np.ndarray)
        np.testing.assert_array_equal(value, before[key])


def test_mixing_a_host_batch_into_a_gpu_network_is_a_clear_error(gpu_backend):
    net = TwoLayerNet(4, 3, 2, seed=0)
    with pytest.raises(TypeError, match="x is a NumPy array but the network's parameters are "
                                        "on the GPU"):
        net.loss(np.zeros((2, 4), np.float32), to_backend(np.array([0, 1])))
