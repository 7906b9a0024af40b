"""Checks for assignment 06: L2/L1 penalties, dropout and batch normalisation.

The penalties follow ``nnnumpy.networks.MultiLayerNet``: (lambda / 2) sum W^2 + l1_lambda
sum |W| over the weights W1, W2, ... and never the biases, with gradients lambda W +
l1_lambda sign(W). The check builds such a network and asks it (the reference).

Dropout is inverted dropout, as ``nnnumpy.layers.Dropout``: the mask is drawn in
forward, kept for backward, and divided by the keep probability 1 - ratio, and test
mode changes nothing. The check reads the student's mask off the output (the inputs
have no zeros), so any way of drawing it passes; it then fixes that mask in the
package's layer (``fixed = True``) and compares forward and backward with it.

Batch normalisation follows ``nnnumpy.layers.BatchNormalization`` on (N, D) inputs:
batch statistics and running averages in training, running averages at test time.
The inputs have features of very different scales (one with a variance far below
1, where eps matters) and test batches of one sample.
"""

import numpy as np

from .. import layers
from ..gradcheck import rel_error
from ..networks import MultiLayerNet
from .core import CheckResult, call_student, diagnose, differences, pick_hint, report

HINTS = {
    "l2_on_biases": "Penalise the weights only (the keys W1, W2, ...), not the biases: a "
                    "large bias does not make the network overfit.",
    "l2_missing_half": "The package's L2 penalty is (lambda / 2) sum W^2, so that its "
                       "gradient is exactly lambda W: keep the 1/2.",
    "l2_gradient_doubled": "With the 1/2 in the penalty, the gradient of (lambda / 2) W^2 is "
                           "lambda W, not 2 lambda W.",
    "l1_gradient_not_sign": "The derivative of |W| is sign(W) (+1 or -1), so the L1 "
                            "gradient is l1_lambda * sign(W), whatever the size of W.",
    "l1_on_biases": "Penalise the weights only, not the biases, in L1 as in L2.",
    "penalty_not_added": "Add both penalties: L2 when l2_lambda > 0 and L1 when l1_lambda > 0.",
    "nothing_dropped": "In training mode dropout sets each unit to 0 with probability "
                       "dropout_ratio: draw a mask in forward.",
    "keep_and_drop_swapped": "dropout_ratio is the fraction dropped: keep a unit where "
                             "rng.random(x.shape) >= dropout_ratio.",
    "dropout_not_rescaled": "Inverted dropout divides the kept units by the keep "
                            "probability 1 - dropout_ratio, so that the expected "
                            "activation stays the same and test mode needs no scaling.",
    "rescaled_the_wrong_way": "Divide by the keep probability 1 - dropout_ratio; do not "
                              "multiply by it.",
    "dropout_at_test_time": "At test time (train=False) dropout does nothing: return x "
                            "unchanged, with no mask.",
    "test_time_scaled": "Inverted dropout already scaled at training time: at test time "
                        "return x as it is, without multiplying by 1 - dropout_ratio.",
    "mask_redrawn_in_backward": "Backward must use the mask forward drew (store it on self): "
                                "a new mask sends the gradient to units that were dropped.",
    "backward_not_rescaled": "Backward multiplies by the same scaled mask as forward: "
                             "mask / (1 - dropout_ratio).",
    "backward_ignores_mask": "Backward: dx = dout * mask / (1 - dropout_ratio); dropped "
                             "units get no gradient.",
    "dout_modified_in_place": "Never write into dout: return a new array.",
    "eps_outside_sqrt": "Normalise with sqrt(var + eps): eps goes inside the square root.",
    "unbiased_variance": "Batch norm uses the batch's plain variance, the mean of "
                         "(x - mu)^2 (x.var(axis=0)), not the one divided by N - 1.",
    "statistics_over_features": "The mean and variance are per feature, over the batch: "
                                "axis=0 of x: (N, D).",
    "running_average_weights_swapped": "running = momentum * running + (1 - momentum) * "
                                       "batch: the old value keeps the weight momentum.",
    "running_average_not_updated": "In training mode, update running_mean and running_var "
                                   "from the batch's mean and variance (in place).",
    "test_uses_batch_statistics": "At test time (train=False) use running_mean and "
                                  "running_var, not the test batch's own statistics (a "
                                  "batch of one sample would become all beta).",
    "bn_backward_without_mean_terms": "x enters the mean and the variance too: "
                                      "dx = (gamma / std) * (dout - mean(dout) - xn * "
                                      "mean(dout * xn)), means over the batch, not just "
                                      "dout * gamma / std.",
    "bn_backward_missing_variance_term": "Keep the term of the variance: dx = (gamma / std) "
                                         "* (dout - mean(dout) - xn * mean(dout * xn)).",
    "bn_backward_gamma_missing": "The output is gamma * xn + beta, so dx carries the factor "
                                 "gamma / std.",
    "dgamma_dbeta_not_summed": "gamma and beta are shared by every sample of the batch: sum "
                               "dout * xn and dout over axis 0, giving shape (D,).",
    "dgamma_dbeta_swapped": "dbeta = sum of dout, dgamma = sum of dout * xn.",
}

# The same hints in Chinese, printed under NNNUMPY_LANG=zh (see core.language).
HINTS_ZH = {
    "l2_on_biases": "只惩罚权重（键 W1、W2、...），不惩罚偏置：偏置大并不会让网络过拟合。",
    "l2_missing_half": "本包的 L2 惩罚项是 (lambda / 2) sum W^2，这样它的梯度恰好是 lambda W：保留"
                       " 1/2。",
    "l2_gradient_doubled": "惩罚项中有 1/2，所以 (lambda / 2) W^2 的梯度是 lambda W，而不是 2 "
                           "lambda W。",
    "l1_gradient_not_sign": "|W| 的导数是 sign(W)（+1 或 -1），所以 L1 的梯度是 l1_lambda * "
                            "sign(W)，与 W 的大小无关。",
    "l1_on_biases": "L1 和 L2 一样，只惩罚权重，不惩罚偏置。",
    "penalty_not_added": "两个惩罚项都要加上：l2_lambda > 0 时加 L2，l1_lambda > 0 时加 L1。",
    "nothing_dropped": "在训练模式下，Dropout 以 dropout_ratio 的概率把每个单元置为 0：在 forward "
                       "中抽取一个掩码。",
    "keep_and_drop_swapped": "dropout_ratio 是被丢弃的比例：在 rng.random(x.shape) >= "
                             "dropout_ratio 的地方保留单元。",
    "dropout_not_rescaled": "反向 Dropout（inverted dropout）把保留下来的单元除以保留概率 1 - "
                            "dropout_ratio，这样激活值的期望不变，测试时也就不需要缩放。",
    "rescaled_the_wrong_way": "除以保留概率 1 - dropout_ratio；不要乘以它。",
    "dropout_at_test_time": "测试时（train=False）Dropout 什么也不做：原样返回 x，不用掩码。",
    "test_time_scaled": "反向 Dropout 在训练时已经缩放过了：测试时原样返回 x，不要再乘以 1 - "
                        "dropout_ratio。",
    "mask_redrawn_in_backward": "backward 必须使用 forward 抽取的那个掩码（保存在 self 上）：新的"
                                "掩码会把梯度传给已被丢弃的单元。",
    "backward_not_rescaled": "backward 乘以与 forward 相同的、缩放过的掩码：mask / (1 - "
                             "dropout_ratio)。",
    "backward_ignores_mask": "backward：dx = dout * mask / (1 - dropout_ratio)；被丢弃的单元得不到"
                             "梯度。",
    "dout_modified_in_place": "绝不要写入 dout：请返回一个新数组。",
    "eps_outside_sqrt": "用 sqrt(var + eps) 归一化：eps 放在平方根里面。",
    "unbiased_variance": "批归一化使用批量的普通方差，即 (x - mu)^2 的平均值（x.var(axis=0)），而"
                         "不是除以 N - 1 的那个。",
    "statistics_over_features": "均值和方差是按特征、在批量上求的：对 x: (N, D) 取 axis=0。",
    "running_average_weights_swapped": "running = momentum * running + (1 - momentum) * batch：旧"
                                       "值的权重是 momentum。",
    "running_average_not_updated": "在训练模式下，要用批量的均值和方差（原地）更新 running_mean 和"
                                   " running_var。",
    "test_uses_batch_statistics": "测试时（train=False）使用 running_mean 和 running_var，而不是测"
                                  "试批量自己的统计量（只有一个样本的批量会全部变成 beta）。",
    "bn_backward_without_mean_terms": "x 也参与了均值和方差的计算：dx = (gamma / std) * (dout - "
                                      "mean(dout) - xn * mean(dout * xn))，均值在批量上求，而不只"
                                      "是 dout * gamma / std。",
    "bn_backward_missing_variance_term": "保留方差那一项：dx = (gamma / std) * (dout - mean(dout) "
                                         "- xn * mean(dout * xn))。",
    "bn_backward_gamma_missing": "输出是 gamma * xn + beta，所以 dx 带有因子 gamma / std。",
    "dgamma_dbeta_not_summed": "gamma 和 beta 由批量中的每个样本共享：沿 axis 0 对 dout * xn 和 "
                               "dout 求和，得到形状 (D,)。",
    "dgamma_dbeta_swapped": "dbeta = dout 之和，dgamma = dout * xn 之和。",
}

REGULARIZATION_POINTS = 2
DROPOUT_POINTS = 2
BATCHNORM_FORWARD_POINTS = 2
BATCHNORM_BACKWARD_POINTS = 3


# ------------------------------------------------------------------------ penalties
def check_regularization(student, *, hidden=False):
    """Check regularization(params, l2_lambda, l1_lambda) -> (penalty, grads).

    penalty = (l2_lambda / 2) sum W^2 + l1_lambda sum |W| over W1, W2, ...;
    grads: a dict with every key of params, l2_lambda W + l1_lambda sign(W) for the
    weights and zeros for the biases. One point for the penalty, one for the gradients.
    """
    _check_callable("regularization", student)
    rng = np.random.default_rng(63 if hidden else 6)
    sizes = (5, [3], 4) if hidden else (3, [4], 2)
    lambdas = [(0.3, 0.0), (0.0, 0.2), (0.1, 0.05)] if hidden else \
        [(0.1, 0.0), (0.0, 0.05), (0.2, 0.1)]
    network = MultiLayerNet(*sizes, dtype=np.float64)
    params = {}
    for key, value in network.params.items():
        values = rng.uniform(0.5, 3.0, size=value.shape) * rng.choice([-1.0, 1.0], value.shape)
        values.flat[::5] *= 40.0      # large weights, where sign(W) and W part ways
        params[key] = values
    value_lines, grad_lines, value_mistake, grad_mistake = [], [], None, None
    for l2_lambda, l1_lambda in lambdas:
        expected_value, expected_grads = _reference_penalty(sizes, params, l2_lambda, l1_lambda)
        answer, failed = call_student("regularization", student, _copy(params), l2_lambda,
                                      l1_lambda)
        if failed:
            return report(CheckResult("regularization", 0, REGULARIZATION_POINTS,
                                      details=failed))
        if not isinstance(answer, tuple) or len(answer) != 2:
            return report(CheckResult("regularization", 0, REGULARIZATION_POINTS, details=[
                "regularization must return a pair (penalty, grads), got "
                f"{type(answer).__name__}"]))
        value, grads = answer
        label = f"with l2_lambda={l2_lambda}, l1_lambda={l1_lambda}"
        candidates = [(key, _penalty_variant(params, l2_lambda, l1_lambda, key))
                      for key in _PENALTY_VARIANTS]
        if not value_lines:
            value_lines = _labelled(label, differences("penalty", value, expected_value))
            if value_lines:
                value_mistake = diagnose(value, [(key, v) for key, (v, _) in candidates])
        if not grad_lines:
            grad_lines = _labelled(label, _dict_differences("grads", grads, expected_grads))
            if grad_lines:
                grad_mistake = diagnose(_flat(grads, expected_grads),
                                        [(key, _flat(g, expected_grads))
                                         for key, (_, g) in candidates])
    points = int(not value_lines) + int(not grad_lines)
    mistake = value_mistake or grad_mistake
    return report(CheckResult("regularization", points, REGULARIZATION_POINTS, mistake=mistake,
                              hint=pick_hint(mistake, HINTS, HINTS_ZH),
                              details=value_lines + grad_lines))


_PENALTY_VARIANTS = ["l2_on_biases", "l2_missing_half", "l2_gradient_doubled",
                     "l1_gradient_not_sign", "l1_on_biases", "penalty_not_added"]


def _reference_penalty(sizes, params, l2_lambda, l1_lambda):
    """The package's penalty and its gradient, from a network holding these params."""
    network = MultiLayerNet(*sizes, weight_decay_lambda=l2_lambda, l1_lambda=l1_lambda,
                            dtype=np.float64)
    for key, value in params.items():
        network.params[key][...] = value
    grads = {key: np.zeros_like(value) for key, value in params.items()}
    network.add_regularization_gradient(grads)
    return float(network.regularization_loss()), grads


def _penalty_variant(params, l2_lambda, l1_lambda, mistake):
    """The penalty and gradients with one deliberate mistake."""
    value, grads = 0.0, {}
    for key, W in params.items():
        weight = key.startswith("W")
        l2 = l2_lambda if weight or mistake == "l2_on_biases" else 0.0
        l1 = l1_lambda if weight or mistake == "l1_on_biases" else 0.0
        half = 1.0 if mistake == "l2_missing_half" else 0.5
        if mistake == "penalty_not_added":
            l1 = 0.0 if l2 else l1
        value += half * l2 * (W ** 2).sum() + l1 * np.abs(W).sum()
        l2_grad = 2 * l2 * W if mistake == "l2_gradient_doubled" else l2 * W
        l1_grad = l1 * W if mistake == "l1_gradient_not_sign" else l1 * np.sign(W)
        grads[key] = l2_grad + l1_grad
    return value, grads


# -------------------------------------------------------------------------- dropout
def check_dropout(student, *, hidden=False):
    """Check a Dropout class built as Dropout(dropout_ratio=..., seed=...).

    forward(x, train=True): x * mask / (1 - ratio) in training, x at test time;
    backward(dout): dout * mask / (1 - ratio) with forward's mask. One point for
    forward (training and test mode), one for backward.
    """
    _check_callable("Dropout", student)
    ratio = 0.3 if hidden else 0.2
    rng = np.random.default_rng(64 if hidden else 7)
    shapes = [(1, 300), (7, 40), (2, 3, 30)] if hidden else [(1, 200), (6, 50), (2, 4, 25)]
    forward_lines, backward_lines, forward_mistake, backward_mistake = [], [], None, None
    for number, shape in enumerate(shapes):
        x = rng.uniform(0.5, 5.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)
        dout = rng.normal(size=shape) + np.sign(rng.normal(size=shape))   # no zeros
        arguments = {"dropout_ratio": ratio, "seed": 100 + number}
        label = f"x of shape {shape}"
        layer, failed = call_student(f"Dropout(dropout_ratio={ratio})", student, **arguments)
        if failed:
            return report(CheckResult("Dropout", 0, DROPOUT_POINTS, details=failed))
        out, failed = call_student("Dropout.forward", layer.forward, x.copy(), train=True)
        if failed:
            return report(CheckResult("Dropout", 0, DROPOUT_POINTS, details=failed))
        keep = np.asarray(out) != 0 if np.shape(out) == shape else np.ones(shape, dtype=bool)
        reference = layers.Dropout(ratio)
        reference.fixed = True
        reference.scaled_mask = keep / (1 - ratio)     # the student's mask, in the reference
        if not forward_lines:
            lines, mistake = _dropout_forward_differences(out, reference.forward(x.copy()),
                                                          x, keep, ratio)
            forward_lines, forward_mistake = _labelled(label, lines), mistake
        given = dout.copy()
        dx, failed = call_student("Dropout.backward", layer.backward, given)
        if not backward_lines:
            lines = failed or differences("dx", dx, reference.backward(dout.copy()))
            mistake = None
            if not failed and not np.array_equal(given, dout):
                lines, mistake = ["backward changed dout"], "dout_modified_in_place"
            elif lines:
                mistake = _dropout_backward_mistake(dx, dout, keep, ratio)
            backward_lines, backward_mistake = _labelled(label, lines), mistake
        test_forward, test_mistake, test_backward = _dropout_test_differences(
            student, arguments, x, dout, ratio)
        if not forward_lines:
            forward_lines = _labelled(label + " at test time", test_forward)
            forward_mistake = test_mistake
        if not backward_lines:
            backward_lines = _labelled(label + " at test time", test_backward)
    points = int(not forward_lines) + int(not backward_lines)
    mistake = forward_mistake or backward_mistake
    return report(CheckResult("Dropout", points, DROPOUT_POINTS, mistake=mistake,
                              hint=pick_hint(mistake, HINTS, HINTS_ZH),
                              details=forward_lines + backward_lines))


def _dropout_forward_differences(out, expected, x, keep, ratio):
    """What is wrong with a training-mode output, and the mistake it matches."""
    lines = differences("out", out, expected)
    if not lines:
        kept = keep.mean()
        if abs(kept - ratio) < abs(kept - (1 - ratio)):
            return [f"{kept:.0%} of the units were kept, expected about {1 - ratio:.0%}"], \
                "keep_and_drop_swapped"
        return [], None
    candidates = [("nothing_dropped", x), ("dropout_not_rescaled", x * keep),
                  ("rescaled_the_wrong_way", x * keep * (1 - ratio))]
    return lines, diagnose(out, candidates)


def _dropout_backward_mistake(dx, dout, keep, ratio):
    """The mistake a wrong dx matches: another mask, no scaling, no mask."""
    found = diagnose(dx, [("backward_not_rescaled", dout * keep), ("backward_ignores_mask", dout)])
    if found is not None:
        return found
    try:
        factor = np.asarray(dx, dtype=np.float64) / dout
    except (TypeError, ValueError):
        return None
    scaled = np.isclose(factor, 1 / (1 - ratio))
    if factor.shape == dout.shape and (np.isclose(factor, 0) | scaled).all():
        return "mask_redrawn_in_backward"    # dout * (some mask) / (1 - ratio)
    return None


def _dropout_test_differences(student, arguments, x, dout, ratio):
    """Test mode, on a fresh layer: out = x, and then backward gives dx = dout.

    Returns (forward lines, forward mistake, backward lines).
    """
    layer, failed = call_student("Dropout(...)", student, **arguments)
    if failed:
        return failed, None, []
    out, failed = call_student("Dropout.forward(x, train=False)", layer.forward, x.copy(),
                               train=False)
    if failed:
        return failed, None, []
    lines, mistake = differences("out", out, x), None
    if lines:
        got = np.asarray(out, dtype=np.float64) if np.shape(out) == x.shape else None
        if got is not None and np.allclose(got, x * (1 - ratio)):
            mistake = "test_time_scaled"
        elif got is not None and (got == 0).any():
            mistake = "dropout_at_test_time"    # x has no zeros: a mask was applied
    dx, failed = call_student("Dropout.backward after forward(x, train=False)", layer.backward,
                              dout.copy())
    return lines, mistake, failed or differences("dx", dx, dout)


# ----------------------------------------------------------------------- batch norm
def check_batchnorm_forward(student, *, hidden=False):
    """Check a BatchNorm class built as BatchNorm(gamma, beta, momentum=..., eps=...).

    forward(x, train=True) on two training batches (outputs and running averages),
    then forward(x, train=False) on a batch of one and a batch of several. One point
    for training mode, one for test mode.
    """
    _check_callable("BatchNorm", student)
    gamma, beta, momentum, train_batches, test_batches = _batchnorm_inputs(hidden)
    eps = 1e-5
    reference = layers.BatchNormalization(gamma.copy(), beta.copy(), momentum=momentum, eps=eps)
    expected_train = [reference.forward(x.copy(), train=True) for x in train_batches]
    expected_running = [reference.running_mean.copy(), reference.running_var.copy()]
    expected_test = [reference.forward(x.copy(), train=False) for x in test_batches]

    layer, failed = call_student("BatchNorm(gamma, beta, ...)", student, gamma.copy(),
                                 beta.copy(), momentum=momentum, eps=eps)
    if failed:
        return report(CheckResult("BatchNorm forward", 0, BATCHNORM_FORWARD_POINTS,
                                  details=failed))
    train_lines, test_lines, train_mistake, test_mistake = [], [], None, None
    got_train = []
    for x, expected in zip(train_batches, expected_train):
        out, failed = call_student("BatchNorm.forward", layer.forward, x.copy(), train=True)
        got_train.append(out)
        lines = failed or differences("out", out, expected)
        if lines and not train_lines:
            train_lines = _labelled(f"training mode, x of shape {x.shape}", lines)
    running = [getattr(layer, "running_mean", None), getattr(layer, "running_var", None)]
    for name, got, expected in zip(("running_mean", "running_var"), running, expected_running):
        lines = differences(name, got, expected)
        if lines and not train_lines:
            train_lines = _labelled(f"after {len(train_batches)} training batches", lines)
    if train_lines:
        # The outputs first; when they are right, the running averages alone.
        outputs_right = all(not differences("out", got, expected)
                            for got, expected in zip(got_train, expected_train))
        got = _flat_list(running if outputs_right else got_train)
        candidates = []
        for key in _RUNNING_VARIANTS if outputs_right else _OUTPUT_VARIANTS:
            variant = _batchnorm_variant(gamma, beta, momentum, eps, train_batches, key)
            candidates.append((key, _flat_list(variant[-2:] if outputs_right
                                               else variant[:-2])))
        train_mistake = diagnose(got, candidates)
    # Test mode is checked from the reference's running averages, so that a mistake in
    # training mode costs one point only.
    layer.running_mean = expected_running[0].copy()
    layer.running_var = expected_running[1].copy()
    for x, expected in zip(test_batches, expected_test):
        out, failed = call_student("BatchNorm.forward", layer.forward, x.copy(), train=False)
        lines = failed or differences("out", out, expected)
        if lines and not test_lines:
            test_lines = _labelled(f"test mode, x of shape {x.shape}", lines)
            batch = _batchnorm_variant(gamma, beta, momentum, eps, [x], None)[0]
            test_mistake = diagnose(out, [("test_uses_batch_statistics", batch)])
    points = int(not train_lines) + int(not test_lines)
    mistake = train_mistake or test_mistake
    return report(CheckResult("BatchNorm forward", points, BATCHNORM_FORWARD_POINTS,
                              mistake=mistake, hint=pick_hint(mistake, HINTS, HINTS_ZH),
                              details=train_lines + test_lines))


_OUTPUT_VARIANTS = ["eps_outside_sqrt", "unbiased_variance", "statistics_over_features"]
_RUNNING_VARIANTS = ["running_average_weights_swapped", "running_average_not_updated"]


def _batchnorm_inputs(hidden):
    """gamma, beta, momentum, training batches and test batches (one of a single sample).

    The features have very different scales: one around 100 with spread 50, one
    negative, one with a spread of 0.01 (variance 1e-4, where eps shows).
    """
    rng = np.random.default_rng(65 if hidden else 8)
    features, sizes = (4, (9, 5)) if hidden else (3, (8, 6))
    centres = np.array([100.0, -3.0, 0.5, 7.0])[:features]
    spreads = np.array([50.0, 2.0, 0.01, 1.0])[:features]
    gamma = rng.uniform(0.5, 2.0, size=features) * np.array([1.0, -1.0, 1.0, 1.0])[:features]
    beta = rng.normal(size=features)
    train = [centres + spreads * rng.normal(size=(size, features)) for size in sizes]
    test = [centres + spreads * rng.normal(size=(size, features)) for size in (1, 4)]
    return gamma, beta, (0.8 if hidden else 0.9), train, test


def _batchnorm_variant(gamma, beta, momentum, eps, batches, mistake):
    """Training-mode outputs of each batch, then the running mean and variance, with a mistake.

    With mistake None these are also what a test batch gets from its own statistics.
    """
    features = gamma.shape[0]
    running_mean, running_var = np.zeros(features), np.ones(features)
    outputs = []
    for x in batches:
        axis = 1 if mistake == "statistics_over_features" else 0
        mu = x.mean(axis=axis, keepdims=True)
        var = x.var(axis=axis, keepdims=True, ddof=1 if mistake == "unbiased_variance" else 0)
        if mistake == "running_average_weights_swapped":
            running_mean = (1 - momentum) * running_mean + momentum * mu.ravel()
            running_var = (1 - momentum) * running_var + momentum * var.ravel()
        elif mistake not in ("running_average_not_updated", "statistics_over_features"):
            running_mean = momentum * running_mean + (1 - momentum) * mu.ravel()
            running_var = momentum * running_var + (1 - momentum) * var.ravel()
        std = np.sqrt(var) + eps if mistake == "eps_outside_sqrt" else np.sqrt(var + eps)
        outputs.append(gamma * (x - mu) / std + beta)
    return outputs + [running_mean, running_var]


def check_batchnorm_backward(student, *, hidden=False):
    """Check BatchNorm.backward(dout) -> dx, storing dgamma and dbeta, after a training forward.

    dbeta = sum dout, dgamma = sum dout * xn (over the batch),
    dx = (gamma / std) * (dout - mean(dout) - xn * mean(dout * xn)).
    Two points for dx, one for dgamma and dbeta.
    """
    _check_callable("BatchNorm", student)
    gamma, beta, momentum, train_batches, _ = _batchnorm_inputs(hidden)
    rng = np.random.default_rng(66 if hidden else 9)
    name = "BatchNorm backward"
    dx_lines, param_lines, dx_mistake, param_mistake = [], [], None, None
    for x in train_batches:
        dout = rng.normal(size=x.shape) * np.array([1.0, 5.0, 0.5, 2.0])[:x.shape[1]]
        reference = layers.BatchNormalization(gamma.copy(), beta.copy(), momentum=momentum)
        reference.forward(x.copy(), train=True)
        expected_dx = reference.backward(dout.copy())
        layer, failed = call_student("BatchNorm(gamma, beta, ...)", student, gamma.copy(),
                                     beta.copy(), momentum=momentum, eps=1e-5)
        if not failed:
            _, failed = call_student("BatchNorm.forward", layer.forward, x.copy(), train=True)
        if failed:
            return report(CheckResult(name, 0, BATCHNORM_BACKWARD_POINTS, details=failed))
        given = dout.copy()
        dx, failed = call_student("BatchNorm.backward", layer.backward, given)
        if failed:
            return report(CheckResult(name, 0, BATCHNORM_BACKWARD_POINTS, details=failed))
        label = f"x of shape {x.shape}"
        variants = _batchnorm_backward_variants(x, dout, gamma)
        if not dx_lines:
            if not np.array_equal(given, dout):
                dx_lines, dx_mistake = [f"{label}: backward changed dout"], \
                    "dout_modified_in_place"
            else:
                dx_lines = _labelled(label, differences("dx", dx, expected_dx)
                                     + _relative_error("dx", dx, expected_dx))
                if dx_lines:
                    dx_mistake = diagnose(dx, [(key, v["dx"]) for key, v in variants.items()
                                               if "dx" in v])
        if not param_lines:
            got = [getattr(layer, "dgamma", None), getattr(layer, "dbeta", None)]
            for param, value, expected in zip(("dgamma", "dbeta"), got,
                                              (reference.dgamma, reference.dbeta)):
                lines = differences(param, value, expected)
                if lines and not param_lines:
                    param_lines = _labelled(label, lines)
                    flat = _flat_list(got)
                    param_mistake = None if flat is None else diagnose(flat, [
                        (key, _flat_list(v["params"])) for key, v in variants.items()
                        if "params" in v])
    points = 2 * int(not dx_lines) + int(not param_lines)
    mistake = dx_mistake or param_mistake
    return report(CheckResult(name, points, BATCHNORM_BACKWARD_POINTS, mistake=mistake,
                              hint=pick_hint(mistake, HINTS, HINTS_ZH),
                              details=dx_lines + param_lines))


def _batchnorm_backward_variants(x, dout, gamma, eps=1e-5):
    """Wrong dx, and wrong (dgamma, dbeta), each with one deliberate mistake."""
    std = np.sqrt(x.var(axis=0) + eps)
    xn = (x - x.mean(axis=0)) / std
    dgamma, dbeta = (dout * xn).sum(axis=0), dout.sum(axis=0)
    return {
        "bn_backward_without_mean_terms": {"dx": dout * gamma / std},
        "bn_backward_missing_variance_term": {"dx": gamma / std * (dout - dout.mean(axis=0))},
        "bn_backward_gamma_missing": {"dx": (dout - dout.mean(axis=0)
                                             - xn * (dout * xn).mean(axis=0)) / std},
        "dgamma_dbeta_not_summed": {"params": [dout * xn, dout]},
        "dgamma_dbeta_swapped": {"params": [dbeta, dgamma]},
    }


# -------------------------------------------------------------------------- helpers
def _check_callable(name, student):
    if not callable(student):
        raise TypeError(f"{name} must be a function or a class, got {type(student).__name__}")


def _copy(arrays):
    return {key: value.copy() for key, value in arrays.items()}


def _labelled(label, lines):
    return [f"{label}: {line}" for line in lines]


def _relative_error(name, got, expected):
    """One line with the relative error, when got can be compared at all."""
    try:
        error = rel_error(got, expected)
    except (TypeError, ValueError):
        return []
    return [f"{name}: relative error {error:.1e} against the reference "
            "(a right answer is below 1e-7)"] if error > 1e-7 else []


def _dict_differences(name, got, expected):
    """Lines for a dict of arrays: missing keys first, then the first key whose array differs."""
    if not isinstance(got, dict):
        return [f"{name} must be a dict with the keys {sorted(expected)}, got "
                f"{type(got).__name__}"]
    missing = sorted(set(expected) - set(got))
    if missing:
        return [f"{name} has no {missing[0]!r}: give every key of params (zeros for biases)"]
    for key in expected:
        lines = differences(f"{name}[{key!r}]", got[key], expected[key])
        if lines:
            return lines
    return []


def _flat(grads, like):
    """The arrays of a dict in the order of ``like``'s keys, as one vector (None if unusable)."""
    if not isinstance(grads, dict) or set(like) - set(grads):
        return None
    return _flat_list([grads[key] for key in like])


def _flat_list(arrays):
    try:
        return np.concatenate([np.asarray(array, dtype=np.float64).ravel() for array in arrays])
    except (TypeError, ValueError):
        return None
