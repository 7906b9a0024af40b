"""Checks for assignment 02: Sigmoid, Tanh, ReLU and LeakyReLU as layers.

A student's class follows the protocol of ``nnnumpy.layers``: ``forward(x)`` returns
the output and caches what ``backward`` needs, ``backward(dout)`` returns dx and never
modifies ``dout``. Each check builds a fresh layer per case, runs forward and
backward on seeded inputs (negative, large, exactly 0 and tied values), compares with
the package's layer and names the typical mistake a wrong answer reproduces. Forward
and backward are worth one point each.

The convention at the kink: ReLU's and LeakyReLU's derivative at exactly x = 0 is the
one of the negative side (mask x > 0), as in the package; any value in [0, 1] is a
valid subgradient there, but the checks follow the reference.
"""

import numpy as np

from .. import layers
from ..functions import sigmoid_grad
from ..gradcheck import rel_error
from ..gradient import numerical_gradient
from .core import CheckResult, call_student, diagnose, differences, pick_hint, report

HINTS = {
    "sigmoid_grad_from_input": "Sigmoid's derivative is y (1 - y) with y = sigmoid(x), the "
                               "output: keep the output in forward and use it in backward, "
                               "not x (1 - x).",
    "tanh_grad_from_input": "tanh's derivative is 1 - y^2 with y = tanh(x), the output, not "
                            "1 - x^2.",
    "dout_ignored": "backward returns dL/dx = dout * (local derivative): multiply by dout.",
    "dout_modified_in_place": "Never write into dout (dout *= ..., dout[mask] = 0): the caller "
                              "still owns it. Return a new array, e.g. dout * mask.",
    "x_modified_in_place": "forward must not write into x (x[x <= 0] = 0): the caller still "
                           "owns it. Compute a new array, e.g. x * mask or np.maximum(x, 0).",
    "mask_from_dout": "The mask comes from forward's input x (x > 0), not from dout: a "
                      "negative gradient still flows back where x was positive.",
    "mask_from_later_output": "Keep your own mask in forward: the array forward returns "
                              "belongs to the next layer, which may change it before backward "
                              "(this check writes into it after forward).",
    "mask_at_zero": "At exactly x = 0 the package takes the derivative of the negative side "
                    "(mask x > 0, not x >= 0); use the same convention.",
    "alpha_ignored": "Use the slope alpha the layer was built with, not a fixed number.",
    "negative_slope_dropped": "On the negative side LeakyReLU's derivative is alpha, not 0.",
    "sigmoid_sign": "sigmoid(x) = 1 / (1 + exp(-x)): mind the minus sign.",
    "relu_output_is_mask": "ReLU's output is max(0, x), the values; the 0/1 mask is its "
                           "derivative.",
}

# The same hints in Chinese, printed under NNNUMPY_LANG=zh (see core.language).
HINTS_ZH = {
    "sigmoid_grad_from_input": "Sigmoid 的导数是 y (1 - y)，其中 y = sigmoid(x) 是输出：在 "
                               "forward 中保存输出，在 backward 中使用它，而不是 x (1 - x)。",
    "tanh_grad_from_input": "tanh 的导数是 1 - y^2，其中 y = tanh(x) 是输出，而不是 1 - x^2。",
    "dout_ignored": "backward 返回 dL/dx = dout * （局部导数）：要乘以 dout。",
    "dout_modified_in_place": "绝不要写入 dout（dout *= ...、dout[mask] = 0）：它仍归调用者所有。"
                              "请返回一个新数组，例如 dout * mask。",
    "x_modified_in_place": "forward 不能写入 x（x[x <= 0] = 0）：它仍归调用者所有。请计算一个新数"
                           "组，例如 x * mask 或 np.maximum(x, 0)。",
    "mask_from_dout": "掩码来自 forward 的输入 x（x > 0），而不是 dout：在 x 为正的地方，负的梯度"
                      "同样要反向传回去。",
    "mask_from_later_output": "在 forward 中保存你自己的掩码：forward 返回的数组属于下一层，下一层"
                              "可能在 backward 之前修改它（本检查会在 forward 之后写入它）。",
    "mask_at_zero": "在 x 恰好等于 0 处，本包取负半轴一侧的导数（掩码是 x > 0，而不是 x >= 0）；请"
                    "使用相同的约定。",
    "alpha_ignored": "请使用构造该层时给定的斜率 alpha，而不是一个固定的数。",
    "negative_slope_dropped": "在负半轴，LeakyReLU 的导数是 alpha，而不是 0。",
    "sigmoid_sign": "sigmoid(x) = 1 / (1 + exp(-x))：注意负号。",
    "relu_output_is_mask": "ReLU 的输出是 max(0, x)，即数值本身；0/1 掩码是它的导数。",
}

POINTS = 2


def check_sigmoid(student, *, hidden=False):
    """Check a Sigmoid layer class: out = 1 / (1 + exp(-x)), dx = dout * out * (1 - out)."""
    forward_mistakes = [("sigmoid_sign", lambda x, dout: 1 / (1 + np.exp(x)))]
    backward_mistakes = [
        ("sigmoid_grad_from_input", lambda x, dout: dout * x * (1 - x)),
        ("dout_ignored", lambda x, dout: sigmoid_grad(x)),
    ]
    return _check_layer("Sigmoid", student, layers.Sigmoid, {}, _cases(hidden, large=True),
                        forward_mistakes, backward_mistakes)


def check_tanh(student, *, hidden=False):
    """Check a Tanh layer class: out = tanh(x), dx = dout * (1 - out^2)."""
    backward_mistakes = [
        ("tanh_grad_from_input", lambda x, dout: dout * (1 - x ** 2)),
        ("dout_ignored", lambda x, dout: 1 - np.tanh(x) ** 2),
    ]
    return _check_layer("Tanh", student, layers.Tanh, {}, _cases(hidden, large=True),
                        [], backward_mistakes)


def check_relu(student, *, hidden=False):
    """Check a ReLU layer class: out = max(0, x), dx = dout where x > 0, else 0."""
    forward_mistakes = [("relu_output_is_mask", lambda x, dout: (x > 0).astype(x.dtype))]
    backward_mistakes = [
        ("mask_from_dout", lambda x, dout: dout * (dout > 0)),
        ("mask_from_later_output", lambda x, dout: dout * (_handed_on(x) > 0)),
        ("mask_at_zero", lambda x, dout: dout * (x >= 0)),
        ("dout_ignored", lambda x, dout: (x > 0).astype(x.dtype)),
    ]
    return _check_layer("ReLU", student, layers.ReLU, {}, _cases(hidden, large=False),
                        forward_mistakes, backward_mistakes)


def check_leaky_relu(student, *, hidden=False):
    """Check a LeakyReLU layer class built as LeakyReLU(alpha=...): out = x or alpha x."""
    alpha = 0.2 if hidden else 0.1

    def slope(x, positive):
        return np.where(positive, 1.0, alpha)

    forward_mistakes = [("alpha_ignored", lambda x, dout: np.where(x > 0, x, 0.01 * x))]
    backward_mistakes = [
        ("alpha_ignored", lambda x, dout: dout * np.where(x > 0, 1.0, 0.01)),
        ("negative_slope_dropped", lambda x, dout: dout * (x > 0)),
        ("mask_from_dout", lambda x, dout: dout * slope(x, dout > 0)),
        ("mask_from_later_output", lambda x, dout: dout * slope(x, _handed_on(x) > 0)),
        ("mask_at_zero", lambda x, dout: dout * slope(x, x >= 0)),
        ("dout_ignored", lambda x, dout: slope(x, x > 0)),
    ]
    return _check_layer("LeakyReLU", student, layers.LeakyReLU, {"alpha": alpha},
                        _cases(hidden, large=False), forward_mistakes, backward_mistakes)


def _cases(hidden, large):
    """(x, dout) pairs: a batch of one, a non-square batch with exact zeros and ties, large values.

    Large values go up to +-1000 for sigmoid and tanh (where exp overflows if written
    carelessly); ReLU gets exact zeros, where the mask convention shows.
    """
    rng = np.random.default_rng(41 if hidden else 4)
    shapes = [(1, 6), (5, 3), (2, 3, 4)] if hidden else [(1, 5), (3, 4), (2, 2, 3)]
    cases = []
    for shape in shapes:
        x = np.round(rng.uniform(-3, 3, size=shape), 1)   # rounded to 0.1: ties
        x.flat[::4] = 0.0                                  # exact zeros: the kink
        if large:
            x.flat[3::6] = rng.choice([-1000.0, -40.0, 40.0, 1000.0], size=len(x.flat[3::6]))
        dout = rng.normal(size=shape)
        cases.append((x, dout))
    return cases


def _handed_on(x):
    """What the next layer leaves in the array forward returned: the check negates it."""
    return -np.maximum(x, 0) + 0.5


def _check_layer(name, student, reference_class, arguments, cases, forward_mistakes,
                 backward_mistakes):
    """Run forward and backward of fresh layers on every case; one point for each pass."""
    if not callable(student):
        raise TypeError(f"{name} must be a class, got {type(student).__name__}")
    forward_lines, backward_lines = [], []
    forward_mistake = backward_mistake = None
    has_kink = reference_class in (layers.ReLU, layers.LeakyReLU)
    for x, dout in cases:
        layer, failed = _call(f"{name}({_arguments_text(arguments)})", student, **arguments)
        if failed:
            return report(CheckResult(name, 0, POINTS, details=failed))
        reference = reference_class(**arguments)
        out, lines, key = _forward_case(name, layer, reference, x, dout, forward_mistakes)
        if out is None:
            return report(CheckResult(name, 0, POINTS, details=lines))
        forward_lines.extend(lines)
        forward_mistake = forward_mistake or key
        if has_kink and np.shape(out) == x.shape:
            out[...] = _handed_on(x)
        lines, key = _backward_case(name, layer, reference, x, dout, backward_mistakes)
        backward_lines.extend(line for line in lines if line not in backward_lines)
        backward_mistake = backward_mistake or key
        if lines and lines[0].startswith("backward,"):
            backward_lines.extend(_gradient_check_line(student, arguments, x, dout, has_kink))
    points = POINTS - bool(forward_lines) - bool(backward_lines)
    mistake = forward_mistake or backward_mistake
    return report(CheckResult(name, points, POINTS, mistake=mistake,
                              hint=pick_hint(mistake, HINTS, HINTS_ZH),
                              details=forward_lines + backward_lines))


def _forward_case(name, layer, reference, x, dout, mistakes):
    """(out, detail lines, mistake key) of one forward call; out is None if it raised."""
    x_given = x.copy()
    out, failed = _call(f"{name}.forward", layer.forward, x_given)
    if failed:
        return None, failed, None
    lines, key = [], None
    found = differences("out", out, reference.forward(x.copy()))
    if found:
        lines = [f"forward, x of shape {x.shape}:"] + found
        key = diagnose(out, _wrong_answers(mistakes, x, dout))
    if not np.array_equal(x_given, x):
        lines.append(f"forward, x of shape {x.shape}: your forward changed the caller's x")
        key = key or "x_modified_in_place"
    return out, lines, key


def _backward_case(name, layer, reference, x, dout, mistakes):
    """(detail lines, mistake key) of one backward call after forward."""
    dout_given = dout.copy()
    dx, failed = _call(f"{name}.backward", layer.backward, dout_given)
    if failed:
        return failed, None
    lines, key = [], None
    found = differences("dx", dx, reference.backward(dout.copy()))
    if found:
        lines = [f"backward, x of shape {x.shape}:"] + found
        key = diagnose(dx, _wrong_answers(mistakes, x, dout))
    if not np.array_equal(dout_given, dout):
        lines.append(f"backward, x of shape {x.shape}: your backward changed the caller's dout")
        key = key or "dout_modified_in_place"
    return lines, key


def _wrong_answers(rules, x, dout):
    """(key, wrong answer) pairs: each rule is the reference with one mistake made."""
    with np.errstate(all="ignore"):
        return [(key, rule(x, dout)) for key, rule in rules]


def _gradient_check_line(student, arguments, x, dout, has_kink):
    """Compare the student's dx with the numerical gradient of sum(forward(x) * dout).

    On fresh layers, so that it says whether backward agrees with the student's own
    forward. has_kink: leave out x = 0, where central differences straddle the kink.
    Returns one detail line, or none where it cannot say anything.
    """

    def loss(point):
        return float(np.sum(student(**arguments).forward(point.copy()) * dout))

    with np.errstate(all="ignore"):
        try:
            layer = student(**arguments)
            layer.forward(x.copy())
            dx = layer.backward(dout.copy())
            numeric = numerical_gradient(loss, x.astype(np.float64))
        except Exception:   # the case itself reported the error
            return []
    if np.shape(dx) != x.shape or not np.isfinite(numeric).all():
        return []
    kept = np.abs(x) > 1e-3 if has_kink else np.ones(x.shape, dtype=bool)
    error = rel_error(np.asarray(dx)[kept], numeric[kept])
    where = " (x = 0 left out)" if has_kink else ""
    return [f"  gradient check against your own forward{where}: max relative error "
            f"{error:.2e}, {'agrees' if error < 1e-7 else 'differs'}"]


def _arguments_text(arguments):
    return ", ".join(f"{key}={value!r}" for key, value in arguments.items())


def _call(name, function, *args, **kwargs):
    """call_student with floating-point warnings silenced: an overflow is judged by its value."""
    with np.errstate(all="ignore"):
        return call_student(name, function, *args, **kwargs)
