"""What every network shares: layers applied in order, a loss layer, a params dict.

A subclass's constructor fills

- ``self.params``: dict of arrays keyed ``'W1', 'b1', ...``, the trained parameters;
- ``self.buffers``: dict of arrays that are kept but not trained (batch norm's
  running averages), ``{}`` for most networks;

and then calls ``self.build_layers()``, which makes from those arrays

- ``self.layers``: dict of layers in the order ``predict`` applies them;
- ``self.last_layer``: the loss layer.

After a backward pass, ``layer_gradients()`` reads each parameter's gradient from its
layer (``layers['Affine1'].dW`` is the gradient of ``params['W1']``).

``params`` and the layers hold the *same* arrays: an optimizer that updates
``params`` in place (``params['W1'] -= lr * grads['W1']``) trains the network.
Assigning a new array to ``params['W1']`` does not reach the layer; update in place.
"""

import copy
import math

import numpy as np

from ..backend import get_array_module, is_cupy_array, to_backend, to_numpy
from ..checks import (
    as_class_indices,
    check_labels,
    check_not_empty,
    check_real_data,
    is_finite_number,
)
from ..gradient import DEFAULT_H, numerical_gradient
from ..layers import LeakyReLU, ReLU, Sigmoid, Tanh

ACTIVATIONS = {"relu": ReLU, "sigmoid": Sigmoid, "tanh": Tanh, "leaky_relu": LeakyReLU}


def make_activation(name):
    """A fresh activation layer from its name: relu, sigmoid, tanh or leaky_relu."""
    if name not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {name!r}")
    return ACTIVATIONS[name]()


def weight_std(weight_init_std, fan_in):
    """Standard deviation of a layer's initial weights.

    ``"he"``: sqrt(2 / fan_in), for ReLU (the same as "Kaiming", PyTorch's
    ``kaiming_normal_``); ``"xavier"``: sqrt(1 / fan_in), for sigmoid and tanh (LeCun's
    form, the textbook's "Xavier"; Glorot's own is sqrt(2 / (fan_in + fan_out)), equal
    for square layers); a positive finite number, Python's or NumPy's: that number (the
    textbook's 0.01).
    """
    name = weight_init_std.lower() if isinstance(weight_init_std, str) else None
    if name == "he":
        return np.sqrt(2.0 / fan_in)
    if name == "xavier":
        return np.sqrt(1.0 / fan_in)
    if name is None and is_finite_number(weight_init_std) and weight_init_std > 0:
        return float(weight_init_std)
    raise ValueError(f"weight_init_std must be 'he', 'xavier' or a positive finite number, "
                     f"got {weight_init_std!r}")


def init_affine_params(rng, fan_in, fan_out, weight_init_std, dtype):
    """W: (fan_in, fan_out) ~ N(0, std^2), b: (fan_out,) = 0, on the current backend.

    Drawn on the host from ``rng`` (a numpy.random.Generator) and then moved, so a
    seed gives the same initial network on NumPy and on CuPy.
    """
    std = weight_std(weight_init_std, fan_in)
    W = (std * rng.standard_normal((fan_in, fan_out))).astype(dtype)
    b = np.zeros(fan_out, dtype=dtype)
    return to_backend(W), to_backend(b)


def check_size(name, value):
    """A layer size must be a positive integer."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def check_float_dtype(dtype):
    """The parameters' dtype: float32 or float64."""
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64, got {dtype}")
    return dtype


class Network:
    """Base class: predict, loss, accuracy and both gradients over ``self.layers``.

    ``input_dim`` is the shape of one sample as the first layer takes it: None for
    vectors (Affine flattens whatever comes), (C, H, W) for images, to which a flat
    (N, C * H * W) batch is reshaped.
    """

    input_size = None
    output_size = None
    input_dim = None

    def build_layers(self):
        """Make ``self.layers`` and ``self.last_layer`` from ``params`` and ``buffers``."""
        raise NotImplementedError

    def layer_gradients(self):
        """The gradients the last backward pass left in the layers, keyed like ``params``."""
        raise NotImplementedError

    def predict(self, x, train=False):
        """Class scores (before softmax). x: (N, input_size) or (N, ...); returns (N, C).

        ``train`` is passed to the layers that behave differently in training
        (dropout, batch norm); the others ignore it. An x that does not fit (an empty
        batch, the wrong shape, complex numbers) is a ValueError or TypeError naming it.
        """
        self.check_input(x)
        return self.forward(x, train)

    def forward(self, x, train=False):
        """``predict`` without the input checks: the inner loops' version."""
        if self.input_dim is not None:
            x = x.reshape(x.shape[0], *self.input_dim)
        for layer in self.layers.values():
            if getattr(layer, "train_dependent", False):
                x = layer.forward(x, train)
            else:
                x = layer.forward(x)
        return x

    def loss(self, x, t, train=False):
        """Mean cross-entropy loss of the batch (plus any regularisation term).

        x: (N, input_size); t: (N,) class indices or (N, C) one-hot. Returns a 0-d array.
        """
        t = self.check_batch(x, t)
        return self.forward_loss(x, t, train)

    def forward_loss(self, x, t, train):
        """``loss`` without the input checks: the inner loops' version."""
        scores = self.forward(x, train)
        return self.last_layer.forward(scores, t) + self.regularization_loss()

    def regularization_loss(self):
        """Extra loss terms such as weight decay; none in the base network."""
        return 0.0

    def accuracy(self, x, t):
        """Fraction of samples whose highest score is their label, as a Python float.

        Every sample counts: accuracy = (number correct) / N. Evaluated in test mode
        (dropout off, batch norm with its running averages).
        """
        t = self.check_batch(x, t)
        xp = get_array_module(x)
        predicted = self.forward(x).argmax(axis=1)   # test mode, as predict's default
        labels = t.argmax(axis=1) if t.ndim == 2 else t
        return to_numpy(xp.count_nonzero(predicted == labels)) / x.shape[0]

    def gradient(self, x, t):
        """Gradients of the loss by backpropagation: dict with the keys of ``params``.

        One forward pass caches what each layer needs; one backward pass, from the
        loss back to the input, turns dL/d(out) into dL/dx and the parameter gradients.
        The arrays are the caller's own: a later call does not change them.
        """
        t = self.check_batch(x, t)
        _, grads = self.loss_and_gradient(x, t)
        return {key: grad.copy() for key, grad in grads.items()}

    def loss_and_gradient(self, x, t):
        """``(loss, gradients)`` from one forward pass: a training step's fast path.

        No input checks, and the gradients are the layers' own arrays (``dW``), which
        the next call overwrites: use them at once (an optimizer step), or call
        ``gradient`` to keep them.
        """
        loss = self.forward_loss(x, t, train=True)
        dout = self.last_layer.backward(1)
        for layer in reversed(list(self.layers.values())):
            dout = layer.backward(dout)
        grads = self.layer_gradients()
        self.add_regularization_gradient(grads)
        return loss, grads

    def add_regularization_gradient(self, grads):
        """Add the gradient of ``regularization_loss`` to ``grads``; nothing here."""

    def numerical_gradient(self, x, t, method="loop", h=DEFAULT_H):
        """Gradients of the loss by central differences, one parameter entry at a time.

        Same keys and shapes as ``gradient``, in the network's dtype and on its device.
        Works on any network: the differences are taken on a float64 copy of it on the
        host (in float32, x + h itself is rounded and the differences have errors near
        1e-2), which also leaves the network's own state (batch norm's running
        averages) untouched. Gradient *checks* still want a float64 network, so that
        backpropagation is exact enough to compare.
        ``method="loop"`` is the textbook loop (``nnnumpy.gradient.numerical_gradient``
        over every parameter); networks that know a faster way to evaluate the same
        central differences offer it as ``method="fast"``.
        """
        t = self.check_batch(x, t)
        if method not in ("loop", "fast"):
            raise ValueError(f"method must be 'loop' or 'fast', got {method!r}")
        twin = self.float64_copy()
        x = np.asarray(to_numpy(x), dtype=np.float64)
        t = to_numpy(t)
        t = t if t.ndim == 1 else t.astype(np.float64)
        if method == "fast":
            grads = twin.fast_numerical_gradient(x, t, h)
        else:
            def loss_at(_):
                return float(twin.forward_loss(x, t, train=True))

            grads = {key: numerical_gradient(loss_at, param, h)
                     for key, param in twin.params.items()}
        xp = get_array_module(self.params["W1"])
        return {key: xp.asarray(grad.astype(self.params[key].dtype))
                for key, grad in grads.items()}

    def fast_numerical_gradient(self, x, t, h):
        raise NotImplementedError(f"{type(self).__name__} has no fast numerical gradient; "
                                  "use method='loop'")

    def float64_copy(self):
        """An independent copy of the network on the host in float64.

        A float64 NumPy network is copied with its layers as they are (a dropout layer
        keeps a fixed mask); any other is moved, and its layers are built anew.
        """
        twin = copy.deepcopy(self)
        if any(not isinstance(p, np.ndarray) or p.dtype != np.float64
               for p in twin.params.values()):
            twin.move_arrays(lambda array: np.asarray(to_numpy(array), dtype=np.float64))
            twin.dtype = np.dtype(np.float64)
        return twin

    def check_batch(self, x, t):
        """x as ``check_input`` wants it, and labels t that fit it, on the parameters' device.

        Returns t as the loss layer takes it: whole-number float class indices (read from
        a text file, say) as int64, the same classes the checks accepted them as.
        """
        self.check_input(x)
        self.check_device("t", t)
        self.check_label_shape(x, t)
        check_labels("t", t, self.output_size)
        return as_class_indices(t)

    def check_input(self, x):
        """x: N >= 1 samples of input_size real numbers each, where the parameters are."""
        self.check_device("x", x)
        self.check_input_shape(x)
        check_real_data("x", x)

    def check_device(self, name, array):
        """A clear error for a NumPy batch given to a network on the GPU, or the reverse."""
        on_gpu = is_cupy_array(self.params["W1"])
        if on_gpu and not is_cupy_array(array):
            raise TypeError(f"{name} is a NumPy array but the network's parameters are on "
                            f"the GPU (CuPy): move it with cupy.asarray({name}), or bring "
                            "the network back with net.to_cpu()")
        if is_cupy_array(array) and not on_gpu:
            raise TypeError(f"{name} is a CuPy array but the network's parameters are "
                            f"NumPy arrays: bring it back with nnnumpy.backend.to_numpy"
                            f"({name}), or move the network with net.to_gpu()")

    def check_shapes(self, x, t):
        """x: (N, input_size) or (N, ...) of that many features, N >= 1; t: (N,) or (N, C)."""
        self.check_input_shape(x)
        self.check_label_shape(x, t)

    def check_input_shape(self, x):
        """x: (N, input_size), or (N, ...) of that many features, with N >= 1.

        An image network (``input_dim`` (C, H, W) with C > 1) takes (N, C, H, W) or
        (N, C * H * W) only, since any other order of the axes would mix the channels up.
        """
        if getattr(x, "ndim", 0) < 2 or math.prod(x.shape[1:]) != self.input_size:
            raise ValueError(f"x must have shape (N, {self.input_size}), "
                             f"got {getattr(x, 'shape', type(x).__name__)}")
        check_not_empty("x", x)
        if self.input_dim is None or self.input_dim[0] == 1 \
                or x.shape[1:] in (self.input_dim, (self.input_size,)):
            return
        channels, height, width = self.input_dim
        if x.shape[1:] == (height, width, channels):
            raise ValueError(f"x has shape {x.shape}: channels last (N, H, W, C); the network "
                             f"takes images (N, C, H, W) = (N, {channels}, {height}, {width}): "
                             "transpose with x.transpose(0, 3, 1, 2)")
        raise ValueError(f"x must have shape (N, {channels}, {height}, {width}) or "
                         f"(N, {self.input_size}), got {x.shape}")

    def check_label_shape(self, x, t):
        """t: (N,) class indices or (N, output_size) one-hot rows, N as in x."""
        n = x.shape[0]
        if getattr(t, "shape", None) not in ((n,), (n, self.output_size)):
            raise ValueError(f"t must have shape ({n},) (class indices) or "
                             f"({n}, {self.output_size}) (one-hot) to match x {x.shape}, "
                             f"got {getattr(t, 'shape', type(t).__name__)}")

    def to_gpu(self):
        """Move every parameter and buffer to the GPU (CuPy); returns the network."""
        from ..backend import _import_cupy

        return self.move_arrays(_import_cupy().asarray)

    def to_cpu(self):
        """Move every parameter and buffer to the host (NumPy); returns the network."""
        return self.move_arrays(lambda array: np.asarray(to_numpy(array)))

    def move_arrays(self, move):
        """Replace each array of ``params`` and ``buffers`` by ``move(array)``, then build
        the layers anew around the moved arrays."""
        for arrays in (self.params, self.buffers):
            for key in arrays:
                arrays[key] = move(arrays[key])
        self.build_layers()
        return self
