"""Checks for assignment 04: the Affine layer and a two-layer network trained by backprop.

The references are ``nnnumpy.layers.Affine`` (out = x W + b; dx = dout W^T reshaped
like x, dW = x^T dout, db = sum_n dout_n) and the same Affine -> ReLU -> Affine ->
SoftmaxWithLoss network built from the package's layers. The student's classes:

- ``Affine(W, b)`` with ``forward(x)`` and ``backward(dout)`` storing ``dW`` and ``db``;
- ``TwoLayerNet(params)``, params a dict of 'W1' (D, H), 'b1' (H,), 'W2' (H, C),
  'b2' (C,) used as given (not copied), with ``loss(x, t)``, ``predict(x)`` and
  ``gradient(x, t)`` -> a dict of the four gradients, by backpropagation.

The inputs: a square W (where a transposed W still multiplies), non-square W, a batch
of one, images (N, 1, H, W) flattened by the layer, negative and large values.
"""

import numpy as np

from ..gradcheck import CHECK_H, rel_error
from ..gradient import numerical_gradient
from ..layers import Affine, ReLU, SoftmaxWithLoss
from .core import CheckResult, call_student, diagnose, differences, pick_hint, report

HINTS = {
    "bias_not_added": "out = x W + b: add the bias (broadcast over the batch).",
    "w_transposed": "out = x W with W: (D, M); x W^T only works when W is square.",
    "x_not_flattened": "Flatten the input first, x.reshape(x.shape[0], -1), so that images "
                       "(N, 1, 28, 28) become rows (N, 784); keep the original shape for dx.",
    "dx_w_not_transposed": "dx = dout W^T: dout is (N, M) and W is (D, M), so dx = dout @ W.T "
                           "is (N, D).",
    "dx_not_reshaped": "Return dx in the shape x had in forward (dx.reshape(*x_shape)): the "
                       "layer before expects its own shape back.",
    "dw_transposed": "dW = x^T dout is (D, M), the shape of W; dout^T x is its transpose.",
    "db_not_summed": "b is shared by every sample: db = dout.sum(axis=0), of shape (M,), not "
                     "dout itself.",
    "db_summed_over_wrong_axis": "Sum dout over the batch, axis 0, to get db of shape (M,); "
                                 "axis 1 sums over the outputs.",
    "gradients_divided_by_n": "Do not divide by N in Affine: the loss layer already did "
                              "(dout = (p - t) / N), so dividing again gives 1 / N^2.",
    "misnamed_gradient_attribute": "Store the gradients under the names the optimizers "
                                   "read: dW and db, exactly as the parameters W and b.",
    "dout_modified_in_place": "Never write into dout: the caller still owns it.",
    "gradient_missing_keys": "Return a dict with the keys 'W1', 'b1', 'W2', 'b2', each "
                             "gradient shaped like its parameter.",
    "gradients_swapped": "Take each gradient from its own layer: W1 and b1 from the first "
                         "Affine, W2 and b2 from the second.",
    "did_not_learn": "The network did not learn: check the parts above first, then that the "
                     "update is params[key] -= lr * grads[key], in place.",
}

# The same hints in Chinese, printed under NNNUMPY_LANG=zh (see core.language).
HINTS_ZH = {
    "bias_not_added": "out = x W + b：要加上偏置（在批量上广播）。",
    "w_transposed": "out = x W，其中 W: (D, M)；x W^T 只有在 W 是方阵时才能算。",
    "x_not_flattened": "先把输入展平，x.reshape(x.shape[0], -1)，使图像 (N, 1, 28, 28) 变成行 (N, "
                       "784)；保存原来的形状，供 dx 使用。",
    "dx_w_not_transposed": "dx = dout W^T：dout 是 (N, M)，W 是 (D, M)，所以 dx = dout @ W.T 是 "
                           "(N, D)。",
    "dx_not_reshaped": "以 x 在 forward 中的形状返回 dx（dx.reshape(*x_shape)）：前一层期望拿回它"
                       "自己的形状。",
    "dw_transposed": "dW = x^T dout 是 (D, M)，与 W 形状相同；dout^T x 是它的转置。",
    "db_not_summed": "b 由每个样本共享：db = dout.sum(axis=0)，形状为 (M,)，而不是 dout 本身。",
    "db_summed_over_wrong_axis": "沿批量方向（axis 0）对 dout 求和，得到形状为 (M,) 的 db；axis 1 "
                                 "是对输出求和。",
    "gradients_divided_by_n": "不要在 Affine 中除以 N：损失层已经除过了（dout = (p - t) / N），再"
                              "除一次就成了 1 / N^2。",
    "misnamed_gradient_attribute": "梯度要保存在优化器读取的名字下：dW 和 db，与参数 W 和 b 一一对"
                                   "应。",
    "dout_modified_in_place": "绝不要写入 dout：它仍归调用者所有。",
    "gradient_missing_keys": "返回一个字典，键为 'W1'、'b1'、'W2'、'b2'，每个梯度的形状与对应参数"
                             "相同。",
    "gradients_swapped": "每个梯度从它自己的层取：W1 和 b1 来自第一个 Affine，W2 和 b2 来自第二"
                         "个。",
    "did_not_learn": "网络没有学到东西：先检查上面各部分，再检查更新是否为原地的 params[key] -= "
                     "lr * grads[key]。",
}

POINTS_FORWARD = 1
POINTS_BACKWARD = 3
POINTS_GRADIENT = 2
POINTS_TRAINING = 1
GRADIENT_THRESHOLD = 1e-6
PARAM_KEYS = ("W1", "b1", "W2", "b2")
TRAINING_ACCURACY = 0.85


def check_affine_forward(student, *, hidden=False):
    """Check Affine(W, b).forward(x) -> x W + b, x: (N, D) or (N, d1, d2, ...)."""
    _require_class("Affine", student)
    details, mistake, failed_shapes = [], None, []
    for x, W, b, _ in _affine_cases(hidden):
        label = f"x of shape {x.shape}, W of shape {W.shape}"
        layer, failed = _call("Affine(W, b)", student, W.copy(), b.copy())
        if not failed:
            out, failed = _call("Affine.forward", layer.forward, x.copy())
        if failed and "not implemented yet" in failed[0]:
            details = failed
            break
        if failed:
            details.extend([f"{label}:"] + failed)
            failed_shapes.append(x.shape)
            continue
        rows = x.reshape(x.shape[0], -1)
        wrong = [("bias_not_added", rows @ W)]
        if W.shape[0] == W.shape[1]:
            wrong.append(("w_transposed", rows @ W.T + b))
        found = differences("out", out, Affine(W, b).forward(x))
        if found:
            details.extend([f"{label}:"] + found)
            mistake = mistake or diagnose(out, wrong)
    if not mistake and failed_shapes and all(len(shape) > 2 for shape in failed_shapes):
        mistake = "x_not_flattened"
    points = 0 if details else POINTS_FORWARD
    return report(CheckResult("affine_forward", points, POINTS_FORWARD, mistake=mistake,
                              hint=pick_hint(mistake, HINTS, HINTS_ZH), details=details))


def check_affine_backward(student, *, hidden=False):
    """Check Affine.backward(dout) -> dx, storing dW and db: one point for each of the three.

    A layer that raises on any case gets no point; the errors come first in the details.
    """
    _require_class("Affine", student)
    errors, failed_shapes = [], []
    lines = {"dx": [], "dW": [], "db": []}
    keys = {"dx": None, "dW": None, "db": None}
    for x, W, b, dout in _affine_cases(hidden):
        label = f"x of shape {x.shape}, W of shape {W.shape}"
        dout_given = dout.copy()
        layer, failed = _call("Affine(W, b)", student, W.copy(), b.copy())
        if not failed:
            _, failed = _call("Affine.forward", layer.forward, x.copy())
        if not failed:
            dx, failed = _call("Affine.backward", layer.backward, dout_given)
        if failed and "not implemented yet" in failed[0]:
            errors = failed
            break
        if failed:
            errors.extend([f"{label}:"] + failed)
            failed_shapes.append(x.shape)
            continue
        expected = _affine_backward(x, W, dout)
        got = {"dx": dx, "dW": getattr(layer, "dW", None), "db": getattr(layer, "db", None)}
        for name in ("dx", "dW", "db"):
            found = differences(name, got[name], expected[name])
            if found and name != "dx" and got[name] is None:
                found, misnamed = _misnamed(layer, name, expected[name].shape)
                keys[name] = keys[name] or misnamed
            elif found:
                keys[name] = keys[name] or diagnose(got[name],
                                                    _affine_candidates(x, W, dout, name))
            if found:
                lines[name].extend([f"{label}:"] + found)
        if not np.array_equal(dout_given, dout):
            lines["dx"].append(f"{label}: your backward changed the caller's dout")
            keys["dx"] = keys["dx"] or "dout_modified_in_place"
    points = 0 if errors else sum(not found for found in lines.values())
    only_images_failed = failed_shapes and all(len(shape) > 2 for shape in failed_shapes)
    mistake = (keys["dx"] or keys["dW"] or keys["db"]
               or ("x_not_flattened" if only_images_failed else None))
    details = errors + lines["dx"] + lines["dW"] + lines["db"]
    return report(CheckResult("affine_backward", points, POINTS_BACKWARD, mistake=mistake,
                              hint=pick_hint(mistake, HINTS, HINTS_ZH), details=details))


def check_two_layer_gradient(student, *, hidden=False):
    """Check TwoLayerNet(params).gradient(x, t) against the reference and numerical gradients.

    Full points when all four gradients equal the reference's; the details then list,
    for each parameter, the relative error against the numerical gradient (float64).
    """
    _require_class("TwoLayerNet", student)
    params, x, t = _network_case(hidden)
    given = {key: value.copy() for key, value in params.items()}
    network, failed = _call("TwoLayerNet(params)", student, given)
    if not failed:
        grads, failed = _call("TwoLayerNet.gradient", network.gradient, x.copy(), t.copy())
    if failed:
        return report(CheckResult("two_layer_gradient", 0, POINTS_GRADIENT, details=failed))
    if not isinstance(grads, dict) or set(PARAM_KEYS) - set(grads):
        found = sorted(grads) if isinstance(grads, dict) else type(grads).__name__
        return report(CheckResult("two_layer_gradient", 0, POINTS_GRADIENT,
                                  mistake="gradient_missing_keys",
                                  hint=pick_hint("gradient_missing_keys", HINTS, HINTS_ZH),
                                  details=[f"gradient returned {found}"]))
    expected = _network_backprop(params, x, t)
    wrong = []
    for key in PARAM_KEYS:
        wrong.extend(differences(f"grads['{key}']", grads[key], expected[key]))
    mistake = _diagnose_network(grads, params, x, t) if wrong else None
    rows = _numerical_rows(network, given, grads, x, t)
    points = 0 if wrong else POINTS_GRADIENT
    return report(CheckResult("two_layer_gradient", points, POINTS_GRADIENT, mistake=mistake,
                              hint=pick_hint(mistake, HINTS, HINTS_ZH), details=wrong + rows))


def check_training(student, x_train, t_train, x_test, t_test, *, hidden=False,
                   hidden_size=50, epochs=5, batch_size=100, learning_rate=0.5):
    """Train TwoLayerNet(params) by mini-batch SGD with its own gradient; pass at 85% accuracy.

    x_train: (N, D) features; t_train: (N,) class indices; x_test, t_test likewise.
    Each epoch is one pass over a seeded permutation; params are updated in place,
    params[key] -= learning_rate * grads[key]. Prints the test accuracy of each epoch.
    """
    _require_class("TwoLayerNet", student)
    x_train, x_test = np.asarray(x_train, np.float64), np.asarray(x_test, np.float64)
    t_train, t_test = np.asarray(t_train), np.asarray(t_test)
    if x_train.ndim != 2 or t_train.shape != (x_train.shape[0],):
        raise ValueError(f"x_train must be (N, D) and t_train (N,), got {x_train.shape} and "
                         f"{t_train.shape}")
    if not (isinstance(epochs, int) and epochs > 0):
        raise ValueError(f"epochs must be a positive integer, got {epochs!r}")
    rng = np.random.default_rng(45 if hidden else 4)
    classes = int(max(t_train.max(), t_test.max())) + 1
    params = _initial_params(rng, x_train.shape[1], hidden_size, classes)
    network, failed = _call("TwoLayerNet(params)", student, params)
    lines = []
    for epoch in range(1, epochs + 1):
        if not failed:
            failed = _train_epoch(network, params, x_train, t_train, rng.permutation(
                x_train.shape[0]), batch_size, learning_rate)
        if not failed:
            accuracy, failed = _accuracy(network, x_test, t_test)
        if failed:
            return report(CheckResult("training", 0, POINTS_TRAINING, details=lines + failed))
        lines.append(f"epoch {epoch}: test accuracy {accuracy:.4f}")
    if accuracy < TRAINING_ACCURACY:
        lines.append(f"test accuracy {accuracy:.4f} after {epochs} epochs, expected at least "
                     f"{TRAINING_ACCURACY}")
        return report(CheckResult("training", 0, POINTS_TRAINING, mistake="did_not_learn",
                                  hint=pick_hint("did_not_learn", HINTS, HINTS_ZH), details=lines))
    return report(CheckResult("training", POINTS_TRAINING, POINTS_TRAINING, details=lines))


def _train_epoch(network, params, x, t, order, batch_size, learning_rate):
    """One pass over x in the given order, an SGD step per batch; detail lines if it fails."""
    for start in range(0, len(order), batch_size):
        batch = order[start:start + batch_size]
        grads, failed = _call("TwoLayerNet.gradient", network.gradient, x[batch], t[batch])
        failed = failed or _sgd_step(params, grads, learning_rate)
        if failed:
            return failed
    return None


# The reference backward, and the same with one deliberate mistake.

def _right(x, W, dout):
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)


AFFINE_MISTAKES = [
    ("db_not_summed", lambda x, W, dout: (dout @ W.T, x.T @ dout, dout)),
    ("db_summed_over_wrong_axis", lambda x, W, dout: (dout @ W.T, x.T @ dout, dout.sum(axis=1))),
    ("dw_transposed", lambda x, W, dout: (dout @ W.T, dout.T @ x, dout.sum(axis=0))),
    ("gradients_divided_by_n",
     lambda x, W, dout: tuple(g / x.shape[0] for g in _right(x, W, dout))),
    ("dx_w_not_transposed", lambda x, W, dout: (dout @ W, x.T @ dout, dout.sum(axis=0))),
]


def _affine_backward(x, W, dout, rule=_right):
    """{'dx', 'dW', 'db'} by ``rule`` on x flattened to rows, dx shaped like x."""
    dx, dW, db = rule(x.reshape(x.shape[0], -1), W, dout)
    return {"dx": dx.reshape(x.shape), "dW": dW, "db": db}


def _affine_candidates(x, W, dout, name):
    """(mistake key, wrong value of gradient ``name``) for each mistake that can multiply."""
    candidates = []
    for key, rule in AFFINE_MISTAKES:
        try:
            candidates.append((key, _affine_backward(x, W, dout, rule)[name]))
        except ValueError:
            continue
    if name == "dx" and x.ndim > 2:
        candidates.append(("dx_not_reshaped", _affine_backward(x, W, dout)["dx"].reshape(
            x.shape[0], -1)))
    return candidates


def _misnamed(layer, name, shape):
    """(detail lines, mistake key) for a gradient attribute that is missing or None."""
    similar = [attribute for attribute, value in vars(layer).items()
               if attribute != name and isinstance(value, np.ndarray)
               and (attribute.lower() == name.lower()
                    or (value.shape == shape and "grad" in attribute.lower()))]
    if similar:
        found = ", ".join(f"{attribute} (an array of shape {getattr(layer, attribute).shape})"
                          for attribute in similar)
        return [f"no {name} after backward; found {found}: store the gradient as "
                f"self.{name}"], "misnamed_gradient_attribute"
    return [f"no {name} after backward (the layer has {sorted(vars(layer))}): store the "
            f"gradient as self.{name}"], None


# The two-layer network: seeded cases, the reference backprop and its mistakes.

def _affine_cases(hidden):
    """(x, W, b, dout): square W first (where W^T still multiplies), non-square, N = 1, images."""
    rng = np.random.default_rng(46 if hidden else 8)
    shapes = ([((5, 3), 3), ((3, 2), 6), ((1, 4), 3), ((3, 1, 2, 2), 5)] if hidden
              else [((3, 4), 4), ((4, 3), 5), ((1, 3), 2), ((2, 1, 3, 3), 4)])
    cases = []
    for x_shape, m in shapes:
        x = rng.normal(size=x_shape) * np.where(rng.random(x_shape) < 0.2, 50.0, 1.0)
        d = int(np.prod(x_shape[1:]))
        W = rng.normal(size=(d, m))
        b = rng.normal(size=m)
        dout = rng.normal(size=(x_shape[0], m))
        cases.append((x, W, b, dout))
    return cases


def _initial_params(rng, input_size, hidden_size, output_size):
    """He-scaled weights and zero biases, float64."""
    return {"W1": rng.normal(size=(input_size, hidden_size)) * np.sqrt(2 / input_size),
            "b1": np.zeros(hidden_size),
            "W2": rng.normal(size=(hidden_size, output_size)) * np.sqrt(2 / hidden_size),
            "b2": np.zeros(output_size)}


def _network_case(hidden):
    """params (D=6, H=5, C=4 or D=5, H=7, C=3), x: (N, D) with N = 3 or 4, index labels."""
    rng = np.random.default_rng(47 if hidden else 9)
    d, h, c, n = (5, 7, 3, 4) if hidden else (6, 5, 4, 3)
    params = {"W1": rng.normal(size=(d, h)), "b1": rng.normal(size=h),
              "W2": rng.normal(size=(h, c)) * 0.5, "b2": rng.normal(size=c)}
    x = rng.normal(size=(n, d))
    t = rng.permutation(np.arange(n) % c)
    return params, x, t


def _network_backprop(params, x, t, rule=_right):
    """The four gradients of Affine -> ReLU -> Affine -> SoftmaxWithLoss, Affine by ``rule``."""
    hidden_in = x @ params["W1"] + params["b1"]
    relu = ReLU()
    hidden_out = relu.forward(hidden_in)
    loss = SoftmaxWithLoss()
    loss.forward(hidden_out @ params["W2"] + params["b2"], t)
    d_hidden, dW2, db2 = rule(hidden_out, params["W2"], loss.backward())
    _, dW1, db1 = rule(x, params["W1"], relu.backward(d_hidden))
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def _diagnose_network(grads, params, x, t):
    """The Affine mistake (or swapped layers) that reproduces all four gradients, else None."""
    expected = _network_backprop(params, x, t)
    candidates = [("gradients_swapped", {"W1": expected["W2"], "b1": expected["b2"],
                                         "W2": expected["W1"], "b2": expected["b1"]})]
    for key, rule in AFFINE_MISTAKES:
        try:
            candidates.append((key, _network_backprop(params, x, t, rule)))
        except ValueError:
            continue
    for key, answer in candidates:
        if all(diagnose(grads[name], [(key, answer[name])]) == key for name in PARAM_KEYS):
            return key
    return None


def _numerical_rows(network, params, grads, x, t):
    """One line per parameter: relative error of the backprop gradient against central differences.

    params: the dict the network was built with; nudging its arrays in place must change
    the network's loss.
    """
    rows = []
    for key in PARAM_KEYS:
        analytic = grads[key]
        if not isinstance(analytic, np.ndarray) or analytic.shape != params[key].shape:
            continue

        def loss(_, network=network):
            return float(network.loss(x, t))

        numeric, failed = _call(f"TwoLayerNet.loss (nudging {key})", numerical_gradient, loss,
                                params[key], CHECK_H)
        if failed:
            return failed
        error = rel_error(analytic, numeric)
        verdict = "agrees" if error < GRADIENT_THRESHOLD else "DIFFERS"
        rows.append(f"{key} {params[key].shape}: relative error {error:.1e} against the "
                    f"numerical gradient ({verdict})")
    return rows


def _sgd_step(params, grads, learning_rate):
    """params[key] -= learning_rate * grads[key] in place; detail lines if grads do not fit."""
    if not isinstance(grads, dict) or set(PARAM_KEYS) - set(grads):
        return ["TwoLayerNet.gradient must return a dict with 'W1', 'b1', 'W2', 'b2'"]
    for key in PARAM_KEYS:
        if np.shape(grads[key]) != params[key].shape:
            return [f"grads['{key}'] has shape {np.shape(grads[key])}, expected "
                    f"{params[key].shape}"]
        params[key] -= learning_rate * grads[key]
    return None


def _accuracy(network, x, t):
    """(fraction of argmax(predict(x)) == t, None), or (None, detail lines)."""
    scores, failed = _call("TwoLayerNet.predict", network.predict, x)
    if failed:
        return None, failed
    if np.ndim(scores) != 2 or np.shape(scores)[0] != x.shape[0]:
        return None, [f"predict returned shape {np.shape(scores)}, expected ({x.shape[0]}, C)"]
    return float(np.mean(np.argmax(scores, axis=1) == t)), None


# Small helpers.

def _require_class(name, student):
    if not callable(student):
        raise TypeError(f"{name} must be a class, got {type(student).__name__}")


def _call(name, function, *args):
    """call_student with floating-point warnings silenced: an overflow is judged by its value."""
    with np.errstate(all="ignore"):
        return call_student(name, function, *args)
