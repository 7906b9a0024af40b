"""Assignment 06 (L2/L1, dropout, batch norm): the checks pass the package's code, name the
typical mistakes of wrong answers, and the notebook's solutions earn every point."""

from pathlib import Path

import numpy as np
import pytest

from nnnumpy import layers
from nnnumpy.homework import hw06_regularization as hw

from .conftest import run_notebook

NOTEBOOK = Path(__file__).resolve().parents[1] / "homework" / "06_regularization.ipynb"


# ----------------------------------------------------------------- penalties
def regularization(params, l2_lambda, l1_lambda):
    penalty, grads = 0.0, {}
    for key, W in params.items():
        if key.startswith("W"):
            penalty += 0.5 * l2_lambda * (W ** 2).sum() + l1_lambda * np.abs(W).sum()
            grads[key] = l2_lambda * W + l1_lambda * np.sign(W)
        else:
            grads[key] = np.zeros_like(W)
    return penalty, grads


def regularization_on_biases(params, l2_lambda, l1_lambda):
    penalty, grads = 0.0, {}
    for key, W in params.items():
        l1 = l1_lambda if key.startswith("W") else 0.0
        penalty += 0.5 * l2_lambda * (W ** 2).sum() + l1 * np.abs(W).sum()
        grads[key] = l2_lambda * W + l1 * np.sign(W)
    return penalty, grads


def regularization_without_half(params, l2_lambda, l1_lambda):
    penalty, grads = regularization(params, l2_lambda, l1_lambda)
    weights = [W for key, W in params.items() if key.startswith("W")]
    return penalty + sum(0.5 * l2_lambda * (W ** 2).sum() for W in weights), grads


def regularization_doubled_gradient(params, l2_lambda, l1_lambda):
    penalty, grads = regularization(params, l2_lambda, l1_lambda)
    for key, W in params.items():
        if key.startswith("W"):
            grads[key] = 2 * l2_lambda * W + l1_lambda * np.sign(W)
    return penalty, grads


def regularization_l1_gradient_w(params, l2_lambda, l1_lambda):
    penalty, grads = regularization(params, l2_lambda, l1_lambda)
    for key, W in params.items():
        if key.startswith("W"):
            grads[key] = l2_lambda * W + l1_lambda * W
    return penalty, grads


def regularization_l1_on_biases(params, l2_lambda, l1_lambda):
    penalty, grads = regularization(params, l2_lambda, l1_lambda)
    for key, b in params.items():
        if not key.startswith("W"):
            penalty += l1_lambda * np.abs(b).sum()
            grads[key] = l1_lambda * np.sign(b)
    return penalty, grads


def regularization_one_or_the_other(params, l2_lambda, l1_lambda):
    if l2_lambda:
        return regularization(params, l2_lambda, 0.0)
    return regularization(params, 0.0, l1_lambda)


def regularization_no_bias_keys(params, l2_lambda, l1_lambda):
    penalty, grads = regularization(params, l2_lambda, l1_lambda)
    return penalty, {key: value for key, value in grads.items() if key.startswith("W")}


def regularization_stub(params, l2_lambda, l1_lambda):
    raise NotImplementedError()


# ----------------------------------------------------------------- dropout
class Dropout:
    def __init__(self, dropout_ratio=0.5, seed=None):
        self.dropout_ratio = dropout_ratio
        self.rng = np.random.default_rng(seed)
        self.mask = None

    def forward(self, x, train=True):
        if not train:
            self.mask = None
            return x
        self.mask = (self.rng.random(x.shape) >= self.dropout_ratio) / (1 - self.dropout_ratio)
        return x * self.mask

    def backward(self, dout):
        return dout if self.mask is None else dout * self.mask


class DropoutOtherDraw(Dropout):
    """Right, with the mask drawn another way (rng.uniform < keep)."""

    def forward(self, x, train=True):
        if not train:
            self.mask = None
            return x
        keep = 1 - self.dropout_ratio
        self.mask = (self.rng.uniform(size=x.shape) < keep) / keep
        return x * self.mask


class DropoutNotRescaled(Dropout):
    def forward(self, x, train=True):
        if not train:
            return x
        self.mask = self.rng.random(x.shape) >= self.dropout_ratio
        return x * self.mask


class DropoutRedrawsInBackward(Dropout):
    def backward(self, dout):
        mask = self.rng.random(dout.shape) >= self.dropout_ratio
        return dout * mask / (1 - self.dropout_ratio)


class DropoutAtTestTime(Dropout):
    def forward(self, x, train=True):
        self.mask = (self.rng.random(x.shape) >= self.dropout_ratio) / (1 - self.dropout_ratio)
        return x * self.mask


class DropoutScaledAtTest(Dropout):
    def forward(self, x, train=True):
        if not train:
            return x * (1 - self.dropout_ratio)
        return super().forward(x, train)


class DropoutSwapped(Dropout):
    def forward(self, x, train=True):
        if not train:
            return x
        self.mask = (self.rng.random(x.shape) < self.dropout_ratio) / (1 - self.dropout_ratio)
        return x * self.mask


class DropoutNothingDropped(Dropout):
    def forward(self, x, train=True):
        return x


class DropoutMultiplies(Dropout):
    def forward(self, x, train=True):
        if not train:
            return x
        self.mask = (self.rng.random(x.shape) >= self.dropout_ratio) * (1 - self.dropout_ratio)
        return x * self.mask


class DropoutBackwardNotRescaled(Dropout):
    def backward(self, dout):
        return dout if self.mask is None else dout * (self.mask > 0)


class DropoutBackwardIgnoresMask(Dropout):
    def backward(self, dout):
        return dout.copy()


class DropoutBackwardInPlace(Dropout):
    def backward(self, dout):
        dout *= self.mask
        return dout


# ----------------------------------------------------------------- batch norm
class BatchNorm:
    def __init__(self, gamma, beta, momentum=0.9, eps=1e-5):
        self.gamma, self.beta, self.momentum, self.eps = gamma, beta, momentum, eps
        self.running_mean = np.zeros_like(gamma)
        self.running_var = np.ones_like(gamma)
        self.dgamma = self.dbeta = None

    def statistics(self, x):
        return x.mean(axis=0), x.var(axis=0)

    def forward(self, x, train=True):
        if train:
            mu, var = self.statistics(x)
            self.running_mean = self.momentum * self.running_mean + (1 - self.momentum) * mu
            self.running_var = self.momentum * self.running_var + (1 - self.momentum) * var
        else:
            mu, var = self.running_mean, self.running_var
        self.std = np.sqrt(var + self.eps)
        self.xn = (x - mu) / self.std
        return self.gamma * self.xn + self.beta

    def backward(self, dout):
        self.dbeta = dout.sum(axis=0)
        self.dgamma = (dout * self.xn).sum(axis=0)
        return self.gamma / self.std * (dout - dout.mean(axis=0)
                                        - self.xn * (dout * self.xn).mean(axis=0))


class BatchNormUnbiased(BatchNorm):
    def statistics(self, x):
        return x.mean(axis=0), x.var(axis=0, ddof=1)


class BatchNormTestBatchStats(BatchNorm):
    def forward(self, x, train=True):
        return super().forward(x, train=True)


class BatchNormEpsOutside(BatchNorm):
    def forward(self, x, train=True):
        mu, var = self.statistics(x) if train else (self.running_mean, self.running_var)
        if train:
            self.running_mean = self.momentum * self.running_mean + (1 - self.momentum) * mu
            self.running_var = self.momentum * self.running_var + (1 - self.momentum) * var
        self.std = np.sqrt(var) + self.eps
        self.xn = (x - mu) / self.std
        return self.gamma * self.xn + self.beta


class BatchNormSwappedAverage(BatchNorm):
    def forward(self, x, train=True):
        if train:
            mu, var = self.statistics(x)
            self.running_mean = (1 - self.momentum) * self.running_mean + self.momentum * mu
            self.running_var = (1 - self.momentum) * self.running_var + self.momentum * var
            self.std = np.sqrt(var + self.eps)
            self.xn = (x - mu) / self.std
            return self.gamma * self.xn + self.beta
        return super().forward(x, train)


class BatchNormNoRunningAverages(BatchNorm):
    def forward(self, x, train=True):
        if train:
            mu, var = self.statistics(x)
            self.std = np.sqrt(var + self.eps)
            self.xn = (x - mu) / self.std
            return self.gamma * self.xn + self.beta
        return super().forward(x, train)


class BatchNormOverFeatures(BatchNorm):
    def forward(self, x, train=True):
        if not train:
            return super().forward(x, train)
        mu, var = x.mean(axis=1, keepdims=True), x.var(axis=1, keepdims=True)
        self.std = np.sqrt(var + self.eps)
        self.xn = (x - mu) / self.std
        return self.gamma * self.xn + self.beta


class BatchNormGammaMissing(BatchNorm):
    def backward(self, dout):
        return super().backward(dout) / self.gamma


class BatchNormSwappedGradients(BatchNorm):
    def backward(self, dout):
        dx = super().backward(dout)
        self.dgamma, self.dbeta = self.dbeta, self.dgamma
        return dx


class BatchNormNoMeanTerms(BatchNorm):
    def backward(self, dout):
        super().backward(dout)
        return dout * self.gamma / self.std


class BatchNormNoVarianceTerm(BatchNorm):
    def backward(self, dout):
        super().backward(dout)
        return self.gamma / self.std * (dout - dout.mean(axis=0))


class BatchNormNotSummed(BatchNorm):
    def backward(self, dx_dout):
        dx = super().backward(dx_dout)
        self.dbeta = dx_dout
        self.dgamma = dx_dout * self.xn
        return dx


class BatchNormHalfDx(BatchNorm):
    """A mistake with no known pattern."""

    def backward(self, dout):
        return 0.5 * super().backward(dout)


class BatchNormStub(BatchNorm):
    def backward(self, dout):
        raise NotImplementedError()


CHECKS = {"regularization": hw.check_regularization, "dropout": hw.check_dropout,
          "batchnorm_forward": hw.check_batchnorm_forward,
          "batchnorm_backward": hw.check_batchnorm_backward}
RIGHT = [("regularization", regularization), ("dropout", layers.Dropout),
         ("dropout", Dropout), ("dropout", DropoutOtherDraw),
         ("batchnorm_forward", layers.BatchNormalization), ("batchnorm_forward", BatchNorm),
         ("batchnorm_backward", layers.BatchNormalization), ("batchnorm_backward", BatchNorm)]
WRONG = [
    ("regularization", regularization_on_biases, "l2_on_biases"),
    ("regularization", regularization_without_half, "l2_missing_half"),
    ("regularization", regularization_doubled_gradient, "l2_gradient_doubled"),
    ("regularization", regularization_l1_gradient_w, "l1_gradient_not_sign"),
    ("regularization", regularization_l1_on_biases, "l1_on_biases"),
    ("regularization", regularization_one_or_the_other, "penalty_not_added"),
    ("dropout", DropoutNothingDropped, "nothing_dropped"),
    ("dropout", DropoutMultiplies, "rescaled_the_wrong_way"),
    ("dropout", DropoutBackwardNotRescaled, "backward_not_rescaled"),
    ("dropout", DropoutBackwardIgnoresMask, "backward_ignores_mask"),
    ("dropout", DropoutNotRescaled, "dropout_not_rescaled"),
    ("dropout", DropoutRedrawsInBackward, "mask_redrawn_in_backward"),
    ("dropout", DropoutAtTestTime, "dropout_at_test_time"),
    ("dropout", DropoutScaledAtTest, "test_time_scaled"),
    ("dropout", DropoutSwapped, "keep_and_drop_swapped"),
    ("dropout", DropoutBackwardInPlace, "dout_modified_in_place"),
    ("batchnorm_forward", BatchNormUnbiased, "unbiased_variance"),
    ("batchnorm_forward", BatchNormTestBatchStats, "test_uses_batch_statistics"),
    ("batchnorm_forward", BatchNormEpsOutside, "eps_outside_sqrt"),
    ("batchnorm_forward", BatchNormSwappedAverage, "running_average_weights_swapped"),
    ("batchnorm_forward", BatchNormNoRunningAverages, "running_average_not_updated"),
    ("batchnorm_forward", BatchNormOverFeatures, "statistics_over_features"),
    ("batchnorm_backward", BatchNormGammaMissing, "bn_backward_gamma_missing"),
    ("batchnorm_backward", BatchNormSwappedGradients, "dgamma_dbeta_swapped"),
    ("batchnorm_backward", BatchNormNoMeanTerms, "bn_backward_without_mean_terms"),
    ("batchnorm_backward", BatchNormNoVarianceTerm, "bn_backward_missing_variance_term"),
    ("batchnorm_backward", BatchNormNotSummed, "dgamma_dbeta_not_summed"),
]


@pytest.mark.parametrize("hidden", [False, True])
@pytest.mark.parametrize("part, right", RIGHT,
                         ids=[f"{part}-{right.__name__}" for part, right in RIGHT])
def test_a_right_answer_scores_full_marks(part, right, hidden):
    result = CHECKS[part](right, hidden=hidden)
    assert result.passed and result.points == result.max_points > 0


@pytest.mark.parametrize("hidden", [False, True])
@pytest.mark.parametrize("part, wrong, mistake", WRONG, ids=[row[1].__name__ for row in WRONG])
def test_a_typical_mistake_loses_points_and_is_named(part, wrong, mistake, hidden):
    result = CHECKS[part](wrong, hidden=hidden)
    assert result.points < result.max_points
    assert result.mistake == mistake
    assert result.hint == hw.HINTS[mistake]


def test_partial_points_keep_what_is_right():
    assert hw.check_regularization(regularization_doubled_gradient).points == 1
    assert hw.check_dropout(DropoutRedrawsInBackward).points == 1
    assert hw.check_batchnorm_forward(BatchNormTestBatchStats).points == 1
    assert hw.check_batchnorm_backward(BatchNormNotSummed).points == 2
    assert hw.check_batchnorm_backward(BatchNormNoMeanTerms).points == 1


def test_a_missing_bias_gradient_is_named():
    result = hw.check_regularization(regularization_no_bias_keys)
    assert result.points == 1 and "no 'b1'" in " ".join(result.details)


def test_an_unknown_mistake_gets_where_it_differs():
    result = hw.check_batchnorm_backward(BatchNormHalfDx)
    assert result.points == 1 and result.mistake is None and result.hint == ""
    text = " ".join(result.details)
    assert "dx differs in" in text and "relative error" in text


@pytest.mark.parametrize("part, stub", [("regularization", regularization_stub),
                                        ("batchnorm_backward", BatchNormStub)])
def test_a_stub_gets_zero_and_not_implemented_yet(part, stub):
    result = CHECKS[part](stub)
    assert result.points == 0 and "not implemented yet" in " ".join(result.details)


def test_the_written_out_batchnorm_equals_the_package():
    gamma, beta, momentum, train, _ = hw._batchnorm_inputs(False)
    reference = layers.BatchNormalization(gamma.copy(), beta.copy(), momentum=momentum)
    expected = [reference.forward(x, train=True) for x in train]
    expected += [reference.running_mean, reference.running_var]
    got = hw._batchnorm_variant(gamma, beta, momentum, 1e-5, train, None)
    for a, b in zip(got, expected):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_the_checker_refuses_what_is_not_callable():
    with pytest.raises(TypeError, match="Dropout must be"):
        hw.check_dropout("Dropout")


def test_the_checks_are_deterministic_and_hidden_uses_other_inputs():
    for part, wrong, _ in WRONG[::3]:
        assert CHECKS[part](wrong).to_dict() == CHECKS[part](wrong).to_dict()
    public, hidden = hw._batchnorm_inputs(False), hw._batchnorm_inputs(True)
    assert [x.shape for x in public[3]] != [x.shape for x in hidden[3]]
    assert hw.check_dropout(DropoutNotRescaled).details != \
        hw.check_dropout(DropoutNotRescaled, hidden=True).details



@pytest.mark.slow
def test_the_notebook_solutions_score_every_point(tmp_path, monkeypatch):
    notebook, results = run_notebook(NOTEBOOK, tmp_path, monkeypatch)
    check_cells = [cell for cell in notebook.cells
                   if cell.metadata.get("nbgrader", {}).get("grade") and cell.cell_type == "code"]
    assert len(check_cells) == 4
    assert len(results) == 2 * len(check_cells)     # a public and a hidden check per cell
    assert all(row["passed"] for row in results), [row for row in results if not row["passed"]]
    assert sum(row["max_points"] for row in results) == \
        sum(cell.metadata["nbgrader"]["points"] for cell in check_cells)

