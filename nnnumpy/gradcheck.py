"""Gradient checking: does backward agree with central differences?

Reading the maximum relative error (in float64):
below 1e-7 the layer is right; 1e-7 to 1e-4 is suspicious unless the function
has kinks (ReLU at 0); above 1e-2 the backward pass is wrong.

Works on any layer that follows the protocol of ``nnnumpy.layers``, including a
student's own class, with nothing to register. Every parameter gets a row: a gradient
that is missing, misnamed, not an array or of the wrong shape is a FAIL row that says
what was found, never a row left out.
"""

import math

import numpy as np

from .backend import is_cupy_array, to_numpy
from .gradient import numerical_gradient

LAYER_THRESHOLD = 1e-7
NETWORK_THRESHOLD = 1e-6
# The step of the central differences. Their error has two parts: truncation,
# about h^2 |f'''| / 6, and rounding, about eps |f| / h. In float64 (eps = 2e-16)
# the sum is smallest near h = 1e-5, about 100 times below the textbook's h = 1e-4.
CHECK_H = 1e-5
# The error of a row whose gradient could not be compared at all (missing, wrong shape).
NOT_COMPARED = math.inf


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
    ``report.errors`` maps each name to its error (inf where nothing could be compared);
    ``report.reasons`` maps the name of each FAIL row to what is wrong, printed under it.
    """

    def __init__(self, rows, threshold, reasons=None):
        self.rows = rows
        self.threshold = threshold
        self.reasons = dict(reasons or {})

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
            shown = "-" if error == NOT_COMPARED else f"{error:.2e}"
            lines.append(f"{name:<10} {str(shape):<14} {shown:>13}  {verdict}")
            if name in self.reasons:
                lines.append(f"    {self.reasons[name]}")
        return "\n".join(lines)

    __repr__ = __str__


def check_layer(layer, x, *forward_args, params=None, threshold=LAYER_THRESHOLD,
                seed=0, h=CHECK_H):
    """Compare a layer's backward pass with numerical gradients.

    The layer's output is reduced to a scalar by a fixed random projection,
    f(x) = sum(forward(x) * R), so that dL/d(out) = R exercises every output.
    Then ``backward(R)`` must return dx = df/dx (x's shape) and store dP = df/dP (P's
    shape) for every parameter P, each equal to the numerical gradient of f. R is
    drawn from ``seed``: the same layer and x give the same report every run.

    Which attributes are parameters: the names in ``params`` when given (``params=[]``
    for none). Otherwise every floating-point NumPy array the layer holds when
    check_layer is called (W, b, gamma, beta), except its state and its gradients:
    arrays that forward or backward change while check_layer runs (it replaces caches
    such as x, out, mask; it updates batch norm's running averages in place), the inputs
    in ``forward_args``, gradients (an array named like another's, dW or grad_W), and an
    array of x's own shape that has no gradient (kept by an earlier forward, such as
    Dropout's fixed mask). A constant array that is not trained gets a FAIL row saying
    it has no gradient: name the trained ones with ``params=``.

    layer: an object with forward(x, *forward_args) and backward(dout).
    x: float64 array (N, ...), N >= 1. forward_args: extra inputs such as labels t for
    a loss layer (not checked). h: the step of the central differences.
    Returns a GradCheckReport with row 'x' and one row per parameter.
    """
    _check_float64("x", x)
    _check_batch(x)
    if params is not None:
        params = _checked_param_names(layer, params)
    x = x.copy()  # perturbed in place below; the caller's array stays untouched
    # What the layer holds before forward: the candidates for its parameters (see above).
    held = {name: (value, value.copy()) for name, value in vars(layer).items()
            if isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.floating)}
    rng = np.random.default_rng(seed)
    out = layer.forward(x, *forward_args)
    # Magnitudes in [0.5, 1.5] with random signs: no output is ignored, and no
    # gradient is tiny just because its weight in the projection is.
    shape = np.shape(out)
    projection = rng.uniform(0.5, 1.5, shape) * rng.choice([-1.0, 1.0], shape)
    dx = layer.backward(projection)
    after_backward = {name: np.array(value) if isinstance(value, np.ndarray) else value
                      for name, value in vars(layer).items()}

    def projected_output(_):
        return float(np.sum(layer.forward(x, *forward_args) * projection))

    batch_size = x.shape[0]
    layer_name = type(layer).__name__
    numeric = numerical_gradient(projected_output, x, h=h)
    dx, problem = _returned_dx(layer_name, dx, x, shape)
    results = [("x", x.shape, *_compare(f"dx (returned by {layer_name}.backward)", dx, numeric,
                                        problem, threshold, batch_size))]

    # By now forward has run on 2 x.size + 1 inputs: every array it writes has changed.
    if params is None:
        params = _default_params(layer, held, x.shape, forward_args)
        for name in params:
            _check_float64(f"layer.{name}", getattr(layer, name))
    for name in params:
        target = getattr(layer, name)
        gradient, problem = _stored_gradient(after_backward, name, target.shape, batch_size)
        numeric = None if problem else numerical_gradient(projected_output, target, h=h)
        results.append((name, target.shape, *_compare("d" + name, gradient, numeric, problem,
                                                      threshold, batch_size)))
    return _report(results, threshold)


def check_network(network, x, t, threshold=NETWORK_THRESHOLD, h=CHECK_H):
    """Compare ``network.gradient(x, t)`` with ``network.numerical_gradient(x, t, h=h)``.

    The network must have float64 parameters; x: (N, input_size) with N >= 1; t: (N,) or
    (N, C). Returns a GradCheckReport with one row per key of ``params``, and a FAIL row
    for each key of the gradient that ``params`` does not have. A key missing from the
    gradient, or an entry that is not an array of the parameter's shape, is a FAIL row.
    """
    _check_batch(x)
    for key, value in network.params.items():
        _check_float64(f"params[{key!r}]", value)
    grads = network.gradient(x, t)
    if not isinstance(grads, dict):
        raise TypeError("network.gradient(x, t) must return a dict of arrays with the keys "
                        f"of params, got {type(grads).__name__}")
    numeric = network.numerical_gradient(x, t, h=h)
    batch_size = np.shape(x)[0]
    keys = ", ".join(map(str, grads)) or "none"
    results = []
    for key, param in network.params.items():
        label = f"grads[{key!r}]"
        if key not in grads:
            gradient, problem = None, f"network.gradient returned no {key!r} (its keys: {keys})"
        else:
            gradient, problem = _checked_gradient(label, grads[key], f"params[{key!r}]",
                                                  param.shape, batch_size)
        if problem is None and key not in numeric:
            problem = f"network.numerical_gradient returned no {key!r}"
        results.append((key, param.shape, *_compare(label, gradient, numeric.get(key), problem,
                                                    threshold, batch_size)))
    for key in grads:
        if key not in network.params:
            results.append((key, np.shape(grads[key]), NOT_COMPARED,
                            f"{key!r} is not a key of params ({', '.join(network.params)}): "
                            "the gradient must have exactly the keys of params"))
    return _report(results, threshold)


def _compare(label, analytic, numeric, problem, threshold, batch_size):
    """(error, reason) of one gradient: (NOT_COMPARED, problem) when there is a problem;
    else the relative error, and above the threshold what the mismatch looks like."""
    if problem is not None:
        return NOT_COMPARED, problem
    error = rel_error(analytic, numeric)
    if error < threshold:
        return error, None
    return error, _mismatch(label, analytic, numeric, error, batch_size)


def _report(results, threshold):
    """A GradCheckReport from (name, shape, error, reason or None) tuples."""
    rows = [(name, tuple(shape), error) for name, shape, error, _ in results]
    reasons = {name: reason for name, _, _, reason in results if reason is not None}
    return GradCheckReport(rows, threshold, reasons)


def _default_params(layer, held, x_shape, forward_args):
    """The parameters by check_layer's rule: arrays held before forward, less state and
    gradients. held: {name: (array, copy of its values)} taken before forward."""
    now = vars(layer)
    params = []
    for name, (array, values) in held.items():
        changed = now.get(name) is not array or not np.array_equal(array, values,
                                                                 equal_nan=True)
        is_input = any(array is argument for argument in forward_args)
        is_gradient = any(_is_gradient_name(name, other) for other in held if other != name)
        has_gradient = any(_is_gradient_name(other, name) for other in now)
        kept_cache = array.shape == x_shape and not has_gradient
        if not (changed or is_input or is_gradient or kept_cache):
            params.append(name)
    return params


def _is_gradient_name(attribute, name):
    """Whether ``attribute`` names a gradient of ``name``: dW, dw, d_W, grad_W, W_grad, dL_dW."""
    key = attribute.lower().replace("_", "")
    wanted = name.lower().replace("_", "")
    return key in ("d" + wanted, "grad" + wanted, wanted + "grad", "dld" + wanted)


def _stored_gradient(attributes, name, shape, batch_size):
    """(dP as an array, None) when backward stored a usable gradient of P; (None, why) if not.

    attributes: the layer's attributes after backward.
    """
    expected = "d" + name
    similar = [other for other in attributes
               if other != expected and _is_gradient_name(other, name)]
    found = f"; found {', '.join(similar)}: name it {expected}" if similar else ""
    if expected not in attributes:
        return None, (f"no gradient {expected}: backward must store dL/d{name} as "
                      f"layer.{expected}{found} (if {name} is not trained, name the "
                      "parameters with params=[...])")
    if attributes[expected] is None:
        return None, f"{expected} is None after backward: backward must set layer.{expected}{found}"
    return _checked_gradient(expected, attributes[expected], name, shape, batch_size)


def _checked_gradient(label, gradient, param_label, shape, batch_size):
    """(gradient as a NumPy array, None) when it is an array of ``shape``; (None, why) if not."""
    array = _as_array(gradient)
    if array is None:
        return None, (f"{label} is a {type(gradient).__name__}, not a NumPy array: "
                      f"store an array of shape {tuple(shape)}")
    if array.shape != tuple(shape):
        hint = _shape_hint(array.shape, tuple(shape), batch_size)
        return None, f"{label} has shape {array.shape}; {param_label} is {tuple(shape)}: {hint}"
    return array, None


def _returned_dx(layer_name, dx, x, out_shape):
    """(dx as a NumPy array, None) when backward returned one of x's shape; (None, why) if not."""
    array = _as_array(dx)
    if array is None:
        returned = "None" if dx is None else f"a {type(dx).__name__}"
        return None, (f"{layer_name}.backward returned {returned}: it must return "
                      f"dx = dL/dx, a NumPy array of x's shape {x.shape}")
    if array.shape == x.shape:
        return array, None
    if array.size == x.size:
        hint = f"reshape it to x's shape {x.shape}"
    elif array.shape == tuple(out_shape):
        hint = "that is the output's shape; dx = dL/dx has the shape of x"
    else:
        hint = "dx = dL/dx has the shape of x"
    return None, f"{layer_name}.backward returned dx of shape {array.shape}; x is {x.shape}: {hint}"


def _as_array(value):
    """value as a NumPy array if it is an array or a number; None otherwise (None, a list)."""
    if is_cupy_array(value):
        return value.get()
    if isinstance(value, (np.ndarray, np.generic, int, float)):
        return np.asarray(value)
    return None


def _shape_hint(found, expected, batch_size):
    """The likely mistake behind a gradient of shape ``found`` for a parameter of ``expected``."""
    if found == (batch_size,) + expected:
        return "sum dout over the batch, axis 0"
    if found == (batch_size,) and len(expected) == 1:
        return "summed over the wrong axis: sum dout over the batch, axis 0"
    if found == ():
        return "summed over every axis: sum dout over the batch only, axis 0"
    if len(expected) == 2 and found == expected[::-1]:
        return "transposed: a gradient has the shape of its parameter"
    if math.prod(found) == math.prod(expected):
        return f"the right number of entries: reshape it to {expected}"
    return "a gradient has the shape of its parameter"


def _mismatch(label, analytic, numeric, error, batch_size):
    """Why a gradient of the right shape fails: the simplest pattern that fits."""
    if not np.all(np.isfinite(analytic)):
        return f"{label} holds nan or inf"
    if not np.any(numeric):
        return f"{label} is not zero, but the numerical gradient is"
    if not np.any(analytic):
        return f"{label} is all zeros; the numerical gradient is not"
    factor = float(np.vdot(analytic, numeric) / np.vdot(numeric, numeric))
    tolerance = 1e-8 * np.max(np.abs(analytic))
    if np.allclose(analytic, factor * numeric, rtol=1e-4, atol=tolerance) \
            and abs(factor - 1) > 1e-3:
        if abs(factor * batch_size - 1) < 1e-3:
            return (f"{label} is 1/N of the numerical gradient (N = {batch_size}): "
                    "a mean over the batch where the sum belongs?")
        if abs(factor + 1) < 1e-3:
            return f"{label} has the wrong sign"
        return f"{label} is {factor:.3g} times the numerical gradient"
    if error < 1e-2:
        return (f"{label} is close to the numerical gradient but above the threshold: "
                "is x near a kink (ReLU at 0, a tie in max pooling)?")
    return f"{label} differs from the numerical gradient (central differences of f)"


def _check_batch(x):
    shape = np.shape(x)
    if len(shape) == 0:
        raise ValueError(f"x must be a batch (N, ...) with a first axis of samples, got a "
                         f"{type(x).__name__} of shape ()")
    if shape[0] == 0:
        raise ValueError(f"x must hold at least one sample, got an empty batch (N = 0) of "
                         f"shape {tuple(shape)}")


def _checked_param_names(layer, params):
    """params as a list of names, each a float64 array attribute of the layer."""
    names = None if isinstance(params, str) or not hasattr(params, "__iter__") else list(params)
    if names is None or not all(isinstance(name, str) for name in names):
        raise TypeError(f"params must be a list of attribute names such as ['W', 'b'], "
                        f"got {params!r}")
    for name in names:
        if not hasattr(layer, name):
            raise ValueError(f"params names {name!r}, but the layer has no attribute {name!r} "
                             f"(it has {', '.join(vars(layer)) or 'none'})")
        _check_float64(f"layer.{name}", getattr(layer, name))
    return names


def _check_float64(name, array):
    if not isinstance(array, np.ndarray) or array.dtype != np.float64:
        raise TypeError(f"gradient checks need float64 NumPy arrays: {name} is "
                        f"{type(array).__name__} with dtype {getattr(array, 'dtype', None)} "
                        "(use .astype(np.float64))")
