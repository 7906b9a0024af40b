"""Layers with hand-written forward and backward passes.

The protocol every layer follows (and a student's own layer can follow too):

- ``forward(x)`` returns the output and caches what ``backward`` needs;
- ``backward(dout)`` takes dL/d(out) and returns dL/dx; a layer with parameters
  (attributes named as in the math, ``W``, ``b``) also stores their gradients as
  ``dW``, ``db``. ``backward`` never modifies ``dout``.
- Loss layers: ``forward(x, t)`` returns the scalar loss, ``backward(dout=1)`` returns dx.

Every layer works on NumPy and CuPy arrays alike.
"""

from .backend import get_array_module
from .functions import cross_entropy_from_log, is_one_hot, log_softmax, one_hot, sigmoid


class Affine:
    """Fully connected layer: out = x W + b.

    x: (N, D), or (N, d1, d2, ...) flattened to (N, D); W: (D, M); b: (M,); out: (N, M).
    Backward: dW = x^T dout, db = sum_n dout_n, dx = dout W^T (reshaped like x).

    ``W`` and ``b`` are used as given, not copied: a network's ``params`` dict holds
    the same arrays, so an optimizer updating ``params`` in place updates this layer.
    Set ``compute_dx = False`` on a network's first layer, whose dx nobody needs.
    """

    def __init__(self, W, b):
        if getattr(W, "ndim", None) != 2:
            raise ValueError(f"W must be a 2-D array (D, M), got shape {getattr(W, 'shape', W)}")
        if getattr(b, "shape", None) != (W.shape[1],):
            raise ValueError(f"b must have shape ({W.shape[1]},) to match W {W.shape}, "
                             f"got {getattr(b, 'shape', b)}")
        self.W = W
        self.b = b
        self.dW = None
        self.db = None
        self.compute_dx = True
        self.x = None
        self.x_shape = None

    def forward(self, x):
        self.x_shape = x.shape
        self.x = x.reshape(x.shape[0], -1)
        return self.x @ self.W + self.b

    def backward(self, dout):
        self.dW = self.x.T @ dout
        self.db = dout.sum(axis=0)
        if not self.compute_dx:
            return None
        return (dout @ self.W.T).reshape(self.x_shape)


class ReLU:
    """out = max(0, x); dx = dout where x > 0, else 0. x: any shape."""

    def __init__(self):
        self.mask = None

    def forward(self, x):
        self.mask = x > 0
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

    x: (N, C) scores; t: (N,) class indices or (N, C) one-hot. The loss comes from
    log_softmax exactly (no log(y + eps)). Backward: dx = (softmax(x) - onehot(t)) / N.
    """

    def __init__(self):
        self.y = None
        self.t = None
        self.loss = None

    def forward(self, x, t):
        xp = get_array_module(x)
        log_y = log_softmax(x)
        self.y = xp.exp(log_y)
        self.t = t
        self.loss = cross_entropy_from_log(log_y, t)
        return self.loss

    def backward(self, dout=1):
        xp = get_array_module(self.y)
        n = self.y.shape[0]
        if is_one_hot(self.t, self.y):
            dx = self.y - self.t
        else:
            # y - onehot(t) without building onehot(t): subtract 1 at each label.
            dx = self.y.copy()
            dx[xp.arange(n), self.t] -= 1
        dx *= dout / n
        return dx


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
        return 0.5 * (self.diff ** 2).sum() / y.shape[0]

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
        xp = get_array_module(x)
        self.y = sigmoid(x)
        self.t = t
        return (xp.logaddexp(0, x) - t * x).sum() / x.shape[0]

    def backward(self, dout=1):
        return (self.y - self.t) * (dout / self.y.shape[0])
