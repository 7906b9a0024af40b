"""Assignment 05 (SGD, Momentum, Adam): the checks pass the package's optimizers, name the
typical mistakes of wrong ones, and the notebook's solutions earn every point."""

import math
from pathlib import Path

import numpy as np
import pytest

from nnnumpy import optimizers
from nnnumpy.homework import hw05_optimizers as hw

from .conftest import run_notebook

NOTEBOOK = Path(__file__).resolve().parents[1] / "homework" / "05_optimizers.ipynb"
CHECKS = {"SGD": hw.check_sgd, "Momentum": hw.check_momentum, "Adam": hw.check_adam}


# ----------------------------------------------------------------- wrong implementations
class SGDWrongSign:
    def __init__(self, lr=0.01):
        self.lr = lr

    def update(self, params, grads):
        for key in params:
            params[key] += self.lr * grads[key]


class SGDReplacesArrays:
    def __init__(self, lr=0.01):
        self.lr = lr

    def update(self, params, grads):
        for key in params:
            params[key] = params[key] - self.lr * grads[key]


class SGDLrTwice:
    def __init__(self, lr=0.01):
        self.lr = lr

    def update(self, params, grads):
        for key in params:
            step = self.lr * grads[key]
            params[key] -= self.lr * step


class SGDWritesIntoGrads:
    def __init__(self, lr=0.01):
        self.lr = lr

    def update(self, params, grads):
        for key in params:
            grads[key] *= self.lr
            params[key] -= grads[key]


class SGDLrIgnored:
    def __init__(self, lr=0.01):
        self.lr = lr

    def update(self, params, grads):
        for key in params:
            params[key] -= grads[key]


class SGDLocalName:
    def __init__(self, lr=0.01):
        self.lr = lr

    def update(self, params, grads):
        for key, W in params.items():
            W = W - self.lr * grads[key]


class MomentumWrongSign:
    def __init__(self, lr=0.01, momentum=0.9):
        self.lr, self.momentum, self.v = lr, momentum, {}

    def update(self, params, grads):
        for key in params:
            if key not in self.v:
                self.v[key] = np.zeros_like(params[key])
            self.v[key] = self.momentum * self.v[key] + self.lr * grads[key]
            params[key] += self.v[key]


class MomentumSharedVelocity:
    def __init__(self, lr=0.01, momentum=0.9):
        self.lr, self.momentum, self.v = lr, momentum, None

    def update(self, params, grads):
        for key in params:
            if self.v is None:
                self.v = np.zeros_like(params[key])
            self.v = self.momentum * self.v - self.lr * grads[key]
            params[key] += self.v


class MomentumVelocityReset:
    def __init__(self, lr=0.01, momentum=0.9):
        self.lr, self.momentum = lr, momentum

    def update(self, params, grads):
        for key in params:
            v = np.zeros_like(params[key])
            v = self.momentum * v - self.lr * grads[key]
            params[key] += v


class MomentumReplacesArrays:
    def __init__(self, lr=0.01, momentum=0.9):
        self.lr, self.momentum, self.v = lr, momentum, {}

    def update(self, params, grads):
        for key in params:
            v = self.v.get(key, 0.0)
            self.v[key] = self.momentum * v - self.lr * grads[key]
            params[key] = params[key] + self.v[key]


class AdamNoBiasCorrection:
    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.m, self.v = {}, {}

    def update(self, params, grads):
        for key in params:
            m = self.m.setdefault(key, np.zeros_like(params[key]))
            v = self.v.setdefault(key, np.zeros_like(params[key]))
            m += (1 - self.beta1) * (grads[key] - m)
            v += (1 - self.beta2) * (grads[key] ** 2 - v)
            params[key] -= self.lr * m / (np.sqrt(v) + self.eps)


class AdamEpsInsideSqrt:
    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.m, self.v, self.t = {}, {}, 0

    def update(self, params, grads):
        self.t += 1
        for key in params:
            m = self.m.setdefault(key, np.zeros_like(params[key]))
            v = self.v.setdefault(key, np.zeros_like(params[key]))
            m += (1 - self.beta1) * (grads[key] - m)
            v += (1 - self.beta2) * (grads[key] ** 2 - v)
            lr_t = self.lr * math.sqrt(1 - self.beta2 ** self.t) / (1 - self.beta1 ** self.t)
            params[key] -= lr_t * m / np.sqrt(v + self.eps)


class AdamStepPerParameter:
    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.m, self.v, self.t = {}, {}, 0

    def update(self, params, grads):
        for key in params:
            self.t += 1
            m = self.m.setdefault(key, np.zeros_like(params[key]))
            v = self.v.setdefault(key, np.zeros_like(params[key]))
            m += (1 - self.beta1) * (grads[key] - m)
            v += (1 - self.beta2) * (grads[key] ** 2 - v)
            lr_t = self.lr * math.sqrt(1 - self.beta2 ** self.t) / (1 - self.beta1 ** self.t)
            params[key] -= lr_t * m / (np.sqrt(v) + self.eps)


class AdamPaperForm:
    """Algorithm 1 of the paper: a correct Adam, in the other form of the correction."""

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.m, self.v, self.t = {}, {}, 0

    def update(self, params, grads):
        self.t += 1
        for key in params:
            m = self.m.setdefault(key, np.zeros_like(params[key]))
            v = self.v.setdefault(key, np.zeros_like(params[key]))
            m[...] = self.beta1 * m + (1 - self.beta1) * grads[key]
            v[...] = self.beta2 * v + (1 - self.beta2) * grads[key] ** 2
            m_hat = m / (1 - self.beta1 ** self.t)
            v_hat = v / (1 - self.beta2 ** self.t)
            params[key] -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


class MomentumHalfVelocity:
    """A mistake with no known pattern: the velocity is halved before it is used."""

    def __init__(self, lr=0.01, momentum=0.9):
        self.lr, self.momentum, self.v = lr, momentum, {}

    def update(self, params, grads):
        for key in params:
            v = self.v.setdefault(key, np.zeros_like(params[key]))
            v *= self.momentum
            v -= self.lr * grads[key]
            params[key] += 0.5 * v


class StubSGD:
    def __init__(self, lr=0.01):
        self.lr = lr

    def update(self, params, grads):
        raise NotImplementedError()


WRONG = [
    ("SGD", SGDWrongSign, "wrong_sign"),
    ("SGD", SGDReplacesArrays, "replaced_not_in_place"),
    ("SGD", SGDLrTwice, "lr_applied_twice"),
    ("SGD", SGDWritesIntoGrads, "grads_modified"),
    ("SGD", SGDLocalName, "params_unchanged"),
    ("SGD", SGDLrIgnored, "lr_ignored"),
    ("Momentum", MomentumWrongSign, "momentum_sign"),
    ("Momentum", MomentumSharedVelocity, "shared_velocity"),
    ("Momentum", MomentumVelocityReset, "velocity_reset"),
    ("Momentum", MomentumReplacesArrays, "replaced_not_in_place"),
    ("Adam", AdamNoBiasCorrection, "no_bias_correction"),
    ("Adam", AdamEpsInsideSqrt, "eps_inside_sqrt"),
    ("Adam", AdamStepPerParameter, "step_counted_per_parameter"),
]


@pytest.mark.parametrize("hidden", [False, True])
@pytest.mark.parametrize("name", sorted(CHECKS))
def test_the_package_optimizer_scores_full_marks(name, hidden):
    result = CHECKS[name](getattr(optimizers, name), hidden=hidden)
    assert result.passed and result.points == result.max_points > 0


@pytest.mark.parametrize("hidden", [False, True])
def test_the_papers_form_of_adam_is_accepted(hidden):
    assert hw.check_adam(AdamPaperForm, hidden=hidden).passed


@pytest.mark.parametrize("hidden", [False, True])
@pytest.mark.parametrize("name, wrong, mistake", WRONG, ids=[row[1].__name__ for row in WRONG])
def test_a_typical_mistake_loses_points_and_is_named(name, wrong, mistake, hidden):
    result = CHECKS[name](wrong, hidden=hidden)
    assert result.points < result.max_points
    assert result.mistake == mistake
    assert result.hint == hw.HINTS[mistake]


def test_a_velocity_reset_every_step_is_right_after_one_step_only():
    params, steps = hw._cases(False)[1]
    hyper = {"lr": 0.1, "momentum": 0.9}
    right = hw._momentum_steps(params, steps, **hyper)
    reset = hw._momentum_steps(params, steps, **hyper, mistake="velocity_reset")
    assert hw._trajectory_differences(reset[:1], right[:1]) == []
    assert hw._trajectory_differences(reset, right) != []


def test_the_written_out_updates_equal_the_package():
    for params, steps in hw._cases(False) + hw._cases(True):
        for simulate, reference, hyper in [
                (hw._sgd_steps, optimizers.SGD, {"lr": 0.1}),
                (hw._momentum_steps, optimizers.Momentum, {"lr": 0.1, "momentum": 0.9}),
                (hw._adam_steps, optimizers.Adam,
                 {"lr": 0.01, "beta1": 0.9, "beta2": 0.999, "eps": 1e-4})]:
            expected = hw._reference_steps(reference, hyper, params, steps)
            np.testing.assert_allclose(hw._flat(simulate(params, steps, **hyper)),
                                       hw._flat(expected), rtol=1e-12)


def test_an_unknown_mistake_gets_where_it_differs():
    result = hw.check_momentum(MomentumHalfVelocity)
    assert result.points == 0 and result.mistake is None and result.hint == ""
    assert any("after update 1" in line and "differs" in line for line in result.details)


def test_a_stub_gets_zero_and_not_implemented_yet():
    result = hw.check_sgd(StubSGD)
    assert result.points == 0
    assert "not implemented yet" in " ".join(result.details)


def test_a_missing_update_method_is_a_result_not_a_crash():
    class NoUpdate:
        def __init__(self, lr=0.01):
            self.lr = lr

    result = hw.check_sgd(NoUpdate)
    assert result.points == 0 and "update" in " ".join(result.details)


def test_the_checker_refuses_what_is_not_a_class():
    with pytest.raises(TypeError, match="SGD must be a class"):
        hw.check_sgd(42)


def test_the_checks_are_deterministic_and_hidden_uses_other_inputs():
    assert hw.check_momentum(MomentumWrongSign).to_dict() == \
        hw.check_momentum(MomentumWrongSign).to_dict()
    shapes = [[{key: value.shape for key, value in params.items()} for params, _ in
               hw._cases(hidden)] for hidden in (False, True)]
    assert shapes[0] != shapes[1]
    assert hw.check_sgd(optimizers.SGD, hidden=True).passed



@pytest.mark.slow
def test_the_notebook_solutions_score_every_point(tmp_path, monkeypatch):
    notebook, results = run_notebook(NOTEBOOK, tmp_path, monkeypatch)
    check_cells = [cell for cell in notebook.cells
                   if cell.metadata.get("nbgrader", {}).get("grade") and cell.cell_type == "code"]
    assert len(check_cells) == 3
    assert len(results) == 2 * len(check_cells)     # a public and a hidden check per cell
    assert all(row["passed"] for row in results), [row for row in results if not row["passed"]]
    assert sum(row["max_points"] for row in results) == \
        sum(cell.metadata["nbgrader"]["points"] for cell in check_cells)

