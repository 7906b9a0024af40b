"""Checks for assignment 03: MSE, softmax, cross-entropy and the softmax-with-loss layer.

The references are ``nnnumpy.functions`` (``mean_squared_error``, ``softmax``,
``cross_entropy_error``) and ``nnnumpy.layers.SoftmaxWithLoss``. Their conventions:
MSE is 0.5 * sum((y - t)^2) / N, averaged over the batch, not over the outputs;
every loss is a mean over the N samples of the batch; softmax works along the last
axis (one row per sample). The inputs include a batch of one, N != C, logits near
+-1000 (where exp overflows unless the row's maximum is subtracted first) and ties.

A probability of exactly 0 for the true class: the package clips it (the loss is
large but finite). Any finite loss is accepted there, so log(y + 1e-7) passes as well
as clipping; only a loss that becomes inf or nan is the mistake ``log_of_zero``.
"""

import numpy as np

from ..functions import cross_entropy_error, mean_squared_error, one_hot, softmax
from ..layers import SoftmaxWithLoss
from .core import CheckResult, call_student, differences, pick_hint, report

HINTS = {
    "mse_divided_by_outputs": "Average over the batch, not over the outputs: "
                              "0.5 * sum((y - t)^2) / N with N = y.shape[0].",
    "mse_mean_over_entries": "np.mean divides by N * C; the package's MSE divides by the "
                             "batch size N only: 0.5 * sum((y - t)^2) / N.",
    "mse_without_half": "The package's MSE keeps the textbook's 1/2, whose derivative is "
                        "then simply (y - t) / N: 0.5 * sum((y - t)^2) / N.",
    "mse_not_averaged": "Divide the sum by the batch size N, so that the loss does not grow "
                        "with the batch.",
    "softmax_no_max_shift": "exp overflows for logits near 1000 (inf / inf = nan): subtract "
                            "each row's maximum first, exp(x - x.max(axis=1, keepdims=True)); "
                            "softmax does not change.",
    "max_shift_over_whole_batch": "Subtract each row's own maximum (axis=1, keepdims=True), "
                                  "not the maximum of the whole batch: a row far below it "
                                  "underflows to 0 / 0.",
    "softmax_wrong_axis": "Each row is one sample: take the maximum and the sum along axis 1 "
                          "(keepdims=True), so that every row sums to 1.",
    "softmax_over_whole_batch": "Normalise each row on its own (sum along axis 1, "
                                "keepdims=True), not by the sum of the whole batch.",
    "loss_not_divided_by_n": "The loss is a mean over the batch: divide the sum by N.",
    "loss_divided_by_n_twice": "Divide by N once: the mean over the batch, and no more.",
    "loss_mean_over_every_entry": "Divide by the batch size N, not by N * C: np.mean over "
                                  "the (N, C) array divides by the number of entries.",
    "fancy_index_not_paired": "y[:, t] picks every label for every row (an N x N array); "
                              "y[np.arange(N), t] picks row n's own label.",
    "loss_sign": "Cross-entropy is minus the mean log-probability of the true class.",
    "log_of_zero": "log(0) is -inf: clip the probabilities (np.maximum(y, tiny)) or add a "
                   "tiny epsilon inside the log, so that the loss stays finite.",
    "backward_not_divided_by_n": "The loss is a mean over the batch, so its gradient is "
                                 "(softmax(x) - t) / N: divide by N.",
    "backward_divided_by_n_twice": "Divide (softmax(x) - t) by N once.",
    "backward_sign": "dL/dx = softmax(x) - t (divided by N): probabilities minus labels.",
    "backward_uses_scores": "Use the probabilities softmax(x) in backward, not the scores x: "
                            "dL/dx = (softmax(x) - t) / N.",
}

# The same hints in Chinese, printed under NNNUMPY_LANG=zh (see core.language).
HINTS_ZH = {
    "mse_divided_by_outputs": "对批量求平均，而不是对输出求平均：0.5 * sum((y - t)^2) / N，其中 N "
                              "= y.shape[0]。",
    "mse_mean_over_entries": "np.mean 除以的是 N * C；本包的均方误差只除以批大小 N：0.5 * sum((y "
                             "- t)^2) / N。",
    "mse_without_half": "本包的均方误差保留了教材中的 1/2，这样它的导数就是简单的 (y - t) / N："
                        "0.5 * sum((y - t)^2) / N。",
    "mse_not_averaged": "把总和除以批大小 N，这样损失不会随批量变大而增大。",
    "softmax_no_max_shift": "logits 接近 1000 时 exp 会溢出（inf / inf = nan）：先减去每一行的最大"
                            "值，exp(x - x.max(axis=1, keepdims=True))；softmax 的结果不变。",
    "max_shift_over_whole_batch": "减去每一行自己的最大值（axis=1, keepdims=True），而不是整个批量"
                                  "的最大值：远低于它的行会下溢成 0 / 0。",
    "softmax_wrong_axis": "每一行是一个样本：沿 axis 1 取最大值和求和（keepdims=True），使每一行之"
                          "和为 1。",
    "softmax_over_whole_batch": "每一行单独归一化（沿 axis 1 求和，keepdims=True），而不是除以整个"
                                "批量的总和。",
    "loss_not_divided_by_n": "损失是对批量的平均：要把总和除以 N。",
    "loss_divided_by_n_twice": "只除以 N 一次：对批量求平均，仅此而已。",
    "loss_mean_over_every_entry": "除以批大小 N，而不是 N * C：对 (N, C) 数组用 np.mean，除以的是"
                                  "元素个数。",
    "fancy_index_not_paired": "y[:, t] 会为每一行取出所有标签（得到 N x N 数组）；y[np.arange(N), "
                              "t] 才是为第 n 行取出它自己的标签。",
    "loss_sign": "交叉熵是正确类别的对数概率的平均值再取负号。",
    "log_of_zero": "log(0) 是 -inf：对概率做截断（np.maximum(y, tiny)），或在 log 里加一个很小的 "
                   "epsilon，使损失保持有限。",
    "backward_not_divided_by_n": "损失是对批量的平均，所以它的梯度是 (softmax(x) - t) / N：要除以 "
                                 "N。",
    "backward_divided_by_n_twice": "(softmax(x) - t) 只除以 N 一次。",
    "backward_sign": "dL/dx = softmax(x) - t（再除以 N）：概率减去标签。",
    "backward_uses_scores": "backward 中要用概率 softmax(x)，而不是得分 x：dL/dx = (softmax(x) - "
                            "t) / N。",
}

POINTS_MSE = 1
POINTS_SOFTMAX = 2
POINTS_CROSS_ENTROPY = 2
POINTS_SOFTMAX_WITH_LOSS = 2


def check_mean_squared_error(student, *, hidden=False):
    """Check mean_squared_error(y, t) -> 0.5 * sum((y - t)^2) / N. y, t: (N, C)."""
    _require_callable("mean_squared_error", student)
    rng = np.random.default_rng(31 if hidden else 3)
    shapes = [(3, 5), (1, 3), (6, 2)] if hidden else [(4, 3), (1, 5), (2, 7)]
    details, mistake = [], None
    for n, c in shapes:
        y = rng.uniform(-3, 3, size=(n, c)) * 10 ** rng.integers(0, 3, size=(n, c))
        t = one_hot(rng.integers(0, c, size=n), c) if n > 1 else rng.normal(size=(n, c))
        got, failed = _call("mean_squared_error", student, y.copy(), t.copy())
        if failed:
            return report(CheckResult("mean_squared_error", 0, POINTS_MSE, details=failed))
        squares = 0.5 * ((y - t) ** 2).sum()
        wrong = [("mse_divided_by_outputs", squares / c),
                 ("mse_mean_over_entries", squares / (n * c)),
                 ("mse_without_half", 2 * squares / n),
                 ("mse_not_averaged", squares)]
        found, key = _compare("loss", got, mean_squared_error(y, t), wrong)
        if found:
            details.extend([f"y, t of shape {(n, c)}:"] + found)
            mistake = mistake or key
    return report(_result("mean_squared_error", POINTS_MSE, details, mistake))


def check_softmax(student, *, hidden=False):
    """Check softmax(x) -> probabilities along axis 1. x: (N, C) scores, some near +-1000."""
    _require_callable("softmax", student)
    details, mistake, safe_passed = [], None, True
    for x, extreme in _score_cases(hidden):
        got, failed = _call("softmax", student, x.copy())
        if failed:
            return report(CheckResult("softmax", 0, POINTS_SOFTMAX, details=failed))
        found, key = _compare("softmax(x)", got, softmax(x), _softmax_mistakes(x))
        if found:
            kind = "logits near +-1000" if extreme else "ordinary logits"
            details.extend([f"x of shape {x.shape}, {kind}:"] + found)
            mistake = mistake or key
            safe_passed = safe_passed and extreme
    points = POINTS_SOFTMAX if not details else (1 if safe_passed else 0)
    return report(CheckResult("softmax", points, POINTS_SOFTMAX, mistake=mistake,
                              hint=pick_hint(mistake, HINTS, HINTS_ZH), details=details))


def check_cross_entropy_error(student, *, hidden=False):
    """Check cross_entropy_error(y, t) for index labels (N,) (1 point) and one-hot (1 point).

    y: (N, C) probabilities; the mean over the batch of -log y[n, t_n].
    """
    _require_callable("cross_entropy_error", student)
    details, mistakes, points = [], [], POINTS_CROSS_ENTROPY
    for labels in ("index", "one-hot"):
        lines, key = _cross_entropy_part(student, labels, hidden)
        if lines:
            points -= 1
            details.extend(lines)
            mistakes.append(key)
    mistake = next((key for key in mistakes if key), None)
    return report(CheckResult("cross_entropy_error", points, POINTS_CROSS_ENTROPY,
                              mistake=mistake, hint=pick_hint(mistake, HINTS, HINTS_ZH),
                              details=details))


def check_softmax_with_loss(student, *, hidden=False):
    """Check a SoftmaxWithLoss class: forward(x, t) -> loss (1 point), backward() -> dx (1 point).

    x: (N, C) scores; t: (N,) indices or (N, C) one-hot; dx = (softmax(x) - t) / N.
    """
    if not callable(student):
        raise TypeError(f"SoftmaxWithLoss must be a class, got {type(student).__name__}")
    forward_lines, backward_lines = [], []
    forward_mistake = backward_mistake = None
    for x, t in _softmax_with_loss_cases(hidden):
        label = f"x of shape {x.shape}, {'one-hot' if t.ndim == 2 else 'index'} labels"
        layer, failed = _call("SoftmaxWithLoss()", student)
        if failed:
            return report(CheckResult("SoftmaxWithLoss", 0, POINTS_SOFTMAX_WITH_LOSS,
                                      details=failed))
        loss, failed = _call("SoftmaxWithLoss.forward", layer.forward, x.copy(), t.copy())
        if failed:
            return report(CheckResult("SoftmaxWithLoss", 0, POINTS_SOFTMAX_WITH_LOSS,
                                      details=failed))
        reference = SoftmaxWithLoss()
        expected_loss = reference.forward(x, t)
        expected_dx = reference.backward()
        n = x.shape[0]
        found, key = _compare("loss", loss, expected_loss,
                              [("loss_not_divided_by_n", expected_loss * n),
                               ("loss_divided_by_n_twice", expected_loss / n),
                               ("loss_sign", -expected_loss)], rtol=1e-5)
        if found:
            forward_lines.extend([f"forward, {label}:"] + found)
            forward_mistake = forward_mistake or key or _overflow(loss, "softmax_no_max_shift")
        dx, failed = _call("SoftmaxWithLoss.backward", layer.backward)
        if failed:
            backward_lines.extend(failed)
            continue
        targets = t if t.ndim == 2 else one_hot(t, x.shape[1])
        found, key = _compare("dx", dx, expected_dx,
                              [("backward_not_divided_by_n", expected_dx * n),
                               ("backward_divided_by_n_twice", expected_dx / n),
                               ("backward_sign", -expected_dx),
                               ("backward_uses_scores", (x - targets) / n)], rtol=1e-5)
        if found:
            backward_lines.extend([f"backward, {label}:"] + found)
            backward_mistake = backward_mistake or key or _overflow(dx, "softmax_no_max_shift")
    points = POINTS_SOFTMAX_WITH_LOSS - bool(forward_lines) - bool(backward_lines)
    mistake = forward_mistake or backward_mistake
    return report(CheckResult("SoftmaxWithLoss", points, POINTS_SOFTMAX_WITH_LOSS,
                              mistake=mistake, hint=pick_hint(mistake, HINTS, HINTS_ZH),
                              details=forward_lines + backward_lines))


# Cases: each is seeded and fixed, so a check gives the same verdict every time.

def _score_cases(hidden):
    """(x, extreme) pairs: ordinary logits (N != C, a batch of one, ties), then +-1000 rows."""
    rng = np.random.default_rng(32 if hidden else 5)
    ordinary = [rng.normal(scale=3, size=shape)
                for shape in ([(5, 2), (1, 6)] if hidden else [(4, 3), (1, 5)])]
    tied = np.round(rng.normal(size=(3, 4)))
    tied[0] = 2.0
    big = rng.normal(size=(3, 4)) + np.array([[1000.0], [-1000.0], [0.0]])
    if hidden:
        big = big[[1, 0, 2]] * np.array([[1.0], [1.0], [-1.0]])
    return [(x, False) for x in ordinary + [tied]] + [(big, True)]


def _softmax_mistakes(x):
    with np.errstate(all="ignore"):
        exp = np.exp(x)
        column_shift = np.exp(x - x.max(axis=0, keepdims=True))
        batch_shift = np.exp(x - x.max())
        return [("softmax_no_max_shift", exp / exp.sum(axis=1, keepdims=True)),
                ("softmax_wrong_axis", column_shift / column_shift.sum(axis=0, keepdims=True)),
                ("softmax_wrong_axis", column_shift / column_shift.sum(axis=1, keepdims=True)),
                ("softmax_wrong_axis", exp / exp.sum(axis=0, keepdims=True)),
                ("softmax_over_whole_batch", batch_shift / batch_shift.sum()),
                ("max_shift_over_whole_batch",
                 batch_shift / batch_shift.sum(axis=1, keepdims=True))]


def _probabilities(rng, n, c):
    """y: (N, C) rows of probabilities, labels t: (N,) not all alike, each true class >= 0.1."""
    t = rng.permutation(np.arange(n) % c)
    scores = rng.normal(size=(n, c))
    scores[np.arange(n), t] += 2.0
    return softmax(scores), t


def _cross_entropy_part(student, labels, hidden):
    """Detail lines and mistake key for one kind of labels; ([], None) when right."""
    rng = np.random.default_rng((33 if hidden else 6) + (labels == "one-hot"))
    shapes = [(3, 5), (1, 4), (6, 3)] if hidden else [(4, 3), (1, 5), (5, 2)]
    details, mistake = [], None
    for case, (n, c) in enumerate(shapes):
        y, t = _probabilities(rng, n, c)
        if case == len(shapes) - 1:
            # The last case holds exact zeros: row 0 for its true class, row 1 for another.
            y[0] = 0.0
            y[0, (t[0] + 1) % c] = 1.0
            y[1, (t[1] + 1) % c] = 0.0
            y[1] /= y[1].sum()
        given = t if labels == "index" else one_hot(t, c)
        got, failed = _call("cross_entropy_error", student, y.copy(), given.copy())
        label = f"{labels} labels, y of shape {(n, c)}"
        if failed:
            return failed, None
        if case == len(shapes) - 1:
            found = _finite_loss_lines(got)
            key = "log_of_zero" if found else None
        else:
            expected = cross_entropy_error(y, t)
            log_y = np.log(y[np.arange(n), t])
            wrong = [("loss_not_divided_by_n", expected * n),
                     ("loss_divided_by_n_twice", expected / n),
                     ("loss_mean_over_every_entry", expected / c),
                     ("fancy_index_not_paired", -np.log(y[:, t]).sum() / n),
                     ("loss_sign", np.sum(log_y) / n)]
            found, key = _compare("loss", got, expected, wrong, rtol=1e-5)
        if found:
            details.extend([f"{label}:"] + found)
            mistake = mistake or key
    return details, mistake


def _finite_loss_lines(got):
    """Where the true class has probability 0, any finite loss is right."""
    try:
        value = float(np.asarray(got, dtype=np.float64))
    except (TypeError, ValueError):
        return [f"loss is a {type(got).__name__}, expected a number"]
    if np.isfinite(value):
        return []
    return [f"loss is {value} where a probability is exactly 0: expected a finite loss"]


def _softmax_with_loss_cases(hidden):
    """(x, t): index and one-hot labels, a batch of one, scores near 1000 and near -1000."""
    rng = np.random.default_rng(34 if hidden else 7)
    shapes = [(5, 2), (1, 3), (3, 6)] if hidden else [(4, 3), (1, 5), (2, 6)]
    offsets = [-1000.0, 0.0, 1000.0] if hidden else [0.0, 1000.0, -1000.0]
    cases = []
    for index, ((n, c), offset) in enumerate(zip(shapes, offsets)):
        x = rng.normal(scale=2, size=(n, c)) + offset
        t = rng.integers(0, c, size=n)
        cases.append((x, one_hot(t, c) if index % 2 == 0 else t))
    return cases


# Small helpers.

def _compare(name, got, expected, wrong, rtol=1e-6):
    """(detail lines, mistake key): both empty when got agrees with expected."""
    found = differences(name, got, expected, rtol=rtol, atol=1e-9)
    if not found:
        return [], None
    key = next((key for key, answer in wrong if _same(got, answer, rtol)), None)
    return found, key


def _same(got, candidate, rtol):
    """Equal shapes, inf and nan in the same places, the finite entries close."""
    try:
        got = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    candidate = np.asarray(candidate, dtype=np.float64)
    if got.shape != candidate.shape:
        return False
    if not (np.array_equal(np.isnan(got), np.isnan(candidate))
            and np.array_equal(np.isposinf(got), np.isposinf(candidate))
            and np.array_equal(np.isneginf(got), np.isneginf(candidate))):
        return False
    finite = np.isfinite(got)
    return bool(np.allclose(got[finite], candidate[finite], rtol=rtol, atol=1e-9))


def _overflow(value, key):
    """key when value holds inf or nan (the inputs were finite), else None."""
    try:
        return None if np.isfinite(np.asarray(value, dtype=np.float64)).all() else key
    except (TypeError, ValueError):
        return None


def _result(name, max_points, details, mistake):
    if not details:
        return CheckResult(name, max_points, max_points)
    return CheckResult(name, 0, max_points, mistake=mistake,
                       hint=pick_hint(mistake, HINTS, HINTS_ZH), details=details)


def _require_callable(name, student):
    if not callable(student):
        raise TypeError(f"{name} must be a function, got {type(student).__name__}")


def _call(name, function, *args):
    """call_student with floating-point warnings silenced: an overflow is judged by its value."""
    with np.errstate(all="ignore"):
        return call_student(name, function, *args)
