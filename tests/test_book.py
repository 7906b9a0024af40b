"""The textbook's usage patterns, written afresh, run on nnnumpy.book with nothing else changed."""

import numpy as np
import pytest

from nnnumpy import TwoLayerNet as OurTwoLayerNet
from nnnumpy import book, layers
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
    assert isinstance(net.layers["Conv1"], book.Convolution)
