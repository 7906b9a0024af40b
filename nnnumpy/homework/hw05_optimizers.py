"""Checks for assignment 05: the SGD, Momentum and Adam updates.

A student's optimizer follows the protocol of ``nnnumpy.optimizers``: built with its
hyper-parameters as keywords (``Momentum(lr=0.1, momentum=0.9)``), it has
``update(params, grads)``, which changes the arrays of ``params`` in place (the
network's layers hold the same arrays) and keeps its state (velocities, moments) per
key. Each check runs four updates on two sets of parameters (two weights of the same
shape; a weight and a bias of different shapes), with gradients that mix tiny
(about 1e-3), ordinary and large (about 50) values of both signs, and compares the
parameters after every step with the package's optimizer. Several steps are needed:
a velocity that is reset every step looks right after the first one.

Adam is checked with eps = 1e-4 (larger than usual) so that where eps goes shows.
Both forms of the bias correction are accepted: the package's (the corrections folded
into the step size, lr_t = lr sqrt(1 - beta2^t) / (1 - beta1^t)) and the paper's
Algorithm 1 (m_hat = m / (1 - beta1^t), v_hat = v / (1 - beta2^t)).
"""

import math

import numpy as np

from .. import optimizers
from .core import CheckResult, call_student, diagnose, differences, report, verdict

HINTS = {
    "replaced_not_in_place": "Update the arrays in place (params[key] -= ..., or "
                             "params[key] += v): params[key] = params[key] - ... makes a new "
                             "array, and the network's layers keep the old one, so the "
                             "network never learns.",
    "grads_modified": "update must not write into grads (grads[key] *= ...): compute new "
                      "arrays from them.",
    "params_unchanged": "update changed nothing: write into the arrays of params "
                        "(params[key] -= ...); W = W - ... only rebinds a local name.",
    "wrong_sign": "Gradient descent goes against the gradient: W <- W - lr * dW.",
    "lr_ignored": "Multiply the gradient by the learning rate self.lr.",
    "lr_applied_twice": "The learning rate multiplies the step once; here it seems to be "
                        "applied twice (lr * lr * dW).",
    "momentum_sign": "The velocity accumulates minus the gradient: v <- momentum * v - lr * dW, "
                     "then W <- W + v. With + lr * dW the parameters climb the loss.",
    "shared_velocity": "Keep one velocity per parameter (a dict keyed like params, e.g. "
                       "self.v[key]): a single velocity mixes the steps of different "
                       "parameters.",
    "velocity_reset": "The velocity must live across updates (store it on self, create it "
                      "only on the first update): a velocity started from zero at every "
                      "update makes Momentum plain SGD.",
    "no_bias_correction": "Adam's moments start at zero, so early estimates are too small: "
                          "correct them with 1 - beta1^t and 1 - beta2^t (t = 1, 2, ... the "
                          "number of updates so far).",
    "eps_inside_sqrt": "eps goes outside the square root: m / (sqrt(v) + eps), not "
                       "m / sqrt(v + eps).",
    "step_counted_per_parameter": "Count the step t once per call of update, not once per "
                                  "parameter: every parameter of one update shares the same t.",
}

# The same hints in Chinese, printed under NNNUMPY_LANG=zh (see core.language).
HINTS_ZH = {
    "replaced_not_in_place": "要原地更新数组（params[key] -= ... 或 params[key] += v）："
                             "params[key] = params[key] - ... 会生成一个新数组，而网络的各层仍持有"
                             "旧数组，于是网络永远学不到东西。",
    "grads_modified": "update 不能写入 grads（grads[key] *= ...）：请由它们计算出新的数组。",
    "params_unchanged": "update 什么也没改变：要写入 params 中的数组（params[key] -= ...）；W = W "
                        "- ... 只是重新绑定了一个局部变量名。",
    "wrong_sign": "梯度下降沿梯度的反方向走：W <- W - lr * dW。",
    "lr_ignored": "梯度要乘以学习率 self.lr。",
    "lr_applied_twice": "学习率只乘一次；这里似乎乘了两次（lr * lr * dW）。",
    "momentum_sign": "速度累积的是负梯度：v <- momentum * v - lr * dW，然后 W <- W + v。如果写成 "
                     "+ lr * dW，参数会沿损失往上爬。",
    "shared_velocity": "每个参数各有一个速度（一个与 params 同键的字典，例如 self.v[key]）：只用一"
                       "个速度会把不同参数的更新步混在一起。",
    "velocity_reset": "速度必须在多次更新之间保留（保存在 self 上，只在第一次更新时创建）：每次更"
                      "新都从零开始的速度会让 Momentum 退化成普通的 SGD。",
    "no_bias_correction": "Adam 的矩从零开始，所以早期的估计偏小：用 1 - beta1^t 和 1 - beta2^t 来"
                          "校正（t = 1, 2, ... 为目前为止的更新次数）。",
    "eps_inside_sqrt": "eps 放在平方根外面：m / (sqrt(v) + eps)，而不是 m / sqrt(v + eps)。",
    "step_counted_per_parameter": "每调用一次 update 才把步数 t 加一，而不是每个参数加一次：同一次"
                                  "更新中的所有参数共用同一个 t。",
}

STEPS = 4


def check_sgd(student, *, hidden=False):
    """Check an SGD class built as SGD(lr=...): W <- W - lr dW, in place."""
    lr = 0.05 if hidden else 0.1
    mistakes = ["wrong_sign", "lr_ignored", "lr_applied_twice"]
    return _check_optimizer("SGD", student, {"lr": lr}, optimizers.SGD, _sgd_steps, mistakes,
                            max_points=1, hidden=hidden)


def check_momentum(student, *, hidden=False):
    """Check a Momentum class built as Momentum(lr=..., momentum=...).

    v <- momentum v - lr dW;  W <- W + v, one velocity per key, kept across updates.
    """
    hyper = {"lr": 0.05, "momentum": 0.8} if hidden else {"lr": 0.1, "momentum": 0.9}
    mistakes = ["momentum_sign", "shared_velocity", "velocity_reset", "lr_applied_twice"]
    return _check_optimizer("Momentum", student, hyper, optimizers.Momentum, _momentum_steps,
                            mistakes, max_points=2, hidden=hidden)


def check_adam(student, *, hidden=False):
    """Check an Adam class built as Adam(lr=..., beta1=..., beta2=..., eps=...)."""
    hyper = ({"lr": 0.02, "beta1": 0.8, "beta2": 0.99, "eps": 1e-4} if hidden
             else {"lr": 0.01, "beta1": 0.9, "beta2": 0.999, "eps": 1e-4})
    mistakes = ["no_bias_correction", "eps_inside_sqrt", "step_counted_per_parameter",
                "lr_applied_twice"]
    return _check_optimizer("Adam", student, hyper, optimizers.Adam, _adam_steps, mistakes,
                            max_points=2, hidden=hidden, accepted=["paper_form"])


def _cases(hidden):
    """(params, [grads per step]) pairs: two weights of one shape; a weight and its bias."""
    rng = np.random.default_rng(52 if hidden else 5)
    layouts = ([{"W1": (4, 3), "W2": (4, 3)}, {"W": (3, 6), "b": (6,)}] if hidden
               else [{"W1": (3, 4), "W2": (3, 4)}, {"W": (2, 5), "b": (5,)}])
    cases = []
    for shapes in layouts:
        params = {key: rng.normal(size=shape) for key, shape in shapes.items()}
        steps = []
        for _ in range(STEPS):
            grads = {}
            for key, shape in shapes.items():
                scale = rng.choice([1e-3, 1.0, 50.0], size=shape)   # tiny, usual and large
                grads[key] = scale * rng.uniform(0.2, 1.0, size=shape) \
                    * rng.choice([-1.0, 1.0], size=shape)
            steps.append(grads)
        cases.append((params, steps))
    return cases


def _copy(arrays):
    return {key: np.array(value, dtype=np.float64) for key, value in arrays.items()}


def _reference_steps(reference_class, hyper, params, steps):
    """The parameters after each update of the package's optimizer."""
    optimizer = reference_class(**hyper)
    params = _copy(params)
    trajectory = []
    for grads in steps:
        optimizer.update(params, _copy(grads))
        trajectory.append(_copy(params))
    return trajectory


def _sgd_steps(params, steps, lr, mistake=None):
    """The reference update written out, with one deliberate mistake (or none)."""
    params = _copy(params)
    trajectory = []
    for grads in steps:
        for key in params:
            step = {"lr_ignored": 1.0, "lr_applied_twice": lr * lr}.get(mistake, lr) * grads[key]
            params[key] = params[key] + step if mistake == "wrong_sign" else params[key] - step
        trajectory.append(_copy(params))
    return trajectory


def _momentum_steps(params, steps, lr, momentum, mistake=None):
    params = _copy(params)
    velocity, shared, trajectory = {}, None, []
    for grads in steps:
        for key in params:
            if mistake == "shared_velocity":
                v = np.zeros_like(params[key]) if shared is None else shared
            elif mistake == "velocity_reset":
                v = np.zeros_like(params[key])
            else:
                v = velocity.get(key, np.zeros_like(params[key]))
            step = (lr * lr if mistake == "lr_applied_twice" else lr) * grads[key]
            v = momentum * v + step if mistake == "momentum_sign" else momentum * v - step
            velocity[key] = shared = v
            params[key] = params[key] + v
        trajectory.append(_copy(params))
    return trajectory


def _adam_steps(params, steps, lr, beta1, beta2, eps, mistake=None):
    """Adam written out; mistake may also be 'paper_form', a correct variant."""
    params = _copy(params)
    m = {key: np.zeros_like(value) for key, value in params.items()}
    v = {key: np.zeros_like(value) for key, value in params.items()}
    t, trajectory = 0, []
    if mistake == "lr_applied_twice":
        lr = lr * lr
    for grads in steps:
        if mistake != "step_counted_per_parameter":
            t += 1
        for key in params:
            if mistake == "step_counted_per_parameter":
                t += 1
            g = grads[key]
            m[key] = beta1 * m[key] + (1 - beta1) * g
            v[key] = beta2 * v[key] + (1 - beta2) * g ** 2
            if mistake == "paper_form":
                m_hat, v_hat = m[key] / (1 - beta1 ** t), v[key] / (1 - beta2 ** t)
                params[key] = params[key] - lr * m_hat / (np.sqrt(v_hat) + eps)
                continue
            lr_t = lr if mistake == "no_bias_correction" else \
                lr * math.sqrt(1 - beta2 ** t) / (1 - beta1 ** t)
            root = np.sqrt(v[key] + eps) if mistake == "eps_inside_sqrt" else np.sqrt(v[key]) + eps
            params[key] = params[key] - lr_t * m[key] / root
        trajectory.append(_copy(params))
    return trajectory


def _student_steps(name, student, hyper, params, steps):
    """Run the student's optimizer: (trajectory, None, None) or (None, details, mistake)."""
    arguments = ", ".join(f"{key}={value}" for key, value in hyper.items())
    optimizer, failed = call_student(f"{name}({arguments})", student, **hyper)
    if failed:
        return None, failed, None
    params = _copy(params)
    arrays = dict(params)     # the objects a network's layers would hold
    trajectory = []
    for number, grads in enumerate(steps, start=1):
        given = _copy(grads)
        _, failed = call_student(f"{name}.update", getattr(optimizer, "update", None)
                                 or _missing_update, params, given)
        if failed:
            return None, [f"update {number}: {line}" for line in failed], None
        replaced = [key for key in arrays if params.get(key) is not arrays[key]]
        if replaced:
            return None, [f"after update {number}, params[{replaced[0]!r}] is a new array "
                          "object: the network's layers still hold the old one"], \
                "replaced_not_in_place"
        if any(not np.array_equal(given[key], grads[key]) for key in grads):
            return None, [f"update {number} changed the gradients it was given"], \
                "grads_modified"
        trajectory.append(_copy(params))
    return trajectory, None, None


def _missing_update(params, grads):
    raise AttributeError("the optimizer has no update(params, grads) method")


def _flat(trajectory):
    """Every parameter after every step, as one vector (to compare with a wrong answer)."""
    return np.concatenate([step[key].ravel() for step in trajectory for key in sorted(step)])


def _trajectory_differences(got, expected):
    """Lines for the first step whose parameters differ; empty when every step agrees."""
    for number, (got_step, expected_step) in enumerate(zip(got, expected), start=1):
        for key in expected_step:
            lines = differences(f"params[{key!r}]", got_step[key], expected_step[key])
            if lines:
                return [f"after update {number}: {line}" for line in lines]
    return []


def _check_optimizer(name, student, hyper, reference_class, simulate, mistakes, max_points,
                     hidden, accepted=()):
    """Run the student's optimizer on every case and compare every step with the reference."""
    if not callable(student):
        raise TypeError(f"{name} must be a class, got {type(student).__name__}")
    for params, steps in _cases(hidden):
        got, failed, mistake = _student_steps(name, student, hyper, params, steps)
        if failed:
            return report(verdict(name, max_points, failed, mistake, HINTS, HINTS_ZH))
        expected = _reference_steps(reference_class, hyper, params, steps)
        alternatives = [simulate(params, steps, **hyper, mistake=form) for form in accepted]
        if any(not _trajectory_differences(got, other) for other in alternatives):
            continue
        lines = _trajectory_differences(got, expected)
        if lines:
            shapes = ", ".join(f"{key}: {value.shape}" for key, value in params.items())
            candidates = [("params_unchanged", _flat([_copy(params)] * len(steps)))]
            for key in mistakes:
                try:
                    candidates.append((key, _flat(simulate(params, steps, **hyper,
                                                           mistake=key))))
                except ValueError:   # e.g. one velocity for two shapes cannot even be added
                    continue
            try:
                found = diagnose(_flat(got), candidates)
            except (ValueError, KeyError):
                found = None
            return report(verdict(name, max_points, [f"with params {shapes}"] + lines, found,
                                  HINTS, HINTS_ZH))
    return report(CheckResult(name, max_points, max_points))
