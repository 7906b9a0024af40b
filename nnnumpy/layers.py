"""Layers with hand-written forward and backward passes.

The protocol every layer follows (and a student's own layer can follow too):

- ``forward(x)`` returns the output and caches what ``backward`` needs;
- ``backward(dout)`` takes dL/d(out) and returns dL/dx; a layer with parameters
  (attributes named as in the math, ``W``, ``b``) also stores their gradients as
  ``dW``, ``db``. ``backward`` never modifies ``dout``.
- A layer that behaves differently in training (dropout, batch norm) takes
  ``forward(x, train=True)`` and says so with the class attribute ``train_dependent = True``,
  so that a network knows to pass ``train`` on.
- Loss layers: ``forward(x, t)`` returns the scalar loss, ``backward(dout=1)`` returns dx.

One exception, asked for by name: ``Affine(W, b, compute_dx=False)`` returns None from
``backward``. A network's first layer is built so, since nobody needs the gradient of
the images, and skipping it saves a third of that layer's matrix products.

Every layer works on NumPy and CuPy arrays alike.
"""

import numpy as np

from .backend import get_array_module
from .checks import check_real_number, is_finite_number
from .functions import (
    cross_entropy_from_log,
    is_one_hot,
    log_softmax,
    one_hot,
    sigmoid,
    softplus,
)


class Affine:
    """Fully connected layer: out = x W + b.

    x: (N, D), or (N, d1, d2, ...) flattened to (N, D); W: (D, M); b: (M,); out: (N, M).
    Backward: dx = dout W^T (reshaped like x), dW = x^T dout, db = sum_n dout_n.

    ``b=None`` makes a layer without bias, out = x W (used before batch norm, which
    would cancel any bias). ``compute_dx=False`` skips dx (backward returns None), for
    a network's first layer. ``W`` and ``b`` are used as given, not copied: a network's
    ``params`` dict holds the same arrays, so an optimizer updating ``params`` in place
    updates this layer.
    """

    def __init__(self, W, b=None, compute_dx=True):
        if getattr(W, "ndim", None) != 2:
            raise ValueError(f"W must be a 2-D array (D, M), got shape {getattr(W, 'shape', W)}")
        if b is not None and getattr(b, "shape", None) != (W.shape[1],):
            raise ValueError(f"b must have shape ({W.shape[1]},) to match W {W.shape}, "
                             f"got {getattr(b, 'shape', b)}")
        self.W = W
        self.b = b
        self.compute_dx = compute_dx
        self.dW = None
        self.db = None
        self.x = None
        self.x_shape = None

    def forward(self, x):
        self.x_shape = x.shape
        self.x = x.reshape(x.shape[0], -1)
        out = self.x @ self.W
        if self.b is not None:
            out += self.b
        return out

    def backward(self, dout):
        self.dW = self.x.T @ dout
        if self.b is not None:
            self.db = dout.sum(axis=0)
        if not self.compute_dx:
            return None
        return (dout @ self.W.T).reshape(self.x_shape)


class ReLU:
    """out = max(0, x); dx = dout where x > 0, else 0. x: any shape.

    ``mask`` is ReLU's derivative, 1 where x > 0 and 0 elsewhere, in the dtype of x:
    out = x * mask and dx = dout * mask (a product of two float arrays is one of
    NumPy's fastest loops; a float times a bool array converts as it goes).
    """

    def __init__(self):
        self.mask = None

    def forward(self, x):
        self.mask = (x > 0).astype(x.dtype)
        return x * self.mask

    def backward(self, dout):
        return dout * self.mask


class LeakyReLU:
    """out = x where x > 0, else alpha x; dx = dout * (1 or alpha). x: any shape."""

    def __init__(self, alpha=0.01):
        if not 0 <= alpha < 1:
            raise ValueError(f"alpha must be in [0, 1), got {alpha!r}")
        self.alpha = alpha
        self.slope = None

    def forward(self, x):
        xp = get_array_module(x)
        self.slope = xp.where(x > 0, 1, self.alpha).astype(x.dtype)
        return x * self.slope

    def backward(self, dout):
        return dout * self.slope


class Sigmoid:
    """out = 1 / (1 + exp(-x)); dx = dout * out * (1 - out). x: any shape."""

    def __init__(self):
        self.out = None

    def forward(self, x):
        self.out = sigmoid(x)
        return self.out

    def backward(self, dout):
        return dout * self.out * (1 - self.out)


class Tanh:
    """out = tanh(x); dx = dout * (1 - out^2). x: any shape."""

    def __init__(self):
        self.out = None

    def forward(self, x):
        xp = get_array_module(x)
        self.out = xp.tanh(x)
        return self.out

    def backward(self, dout):
        return dout * (1 - self.out ** 2)


class SoftmaxWithLoss:
    """Softmax followed by cross-entropy: L = -(1/N) sum_n log softmax(x_n)[t_n].

    x: (N, C) scores; t: (N,) class indices or (N, C) one-hot.
    Backward: dx = (softmax(x) - onehot(t)) / N.
    The loss is taken from log_softmax (x - max - log sum exp), exact even where a
    probability underflows to 0; no log(y + eps).
    """

    def __init__(self):
        self.y = None
        self.t = None

    def forward(self, x, t):
        xp = get_array_module(x)
        log_y = log_softmax(x)
        self.y = xp.exp(log_y)   # softmax(x), kept for backward
        self.t = t
        return cross_entropy_from_log(log_y, t)

    def backward(self, dout=1):
        n, classes = self.y.shape
        t = self.t if is_one_hot(self.t, self.y) else one_hot(self.t, classes, self.y.dtype)
        return (self.y - t) * (dout / n)


class MeanSquaredErrorLoss:
    """L = (1/2N) sum_n ||y_n - t_n||^2; dx = (y - t) / N.

    y: (N, C); t: (N, C) targets, or (N,) class indices turned into one-hot.
    """

    def __init__(self):
        self.diff = None

    def forward(self, y, t):
        if not is_one_hot(t, y):
            t = one_hot(t, y.shape[1], dtype=y.dtype)
        self.diff = y - t
        # as functions.mean_squared_error: NumPy 1.x would return float64 for float32 y
        return (0.5 * (self.diff ** 2).sum() / y.shape[0]).astype(self.diff.dtype, copy=False)

    def backward(self, dout=1):
        return self.diff * (dout / self.diff.shape[0])


class SigmoidWithLoss:
    """Sigmoid followed by binary cross-entropy, from the logits x.

    L = (1/N) sum [log(1 + exp(x)) - t x], which equals
    -(1/N) sum [t log sigma(x) + (1 - t) log(1 - sigma(x))] without ever taking log(0).
    x, t: (N,) or (N, K) with targets t in {0, 1}. Backward: dx = (sigma(x) - t) / N.
    """

    def __init__(self):
        self.y = None
        self.t = None

    def forward(self, x, t):
        self.y = sigmoid(x)
        self.t = t
        return (softplus(x) - t * x).sum() / x.shape[0]

    def backward(self, dout=1):
        return (self.y - self.t) * (dout / self.y.shape[0])


class Dropout:
    """Inverted dropout: in training, out = x * mask / (1 - ratio), mask_i ~ Bernoulli(1 - ratio).

    At test time (train=False) out = x: the scaling at training time already keeps the
    expected activation the same. Backward: dx = dout * mask / (1 - ratio). x: any shape.
    Set ``fixed = True`` to reuse the last mask (for gradient checks, which need the
    same function at every evaluation).

    The mask is drawn on the host, from a NumPy generator, and copied to the device when
    x is a CuPy array: a seed then gives the same masks, and so the same run, on NumPy
    and on CuPy, which is what lets the tests compare the two backends number for
    number. The price, measured on this project's 2-core machine: drawing a mask takes
    0.05 ms for a (100, 100) batch of activations and 0.1 ms for (100, 200), small
    beside a GPU step of the course's networks, but 16 ms for (1000, 1000), where it
    would dominate a GPU step of a wide network. We keep the reproducibility; a wide
    dropout network on a GPU is where drawing on the device would pay.
    """

    train_dependent = True

    def __init__(self, dropout_ratio=0.5, seed=None):
        if not (is_finite_number(dropout_ratio) and 0 <= dropout_ratio < 1):
            raise ValueError(f"dropout_ratio must be in [0, 1), got {dropout_ratio!r}")
        self.dropout_ratio = dropout_ratio
        self.rng = np.random.default_rng(seed)
        self.fixed = False
        self.scaled_mask = None

    def forward(self, x, train=True):
        if not train:
            self.scaled_mask = None
            return x
        reuse = self.fixed and self.scaled_mask is not None and self.scaled_mask.shape == x.shape
        if not reuse:
            xp = get_array_module(x)
            keep = self.rng.random(x.shape) >= self.dropout_ratio   # drawn on the host
            scale = x.dtype.type(1 / (1 - self.dropout_ratio))
            self.scaled_mask = xp.asarray(keep.astype(x.dtype) * scale)
        return x * self.scaled_mask

    def backward(self, dout):
        if self.scaled_mask is None:
            return dout.copy()
        return dout * self.scaled_mask


class BatchNormalization:
    """Batch normalisation: out = gamma * (x - mu) / sqrt(var + eps) + beta.

    In training mu and var are the batch's mean and variance per feature, and running
    averages of them are kept (running = momentum * running + (1 - momentum) * batch);
    at test time (train=False) the running averages are used instead.
    x: (N, D), normalised per feature, or (N, C, H, W), normalised per channel;
    gamma, beta, running_mean, running_var: (D,) or (C,).
    Backward (training mode), with xn = (x - mu) / std, std = sqrt(var + eps):
    dbeta = sum dout, dgamma = sum dout * xn,
    dx = (gamma / std) * (dout - mean(dout) - xn * mean(dout * xn)).
    """

    train_dependent = True

    def __init__(self, gamma, beta, momentum=0.9, eps=1e-5, running_mean=None,
                 running_var=None):
        if getattr(gamma, "ndim", None) != 1 or getattr(beta, "shape", None) != gamma.shape:
            raise ValueError(f"gamma and beta must be 1-D arrays of the same shape, got "
                             f"{getattr(gamma, 'shape', gamma)} and {getattr(beta, 'shape', beta)}")
        if not 0 <= momentum < 1:
            raise ValueError(f"momentum must be in [0, 1), got {momentum!r}")
        xp = get_array_module(gamma)
        self.gamma, self.beta = gamma, beta
        self.momentum = momentum
        self.eps = check_real_number("eps", eps, 0, strictly=True)
        # Updated in place: a network that passes its own arrays sees them change.
        self.running_mean = xp.zeros_like(gamma) if running_mean is None else running_mean
        self.running_var = xp.ones_like(gamma) if running_var is None else running_var
        self.dgamma = self.dbeta = None
        self.xn = self.std = self.x_shape = None

    def forward(self, x, train=True):
        self.x_shape = x.shape
        x = self.to_rows(x)
        if train:
            mu = x.mean(axis=0)
            var = x.var(axis=0)
            self.running_mean *= self.momentum
            self.running_mean += (1 - self.momentum) * mu
            self.running_var *= self.momentum
            self.running_var += (1 - self.momentum) * var
        else:
            mu, var = self.running_mean, self.running_var
        self.std = (var + self.eps) ** 0.5
        self.xn = (x - mu) / self.std
        return self.from_rows(self.gamma * self.xn + self.beta)

    def backward(self, dout):
        dout = self.to_rows(dout)
        self.dbeta = dout.sum(axis=0)
        self.dgamma = (dout * self.xn).sum(axis=0)
        dx = (self.gamma / self.std) * (dout - dout.mean(axis=0)
                                        - self.xn * (dout * self.xn).mean(axis=0))
        return self.from_rows(dx)

    def to_rows(self, x):
        """(N, D) stays; (N, C, H, W) -> (N*H*W, C), one row per pixel, one column per channel."""
        if x.ndim == 2:
            return x
        return x.transpose(0, 2, 3, 1).reshape(-1, x.shape[1])

    def from_rows(self, rows):
        if len(self.x_shape) == 2:
            return rows
        n, c, h, w = self.x_shape
        return rows.reshape(n, h, w, c).transpose(0, 3, 1, 2)
