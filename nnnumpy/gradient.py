"""Numerical derivatives by central differences, and gradient descent built on them.

These are the slow, obvious way to get a gradient: nudge one number at a time
and watch the function change. Backpropagation (``layers.py``) gets the same
numbers in one backward pass; ``gradcheck.py`` compares the two.
"""

import numpy as np

from .backend import is_cupy_array

DEFAULT_H = 1e-4


def numerical_diff(f, x, h=DEFAULT_H):
    """df/dx at a scalar x by central differences: (f(x + h) - f(x - h)) / 2h.

    The error is O(h^2), against O(h) for the forward difference (f(x + h) - f(x)) / h.
    """
    _check_h(h)
    return (f(x + h) - f(x - h)) / (2 * h)


def numerical_gradient(f, x, h=DEFAULT_H):
    """Gradient of a scalar function f at the array x, one entry at a time.

    grad[i] = (f(x + h e_i) - f(x - h e_i)) / 2h for every index i of x.

    x: a float64 NumPy array of any shape; it is perturbed *in place* (so that f may
    read it through a shared reference, as a network reads its weights) and each
    entry is restored afterwards, even if f raises. Returns an array shaped like x.
    Costs two evaluations of f per entry of x: this is the lesson of why
    backpropagation matters.
    """
    _check_h(h)
    if is_cupy_array(x):
        raise TypeError("numerical_gradient runs on the host: x must be a NumPy array, "
                        "got a CuPy array (bring it back with nnnumpy.backend.to_numpy)")
    if not isinstance(x, np.ndarray) or not np.issubdtype(x.dtype, np.floating):
        raise TypeError("x must be a NumPy array of floats (it is perturbed in place), "
                        f"got {type(x).__name__} with dtype {getattr(x, 'dtype', None)}")
    if x.dtype.itemsize < 8:
        raise TypeError(f"numerical_gradient needs float64: x is {x.dtype}, in which x + h "
                        f"is itself rounded (h = {h} against a spacing of "
                        f"{np.spacing(x.dtype.type(1))} at 1), so the differences would be "
                        "off or zero. Pass x.astype(np.float64).")
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        grad[index] = central_difference_at(f, x, index, h)
    return grad


def central_difference_at(f, x, index, h=DEFAULT_H):
    """(f(x + h e_index) - f(x - h e_index)) / 2h for one entry of x, perturbed in place.

    The entry is restored afterwards, even if f raises.
    """
    original = x[index]
    try:
        x[index] = original + h
        f_plus = f(x)
        x[index] = original - h
        f_minus = f(x)
    finally:
        x[index] = original
    return (f_plus - f_minus) / (2 * h)


def gradient_descent(f, init_x, lr=0.01, step_num=100, return_history=False):
    """Minimise f by x <- x - lr * grad f(x), the gradient taken numerically.

    init_x: array of any shape (copied as float64, never modified).
    Returns x after ``step_num`` steps, or ``(x, history)`` with
    ``return_history=True``, where history: (step_num + 1, *x.shape) holds the
    starting point and every step's result.
    """
    if not isinstance(step_num, (int, np.integer)) or step_num < 0:
        raise ValueError(f"step_num must be a non-negative integer, got {step_num!r}")
    if not np.isfinite(lr) or lr <= 0:
        raise ValueError(f"lr must be a positive finite number, got {lr!r}")
    x = np.array(init_x, dtype=np.float64)
    history = [x.copy()]
    for _ in range(step_num):
        x -= lr * numerical_gradient(f, x)
        history.append(x.copy())
    if return_history:
        return x, np.array(history)
    return x


def _check_h(h):
    if not np.isfinite(h) or h <= 0:
        raise ValueError(f"h must be a positive finite step, got {h!r}")
