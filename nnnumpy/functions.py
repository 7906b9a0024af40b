"""Stateless math: activations, softmax and the losses.

Every function works on NumPy and CuPy arrays alike (``xp = get_array_module(x)``).
Labels ``t`` may be class indices ``(N,)`` or one-hot ``(N, C)`` wherever a loss
takes them.
"""

from .backend import get_array_module


def sigmoid(x):
    """sigma(x) = 1 / (1 + exp(-x)), stable for large |x|.

    With e = exp(-|x|) (which never overflows):
    sigma(x) = 1 / (1 + e) for x >= 0 and e / (1 + e) for x < 0.
    """
    xp = get_array_module(x)
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_grad(x):
    """d sigma / dx = sigma(x) (1 - sigma(x))."""
    y = sigmoid(x)
    return y * (1 - y)


def relu(x):
    """relu(x) = max(0, x)."""
    xp = get_array_module(x)
    return xp.maximum(x, 0)


def relu_grad(x):
    """d relu / dx = 1 where x > 0, else 0 (0 at the kink x = 0, as the ReLU layer does)."""
    return (x > 0).astype(x.dtype)


def step_function(x):
    """step(x) = 1 where x > 0, else 0, as integers: the perceptron's activation."""
    xp = get_array_module(x)
    return (xp.asarray(x) > 0).astype(xp.int64)


def identity_function(x):
    """identity(x) = x: the output activation of a regression network."""
    return x


def leaky_relu(x, alpha=0.01):
    """leaky_relu(x) = x for x > 0, alpha * x otherwise."""
    xp = get_array_module(x)
    return xp.where(x > 0, x, alpha * x)


def tanh(x):
    """tanh(x) = (exp(x) - exp(-x)) / (exp(x) + exp(-x))."""
    xp = get_array_module(x)
    return xp.tanh(x)


def softplus(x):
    """softplus(x) = log(1 + exp(x)), stable for large |x|."""
    xp = get_array_module(x)
    return xp.logaddexp(0, x)


def log_softmax(x):
    """log softmax(x)_k = x_k - max(x) - log(sum_j exp(x_j - max(x))), along the last axis.

    x: (C,) or (N, C). Subtracting the max first keeps every exp() <= 1.
    """
    xp = get_array_module(x)
    shifted = x - x.max(axis=-1, keepdims=True)
    return shifted - xp.log(xp.exp(shifted).sum(axis=-1, keepdims=True))


def softmax(x):
    """softmax(x)_k = exp(x_k - max(x)) / sum_j exp(x_j - max(x)), along the last axis.

    x: (C,) or (N, C); returns the same shape, each row summing to 1.
    """
    xp = get_array_module(x)
    exp_shifted = xp.exp(x - x.max(axis=-1, keepdims=True))
    return exp_shifted / exp_shifted.sum(axis=-1, keepdims=True)


def one_hot(t, num_classes, dtype=None):
    """Class indices t: (N,) -> one-hot (N, num_classes) (float64 unless ``dtype``)."""
    xp = get_array_module(t)
    encoded = xp.zeros((t.shape[0], num_classes), dtype=dtype or "float64")
    encoded[xp.arange(t.shape[0]), t] = 1
    return encoded


def is_one_hot(t, y):
    """True when labels ``t`` have one entry per class of ``y`` (one-hot or soft labels)."""
    return t.ndim == y.ndim


def as_batch(y, t):
    """Turn a single sample (y: (C,)) into a batch of one (y: (1, C)), t to match."""
    xp = get_array_module(y)
    t = xp.asarray(t)
    if y.ndim == 1:
        y = y.reshape(1, -1)
        t = t.reshape(1, -1) if t.ndim == 1 and t.size == y.size else t.reshape(1)
    return y, t


def softmax_cross_entropy(x, t):
    """Mean cross-entropy of softmax(x) against labels t, computed exactly from log_softmax.

    L = -(1/N) sum_n log softmax(x_n)[t_n]. x: (N, C) scores or (C,); t: (N,) or (N, C).
    """
    x, t = as_batch(x, t)
    log_y = log_softmax(x)
    return cross_entropy_from_log(log_y, t)


def cross_entropy_error(y, t):
    """Mean cross-entropy of probabilities y against labels t.

    L = -(1/N) sum_n log y_n[t_n]. y: (N, C) probabilities or (C,); t: (N,) indices or
    (N, C) one-hot. A probability of exactly 0 is clipped to the smallest positive
    float, so the loss is large but finite; no epsilon changes any other value.
    """
    xp = get_array_module(y)
    y, t = as_batch(y, t)
    log_y = xp.log(xp.maximum(y, xp.finfo(y.dtype).tiny))
    return cross_entropy_from_log(log_y, t)


def cross_entropy_from_log(log_y, t):
    """L = -(1/N) sum_n log_y[n, t_n] from log-probabilities log_y: (N, C); t: (N,) or (N, C).

    With one-hot (or soft) labels, L = -(1/N) sum_n sum_k t[n, k] log_y[n, k].
    """
    xp = get_array_module(log_y)
    n = log_y.shape[0]
    if is_one_hot(t, log_y):
        return -(t * log_y).sum() / n
    return -log_y[xp.arange(n), t].sum() / n


def mean_squared_error(y, t):
    """L = (1/2N) sum_n ||y_n - t_n||^2 (the textbook's 1/2 sum, averaged over the batch).

    y: (N, C) or (C,); t: same shape, or class indices (N,) turned into one-hot.
    """
    y, t = as_batch(y, t)
    if not is_one_hot(t, y):
        t = one_hot(t, y.shape[1], dtype=y.dtype)
    # NumPy 1.x turns a float32 scalar divided by a Python int into float64: keep y's dtype
    return (0.5 * ((y - t) ** 2).sum() / y.shape[0]).astype(y.dtype, copy=False)


def sum_squared_error(y, t):
    """E = (1/2) sum_k (y_k - t_k)^2, summed over every entry (no average over the batch).

    y, t: arrays of the same shape. ``mean_squared_error`` divides this by the batch size.
    """
    return 0.5 * ((y - t) ** 2).sum()


def binary_cross_entropy(p, t):
    """L = -(1/N) sum [t log p + (1 - t) log(1 - p)] for probabilities p and targets t in {0, 1}.

    p, t: (N,) or (N, K). Probabilities of exactly 0 or 1 are clipped to the nearest
    representable value inside (0, 1).
    """
    xp = get_array_module(p)
    tiny = xp.finfo(p.dtype).tiny
    log_p = xp.log(xp.maximum(p, tiny))
    log_1mp = xp.log(xp.maximum(1 - p, tiny))
    return -(t * log_p + (1 - t) * log_1mp).sum() / p.shape[0]
