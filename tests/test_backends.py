"""The CuPy path against NumPy: the same computations on the device give NumPy's numbers.

NumPy is the reference here (its layers are checked against numerical gradients and
hand-computed values in the other test modules). Every test runs on the device backend
twice where it can: on tests/fake_cupy.py, the strict NumPy-backed stand-in for CuPy,
always (so that every commit tests the device path and a host array in a device
computation fails), and on real CuPy where CuPy and a GPU are there (skipped otherwise).
"""

import numpy as np
import pytest

from nnnumpy import MultiLayerNet, SimpleConvNet, TwoLayerNet, backend, conv, layers
from nnnumpy.augment import RandomShift
from nnnumpy.backend import get_array_module, to_backend, to_numpy
from nnnumpy.io import load_params, save_params
from nnnumpy.optimizers import OPTIMIZERS, make_optimizer
from nnnumpy.trainer import Trainer

from .conftest import (
    AVAILABLE_BACKENDS,
    BACKENDS,
    DEVICE_BACKENDS,
    backend_set_to,
    load_script,
    requires_mnist,
)


@pytest.fixture(params=[param for param in BACKENDS if param.values[0] in DEVICE_BACKENDS])
def gpu_backend(request):
    """The CuPy backend (the stand-in always, real CuPy where it works); NumPy after."""
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


# --- the whole CuPy path: on the stand-in always, on a GPU where there is one ---------------

@pytest.mark.parametrize("make_layer, shape", [
    (lambda move: layers.Dropout(0.3, seed=2), (6, 5)),
    (lambda move: conv.Convolution(move(np.linspace(-1, 1, 2 * 3 * 3 * 3).reshape(2, 3, 3, 3)),
                                   move(np.array([0.1, -0.2])), stride=1, pad=1), (2, 3, 5, 6)),
    (lambda move: conv.Pooling(2, 2, stride=2), (2, 3, 4, 6)),
    (lambda move: conv.AveragePooling(2, 2), (2, 3, 4, 6)),
    (lambda move: conv.Flatten(), (2, 3, 4, 6)),
])
def test_dropout_and_conv_layers_match_numpy(gpu_backend, make_layer, shape, rng):
    x = rng.standard_normal(shape)
    results = []
    for move in (np.asarray, to_backend):
        layer = make_layer(move)
        out = layer.forward(move(x), train=True) if isinstance(layer, layers.Dropout) \
            else layer.forward(move(x))
        dout = move(np.linspace(-2, 2, int(np.prod(out.shape))).reshape(out.shape))
        results.append((out, layer.backward(dout)))
    for on_device, on_host in zip(results[1], results[0]):
        assert get_array_module(on_device) is not np
        assert_same(on_device, on_host, np.float64)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizers_update_device_arrays_in_place(gpu_backend, name):
    params, grads = {}, {}
    for move in (np.asarray, to_backend):
        params[move] = {"W": move(np.linspace(-1, 1, 6).reshape(2, 3)), "b": move(np.ones(3))}
        grads[move] = {"W": move(np.full((2, 3), 0.5)), "b": move(np.array([1.0, -1.0, 2.0]))}
        optimizer = make_optimizer(name)
        arrays = dict(params[move])
        for _ in range(3):
            optimizer.update(params[move], grads[move])
        assert all(params[move][key] is arrays[key] for key in arrays)  # updated in place
    for key in ("W", "b"):
        assert get_array_module(params[to_backend][key]) is not np
        assert_same(params[to_backend][key], params[np.asarray][key], np.float64)


def small_images(n=60, seed=0):
    """n 1x8x8 images of 3 classes (a bright square in one of three places), and labels."""
    rng = np.random.default_rng(seed)
    t = rng.integers(0, 3, n)
    x = rng.uniform(0, 0.2, (n, 1, 8, 8))
    for i, label in enumerate(t):
        x[i, 0, 2 * label:2 * label + 3, 2:5] += 0.8
    return x, t


@pytest.mark.parametrize("make_net, flat", [
    (lambda: MultiLayerNet(64, [10, 8], 3, use_dropout=True, dropout_ratio=0.2,
                           use_batchnorm=True, dtype=np.float64, seed=3), True),
    (lambda: SimpleConvNet(input_dim=(1, 8, 8), conv_param={"filter_num": 4, "filter_size": 3,
                                                             "pad": 1, "stride": 1},
                           hidden_size=10, output_size=3, dtype=np.float64, seed=3), False),
])
def test_trainer_with_dropout_batchnorm_conv_and_shifts_matches_numpy(gpu_backend, make_net,
                                                                      flat):
    x, t = small_images()
    x = x.reshape(len(x), -1) if flat else x
    histories = []
    for name in ("numpy", gpu_backend):
        backend.set_backend(name)
        net = make_net()
        augment = None if flat else RandomShift(1, image_shape=(8, 8), seed=4)
        trainer = Trainer(net, x[:45], t[:45], x[45:], t[45:], optimizer="adam", epochs=2,
                          batch_size=10, seed=0, augment=augment, verbose=False)
        histories.append(trainer.fit())
    for key in ("loss", "train_loss", "test_loss", "test_acc"):
        np.testing.assert_allclose(histories[1][key], histories[0][key], rtol=1e-9)


def test_save_and_load_round_trip_through_the_host(gpu_backend, tmp_path):
    net = MultiLayerNet(6, [5], 3, use_batchnorm=True, seed=0)
    net.to_gpu()
    save_params(tmp_path / "net.npz", net)
    other = MultiLayerNet(6, [5], 3, use_batchnorm=True, seed=1)
    other.to_gpu()
    load_params(tmp_path / "net.npz", other)
    for key, value in net.params.items():
        assert get_array_module(other.params[key]) is not np
        np.testing.assert_array_equal(to_numpy(other.params[key]), to_numpy(value))
    assert other.layers["Affine1"].W is other.params["W1"]


class TextbookTwoLayerNet:
    """A network written the textbook's way: params, predict, loss, gradient; no output_size."""

    def __init__(self, input_size, hidden_size, output_size):
        inner = TwoLayerNet(input_size, hidden_size, output_size, dtype=np.float64, seed=0)
        self.params = inner.params
        self.predict, self.loss, self.gradient = inner.predict, inner.loss, inner.gradient


def test_a_textbook_style_network_trains_on_the_device(gpu_backend):
    x, t = small_images()
    x = x.reshape(len(x), -1)
    net = TextbookTwoLayerNet(64, 8, 3)  # created on the device: the backend is CuPy
    assert get_array_module(net.params["W1"]) is not np
    history = Trainer(net, x[:45], t[:45], x[45:], t[45:], epochs=1, batch_size=15, seed=0,
                      verbose=False).fit()
    assert len(history["test_acc"]) == 1


def test_a_training_step_does_not_synchronise_with_the_host(gpu_backend):
    """Between the trainer's looks at the loss, no step brings anything to the host.

    The only host-to-device copies are the dropout masks, one per Dropout layer per step,
    drawn on the host on purpose (see nnnumpy.layers.Dropout).
    """
    if "cupy" in AVAILABLE_BACKENDS:
        pytest.skip("counts synchronisations of the stand-in only")
    import cupy  # the stand-in, installed by the fixture

    x, t = small_images(100)
    networks = [
        (MultiLayerNet(64, [10, 8], 3, use_dropout=True, use_batchnorm=True, seed=3), 2),
        (MultiLayerNet(64, [10, 8], 3, use_batchnorm=True, weight_decay_lambda=0.1, seed=3), 0),
        (SimpleConvNet(input_dim=(1, 8, 8), hidden_size=10, output_size=3, seed=3), 0),
    ]
    for net, dropout_layers in networks:
        net.to_gpu()
        data = x.reshape(len(x), -1) if isinstance(net, MultiLayerNet) else x
        trainer = Trainer(net, data[:80], t[:80], data[80:], t[80:], optimizer="adam",
                          epochs=1, batch_size=10, seed=0, verbose=False)
        batch = cupy.arange(10)
        x_batch, t_batch = trainer.x_train[batch], trainer.t_train[batch]
        cupy.counters.reset()
        for _ in range(5):
            trainer.step(x_batch, t_batch)
        assert cupy.counters.synchronizations == 0, type(net).__name__
        assert cupy.counters.host_to_device == 5 * dropout_layers, type(net).__name__


def test_a_training_epoch_synchronises_once_per_look_at_the_loss(gpu_backend):
    """An epoch of 8 steps with sync_every=4 looks at the losses twice; evaluation after it
    syncs once per evaluated batch and quantity, never per sample."""
    if "cupy" in AVAILABLE_BACKENDS:
        pytest.skip("counts synchronisations of the stand-in only")
    import cupy

    x, t = small_images(100)
    net = MultiLayerNet(64, [10], 3, seed=3)
    net.to_gpu()
    data = x.reshape(len(x), -1)
    trainer = Trainer(net, data[:80], t[:80], data[80:], t[80:], epochs=1, batch_size=10,
                      seed=0, sync_every=4, verbose=False)
    cupy.counters.reset()
    trainer.train_epoch(0)
    assert cupy.counters.synchronizations == 2


@requires_mnist
@pytest.mark.parametrize("model_flags", [[], ["--hidden-sizes", "20", "20", "--dropout", "0.1",
                                              "--batchnorm"], ["--model", "convnet"]])
def test_train_mnist_runs_on_the_device_backend(gpu_backend, model_flags, tmp_path, capsys):
    train_mnist = load_script("train_mnist")
    code = train_mnist.main(["--backend", "cupy", "--train-size", "300", "--epochs", "1",
                             "--quiet", "--save", str(tmp_path / "net.npz"), *model_flags])
    assert code in (0, None)
    assert "saved:" in capsys.readouterr().out
    with np.load(tmp_path / "net.npz", allow_pickle=False) as saved:
        assert "W1" in saved.files
