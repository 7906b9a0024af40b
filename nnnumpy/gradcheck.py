"""Gradient checking: does backward agree with central differences?

Reading the maximum relative error (in float64):
below 1e-7 the layer is right; 1e-7 to 1e-4 is suspicious unless the function
has kinks (ReLU at 0); above 1e-2 the backward pass is wrong.

Works on any layer that follows the protocol of ``nnnumpy.layers``, including a
student's own class, with nothing to register.
"""

import numpy as np

from .backend import to_numpy
from .gradient import numerical_gradient

LAYER_THRESHOLD = 1e-7
NETWORK_THRESHOLD = 1e-6
# The step of the central differences. Their error has two parts: truncation,
# about h^2 |f'''| / 6, and rounding, about eps |f| / h. In float64 (eps = 2e-16)
# the sum is smallest near h = 1e-5, about 100 times below the textbook's h = 1e-4.
CHECK_H = 1e-5


def rel_error(a, b):
    """max |a - b| / max(1e-8, |a| + |b|), elementwise, as a Python float."""
    a = np.asarray(to_numpy(a), dtype=np.float64)
    b = np.asarray(to_numpy(b), dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


class GradCheckReport:
    """Rows of (name, shape, max relative error); prints as a table.

    ``report.passed`` is True when every row is below ``threshold``;
    ``report.errors`` maps each name to its error.
    """

    def __init__(self, rows, threshold):
        self.rows = rows
        self.threshold = threshold

    @property
    def errors(self):
        return {name: error for name, _, error in self.rows}

    @property
    def passed(self):
        return all(error < self.threshold for _, _, error in self.rows)

    @property
    def worst(self):
        return max(error for _, _, error in self.rows)

    def __bool__(self):
        return self.passed

    def __str__(self):
        header = f"{'name':<10} {'shape':<14} {'max rel error':>13}"
        lines = [f"{header}  result (threshold {self.threshold:.0e})"]
        for name, shape, error in self.rows:
            verdict = "ok" if error < self.threshold else "FAIL"
            lines.append(f"{name:<10} {str(shape):<14} {error:>13.2e}  {verdict}")
        return "\n".join(lines)

    __repr__ = __str__


def find_params(layer, exclude=("x",)):
    """Names of a layer's parameters: each array attribute P with a gradient dP of its shape.

    Call after ``backward``, when the gradients exist. Cached inputs such as ``x``
    are excluded by name.
    """
    attributes = vars(layer)
    names = []
    for name, value in attributes.items():
        gradient = attributes.get("d" + name)
        if name in exclude or not hasattr(value, "shape") or not hasattr(gradient, "shape"):
            continue
        if gradient.shape == value.shape:
            names.append(name)
    return names


def check_layer(layer, x, *forward_args, params=None, threshold=LAYER_THRESHOLD,
                seed=0, h=CHECK_H):
    """Compare a layer's backward pass with numerical gradients.

    The layer's output is reduced to a scalar by a fixed random projection,
    f(x) = sum(forward(x) * R), so that dL/d(out) = R exercises every output.
    Then ``backward(R)`` must equal the numerical gradient of f with respect to x
    and to every parameter.

    layer: an object with forward(x, *forward_args) and backward(dout).
    x: float64 array (N, ...). forward_args: extra inputs such as labels t for a
    loss layer (not checked). params: the names of the parameters to check; by
    default every array attribute P that has a gradient dP after backward.
    Returns a GradCheckReport with rows 'x' and one per parameter.
    """
    _check_float64("x", x)
    x = x.copy()  # perturbed in place below; the caller's array stays untouched
    rng = np.random.default_rng(seed)
    out = layer.forward(x, *forward_args)
    # Magnitudes in [0.5, 1.5] with random signs: no output is ignored, and no
    # gradient is tiny just because its weight in the projection is.
    shape = np.shape(out)
    projection = rng.uniform(0.5, 1.5, shape) * rng.choice([-1.0, 1.0], shape)
    dx = layer.backward(projection)
    if dx is None:
        raise ValueError("layer.backward returned None: it must return dL/dx")

    def projected_output(_):
        return float(np.sum(layer.forward(x, *forward_args) * projection))

    names = find_params(layer) if params is None else list(params)
    analytic = {"x": dx}
    for name in names:
        _check_float64(f"layer.{name}", getattr(layer, name))
        analytic[name] = np.array(getattr(layer, "d" + name))

    rows = []
    for name, grad in analytic.items():
        target = x if name == "x" else getattr(layer, name)
        numeric = numerical_gradient(projected_output, target, h=h)
        rows.append((name, tuple(np.shape(target)), rel_error(grad, numeric)))
    return GradCheckReport(rows, threshold)


def check_network(network, x, t, threshold=NETWORK_THRESHOLD, h=CHECK_H):
    """Compare ``network.gradient(x, t)`` with ``network.numerical_gradient(x, t, h=h)``.

    The network must have float64 parameters; x: (N, input_size); t: (N,) or (N, C).
    Returns a GradCheckReport with one row per key of ``params``.
    """
    for key, value in network.params.items():
        _check_float64(f"params[{key!r}]", value)
    analytic = {key: np.array(to_numpy(value)) for key, value in network.gradient(x, t).items()}
    numeric = network.numerical_gradient(x, t, h=h)
    rows = [(key, tuple(network.params[key].shape), rel_error(analytic[key], numeric[key]))
            for key in network.params]
    return GradCheckReport(rows, threshold)


def _check_float64(name, array):
    if not isinstance(array, np.ndarray) or array.dtype != np.float64:
        raise TypeError(f"gradient checks need float64 NumPy arrays: {name} is "
                        f"{type(array).__name__} with dtype {getattr(array, 'dtype', None)} "
                        "(use .astype(np.float64))")
