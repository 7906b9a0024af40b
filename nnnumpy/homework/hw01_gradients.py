"""Checks for assignment 01: numerical derivatives, numerical gradients, gradient descent.

The reference is ``nnnumpy.gradient``. Each check runs the student's function on
seeded inputs (negative and large values, a 2-D x with more columns than rows),
compares it with the reference and, when it differs, names the typical mistake it
reproduces: each wrong answer below is the reference with one deliberate mistake.
"""

import numpy as np

from ..gradient import DEFAULT_H, numerical_diff, numerical_gradient
from .core import CheckResult, call_student, diagnose, differences, pick_hint, report, verdict

HINTS = {
    "forward_difference": "Use the central difference (f(x + h) - f(x - h)) / 2h: the forward "
                          "difference (f(x + h) - f(x)) / h has an error of order h, not h^2.",
    "backward_difference": "Use the central difference (f(x + h) - f(x - h)) / 2h, not "
                           "(f(x) - f(x - h)) / h.",
    "divided_by_h": "The two points x + h and x - h are 2h apart: divide by 2h, not by h.",
    "h_ignored": "Use the step h the caller passes, not a fixed 1e-4.",
    "x_not_restored": "Put x[i] back to its original value after the two evaluations: "
                      "otherwise every later entry is measured at a shifted point, and the "
                      "caller's x is left changed.",
    "first_axis_only": "A 2-D x has x.size entries, not x.shape[0]: loop over every index "
                       "(np.ndindex(x.shape) or np.nditer), not over the rows, which nudges "
                       "a whole row at once.",
    "gradient_ascent": "Step against the gradient, x -= lr * grad: adding it climbs uphill.",
    "step_replaces_x": "x = lr * grad throws x away: the step is x = x - lr * grad.",
    "wrong_number_of_steps": "Take exactly step_num steps: range(step_num).",
    "lr_ignored": "Use the learning rate lr the caller passes.",
    "init_x_modified": "Copy init_x before stepping (x = init_x.astype(float) or "
                       "init_x.copy()): the caller's array must not change.",
}

# The same hints in Chinese, printed under NNNUMPY_LANG=zh (see core.language).
HINTS_ZH = {
    "forward_difference": "请用中心差分 (f(x + h) - f(x - h)) / 2h：前向差分 (f(x + h) - f(x)) / "
                          "h 的误差是 h 阶的，而不是 h^2 阶。",
    "backward_difference": "请用中心差分 (f(x + h) - f(x - h)) / 2h，而不是 (f(x) - f(x - h)) / "
                           "h。",
    "divided_by_h": "x + h 和 x - h 两点相距 2h：应除以 2h，而不是 h。",
    "h_ignored": "请使用调用者传入的步长 h，而不是固定的 1e-4。",
    "x_not_restored": "两次求值之后要把 x[i] 恢复成原来的值：否则之后的每个元素都是在偏移过的点上"
                      "测量的，调用者的 x 也会被改掉。",
    "first_axis_only": "二维的 x 有 x.size 个元素，而不是 x.shape[0] 个：要遍历每一个下标"
                       "（np.ndindex(x.shape) 或 np.nditer），而不是遍历各行——那样会一次把整行都挪"
                       "动。",
    "gradient_ascent": "要沿梯度的反方向走，x -= lr * grad：加上梯度是在往上爬。",
    "step_replaces_x": "x = lr * grad 把 x 丢掉了：一步更新是 x = x - lr * grad。",
    "wrong_number_of_steps": "恰好走 step_num 步：range(step_num)。",
    "lr_ignored": "请使用调用者传入的学习率 lr。",
    "init_x_modified": "更新之前先复制 init_x（x = init_x.astype(float) 或 init_x.copy()）：调用者"
                       "的数组不能被改变。",
}

POINTS_DIFF = 1
POINTS_GRADIENT = 2
POINTS_DESCENT = 2


def check_numerical_diff(student, *, hidden=False):
    """Check numerical_diff(f, x, h=1e-4) -> df/dx at a scalar x (central differences)."""
    _require_callable("numerical_diff", student)
    cases = _diff_cases(hidden)
    got = []
    for f, x, h in cases:
        value, failed = _call("numerical_diff", student, f, x, *(() if h is None else (h,)))
        if not failed and not _is_number(value):
            failed = [f"numerical_diff returned a {type(value).__name__} for f = "
                      f"{_FORMULAS.get(f, f.__name__)} at x={x}, expected a number"]
        if failed:
            return report(verdict("numerical_diff", POINTS_DIFF, failed, hints=HINTS,
                                  hints_zh=HINTS_ZH))
        got.append(float(value))
    got = np.array(got)
    expected = np.array([numerical_diff(f, x, h or DEFAULT_H) for f, x, h in cases])
    details = differences("numerical_diff values", got, expected, rtol=1e-7, atol=1e-10)
    mistake = None
    if details:
        mistake = diagnose(got, _diff_mistakes(cases), rtol=1e-7, atol=1e-10)
        details = details + _case_lines(got, expected, cases)
    return report(verdict("numerical_diff", POINTS_DIFF, details, mistake, HINTS, HINTS_ZH))


def check_numerical_gradient(student, *, hidden=False):
    """Check numerical_gradient(f, x) -> grad shaped like x, for 1-D and 2-D float64 x."""
    _require_callable("numerical_gradient", student)
    details, mistake = [], None
    for x in _gradient_points(hidden):
        f = _gradient_function(x.shape, hidden)
        x_given = x.copy()
        got, failed = _call("numerical_gradient", student, f, x_given)
        label = f"numerical_gradient at x of shape {x.shape}"
        if failed:
            return report(verdict("numerical_gradient", POINTS_GRADIENT, failed, hints=HINTS,
                                  hints_zh=HINTS_ZH))
        expected = numerical_gradient(f, x.copy())
        found = differences(f"grad (x: {x.shape})", got, expected, rtol=1e-7, atol=1e-10)
        if found:
            details.extend([label + ":"] + found)
            mistake = mistake or diagnose(got, _gradient_mistakes(f, x), rtol=1e-7, atol=1e-10)
        if not np.array_equal(x_given, x):
            details.append(f"{label}: your function left x changed (x[i] not restored)")
            mistake = mistake or "x_not_restored"
    return report(verdict("numerical_gradient", POINTS_GRADIENT, details, mistake, HINTS, HINTS_ZH))


def check_gradient_descent(student, *, hidden=False):
    """Check gradient_descent(f, init_x, lr, step_num) -> x after step_num steps.

    1 of the 2 points is kept when the result is right but the caller's init_x changed.
    """
    _require_callable("gradient_descent", student)
    details, mistake, modified = [], None, False
    for f, init_x, lr, step_num in _descent_cases(hidden):
        given = init_x.copy()
        got, failed = _call("gradient_descent", student, f, given, lr, step_num)
        if failed:
            return report(verdict("gradient_descent", POINTS_DESCENT, failed, hints=HINTS,
                                  hints_zh=HINTS_ZH))
        expected = _descend(f, init_x, lr, step_num)
        label = f"x after {step_num} steps of lr={lr} from x0 of shape {init_x.shape}"
        found = differences("x", got, expected, rtol=1e-6, atol=1e-9)
        if found:
            details.extend([label + ":"] + found)
            mistake = mistake or diagnose(got, _descent_mistakes(f, init_x, lr, step_num),
                                          rtol=1e-6, atol=1e-9)
        if not np.array_equal(given, init_x):
            modified = True
    if not details and modified:
        return report(_partial("gradient_descent", POINTS_DESCENT, "init_x_modified",
                               ["the values are right, but the caller's init_x was changed"]))
    if modified:
        details.append("the caller's init_x was changed")
    return report(verdict("gradient_descent", POINTS_DESCENT, details, mistake, HINTS, HINTS_ZH))


# Cases: each is seeded and fixed, so a check gives the same verdict every time.

def _diff_cases(hidden):
    """(f, x, h) triples; h=None means the default step. exp(3x) with h=1e-2 exposes h_ignored."""
    if not hidden:
        return [(_cube, 2.0, None), (np.exp, -1.5, None), (np.sin, 10.0, None),
                (_textbook_function, 5.0, None), (_exp3, 1.0, 1e-2)]
    return [(_cube, -3.0, None), (np.exp, 2.5, None), (np.cos, -7.0, None),
            (_textbook_function, -10.0, None), (_exp3, 0.5, 2e-2)]


def _cube(x):
    return x ** 3


def _exp3(x):
    return np.exp(3 * x)


def _textbook_function(x):
    return 0.01 * x ** 2 + 0.1 * x


_FORMULAS = {_cube: "x^3", np.exp: "exp(x)", np.sin: "sin(x)", np.cos: "cos(x)",
             _textbook_function: "0.01 x^2 + 0.1 x", _exp3: "exp(3x)"}


def _diff_mistakes(cases):
    def forward(f, x, h):
        return (f(x + h) - f(x)) / h

    def backward(f, x, h):
        return (f(x) - f(x - h)) / h

    def by_h(f, x, h):
        return (f(x + h) - f(x - h)) / h

    def fixed_h(f, x, h):
        return numerical_diff(f, x, DEFAULT_H)

    rules = [("forward_difference", forward), ("backward_difference", backward),
             ("divided_by_h", by_h), ("h_ignored", fixed_h)]
    return [(key, np.array([rule(f, x, h or DEFAULT_H) for f, x, h in cases]))
            for key, rule in rules]


def _case_lines(got, expected, cases):
    lines = []
    for value, right, (f, x, h) in zip(got, expected, cases):
        if not np.isclose(value, right, rtol=1e-7, atol=1e-10):
            step = f", h={h}" if h is not None else ""
            lines.append(f"  f = {_FORMULAS.get(f, f.__name__)} at x={x}{step}: got {value:.10g}, "
                         f"expected {right:.10g}")
    return lines


def _gradient_points(hidden):
    """A 1-D x, then a 2-D x with more columns than rows (negative and large entries)."""
    rng = np.random.default_rng(11 if hidden else 1)
    shapes = [(4,), (3, 2), (1, 5)] if hidden else [(3,), (2, 3)]
    return [rng.uniform(-3, 3, size=shape) * np.where(rng.random(shape) < 0.3, 4.0, 1.0)
            for shape in shapes]


def _gradient_function(shape, hidden):
    """f(x) = sum(w * x^3) + (sum(x))^2 / 2: its cross term exposes an unrestored x."""
    rng = np.random.default_rng(12 if hidden else 2)
    weights = rng.uniform(0.5, 2.0, size=shape)

    def f(x):
        return float(np.sum(weights * x ** 3) + 0.5 * np.sum(x) ** 2)

    return f


def _gradient_mistakes(f, x):
    h = DEFAULT_H

    def loop(step):
        point = x.copy()
        grad = np.zeros_like(point)
        for index in np.ndindex(point.shape):
            grad[index] = step(point, index)
        return grad

    def forward(point, index):
        original = point[index]
        f_x = f(point)
        point[index] = original + h
        f_plus = f(point)
        point[index] = original
        return (f_plus - f_x) / h

    def by_h(point, index):
        original = point[index]
        point[index] = original + h
        f_plus = f(point)
        point[index] = original - h
        f_minus = f(point)
        point[index] = original
        return (f_plus - f_minus) / h

    def unrestored(point, index):
        original = point[index]
        point[index] = original + h
        f_plus = f(point)
        point[index] = original - h
        return (f_plus - f(point)) / (2 * h)

    return [("forward_difference", loop(forward)), ("divided_by_h", loop(by_h)),
            ("x_not_restored", loop(unrestored))] + _first_axis_mistakes(f, x, h)


def _first_axis_mistakes(f, x, h):
    """A loop over range(x.shape[0]) nudges whole rows: with a copy of the row, or a view."""
    if x.ndim < 2:
        return []
    copied, viewed = np.zeros_like(x), np.zeros_like(x)
    for i in range(x.shape[0]):
        point = x.copy()
        point[i] = x[i] + h
        f_plus = f(point)
        point[i] = x[i] - h
        copied[i] = (f_plus - f(point)) / (2 * h)
        point[i] = x[i]
        # tmp = x[i] is a view: after x[i] = tmp + h, "tmp - h" is the original row again.
        f_original = f(point)
        viewed[i] = (f_plus - f_original) / (2 * h)
    return [("first_axis_only", copied), ("first_axis_only", viewed)]


def _descent_cases(hidden):
    """(f, init_x, lr, step_num): few steps, so that a wrong count or lr is visible."""
    rng = np.random.default_rng(21 if hidden else 3)
    cases = []
    for shape, lr, steps in ([((3,), 0.05, 7), ((2, 2), 0.02, 12)] if hidden
                             else [((2,), 0.1, 10), ((2, 3), 0.05, 5)]):
        curvature = rng.uniform(0.5, 3.0, size=shape)
        center = rng.uniform(-2, 2, size=shape)
        cases.append((_bowl(curvature, center), rng.uniform(-5, 5, size=shape), lr, steps))
    return cases


def _bowl(curvature, center):
    def f(x):
        return float(np.sum(curvature * (x - center) ** 2))

    return f


def _descend(f, init_x, lr, step_num, step=None):
    """Gradient descent with the reference gradient; ``step`` makes one deliberate mistake."""
    x = np.array(init_x, dtype=np.float64)
    for _ in range(step_num):
        grad = numerical_gradient(f, x)
        x = x - lr * grad if step is None else step(x, lr, grad)
    return x


def _descent_mistakes(f, init_x, lr, step_num):
    return [
        ("gradient_ascent", _descend(f, init_x, lr, step_num, lambda x, lr, g: x + lr * g)),
        ("step_replaces_x", _descend(f, init_x, lr, step_num, lambda x, lr, g: lr * g)),
        ("wrong_number_of_steps", _descend(f, init_x, lr, step_num - 1)),
        ("wrong_number_of_steps", _descend(f, init_x, lr, step_num + 1)),
        ("lr_ignored", _descend(f, init_x, 0.01, step_num)),
    ]


# Small helpers.

def _require_callable(name, student):
    if not callable(student):
        raise TypeError(f"{name} must be a function, got {type(student).__name__}")


def _call(name, function, *args):
    """call_student with floating-point warnings silenced: an overflow is judged by its value."""
    with np.errstate(all="ignore"):
        return call_student(name, function, *args)


def _is_number(value):
    """True for a real scalar: a Python or NumPy number, or a 0-d array of one."""
    return np.ndim(value) == 0 and np.asarray(value).dtype.kind in "biuf"


def _partial(name, max_points, mistake, details):
    """A result that keeps all but one point: the answer is right, a side effect is not."""
    return CheckResult(name, max_points - 1, max_points, mistake=mistake,
                       hint=pick_hint(mistake, HINTS, HINTS_ZH), details=details)
