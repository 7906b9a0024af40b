"""For readers of the textbook "Deep Learning from Scratch": its names, on nnnumpy's classes.

The book's chapter scripts import from its ``common/`` and ``dataset/`` folders. Change
those import lines to this module and the scripts of chapters 4 to 6 run on nnnumpy:

    from dataset.mnist import load_mnist                ->  from nnnumpy.book import load_mnist
    from common.functions import sigmoid, softmax       ->  from nnnumpy.book import ...
    from common.gradient import numerical_gradient      ->  from nnnumpy.book import ...
    from common.layers import Relu, Affine              ->  from nnnumpy.book import ...
    from common.multi_layer_net_extend import ...       ->  from nnnumpy.book import ...
    from common.optimizer import SGD, Adam              ->  from nnnumpy.book import ...
    from common.trainer import Trainer                  ->  from nnnumpy.book import Trainer
    from common.util import smooth_curve, im2col        ->  from nnnumpy.book import ...
    from simple_convnet import SimpleConvNet (ch07)     ->  from nnnumpy.book import ...

Nothing here is new mathematics. Each name is nnnumpy's own function or class, or a
small subclass that accepts the book's spelling of an argument (``mini_batch_size``,
``train_flg``, ``dropout_ration``, ``weight_init_std='relu'``) and passes it on. The
networks here compute in float64, as the book's do. docs/book.md lists every deliberate
difference from the book's code and why.
"""

import numpy as np

from . import conv, layers, networks, trainer
from .conv import Convolution, Pooling
from .datasets.mnist import load_mnist
from .functions import (
    cross_entropy_error,
    identity_function,
    relu,
    relu_grad,
    sigmoid,
    sigmoid_grad,
    softmax,
    step_function,
    sum_squared_error,
)
from .gradient import gradient_descent, numerical_diff, numerical_gradient
from .layers import Affine, Sigmoid, SoftmaxWithLoss
from .layers import ReLU as Relu
from .optimizers import SGD, AdaGrad, Adam, Momentum, Nesterov, RMSprop

__all__ = [
    "load_mnist", "cross_entropy_error", "identity_function", "relu", "relu_grad", "sigmoid",
    "sigmoid_grad", "softmax", "step_function", "sum_squared_error", "gradient_descent",
    "numerical_diff", "numerical_gradient", "Affine", "Relu", "Sigmoid", "SoftmaxWithLoss",
    "Dropout", "BatchNormalization", "SGD", "Momentum", "Nesterov", "AdaGrad", "RMSprop",
    "Adam", "TwoLayerNet", "MultiLayerNet", "MultiLayerNetExtend", "Trainer", "smooth_curve",
    "shuffle_dataset", "Convolution", "Pooling", "SimpleConvNet", "im2col", "col2im",
]

# The book's batch norm divides by sqrt(var + 1e-6); nnnumpy's default eps is 1e-5.
BOOK_BATCHNORM_EPS = 1e-6
BOOK_INIT_NAMES = {"relu": "he", "he": "he", "sigmoid": "xavier", "xavier": "xavier"}


def book_init(weight_init_std):
    """The book's names for initialisations: 'relu' means He, 'sigmoid' means Xavier."""
    if isinstance(weight_init_std, str):
        return BOOK_INIT_NAMES.get(weight_init_std.lower(), weight_init_std)
    return weight_init_std


# ------------------------------------------------------------------------------- layers
class Dropout(layers.Dropout):
    """nnnumpy's inverted dropout, with the book's ``forward(x, train_flg=True)``."""

    def forward(self, x, train_flg=True):
        return super().forward(x, train_flg)


class BatchNormalization(layers.BatchNormalization):
    """nnnumpy's batch norm with the book's arguments: eps 1e-6, optional running averages,
    ``forward(x, train_flg=True)``."""

    def __init__(self, gamma, beta, momentum=0.9, running_mean=None, running_var=None):
        super().__init__(gamma, beta, momentum=momentum, eps=BOOK_BATCHNORM_EPS,
                         running_mean=running_mean, running_var=running_var)

    def forward(self, x, train_flg=True):
        return super().forward(x, train_flg)


# ----------------------------------------------------------------------------- networks
class TwoLayerNet(networks.TwoLayerNet):
    """nnnumpy's TwoLayerNet (ReLU, as in chapter 5) in float64, with the book's
    ``lastLayer`` name for the loss layer."""

    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01,
                 activation="relu", dtype=np.float64, seed=None):
        super().__init__(input_size, hidden_size, output_size, book_init(weight_init_std),
                         activation=activation, dtype=dtype, seed=seed)

    @property
    def lastLayer(self):
        return self.last_layer


class MultiLayerNet(networks.MultiLayerNet):
    """The book's MultiLayerNet(input_size, hidden_size_list, output_size, activation,
    weight_init_std='relu', weight_decay_lambda): nnnumpy's, in float64."""

    def __init__(self, input_size, hidden_size_list, output_size, activation="relu",
                 weight_init_std="relu", weight_decay_lambda=0, dtype=np.float64, seed=None):
        super().__init__(input_size, list(hidden_size_list), output_size,
                         activation=activation, weight_init_std=book_init(weight_init_std),
                         weight_decay_lambda=weight_decay_lambda, dtype=dtype, seed=seed)


class MultiLayerNetExtend(networks.MultiLayerNet):
    """The book's MultiLayerNetExtend: nnnumpy's MultiLayerNet with dropout and batch norm,
    the book's argument names (``dropout_ration``, ``train_flg``), its batch-norm eps 1e-6,
    in float64."""

    def __init__(self, input_size, hidden_size_list, output_size, activation="relu",
                 weight_init_std="relu", weight_decay_lambda=0, use_dropout=False,
                 dropout_ration=0.5, use_batchnorm=False, dtype=np.float64, seed=None):
        super().__init__(input_size, list(hidden_size_list), output_size,
                         activation=activation, weight_init_std=book_init(weight_init_std),
                         weight_decay_lambda=weight_decay_lambda, use_dropout=use_dropout,
                         dropout_ratio=dropout_ration, use_batchnorm=use_batchnorm,
                         batchnorm_eps=BOOK_BATCHNORM_EPS, dtype=dtype, seed=seed)

    def predict(self, x, train_flg=False):
        return super().predict(x, train_flg)

    def loss(self, x, t, train_flg=False):
        return super().loss(x, t, train_flg)


class SimpleConvNet(networks.SimpleConvNet):
    """nnnumpy's SimpleConvNet (the book's chapter 7 network) in float64."""

    def __init__(self, input_dim=(1, 28, 28), conv_param=None, hidden_size=100, output_size=10,
                 weight_init_std=0.01, dtype=np.float64, seed=None):
        super().__init__(input_dim, conv_param, hidden_size, output_size,
                         book_init(weight_init_std), dtype=dtype, seed=seed)


# ------------------------------------------------------------------------------ trainer
class Trainer(trainer.Trainer):
    """nnnumpy's Trainer with the book's arguments, ``train()`` and result lists.

    ``optimizer`` is a name in any case ('SGD', 'Adam'); ``evaluate_sample_num_per_epoch``
    is how many training images are evaluated after each epoch (the test set is always
    evaluated whole). After ``train()``: ``train_loss_list`` (one loss per iteration),
    ``train_acc_list`` and ``test_acc_list`` (one accuracy per epoch).
    """

    def __init__(self, network, x_train, t_train, x_test, t_test, epochs=20,
                 mini_batch_size=100, optimizer="SGD", optimizer_param=None,
                 evaluate_sample_num_per_epoch=None, verbose=True, **options):
        super().__init__(network, x_train, t_train, x_test, t_test,
                         optimizer=optimizer.lower(),
                         optimizer_params=optimizer_param or {"lr": 0.01}, epochs=epochs,
                         batch_size=mini_batch_size,
                         train_eval_size=evaluate_sample_num_per_epoch, verbose=verbose,
                         **options)

    def train(self):
        """Train for ``epochs`` epochs; the book's name for ``fit``."""
        return self.fit()

    @property
    def train_loss_list(self):
        return self.history["loss"]

    @property
    def train_acc_list(self):
        return self.history["train_acc"]

    @property
    def test_acc_list(self):
        return self.history["test_acc"]


# -------------------------------------------------------------------------------- util
def smooth_curve(values, window=11):
    """A noisy curve (a loss per iteration) smoothed for plotting: same length as values.

    Each point becomes a weighted mean of the ``window`` points around it, the weights a
    Kaiser window (beta 2: bell-shaped); at the ends the curve is mirrored.
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1 or values.size < window:
        raise ValueError(f"values must be a 1-D sequence of at least {window} numbers, "
                         f"got shape {values.shape}")
    weights = np.kaiser(window, 2)
    half = window // 2
    mirrored = np.pad(values, half, mode="reflect")
    return np.convolve(mirrored, weights / weights.sum(), mode="valid")


def shuffle_dataset(x, t, seed=None):
    """x and t in one random order, the same for both: x: (N, ...), t: (N,) or (N, C)."""
    if x.shape[0] != t.shape[0]:
        raise ValueError(f"x and t must have the same number of samples, got {x.shape[0]} "
                         f"and {t.shape[0]}")
    order = np.random.default_rng(seed).permutation(x.shape[0])
    return x[order], t[order]


def im2col(input_data, filter_h, filter_w, stride=1, pad=0):
    """The book's layout, one window per row: (N * OH * OW, C * FH * FW).

    nnnumpy's ``conv.im2col`` returns one matrix per image, (N, C * FH * FW, OH * OW),
    one window per column; this is each matrix transposed, stacked into one.
    """
    col = conv.im2col(input_data, filter_h, filter_w, stride, pad)
    return col.transpose(0, 2, 1).reshape(-1, col.shape[1])


def col2im(col, input_shape, filter_h, filter_w, stride=1, pad=0):
    """The backward pass of the book's im2col: col: (N * OH * OW, C * FH * FW) -> images."""
    per_image = col.reshape(input_shape[0], -1, col.shape[1]).transpose(0, 2, 1)
    return conv.col2im(per_image, input_shape, filter_h, filter_w, stride, pad)
