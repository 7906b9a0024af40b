import numpy as np
import pytest

from nnnumpy import TwoLayerNet, conv, layers
from nnnumpy.gradcheck import CHECK_H, check_layer, check_network, rel_error


class StudentSquare:
    """A student's own layer: out = x^2, with a correct backward."""

    def forward(self, x):
        self.x = x
        return x ** 2

    def backward(self, dout):
        return 2 * self.x * dout


class WrongScale:
    """A student's layer with a parameter and a bug: forgets the factor 2 in dW."""

    def __init__(self, W):
        self.W = W
        self.dW = None

    def forward(self, x):
        self.x = x
        return x * self.W ** 2

    def backward(self, dout):
        self.dW = (dout * self.x).sum(axis=0) * self.W  # should be 2 * W
        return dout * self.W ** 2


def test_rel_error():
    assert rel_error(np.array([1.0, 2.0]), np.array([1.0, 2.0])) == 0.0
    assert rel_error(np.array([1.0]), np.array([3.0])) == pytest.approx(0.5)
    assert rel_error(np.array([0.0]), np.array([1e-12])) == pytest.approx(1e-4)
    with pytest.raises(ValueError, match="same shape"):
        rel_error(np.zeros(2), np.zeros(3))


def test_check_layer_passes_a_correct_student_layer(rng):
    report = check_layer(StudentSquare(), rng.standard_normal((3, 4)))
    assert report.passed
    assert list(report.errors) == ["x"]


def test_check_layer_catches_a_wrong_gradient(rng):
    layer = WrongScale(rng.uniform(0.5, 1.5, 4))
    report = check_layer(layer, rng.standard_normal((3, 4)))
    assert not report.passed
    assert report.errors["x"] < 1e-7
    assert report.errors["W"] > 1e-2
    assert "FAIL" in str(report) and "W" in str(report)


def test_check_layer_needs_float64(rng):
    with pytest.raises(TypeError, match="float64"):
        check_layer(StudentSquare(), rng.standard_normal((2, 2)).astype(np.float32))


def test_check_layer_leaves_the_input_untouched(rng):
    x = rng.standard_normal((2, 3))
    before = x.copy()
    check_layer(StudentSquare(), x)
    np.testing.assert_array_equal(x, before)


def test_check_network_reports_every_key():
    net = TwoLayerNet(4, 5, 3, weight_init_std="he", dtype=np.float64, seed=3)
    rng = np.random.default_rng(4)
    x = rng.standard_normal((7, 4))
    t = rng.integers(0, 3, 7)
    report = check_network(net, x, t)
    assert list(report.errors) == ["W1", "b1", "W2", "b2"]
    assert report.passed, str(report)
    assert "(4, 5)" in str(report)


# --- Every parameter is checked: a wrong, missing or misnamed gradient is a FAIL row -------


class StudentAffine:
    """A student's fully connected layer, correct: out = x W + b."""

    def __init__(self, W, b):
        self.W = W
        self.b = b
        self.x = None
        self.dW = None
        self.db = None

    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, dout):
        self.dW = self.x.T @ dout
        self.db = dout.sum(axis=0)
        return dout @ self.W.T


class DbNotSummed(StudentAffine):
    def backward(self, dout):
        dx = super().backward(dout)
        self.db = dout                   # bug: not summed over the batch
        return dx


class DbSummedOverAxis1(StudentAffine):
    def backward(self, dout):
        dx = super().backward(dout)
        self.db = dout.sum(axis=1)       # bug: the wrong axis
        return dx


class LowercaseDw(StudentAffine):
    def backward(self, dout):
        dx = super().backward(dout)
        self.dw = self.dW                # bug: stored as dw; dW stays None
        self.dW = None
        return dx


class GradW(StudentAffine):
    def backward(self, dout):
        dx = super().backward(dout)
        self.grad_W = self.dW            # bug: stored as grad_W; dW stays None
        self.dW = None
        return dx


class ListGradient(StudentAffine):
    def backward(self, dout):
        dx = super().backward(dout)
        self.dW = self.dW.tolist()       # bug: a list, not an array
        return dx


class ForgottenGradient:
    """out = x * gamma, whose backward never stores dgamma (and no dgamma anywhere)."""

    def __init__(self, gamma):
        self.gamma = gamma

    def forward(self, x):
        self.x = x
        return x * self.gamma

    def backward(self, dout):
        return dout * self.gamma


class FlatDx(StudentAffine):
    def backward(self, dout):
        return super().backward(dout).ravel()    # bug: dx flattened


class NoDx(StudentAffine):
    def backward(self, dout):
        super().backward(dout)                   # bug: forgets to return dx


class ListDx(StudentAffine):
    def backward(self, dout):
        return super().backward(dout).tolist()   # bug: a list


class FixedKernel:
    """out = x * kernel with a constant kernel (not trained): no gradient, on purpose."""

    def __init__(self, kernel):
        self.kernel = kernel

    def forward(self, x):
        self.x = x
        return x * self.kernel

    def backward(self, dout):
        return dout * self.kernel


def student_affine(make, rng):
    """A layer of class ``make`` with W: (3, 5), b: (5,), and x: (4, 3)."""
    return make(rng.standard_normal((3, 5)), rng.standard_normal(5)), rng.standard_normal((4, 3))


def assert_fails_only(report, name, *phrases):
    """The report fails, the row ``name`` carries a reason with every phrase, the others pass."""
    assert not report.passed
    assert not report
    assert set(report.reasons) == {name}, str(report)
    for phrase in phrases:
        assert phrase in report.reasons[name], report.reasons[name]
        assert phrase in str(report)
    for other, error in report.errors.items():
        if other != name:
            assert error < report.threshold, str(report)


def test_a_correct_student_affine_passes_every_row(rng):
    report = check_layer(*student_affine(StudentAffine, rng))
    assert list(report.errors) == ["x", "W", "b"]
    assert report.passed, str(report)
    assert report.reasons == {}


def test_db_not_summed_over_the_batch_fails(rng):
    report = check_layer(*student_affine(DbNotSummed, rng))
    assert_fails_only(report, "b",
                      "db has shape (4, 5); b is (5,): sum dout over the batch, axis 0")


def test_db_summed_over_the_wrong_axis_fails(rng):
    report = check_layer(*student_affine(DbSummedOverAxis1, rng))
    assert_fails_only(report, "b", "db has shape (4,); b is (5,)", "wrong axis", "axis 0")


def test_dw_instead_of_dW_fails_and_names_what_was_found(rng):
    report = check_layer(*student_affine(LowercaseDw, rng))
    assert_fails_only(report, "W", "dW is None", "found dw")


class ScaleWithDw:
    """out = x * W per feature, storing its gradient as dw; no dW anywhere."""

    def __init__(self, W):
        self.W = W

    def forward(self, x):
        self.x = x
        return x * self.W

    def backward(self, dout):
        self.dw = (dout * self.x).sum(axis=0)    # bug: dw, not dW
        return dout * self.W


def test_dw_without_any_dW_fails_and_names_what_was_found(rng):
    report = check_layer(ScaleWithDw(rng.standard_normal(3)), rng.standard_normal((4, 3)))
    assert_fails_only(report, "W", "no gradient dW", "found dw: name it dW")


def test_grad_W_instead_of_dW_fails_and_names_what_was_found(rng):
    report = check_layer(*student_affine(GradW, rng))
    assert_fails_only(report, "W", "dW is None", "found grad_W")


def test_a_list_gradient_fails(rng):
    report = check_layer(*student_affine(ListGradient, rng))
    assert_fails_only(report, "W", "dW is a list, not a NumPy array")


def test_a_gradient_never_stored_fails(rng):
    report = check_layer(ForgottenGradient(rng.standard_normal(3)), rng.standard_normal((4, 3)))
    assert_fails_only(report, "gamma", "no gradient dgamma", "layer.dgamma")


@pytest.mark.parametrize("make, phrases", [
    (FlatDx, ["FlatDx.backward", "dx of shape (12,); x is (4, 3)", "reshape"]),
    (NoDx, ["NoDx.backward returned None", "dx"]),
    (ListDx, ["ListDx.backward returned a list", "dx"]),
])
def test_a_wrong_dx_is_a_fail_row_that_names_the_layer(make, phrases, rng):
    report = check_layer(*student_affine(make, rng))
    assert list(report.errors) == ["x", "W", "b"]     # the parameters' rows stay visible
    assert_fails_only(report, "x", *phrases)


def test_a_wrong_factor_is_named_in_the_reason(rng):
    report = check_layer(WrongScale(rng.uniform(0.5, 1.5, 4)), rng.standard_normal((3, 4)))
    assert "0.5 times the numerical gradient" in report.reasons["W"]


def test_a_mean_where_the_sum_belongs_is_named_in_the_reason(rng):
    class MeanDb(StudentAffine):
        def backward(self, dout):
            dx = super().backward(dout)
            self.db = dout.mean(axis=0)      # bug: mean, not sum
            return dx

    report = check_layer(*student_affine(MeanDb, rng))
    assert_fails_only(report, "b", "1/N", "N = 4")


def test_an_empty_batch_is_refused(rng):
    layer, _ = student_affine(StudentAffine, rng)
    with pytest.raises(ValueError, match=r"N = 0.*\(0, 3\)"):
        check_layer(layer, np.zeros((0, 3)))


def test_the_same_report_every_run(rng):
    W, b, x = rng.standard_normal((3, 5)), rng.standard_normal(5), rng.standard_normal((4, 3))
    first = check_layer(StudentAffine(W.copy(), b.copy()), x)
    second = check_layer(StudentAffine(W.copy(), b.copy()), x)
    assert str(first) == str(second)
    assert first.errors == second.errors
    wrong = [str(check_layer(DbNotSummed(W.copy(), b.copy()), x)) for _ in range(2)]
    assert wrong[0] == wrong[1]


# --- What counts as a parameter ------------------------------------------------------------


def test_caches_and_earlier_gradients_are_not_parameters(rng):
    layer, x = student_affine(StudentAffine, rng)
    layer.forward(x)
    layer.backward(np.ones((4, 5)))        # leaves x, dW and db as float arrays on the layer
    report = check_layer(layer, x)
    assert list(report.errors) == ["x", "W", "b"]
    assert report.passed, str(report)


def test_batchnorm_running_averages_are_not_parameters_even_when_settled(rng):
    layer = layers.BatchNormalization(rng.uniform(0.5, 1.5, 3), rng.standard_normal(3))
    x = rng.standard_normal((6, 3)) * 2 + 1
    for _ in range(2000):              # the running averages settle: forward(x) leaves them
        layer.forward(x)
    reports = [check_layer(layer, x) for _ in range(2)]
    for report in reports:
        assert list(report.errors) == ["x", "gamma", "beta"], str(report)
        assert report.passed, str(report)
    assert str(reports[0]) == str(reports[1])


class InPlaceGradients(StudentAffine):
    """Correct, with gradients written into arrays allocated once."""

    def __init__(self, W, b):
        super().__init__(W, b)
        self.dW = np.zeros_like(W)
        self.db = np.zeros_like(b)

    def backward(self, dout):
        self.dW[...] = self.x.T @ dout
        self.db[...] = dout.sum(axis=0)
        return dout @ self.W.T


class WeightedSquare:
    """out = x^2 * weights, with per-feature weights passed to forward (an input, not trained)."""

    def forward(self, x, weights):
        self.x = x
        self.weights = weights
        return x ** 2 * weights

    def backward(self, dout):
        return 2 * self.x * self.weights * dout


def test_gradients_written_in_place_are_not_parameters_on_a_second_check(rng):
    layer, x = student_affine(InPlaceGradients, rng)
    for _ in range(2):
        report = check_layer(layer, x)
        assert list(report.errors) == ["x", "W", "b"], str(report)
        assert report.passed, str(report)


def test_inputs_kept_by_forward_are_not_parameters(rng):
    layer, x, weights = WeightedSquare(), rng.standard_normal((4, 3)), rng.standard_normal(3)
    for _ in range(2):
        report = check_layer(layer, x, weights)
        assert list(report.errors) == ["x"], str(report)
        assert report.passed, str(report)


def test_a_parameter_of_the_batch_shape_is_still_a_parameter(rng):
    layer = StudentAffine(rng.standard_normal((4, 4)), rng.standard_normal(4))
    report = check_layer(layer, rng.standard_normal((4, 4)))      # W has x's shape
    assert list(report.errors) == ["x", "W", "b"]
    assert report.passed, str(report)


def test_a_fixed_dropout_mask_is_not_a_parameter(rng):
    layer = layers.Dropout(0.5, seed=0)
    x = rng.standard_normal((4, 3))
    layer.forward(x)
    layer.fixed = True
    report = check_layer(layer, x)
    assert list(report.errors) == ["x"]
    assert report.passed, str(report)


def test_a_constant_array_is_flagged_until_params_says_what_is_trained(rng):
    layer = FixedKernel(rng.standard_normal(3))
    x = rng.standard_normal((4, 3))
    report = check_layer(layer, x)
    assert_fails_only(report, "kernel", "no gradient dkernel", "params=")
    report = check_layer(layer, x, params=[])
    assert list(report.errors) == ["x"]
    assert report.passed, str(report)


def test_explicit_params_are_exactly_the_rows(rng):
    layer, x = student_affine(StudentAffine, rng)
    report = check_layer(layer, x, params=["W"])
    assert list(report.errors) == ["x", "W"]
    assert report.passed, str(report)
    report = check_layer(layer, x, params=(name for name in ("b", "W")))
    assert list(report.errors) == ["x", "b", "W"]


def test_explicit_params_are_validated(rng):
    layer, x = student_affine(StudentAffine, rng)
    with pytest.raises(ValueError, match="'V'.*no attribute"):
        check_layer(layer, x, params=["W", "V"])
    for wrong in ("W", 3, [layer.W]):
        with pytest.raises(TypeError, match="list of attribute names"):
            check_layer(layer, x, params=wrong)
    layer.W = layer.W.astype(np.float32)
    with pytest.raises(TypeError, match=r"layer\.W.*float32"):
        check_layer(layer, x, params=["W"])


def test_a_float32_parameter_is_refused_even_when_not_named(rng):
    layer, x = student_affine(StudentAffine, rng)
    layer.b = layer.b.astype(np.float32)
    with pytest.raises(TypeError, match=r"layer\.b.*float32"):
        check_layer(layer, x)


def test_a_correct_report_prints_as_before(rng):
    lines = str(check_layer(*student_affine(StudentAffine, rng))).splitlines()
    assert lines[0] == "name       shape          max rel error  result (threshold 1e-07)"
    assert len(lines) == 4
    assert lines[2].startswith("W          (3, 5)  ") and lines[2].endswith("  ok")


def test_a_fail_row_prints_its_reason_under_it(rng):
    lines = str(check_layer(*student_affine(DbNotSummed, rng))).splitlines()
    row = next(index for index, line in enumerate(lines) if line.startswith("b "))
    assert lines[row].endswith("FAIL")
    assert lines[row].split()[2] == "-"            # nothing compared: no error to show
    assert "db has shape (4, 5)" in lines[row + 1]


# --- Every layer of the package passes -----------------------------------------------------


def package_layers():
    """(id, layer, x, forward_args, h, expected rows) for every layer class of the package."""
    rng = np.random.default_rng(7)
    away_from_zero = rng.uniform(0.1, 2.0, (3, 4)) * rng.choice([-1.0, 1.0], (3, 4))
    distinct = (rng.permutation(2 * 2 * 4 * 4).reshape(2, 2, 4, 4) - 32) * 0.01 + 0.005
    dropout = layers.Dropout(0.5, seed=0)
    dropout.forward(away_from_zero)
    dropout.fixed = True
    t = np.array([0, 2, 1])
    return [
        ("Affine", layers.Affine(rng.standard_normal((4, 2)), rng.standard_normal(2)),
         away_from_zero, (), CHECK_H, ["x", "W", "b"]),
        ("Affine-no-bias", layers.Affine(rng.standard_normal((4, 2))),
         away_from_zero, (), CHECK_H, ["x", "W"]),
        ("ReLU", layers.ReLU(), away_from_zero, (), CHECK_H, ["x"]),
        ("LeakyReLU", layers.LeakyReLU(0.1), away_from_zero, (), CHECK_H, ["x"]),
        ("Sigmoid", layers.Sigmoid(), away_from_zero, (), CHECK_H, ["x"]),
        ("Tanh", layers.Tanh(), away_from_zero, (), CHECK_H, ["x"]),
        ("Dropout-fixed", dropout, away_from_zero, (), CHECK_H, ["x"]),
        ("BatchNorm-2d", layers.BatchNormalization(rng.uniform(0.5, 1.5, 4),
                                                   rng.standard_normal(4)),
         away_from_zero, (), CHECK_H, ["x", "gamma", "beta"]),
        ("BatchNorm-images", layers.BatchNormalization(rng.uniform(0.5, 1.5, 2),
                                                       rng.standard_normal(2)),
         distinct, (), CHECK_H, ["x", "gamma", "beta"]),
        ("SoftmaxWithLoss", layers.SoftmaxWithLoss(), away_from_zero[:, :3], (t,), CHECK_H,
         ["x"]),
        ("SoftmaxWithLoss-one-hot", layers.SoftmaxWithLoss(), away_from_zero[:, :3],
         (np.eye(3)[t],), CHECK_H, ["x"]),
        ("MeanSquaredErrorLoss", layers.MeanSquaredErrorLoss(), away_from_zero[:, :3], (t,),
         CHECK_H, ["x"]),
        ("SigmoidWithLoss", layers.SigmoidWithLoss(), away_from_zero,
         (rng.integers(0, 2, (3, 4)).astype(float),), CHECK_H, ["x"]),
        ("Convolution", conv.Convolution(rng.standard_normal((2, 2, 3, 3)),
                                         rng.standard_normal(2), stride=2, pad=1),
         distinct, (), CHECK_H, ["x", "W", "b"]),
        ("Pooling", conv.Pooling(2, 2), distinct, (), 1e-3, ["x"]),
        ("AveragePooling", conv.AveragePooling(2, 2, stride=1), distinct, (), 1e-3, ["x"]),
        ("Flatten", conv.Flatten(), distinct, (), CHECK_H, ["x"]),
    ]


PACKAGE_LAYERS = package_layers()


@pytest.mark.parametrize("name, layer, x, forward_args, h, rows", PACKAGE_LAYERS,
                         ids=[case[0] for case in PACKAGE_LAYERS])
def test_every_package_layer_passes(name, layer, x, forward_args, h, rows):
    report = check_layer(layer, x, *forward_args, h=h)
    assert list(report.errors) == rows, str(report)
    assert report.passed, str(report)
    # Checked again, the same layer gives the same report (running averages, fixed masks).
    assert str(check_layer(layer, x, *forward_args, h=h)) == str(report)


# --- check_network: the gradient dict must have the keys and shapes of params --------------


def small_network():
    net = TwoLayerNet(4, 5, 3, weight_init_std="he", dtype=np.float64, seed=3)
    rng = np.random.default_rng(4)
    return net, rng.standard_normal((7, 4)), rng.integers(0, 3, 7)


def with_edited_gradient(net, edit):
    """Make ``net.gradient`` return ``edit(grads)`` (a mistake in the network's backward)."""
    correct = net.gradient

    def gradient(x, t):
        grads = correct(x, t)
        edit(grads)
        return grads

    net.gradient = gradient
    return net


@pytest.mark.parametrize("edit, name, phrases", [
    (lambda grads: grads.pop("b1"), "b1", ["no 'b1'"]),
    (lambda grads: grads.update(W3=np.zeros((2, 2))), "W3", ["'W3' is not a key of params"]),
    (lambda grads: grads.update(b1=np.ones((7, 5))), "b1",
     ["grads['b1'] has shape (7, 5); params['b1'] is (5,): sum dout over the batch, axis 0"]),
    (lambda grads: grads.update(W2=grads["W2"].tolist()), "W2", ["grads['W2'] is a list"]),
])
def test_check_network_fail_rows_name_the_key(edit, name, phrases):
    net, x, t = small_network()
    report = check_network(with_edited_gradient(net, edit), x, t)
    assert name in report.errors
    assert_fails_only(report, name, *phrases)


def test_check_network_refuses_an_empty_batch():
    net, x, t = small_network()
    with pytest.raises(ValueError, match="N = 0"):
        check_network(net, x[:0], t[:0])


def test_check_network_needs_a_dict_of_gradients():
    net, x, t = small_network()
    net.gradient = lambda x, t: [np.zeros(1)]
    with pytest.raises(TypeError, match="network.gradient.*dict.*list"):
        check_network(net, x, t)
