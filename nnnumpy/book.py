"""For readers of the textbook "Deep Learning from Scratch": its names, on nnnumpy's classes.

The book's chapter scripts import from its ``common/`` and ``dataset/`` folders and, in
chapters 7 and 8, from the chapter's own network file. Change those import lines to this
module and the scripts of chapters 4 to 8 run on nnnumpy:

    from dataset.mnist import load_mnist                ->  from nnnumpy.book import load_mnist
    from common.functions import sigmoid, softmax       ->  from nnnumpy.book import ...
    from common.gradient import numerical_gradient      ->  from nnnumpy.book import ...
    from common.layers import Relu, Affine              ->  from nnnumpy.book import ...
    from common.layers import Convolution, Pooling      ->  from nnnumpy.book import ...
    from common.multi_layer_net_extend import ...       ->  from nnnumpy.book import ...
    from common.optimizer import *                      ->  from nnnumpy.book import *
    from common.trainer import Trainer                  ->  from nnnumpy.book import Trainer
    from common.util import smooth_curve, im2col        ->  from nnnumpy.book import ...
    from simple_convnet import SimpleConvNet (ch07)     ->  from nnnumpy.book import ...
    from deep_convnet import DeepConvNet (ch08)         ->  from nnnumpy.book import ...

Nothing here is new mathematics. Each name is nnnumpy's own function or class, or a
small subclass that accepts the book's spelling of an argument (``mini_batch_size``,
``train_flg``, ``dropout_ration``, ``weight_init_std='relu'``) and passes it on. The
networks here compute in float64, as the book's do. Where a book class draws random
numbers and is given no ``seed``, its seed is drawn from NumPy's global generator, so
that the book's ``np.random.seed(0)`` makes a script repeat itself. ``from nnnumpy.book
import *`` brings ``np`` along, as the book's modules do. docs/book.md lists every
deliberate difference from the book's code and why.
"""

import math
from pathlib import Path

import numpy as np
from tqdm import tqdm

from . import conv, layers, networks
from .backend import get_array_module, to_backend, to_numpy
from .book_pickle import PICKLE_PROTOCOL_MARK, load_book_params
from .conv import conv_output_size
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
from .gradient import DEFAULT_H, gradient_descent, numerical_diff, numerical_gradient
from .io import ZIP_SIGNATURE
from .io import load_params as load_npz_params
from .io import save_params as save_npz_params
from .layers import Affine, Sigmoid, SoftmaxWithLoss
from .layers import ReLU as Relu
from .networks.base import (
    Network,
    check_float_dtype,
    check_size,
    init_affine_params,
)
from .optimizers import SGD, AdaGrad, Adam, Momentum, Nesterov, RMSprop, make_optimizer
from .trainer import TrainingDiverged, check_count

__all__ = [
    "np", "load_mnist", "cross_entropy_error", "identity_function", "relu", "relu_grad",
    "sigmoid", "sigmoid_grad", "softmax", "step_function", "sum_squared_error",
    "gradient_descent", "numerical_diff", "numerical_gradient", "Affine", "Relu", "Sigmoid",
    "SoftmaxWithLoss", "Dropout", "BatchNormalization", "SGD", "Momentum", "Nesterov",
    "AdaGrad", "RMSprop", "Adam", "TwoLayerNet", "MultiLayerNet", "MultiLayerNetExtend",
    "Trainer", "smooth_curve", "shuffle_dataset", "Convolution", "Pooling", "SimpleConvNet",
    "DeepConvNet", "im2col", "col2im",
]

# The book's batch norm divides by sqrt(var + 1e-6); nnnumpy's default eps is 1e-5.
BOOK_BATCHNORM_EPS = 1e-6
BOOK_INIT_NAMES = {"relu": "he", "he": "he", "sigmoid": "xavier", "xavier": "xavier"}


def book_init(weight_init_std):
    """The book's names for initialisations: 'relu' means He, 'sigmoid' means Xavier."""
    if isinstance(weight_init_std, str):
        return BOOK_INIT_NAMES.get(weight_init_std.lower(), weight_init_std)
    return weight_init_std


def book_seed(seed):
    """``seed``, or when it is None one drawn from NumPy's global generator.

    The book's classes draw from ``np.random`` itself, so its scripts repeat after
    ``np.random.seed(0)``; nnnumpy's draw from generators of their own. Drawing their seed
    from the global generator gives the book's classes here the same property.
    """
    return int(np.random.randint(2**31 - 1)) if seed is None else seed


# ------------------------------------------------------------------------------- layers
class Dropout(layers.Dropout):
    """nnnumpy's inverted dropout, with the book's ``forward(x, train_flg=True)``."""

    def __init__(self, dropout_ratio=0.5, seed=None):
        super().__init__(dropout_ratio, seed=book_seed(seed))

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


class Convolution(conv.Convolution):
    """nnnumpy's convolution; the bias may also be one number for every filter, as in the
    book's apply_filter.py (``Convolution(w, 0)``). W: (FN, C, FH, FW); b: (FN,) or a number."""

    def __init__(self, W, b, stride=1, pad=0, compute_dx=True):
        if np.ndim(b) == 0 and getattr(W, "ndim", None) == 4:
            b = get_array_module(W).full(W.shape[0], b, dtype=W.dtype)
        super().__init__(W, b, stride=stride, pad=pad, compute_dx=compute_dx)


class Pooling(conv.Pooling):
    """nnnumpy's max pooling with the book's default stride, 2 whatever the window
    (nnnumpy's default stride is the window's size). x: (N, C, H, W) -> (N, C, OH, OW)."""

    def __init__(self, pool_h, pool_w, stride=2, pad=0):
        super().__init__(pool_h, pool_w, stride=stride, pad=pad)


# ----------------------------------------------------------------------------- networks
class BookNetwork:
    """What the book's networks do beyond nnnumpy's; mixed in before an nnnumpy network.

    - labels ``t: (N, 1)`` are class indices (ch07/gradient_check.py passes them so);
    - ``accuracy(x, t, batch_size=100)`` evaluates in batches, as the book's convnets do
      (im2col of a whole test set at once would not fit in memory), and counts every image;
    - ``save_params(file_name)`` writes nnnumpy's ``.npz``, whatever the name ends with;
      ``load_params(file_name)`` reads that, or a pickle the book's ``save_params`` wrote,
      through ``nnnumpy.book_pickle`` (which runs nothing from the file).
    """

    def book_labels(self, t):
        """t: (N, 1) class indices as (N,); any other t as it is."""
        if getattr(t, "ndim", None) == 2 and t.shape[1] == 1 and self.output_size != 1:
            return t[:, 0]
        return t

    def loss(self, x, t, train=False):
        return super().loss(x, self.book_labels(t), train)

    def gradient(self, x, t):
        return super().gradient(x, self.book_labels(t))

    def numerical_gradient(self, x, t, method="loop", h=DEFAULT_H):
        return super().numerical_gradient(x, self.book_labels(t), method, h)

    def accuracy(self, x, t, batch_size=100):
        """Fraction of the images whose highest score is their label, ``batch_size`` at a
        time. Every image counts, those of a last partial batch too."""
        t = self.book_labels(t)
        self.check_batch(x, t)
        check_count("batch_size", batch_size)
        xp = get_array_module(x)
        labels = t.argmax(axis=1) if t.ndim == 2 else t
        correct = 0
        for start in range(0, x.shape[0], batch_size):
            scores = self.predict(x[start:start + batch_size])
            hits = scores.argmax(axis=1) == labels[start:start + batch_size]
            correct += int(to_numpy(xp.count_nonzero(hits)))
        return correct / x.shape[0]

    def save_params(self, file_name="params.pkl"):
        """Write the parameters to ``file_name`` as nnnumpy's ``.npz`` (a zip archive that
        ``np.load`` reads without pickle), whatever the name ends with."""
        save_npz_params(file_name, self)

    def load_params(self, file_name="params.pkl"):
        """Load parameters in place: from an ``.npz`` that ``save_params`` wrote, or from a
        pickle of the book's ``save_params`` (a dict of arrays; nothing in it is run).

        Keys and shapes must be the network's, else ValueError and nothing changes.
        """
        path = Path(file_name)
        if not path.is_file():
            raise FileNotFoundError(f"{path}: file not found")
        with open(path, "rb") as stream:
            start = stream.read(len(ZIP_SIGNATURE))
        if start == ZIP_SIGNATURE:
            load_npz_params(path, self)
            return
        if not start.startswith(PICKLE_PROTOCOL_MARK):
            raise ValueError(f"{path}: neither an .npz file of save_params nor a pickle of the "
                             f"book's save_params (it starts with {start!r})")
        params = load_book_params(path)
        if set(params) != set(self.params):
            raise ValueError(f"{path}: holds arrays {sorted(params)}, the network has "
                             f"{sorted(self.params)}")
        for key, value in params.items():
            if value.shape != self.params[key].shape:
                raise ValueError(f"{path}: params[{key!r}] has shape {value.shape} in the "
                                 f"file but {self.params[key].shape} in the network")
        for key, value in self.params_from_book(params).items():
            target = self.params[key]
            target[...] = get_array_module(target).asarray(value)  # in place: layers share it

    def params_from_book(self, params):
        """The book's trained parameters as this network uses them: the same, here."""
        return params


class TwoLayerNet(BookNetwork, networks.TwoLayerNet):
    """nnnumpy's TwoLayerNet (ReLU, as in chapter 5) in float64, with the book's
    ``lastLayer`` name for the loss layer."""

    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01,
                 activation="relu", dtype=np.float64, seed=None):
        super().__init__(input_size, hidden_size, output_size, book_init(weight_init_std),
                         activation=activation, dtype=dtype, seed=book_seed(seed))

    @property
    def lastLayer(self):
        return self.last_layer


class MultiLayerNet(BookNetwork, networks.MultiLayerNet):
    """The book's MultiLayerNet(input_size, hidden_size_list, output_size, activation,
    weight_init_std='relu', weight_decay_lambda): nnnumpy's, in float64."""

    def __init__(self, input_size, hidden_size_list, output_size, activation="relu",
                 weight_init_std="relu", weight_decay_lambda=0, dtype=np.float64, seed=None):
        super().__init__(input_size, list(hidden_size_list), output_size,
                         activation=activation, weight_init_std=book_init(weight_init_std),
                         weight_decay_lambda=weight_decay_lambda, dtype=dtype,
                         seed=book_seed(seed))


class MultiLayerNetExtend(BookNetwork, networks.MultiLayerNet):
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
                         batchnorm_eps=BOOK_BATCHNORM_EPS, dtype=dtype, seed=book_seed(seed))

    def predict(self, x, train_flg=False):
        return super().predict(x, train_flg)

    def loss(self, x, t, train_flg=False):
        return super().loss(x, t, train_flg)


class SimpleConvNet(BookNetwork, networks.SimpleConvNet):
    """nnnumpy's SimpleConvNet (the book's chapter 7 network) in float64."""

    def __init__(self, input_dim=(1, 28, 28), conv_param=None, hidden_size=100, output_size=10,
                 weight_init_std=0.01, dtype=np.float64, seed=None):
        super().__init__(input_dim, conv_param, hidden_size, output_size,
                         book_init(weight_init_std), dtype=dtype, seed=book_seed(seed))


BOOK_DEEP_CONV = (
    {"filter_num": 16, "filter_size": 3, "pad": 1, "stride": 1},
    {"filter_num": 16, "filter_size": 3, "pad": 1, "stride": 1},
    {"filter_num": 32, "filter_size": 3, "pad": 1, "stride": 1},
    {"filter_num": 32, "filter_size": 3, "pad": 2, "stride": 1},
    {"filter_num": 64, "filter_size": 3, "pad": 1, "stride": 1},
    {"filter_num": 64, "filter_size": 3, "pad": 1, "stride": 1},
)
DEEP_DROPOUT_RATIO = 0.5


class DeepConvNet(BookNetwork, Network):
    """The book's chapter 8 network (which the book trains to over 99% on MNIST), in float64.

    (conv 3 x 3 -> ReLU -> conv 3 x 3 -> ReLU -> max pool 2 x 2) three times, then
    Affine -> ReLU -> dropout -> Affine -> dropout -> scores. With the defaults on MNIST:
    x: (N, 1, 28, 28) -> (N, 16, 28, 28) -> (N, 16, 14, 14) -> (N, 32, 14, 14)
    -> (N, 32, 16, 16) (the fourth convolution pads by 2) -> (N, 32, 8, 8) -> (N, 64, 8, 8)
    -> (N, 64, 4, 4) -> Affine (1024, 50) -> Affine (50, 10) -> scores (N, 10).

    params: W1 .. W6 (FN, C, 3, 3) and b1 .. b6 the filters; W7, b7 and W8, b8 the fully
    connected layers. Every weight starts with He's std sqrt(2 / fan_in), as in the book.
    ``conv_param_1`` .. ``conv_param_6`` are the book's dicts (filter_num, filter_size,
    pad, stride). ``loss`` runs in training mode (dropout on), as the book's does.
    """

    def __init__(self, input_dim=(1, 28, 28), conv_param_1=None, conv_param_2=None,
                 conv_param_3=None, conv_param_4=None, conv_param_5=None, conv_param_6=None,
                 hidden_size=50, output_size=10, dtype=np.float64, seed=None):
        if len(input_dim) != 3:
            raise ValueError(f"input_dim must be (channels, height, width), got {input_dim!r}")
        self.input_dim = tuple(check_size("input_dim entries", size) for size in input_dim)
        given = (conv_param_1, conv_param_2, conv_param_3, conv_param_4, conv_param_5,
                 conv_param_6)
        self.conv_params = [dict(book if param is None else param)
                            for book, param in zip(BOOK_DEEP_CONV, given)]
        for index, param in enumerate(self.conv_params, start=1):
            if set(param) != set(BOOK_DEEP_CONV[0]):
                raise ValueError(f"conv_param_{index} must have the keys "
                                 f"{sorted(BOOK_DEEP_CONV[0])}, got {sorted(param)}")
        self.input_size = int(np.prod(self.input_dim))
        self.hidden_size = check_size("hidden_size", hidden_size)
        self.output_size = check_size("output_size", output_size)
        self.dtype = check_float_dtype(dtype)

        rng = np.random.default_rng(book_seed(seed))
        channels, height, width = self.input_dim
        self.params = {}
        for index, param in enumerate(self.conv_params, start=1):
            filters, size = param["filter_num"], param["filter_size"]
            std = np.sqrt(2.0 / (channels * size * size))        # He: fan_in = C FH FW
            W = (std * rng.standard_normal((filters, channels, size, size))).astype(self.dtype)
            self.params[f"W{index}"] = to_backend(W)
            self.params[f"b{index}"] = to_backend(np.zeros(filters, self.dtype))
            height = conv_output_size(height, size, param["stride"], param["pad"])
            width = conv_output_size(width, size, param["stride"], param["pad"])
            if index % 2 == 0:                 # a 2 x 2 max pooling after every second conv
                if height < 2 or width < 2:
                    raise ValueError(f"input_dim {input_dim} is too small: convolution "
                                     f"{index} leaves {height} x {width} pixels to pool 2 x 2")
                height, width = conv_output_size(height, 2, 2, 0), conv_output_size(width, 2, 2, 0)
            channels = filters
        self.params["W7"], self.params["b7"] = init_affine_params(
            rng, channels * height * width, self.hidden_size, "he", self.dtype)
        self.params["W8"], self.params["b8"] = init_affine_params(
            rng, self.hidden_size, self.output_size, "he", self.dtype)
        self.dropout_seeds = [int(rng.integers(2**32)) for _ in range(2)]
        self.buffers = {}
        self.build_layers()

    def build_layers(self):
        """Six convolutions with a pooling after every second one, then Affine, ReLU, dropout,
        Affine, dropout and softmax with loss."""
        p = self.params
        self.layers = {}
        for index, param in enumerate(self.conv_params, start=1):
            self.layers[f"Conv{index}"] = conv.Convolution(
                p[f"W{index}"], p[f"b{index}"], stride=param["stride"], pad=param["pad"],
                compute_dx=index > 1)
            self.layers[f"Relu{index}"] = Relu()
            if index % 2 == 0:
                self.layers[f"Pool{index // 2}"] = conv.Pooling(2, 2, stride=2)
        self.layers["Affine1"] = Affine(p["W7"], p["b7"])     # flattens (N, 64, 4, 4)
        self.layers["Relu7"] = Relu()
        self.layers["Dropout1"] = layers.Dropout(DEEP_DROPOUT_RATIO, seed=self.dropout_seeds[0])
        self.layers["Affine2"] = Affine(p["W8"], p["b8"])
        self.layers["Dropout2"] = layers.Dropout(DEEP_DROPOUT_RATIO, seed=self.dropout_seeds[1])
        self.last_layer = SoftmaxWithLoss()

    def layer_gradients(self):
        grads = {}
        names = [f"Conv{index}" for index in range(1, 7)] + ["Affine1", "Affine2"]
        for index, name in enumerate(names, start=1):
            grads[f"W{index}"], grads[f"b{index}"] = self.layers[name].dW, self.layers[name].db
        return grads

    def predict(self, x, train_flg=False):
        """Class scores (N, output_size) of images x: (N, C, H, W) or (N, C * H * W)."""
        return super().predict(x.reshape(x.shape[0], *self.input_dim), train_flg)

    def loss(self, x, t, train_flg=True):
        return super().loss(x, t, train_flg)

    def params_from_book(self, params):
        """The book's trained parameters for nnnumpy's dropout: W8 and b8 rescaled.

        With keep = 1 - ratio, the book's dropout multiplies by keep at test time and by a
        0/1 mask m in training; nnnumpy's multiplies by m / keep in training only. The book's
        scores, h the hidden layer's output, are keep (keep h W8 + b8) at test time and
        m2 ((m1 h) W8 + b8) in training; ours equal them in both modes exactly when
        W8 = keep^2 W8_book and b8 = keep b8_book.
        """
        keep = 1 - DEEP_DROPOUT_RATIO
        return {**params, "W8": params["W8"] * keep**2, "b8": params["b8"] * keep}

    def config(self):
        return {"class": "DeepConvNet", "input_dim": list(self.input_dim),
                "conv_params": self.conv_params, "hidden_size": self.hidden_size,
                "output_size": self.output_size, "dtype": self.dtype.name}


# ------------------------------------------------------------------------------ trainer
def accuracy_in_chunks(network, x, t, chunk=1000):
    """network.accuracy over (x, t), ``chunk`` samples at a time, every sample counted."""
    correct = 0
    for start in range(0, x.shape[0], chunk):
        part = slice(start, start + chunk)
        size = x[part].shape[0]
        correct += round(network.accuracy(x[part], t[part]) * size)
    return correct / x.shape[0]


class Trainer:
    """The book's Trainer: ``train()`` runs mini-batch steps and fills the book's lists.

    Arguments as in the book: ``network`` (with params, loss, gradient and accuracy),
    ``x_train, t_train, x_test, t_test``, ``epochs``, ``mini_batch_size``, ``optimizer``
    (a name in any case: 'SGD', 'Adam', ...), ``optimizer_param`` (default {'lr': 0.01}),
    ``evaluate_sample_num_per_epoch`` (how many training images the accuracy of each
    epoch looks at; None: all), ``verbose``; and ``seed`` (None: drawn from np.random).

    ``train()`` runs ``max_iter = epochs * iter_per_epoch`` iterations (``train_step``).
    Each updates the parameters on one mini-batch and appends that batch's loss, measured
    after the update, to ``train_loss_list``. After the first iteration of every epoch
    (iterations 1, iter_per_epoch + 1, ...) the accuracies are appended to
    ``train_acc_list`` and ``test_acc_list``: their first entries are those of a network
    trained on one batch, as in the book. At the end, with ``verbose``, the accuracy on the
    whole test set is printed under "Final Test Accuracy".

    Unlike the book (docs/book.md): an epoch is a fresh permutation of the training set,
    ``iter_per_epoch = ceil(N / mini_batch_size)`` batches, every image once (the last
    batch possibly smaller), not draws with replacement; the training sample is a fixed
    random one and the test set is evaluated whole; ``verbose`` shows a progress bar with
    the loss instead of a line per iteration.
    """

    def __init__(self, network, x_train, t_train, x_test, t_test, epochs=20,
                 mini_batch_size=100, optimizer="SGD", optimizer_param=None,
                 evaluate_sample_num_per_epoch=None, verbose=True, seed=None):
        for name, x, t in (("train", x_train, t_train), ("test", x_test, t_test)):
            if np.ndim(x) < 2 or np.shape(t)[:1] != np.shape(x)[:1]:
                raise ValueError(f"x_{name} (N, ...) and t_{name} (N,) or (N, C) must have the "
                                 f"same number of samples, got shapes {np.shape(x)} and "
                                 f"{np.shape(t)}")
        if not isinstance(optimizer, str):
            raise TypeError(f"optimizer must be a name such as 'SGD' or 'Adam', got "
                            f"{type(optimizer).__name__}")
        self.network = network
        self.x_train, self.t_train, self.x_test, self.t_test = x_train, t_train, x_test, t_test
        self.epochs = check_count("epochs", epochs)
        self.batch_size = check_count("mini_batch_size", mini_batch_size)
        self.optimizer = make_optimizer(optimizer.lower(), **(optimizer_param or {"lr": 0.01}))
        self.verbose = verbose
        self.rng = np.random.default_rng(book_seed(seed))

        self.train_size = x_train.shape[0]
        self.iter_per_epoch = math.ceil(self.train_size / self.batch_size)
        self.max_iter = self.epochs * self.iter_per_epoch
        self.current_iter = 0
        self.current_epoch = 0
        self.evaluate_sample_num_per_epoch = count = evaluate_sample_num_per_epoch
        if count is None or check_count("evaluate_sample_num_per_epoch", count) >= self.train_size:
            self.train_sample = np.arange(self.train_size)
        else:
            self.train_sample = np.sort(self.rng.choice(self.train_size, count, replace=False))
        self.order = None
        self.bar = None

        self.train_loss_list = []
        self.train_acc_list = []
        self.test_acc_list = []

    def train_step(self):
        """One iteration: update on the next mini-batch, record its loss (after the update);
        after an epoch's first iteration, record the accuracies."""
        position = self.current_iter % self.iter_per_epoch
        if position == 0:
            self.order = self.rng.permutation(self.train_size)
        batch = self.order[position * self.batch_size:(position + 1) * self.batch_size]
        dtype = self.network.params["W1"].dtype
        x_batch = np.asarray(self.x_train[batch], dtype=dtype)
        t_batch = self.t_train[batch]

        grads = self.network.gradient(x_batch, t_batch)
        self.optimizer.update(self.network.params, grads)
        loss = float(to_numpy(self.network.loss(x_batch, t_batch)))
        if not math.isfinite(loss):
            raise TrainingDiverged(f"the loss became {loss} at iteration {self.current_iter + 1};"
                                   f" the learning rate {self.optimizer.lr} is probably too "
                                   "large: try a smaller one (for example ten times smaller)")
        self.train_loss_list.append(loss)
        if self.bar is not None:
            self.bar.update(1)
            self.bar.set_postfix(loss=f"{loss:.4f}", refresh=False)

        if position == 0:
            self.current_epoch += 1
            sample = self.train_sample
            train_acc = accuracy_in_chunks(self.network, self.x_train[sample],
                                           self.t_train[sample])
            test_acc = accuracy_in_chunks(self.network, self.x_test, self.t_test)
            self.train_acc_list.append(train_acc)
            self.test_acc_list.append(test_acc)
            self.say(f"=== epoch:{self.current_epoch}, train acc:{train_acc}, "
                     f"test acc:{test_acc} ===")
        self.current_iter += 1

    def train(self):
        """Run every iteration, then print the test accuracy on the whole test set."""
        with tqdm(total=self.max_iter, unit="batch", leave=False,
                  disable=not self.verbose) as self.bar:
            for _ in range(self.max_iter):
                self.train_step()
        self.bar = None
        test_acc = accuracy_in_chunks(self.network, self.x_test, self.t_test)
        self.say("=============== Final Test Accuracy ===============")
        self.say(f"test acc:{test_acc}")

    def say(self, message):
        if self.verbose:
            tqdm.write(message)


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
    order = np.random.default_rng(book_seed(seed)).permutation(x.shape[0])
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
