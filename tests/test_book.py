"""The textbook's usage patterns, written afresh, run on nnnumpy.book with nothing else changed."""

import os
import pickle

import numpy as np
import pytest

from nnnumpy import TwoLayerNet as OurTwoLayerNet
from nnnumpy import book, book_pickle, conv, layers
from nnnumpy.trainer import Trainer as OurTrainer

from .conftest import mnist_dir, requires_mnist


def blobs(n, seed=0, dims=8, classes=3):
    rng = np.random.default_rng(seed)
    centers = rng.standard_normal((classes, dims)) * 3
    t = rng.integers(0, classes, n)
    return centers[t] + rng.standard_normal((n, dims)), t


def test_trainer_with_the_books_arguments_and_lists():
    x, t = blobs(300)
    net = book.MultiLayerNetExtend(8, [20, 20], 3, weight_init_std="relu", use_dropout=True,
                                   dropout_ration=0.1, use_batchnorm=True, seed=0)
    trainer = book.Trainer(net, x[:250], t[:250], x[250:], t[250:], epochs=4,
                           mini_batch_size=25, optimizer="Adam",
                           optimizer_param={"lr": 0.01}, evaluate_sample_num_per_epoch=100,
                           verbose=False)
    trainer.train()
    assert len(trainer.train_loss_list) == 4 * 10
    assert len(trainer.train_acc_list) == len(trainer.test_acc_list) == 4
    assert trainer.test_acc_list[-1] > 0.9
    assert type(trainer.optimizer).__name__ == "Adam" and trainer.optimizer.lr == 0.01


def test_trainer_defaults_are_the_books():
    x, t = blobs(40)
    trainer = book.Trainer(book.TwoLayerNet(8, 5, 3), x, t, x, t, verbose=False)
    assert trainer.epochs == 20 and trainer.batch_size == 100
    assert type(trainer.optimizer).__name__ == "SGD" and trainer.optimizer.lr == 0.01


def test_multi_layer_net_extend_train_flg_and_init_names():
    net = book.MultiLayerNetExtend(784, [100, 50], 10, use_dropout=True, dropout_ration=0.5,
                                   seed=1)
    x = np.random.default_rng(0).random((5, 784))
    np.testing.assert_array_equal(net.predict(x), net.predict(x, train_flg=False))
    assert not np.array_equal(net.predict(x, train_flg=True), net.predict(x, train_flg=True))
    assert net.params["W1"].dtype == np.float64, "the book's networks compute in float64"
    he = book.MultiLayerNetExtend(784, [100], 10, weight_init_std="relu", seed=0)
    xavier = book.MultiLayerNetExtend(784, [100], 10, weight_init_std="sigmoid", seed=0)
    assert he.params["W1"].std() == pytest.approx(np.sqrt(2 / 784), rel=0.02)
    assert xavier.params["W1"].std() == pytest.approx(np.sqrt(1 / 784), rel=0.02)
    t = np.array([0, 1, 2, 3, 4])
    assert float(net.loss(x, t, train_flg=False)) == pytest.approx(float(net.loss(x, t)))


def test_multi_layer_net_extend_gradients_match_numerical():
    x, t = blobs(6, seed=2)
    net = book.MultiLayerNetExtend(8, [6, 5], 3, weight_decay_lambda=0.1, use_dropout=True,
                                   dropout_ration=0.3, use_batchnorm=True, seed=3)
    net.fix_dropout_masks()
    backprop = net.gradient(x, t)
    numerical = net.numerical_gradient(x, t, h=1e-5)
    for key in net.params:
        assert np.average(np.abs(backprop[key] - numerical[key])) < 1e-8, key


def test_gradient_check_on_the_default_float32_network():
    """The book's gradient check on a default TwoLayerNet(784, 50, 10): the float32 network's
    numerical gradient comes out, in float32, next to its backprop gradient."""
    rng = np.random.default_rng(0)
    x, t = rng.random((3, 784)).astype(np.float32), np.eye(10)[[3, 1, 4]]
    net = OurTwoLayerNet(784, 50, 10, seed=0)
    numerical = net.numerical_gradient(x, t)
    backprop = net.gradient(x, t)
    for key in ("W1", "b1", "W2", "b2"):
        assert numerical[key].dtype == np.float32
        assert np.average(np.abs(backprop[key] - numerical[key])) < 1e-6, key


def test_book_two_layer_net_has_the_last_layer_by_its_book_name():
    net = book.TwoLayerNet(784, 50, 10)
    assert isinstance(net.lastLayer, layers.SoftmaxWithLoss) and net.lastLayer is net.last_layer
    assert net.params["W1"].dtype == np.float64


class HandWrittenNet:
    """A two-layer network written the way the textbook teaches, from nnnumpy's layers:
    params, predict, loss, accuracy and gradient, nothing else."""

    def __init__(self, input_size, hidden_size, output_size, seed=0):
        rng = np.random.default_rng(seed)
        self.params = {"W1": 0.1 * rng.standard_normal((input_size, hidden_size)),
                       "b1": np.zeros(hidden_size),
                       "W2": 0.1 * rng.standard_normal((hidden_size, output_size)),
                       "b2": np.zeros(output_size)}
        self.affine1 = book.Affine(self.params["W1"], self.params["b1"])
        self.relu = book.Relu()
        self.affine2 = book.Affine(self.params["W2"], self.params["b2"])
        self.lastLayer = book.SoftmaxWithLoss()

    def predict(self, x):
        return self.affine2.forward(self.relu.forward(self.affine1.forward(x)))

    def loss(self, x, t):
        return self.lastLayer.forward(self.predict(x), t)

    def accuracy(self, x, t):
        return float(np.mean(self.predict(x).argmax(axis=1) == t))

    def gradient(self, x, t):
        self.loss(x, t)
        dout = self.lastLayer.backward(1)
        dout = self.affine1.backward(self.relu.backward(self.affine2.backward(dout)))
        return {"W1": self.affine1.dW, "b1": self.affine1.db,
                "W2": self.affine2.dW, "b2": self.affine2.db}


def test_a_network_written_the_books_way_trains_in_our_trainer():
    x, t = blobs(300, seed=4)
    net = HandWrittenNet(8, 16, 3)
    history = OurTrainer(net, x[:250], t[:250], x[250:], t[250:], optimizer="sgd",
                         optimizer_params={"lr": 0.1}, epochs=5, batch_size=25, seed=0,
                         verbose=False).fit()
    assert history["loss"][-1] < history["loss"][0] / 3
    assert history["test_acc"][-1] > 0.9 and net.accuracy(x[250:], t[250:]) > 0.9


def test_one_sgd_instance_serves_two_networks_with_different_keys():
    x, t = blobs(100, seed=5)
    with_bn = book.MultiLayerNetExtend(8, [10], 3, use_batchnorm=True, seed=0)
    plain = book.MultiLayerNetExtend(8, [10], 3, seed=0)
    assert set(with_bn.params) != set(plain.params)
    for optimizer in (book.SGD(lr=0.1), book.Momentum(lr=0.1), book.Adam(lr=0.01)):
        for network in (with_bn, plain, with_bn):
            before = network.params["W1"].copy()
            optimizer.update(network.params, network.gradient(x, t))
            assert not np.array_equal(network.params["W1"], before)


def test_smooth_curve_keeps_length_and_level_and_removes_noise():
    rng = np.random.default_rng(0)
    trend = np.linspace(2.0, 0.5, 300)
    noisy = trend + 0.2 * rng.standard_normal(300)
    smooth = book.smooth_curve(noisy)
    assert smooth.shape == noisy.shape
    np.testing.assert_allclose(book.smooth_curve(np.full(50, 3.0)), 3.0)
    assert np.std(smooth - trend) < 0.5 * np.std(noisy - trend)
    with pytest.raises(ValueError, match="at least 11"):
        book.smooth_curve([1.0, 2.0])


def test_shuffle_dataset_keeps_pairs_together():
    x = np.arange(20).reshape(10, 2)
    t = np.arange(10)
    xs, ts = book.shuffle_dataset(x, t, seed=0)
    assert not np.array_equal(ts, t) and sorted(ts) == list(range(10))
    np.testing.assert_array_equal(xs[:, 0] // 2, ts)
    images = np.arange(10 * 4).reshape(10, 1, 2, 2)
    shuffled, labels = book.shuffle_dataset(images, t, seed=1)
    np.testing.assert_array_equal(shuffled[:, 0, 0, 0] // 4, labels)


def test_the_books_functions():
    y = np.array([0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0])
    t = np.eye(10)[2]
    assert book.sum_squared_error(y, t) == pytest.approx(0.0975)
    np.testing.assert_array_equal(book.step_function(np.array([-1.0, 0.0, 2.0])), [0, 0, 1])
    x = np.array([-2.0, -0.5, 0.5, 3.0])
    assert book.identity_function(x) is x
    np.testing.assert_array_equal(book.relu_grad(x), [0, 0, 1, 1])
    numeric = np.array([book.numerical_diff(book.sigmoid, v) for v in x])
    np.testing.assert_allclose(book.sigmoid_grad(x), numeric, rtol=1e-8)


def test_the_books_layer_keywords():
    x = np.random.default_rng(0).standard_normal((20, 4))
    dropout = book.Dropout(0.5)
    assert np.array_equal(dropout.forward(x, train_flg=False), x)
    assert (dropout.forward(x, train_flg=True) == 0).any()
    norm = book.BatchNormalization(np.ones(4), np.zeros(4))
    out = norm.forward(x * 3 + 1, train_flg=True)
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-12)
    assert norm.eps == 1e-6
    assert book.Relu is layers.ReLU


@pytest.mark.mnist
@requires_mnist
def test_batch_norm_learns_from_tiny_initial_weights_as_in_the_book():
    """The book's lesson: with weights of std 1e-4, a 5-layer net learns only with batch norm.
    It holds with the book's eps (1e-6); nnnumpy's default 1e-5 swamps the tiny variances."""
    (x, t), _ = book.load_mnist(data_dir=mnist_dir())
    x, t = x[:1000], t[:1000]
    accuracies = {}
    for use_batchnorm in (True, False):
        net = book.MultiLayerNetExtend(784, [100] * 5, 10, weight_init_std=1e-4,
                                       use_batchnorm=use_batchnorm, seed=0)
        optimizer = book.SGD(lr=0.01)
        rng = np.random.default_rng(0)
        for _ in range(200):   # 20 epochs of 10 batches of 100
            batch = rng.choice(1000, 100)
            optimizer.update(net.params, net.gradient(x[batch], t[batch]))
        accuracies[use_batchnorm] = net.accuracy(x, t)
    assert accuracies[True] > 0.3 and accuracies[False] < 0.15, accuracies


def test_the_books_im2col_layout_is_one_window_per_row():
    x = np.arange(2 * 3 * 4 * 4, dtype=np.float64).reshape(2, 3, 4, 4)
    col = book.im2col(x, 2, 2, stride=2)
    assert col.shape == (2 * 2 * 2, 3 * 2 * 2)
    # row (n=1, oh=0, ow=1): channel 0's window at rows 0-1, columns 2-3 of image 1
    np.testing.assert_array_equal(col[1 * 4 + 0 * 2 + 1, :4], x[1, 0, 0:2, 2:4].ravel())
    np.testing.assert_array_equal(book.col2im(col, x.shape, 2, 2, stride=2), x)


def test_the_books_convnet_is_float64_with_its_initialisation():
    net = book.SimpleConvNet()
    assert net.params["W1"].dtype == np.float64
    assert net.params["W2"].std() == pytest.approx(0.01, rel=0.05)
    assert isinstance(net.layers["Conv1"], conv.Convolution)


# ------------------------------------------------------------------ chapters 7 and 8
def small_convnet(**options):
    return book.SimpleConvNet(input_dim=(1, 10, 10),
                              conv_param={"filter_num": 4, "filter_size": 3, "pad": 0,
                                          "stride": 1},
                              hidden_size=6, output_size=3, **options)


def test_book_convnet_save_params_writes_npz_whatever_the_name(tmp_path):
    """train_convnet.py ends with network.save_params("params.pkl"): the file is our .npz
    (a zip archive np.load reads without pickle), and load_params reads it back."""
    net = small_convnet(seed=0)
    path = tmp_path / "params.pkl"
    net.save_params(str(path))
    assert path.read_bytes()[:4] == b"PK\x03\x04"
    with np.load(path, allow_pickle=False) as archive:
        np.testing.assert_array_equal(archive["W1"], net.params["W1"])
    other = small_convnet(seed=1)
    x = np.random.default_rng(0).random((2, 1, 10, 10))
    other.load_params(str(path))
    np.testing.assert_array_equal(other.params["W2"], net.params["W2"])
    np.testing.assert_array_equal(other.predict(x), net.predict(x))


def write_book_pickle(path, params):
    """A parameter file as the book's save_params writes it: a pickled dict of arrays."""
    with open(path, "wb") as stream:
        pickle.dump(dict(params), stream)


def test_load_params_reads_the_books_pickled_parameters(tmp_path):
    source = small_convnet(seed=3)
    path = tmp_path / "params.pkl"
    write_book_pickle(path, {key: value.copy() for key, value in source.params.items()})
    net = small_convnet(seed=4)
    layer_W = net.layers["Affine1"].W
    net.load_params(str(path))
    for key in source.params:
        np.testing.assert_array_equal(net.params[key], source.params[key])
    assert net.layers["Affine1"].W is layer_W, "loaded in place: the layers see it"
    x = np.random.default_rng(1).random((3, 1, 10, 10))
    np.testing.assert_array_equal(net.predict(x), source.predict(x))


def test_load_params_refuses_a_pickle_of_another_shape(tmp_path):
    params = {key: value.copy() for key, value in small_convnet(seed=0).params.items()}
    params["W2"] = np.zeros((3, 3))
    write_book_pickle(tmp_path / "params.pkl", params)
    net = small_convnet(seed=0)
    before = net.params["W1"].copy()
    with pytest.raises(ValueError, match=r"W2.*\(3, 3\)"):
        net.load_params(str(tmp_path / "params.pkl"))
    np.testing.assert_array_equal(net.params["W1"], before)


class RunsACommand:
    """Unpickled by plain pickle, this object runs a shell command."""

    def __init__(self, command):
        self.command = command

    def __reduce__(self):
        return os.system, (self.command,)


def test_the_restricted_unpickler_never_runs_code_from_the_file(tmp_path):
    marker = tmp_path / "the-command-ran"
    payload = pickle.dumps({"W1": np.zeros(3), "b1": RunsACommand(f"touch '{marker}'")})
    path = tmp_path / "params.pkl"
    path.write_bytes(payload)
    with pytest.raises(pickle.UnpicklingError, match=r"system"):
        book_pickle.load_book_params(path)
    with pytest.raises(pickle.UnpicklingError, match=r"system"):
        small_convnet().load_params(str(path))
    assert not marker.exists()
    pickle.loads(payload)           # plain pickle would have run it: the test is real
    assert marker.exists()


def test_the_restricted_unpickler_admits_arrays_numbers_and_containers_only():
    data = {"W": np.arange(6.0).reshape(2, 3), "n": [1, 2.5, np.float64(3), np.int64(4)],
            "f32": np.ones(2, np.float32), "i": np.arange(3)}
    for protocol in (2, 4, 5):
        loaded = book_pickle.safe_loads(pickle.dumps(data, protocol=protocol))
        np.testing.assert_array_equal(loaded["W"], data["W"])
        assert loaded["n"] == data["n"] and loaded["f32"].dtype == np.float32
    # The book's files were written by NumPy 1, whose arrays name numpy.core, not numpy._core
    # (protocol 2 spells names as text lines, so the rename keeps the pickle valid).
    legacy = pickle.dumps(data["W"], protocol=2).replace(b"numpy._core", b"numpy.core")
    assert b"numpy.core.multiarray\n_reconstruct" in legacy
    np.testing.assert_array_equal(book_pickle.safe_loads(legacy), data["W"])
    refused = [np.array([{"a": 1}], dtype=object),   # an object array holds anything
               np.ndarray.tofile,                     # an attribute of an admitted class
               OrderedDictLike(), print]
    for thing in refused:
        with pytest.raises(pickle.UnpicklingError, match="refused"):
            book_pickle.safe_loads(pickle.dumps(thing, protocol=4))


class OrderedDictLike(dict):
    """A dict subclass: pickled by reference to its class, which is not admitted."""


def test_load_book_params_wants_a_dict_of_arrays(tmp_path):
    path = tmp_path / "params.pkl"
    path.write_bytes(pickle.dumps([np.zeros(2)]))
    with pytest.raises(ValueError, match="dict"):
        book_pickle.load_book_params(path)
    path.write_bytes(pickle.dumps({"W1": 3.0}))
    with pytest.raises(ValueError, match="W1"):
        book_pickle.load_book_params(path)
    path.write_bytes(b"not a pickle at all")
    with pytest.raises(ValueError, match="params.pkl"):
        small_convnet().load_params(str(path))


def test_pooling_strides_by_two_unless_told_as_in_the_book():
    x = np.random.default_rng(0).random((2, 3, 7, 7))
    assert book.Pooling(3, 3).forward(x).shape == (2, 3, 3, 3)     # stride 2: 3 x 3
    assert book.Pooling(2, 2).forward(x).shape == (2, 3, 3, 3)
    assert book.Pooling(pool_h=3, pool_w=3, stride=3).forward(x).shape == (2, 3, 2, 2)
    assert book.Pooling(2, 2, stride=1).forward(x).shape == (2, 3, 6, 6)
    assert issubclass(book.Pooling, conv.Pooling)


def test_the_books_n_by_1_labels_are_class_indices():
    """ch07/gradient_check.py passes T = np.array([1]).reshape((1, 1))."""
    net = small_convnet(seed=0)
    x = np.random.default_rng(0).random((2, 1, 10, 10))
    column, flat = np.array([[2], [0]]), np.array([2, 0])
    assert float(net.loss(x, column)) == float(net.loss(x, flat))
    assert net.accuracy(x, column) == net.accuracy(x, flat)
    for key, grad in net.gradient(x, column).items():
        np.testing.assert_array_equal(grad, net.gradient(x, flat)[key])
    numerical = net.numerical_gradient(x[:1], column[:1])
    backprop = net.gradient(x[:1], column[:1])
    for key in net.params:
        assert np.abs(numerical[key] - backprop[key]).mean() < 1e-9, key
    two_layer = book.TwoLayerNet(4, 5, 3, seed=0)
    xs = np.random.default_rng(1).random((2, 4))
    assert float(two_layer.loss(xs, column)) == float(two_layer.loss(xs, flat))


def test_the_books_accuracy_counts_every_image_in_batches():
    net = small_convnet(seed=0)
    x = np.random.default_rng(0).random((250, 1, 10, 10))
    t = np.random.default_rng(1).integers(0, 3, 250)
    expected = np.mean(net.predict(x).argmax(axis=1) == t)
    assert net.accuracy(x, t) == pytest.approx(expected)
    assert net.accuracy(x, t, batch_size=7) == pytest.approx(expected)
    assert net.accuracy(x, np.eye(3)[t]) == pytest.approx(expected)


def test_the_books_convolution_takes_a_scalar_bias():
    """ch07/apply_filter.py builds Convolution(w, 0) for each filter w: (1, 1, 5, 5)."""
    rng = np.random.default_rng(0)
    w, image = rng.standard_normal((1, 1, 5, 5)), rng.random((1, 1, 12, 12))
    out = book.Convolution(w, 0).forward(image)
    np.testing.assert_allclose(out, conv.Convolution(w, np.zeros(1)).forward(image))
    shifted = book.Convolution(w, 0.5).forward(image)
    np.testing.assert_allclose(shifted, out + 0.5)
    with pytest.raises(ValueError, match="b must"):
        book.Convolution(w, np.zeros(3))


def test_star_import_brings_numpy_as_the_books_modules_do():
    namespace = {}
    exec("from nnnumpy.book import *", namespace)
    assert namespace["np"] is np
    assert {"SimpleConvNet", "DeepConvNet", "Trainer", "Pooling"} <= set(namespace)
    missing = [name for name in book.__all__ if not hasattr(book, name)]
    assert not missing


def test_np_random_seed_makes_the_books_classes_repeat():
    """A script that starts with np.random.seed(0) gives the same numbers every run."""
    def run():
        x, t = blobs(60, seed=0)
        net = book.MultiLayerNetExtend(8, [10], 3, use_dropout=True)
        trainer = book.Trainer(net, x, t, x, t, epochs=2, mini_batch_size=20, verbose=False)
        trainer.train()
        dropout = book.Dropout(0.5).forward(np.ones((4, 4)))
        shuffled = book.shuffle_dataset(x, t)[1]
        return (small_convnet().params["W1"], book.TwoLayerNet(4, 3, 2).params["W1"],
                book.DeepConvNet().params["W8"], trainer.train_loss_list, dropout, shuffled)

    np.random.seed(0)
    first = run()
    np.random.seed(0)
    second = run()
    np.random.seed(1)
    third = run()
    for a, b, c in zip(first, second, third):
        np.testing.assert_array_equal(a, b)
        assert not np.array_equal(a, c)


def count_calls(network, trainer):
    """Wrap network.accuracy to note how many iterations had run at each call."""
    seen = []
    accuracy = network.accuracy

    def noting(x, t, *args):
        seen.append(len(trainer.train_loss_list))
        return accuracy(x, t, *args)

    network.accuracy = noting
    return seen


def test_trainer_evaluates_after_the_first_iteration_of_each_epoch(capsys):
    """As the book's Trainer: the accuracies are recorded after iterations 1, 11, 21 (for
    10 iterations an epoch), and train() ends by printing the whole test set's accuracy."""
    x, t = blobs(300, seed=6)
    net = book.TwoLayerNet(8, 10, 3, seed=0)
    trainer = book.Trainer(net, x[:250], t[:250], x[250:], t[250:], epochs=3,
                           mini_batch_size=25, optimizer="SGD", optimizer_param={"lr": 0.1},
                           seed=0)
    seen = count_calls(net, trainer)
    trainer.train()
    assert len(trainer.train_loss_list) == trainer.max_iter == 30
    assert len(trainer.train_acc_list) == len(trainer.test_acc_list) == 3
    assert set(seen[:-1]) == {1, 11, 21} and seen[-1] == 30   # the last: the final block
    out = capsys.readouterr().out
    assert "=== epoch:1, train acc:" in out and "=== epoch:3, train acc:" in out
    final = out.split("=============== Final Test Accuracy ===============\n")[1]
    assert final.strip() == f"test acc:{net.accuracy(x[250:], t[250:])}"
    assert trainer.current_epoch == 3 and trainer.current_iter == 30


def test_trainer_loss_list_is_the_batch_loss_after_the_update():
    x, t = blobs(40, seed=7)
    net = book.TwoLayerNet(8, 6, 3, seed=0)
    trainer = book.Trainer(net, x, t, x, t, epochs=1, mini_batch_size=40,
                           optimizer_param={"lr": 0.5}, verbose=False, seed=0)
    before = float(net.loss(x, t))
    trainer.train_step()
    assert trainer.train_loss_list == [pytest.approx(float(net.loss(x, t)))]
    assert trainer.train_loss_list[0] < before


def test_deep_convnet_is_the_books_architecture():
    net = book.DeepConvNet()
    shapes = {key: value.shape for key, value in net.params.items()}
    assert shapes["W1"] == (16, 1, 3, 3) and shapes["W4"] == (32, 32, 3, 3)
    assert shapes["W7"] == (64 * 4 * 4, 50) and shapes["W8"] == (50, 10)
    assert net.params["W2"].std() == pytest.approx(np.sqrt(2 / (16 * 9)), rel=0.05)
    x = np.random.default_rng(0).random((2, 1, 28, 28))
    assert net.predict(x).shape == (2, 10)
    np.testing.assert_array_equal(net.predict(x), net.predict(x, train_flg=False))
    with pytest.raises(ValueError, match="conv_param_3 must have the keys"):
        book.DeepConvNet(conv_param_3={"filter_num": 8})


def test_deep_convnet_gradients_match_numerical_on_small_images():
    few = {"filter_num": 2, "filter_size": 3, "pad": 1, "stride": 1}
    net = book.DeepConvNet(input_dim=(1, 8, 8), conv_param_1=few, conv_param_2=few,
                           conv_param_3=few, conv_param_4={**few, "pad": 2}, conv_param_5=few,
                           conv_param_6=few, hidden_size=4, output_size=3, seed=0)
    for layer in net.layers.values():
        if isinstance(layer, layers.Dropout):
            layer.fixed = True
    x = np.random.default_rng(0).random((2, 1, 8, 8))
    t = np.array([0, 2])
    net.predict(x, train_flg=True)   # draws the masks that stay fixed
    backprop = net.gradient(x, t)
    numerical = net.numerical_gradient(x, t)
    assert set(numerical) == {f"{kind}{index}" for kind in "Wb" for index in range(1, 9)}
    for key in numerical:
        scale = max(1e-8, np.abs(numerical[key]).max())
        assert np.abs(backprop[key] - numerical[key]).max() / scale < 1e-6, key


def test_the_books_deep_convnet_pickle_gives_the_books_scores(tmp_path):
    """The book trained with dropout that scales by 1 - ratio at test time; ours scales in
    training. Loading its pickle rescales W8 and b8 so that both compute the same scores."""
    rng = np.random.default_rng(0)
    source = book.DeepConvNet(seed=0)
    book_params = {key: value + 0.01 * rng.standard_normal(value.shape)
                   for key, value in source.params.items()}
    write_book_pickle(tmp_path / "deep_convnet_params.pkl", book_params)
    net = book.DeepConvNet(seed=1)
    net.load_params(str(tmp_path / "deep_convnet_params.pkl"))
    x = rng.random((3, 1, 28, 28))
    hidden = x
    for name, layer in net.layers.items():    # the book's test-time forward, by hand
        if name == "Affine1":
            break
        hidden = layer.forward(hidden)
    hidden = np.maximum(hidden.reshape(3, -1) @ book_params["W7"] + book_params["b7"], 0)
    book_scores = ((hidden * 0.5) @ book_params["W8"] + book_params["b8"]) * 0.5
    np.testing.assert_allclose(net.predict(x), book_scores, rtol=1e-10)
    for key in ("W1", "W7", "b7"):
        np.testing.assert_array_equal(net.params[key], book_params[key])
