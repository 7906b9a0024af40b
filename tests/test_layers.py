import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnnumpy import layers
from nnnumpy.gradcheck import check_layer

LAYER_BOUND = 1e-7


def away_from_zero(rng, shape, margin=0.05):
    """Inputs with |x| >= margin, so that h = 1e-4 never straddles a kink at 0."""
    x = rng.uniform(margin, 3.0, shape)
    return x * rng.choice([-1.0, 1.0], shape)


# The same 30 examples on every run: sums in dx, dW and db (over the batch or the outputs)
# can cancel to a tiny entry, where the finite difference's rounding (~1e-11) alone exceeds
# the elementwise 1e-7 bound; a correct Affine did so on 7 of 3000 random draws.
@given(n=st.integers(1, 5), d=st.integers(1, 6), m=st.integers(1, 6), seed=st.integers(0, 10**6))
@settings(max_examples=30, deadline=None, derandomize=True)
def test_affine_backward_matches_numerical(n, d, m, seed):
    rng = np.random.default_rng(seed)
    layer = layers.Affine(rng.standard_normal((d, m)), rng.standard_normal(m))
    report = check_layer(layer, rng.standard_normal((n, d)), seed=seed)
    assert set(report.errors) == {"x", "W", "b"}
    assert report.worst < LAYER_BOUND, str(report)


def test_affine_flattens_images_and_reshapes_dx(rng):
    layer = layers.Affine(rng.standard_normal((12, 3)), rng.standard_normal(3))
    x = rng.standard_normal((2, 1, 3, 4))
    out = layer.forward(x)
    assert out.shape == (2, 3)
    np.testing.assert_allclose(out, x.reshape(2, 12) @ layer.W + layer.b)
    assert layer.backward(np.ones((2, 3))).shape == (2, 1, 3, 4)
    assert check_layer(layer, x).worst < LAYER_BOUND


@pytest.mark.parametrize("W_shape, b_shape", [((3,), (3,)), ((4, 3), (4,))])
def test_affine_rejects_bad_shapes(W_shape, b_shape):
    with pytest.raises(ValueError, match="must"):
        layers.Affine(np.zeros(W_shape), np.zeros(b_shape))


@pytest.mark.parametrize("make_layer", [layers.ReLU, lambda: layers.LeakyReLU(0.1),
                                        layers.Sigmoid, layers.Tanh])
@given(shape=st.lists(st.integers(1, 5), min_size=1, max_size=3), seed=st.integers(0, 10**6))
@settings(max_examples=25, deadline=None)
def test_activation_backward_matches_numerical(make_layer, shape, seed):
    rng = np.random.default_rng(seed)
    report = check_layer(make_layer(), away_from_zero(rng, tuple(shape)), seed=seed)
    assert report.worst < LAYER_BOUND, str(report)


@pytest.mark.parametrize("make_layer", [layers.ReLU, lambda: layers.LeakyReLU(0.1),
                                        layers.Sigmoid, layers.Tanh])
def test_backward_never_modifies_dout(make_layer, rng):
    layer = make_layer()
    layer.forward(rng.standard_normal((4, 5)))
    dout = rng.standard_normal((4, 5))
    before = dout.copy()
    layer.backward(dout)
    np.testing.assert_array_equal(dout, before)


def test_affine_backward_never_modifies_dout(rng):
    layer = layers.Affine(rng.standard_normal((5, 3)), rng.standard_normal(3))
    layer.forward(rng.standard_normal((4, 5)))
    dout = rng.standard_normal((4, 3))
    before = dout.copy()
    layer.backward(dout)
    np.testing.assert_array_equal(dout, before)


def one_hot(t, c):
    return np.eye(c)[t]


@pytest.mark.parametrize("one_hot_labels", [False, True])
def test_softmax_with_loss_gradient(rng, one_hot_labels):
    x = rng.standard_normal((6, 4))
    t = rng.integers(0, 4, 6)
    labels = one_hot(t, 4) if one_hot_labels else t
    report = check_layer(layers.SoftmaxWithLoss(), x, labels)
    assert report.worst < LAYER_BOUND, str(report)


def test_softmax_with_loss_same_loss_for_index_and_one_hot(rng):
    x = rng.standard_normal((6, 4))
    t = rng.integers(0, 4, 6)
    by_index = layers.SoftmaxWithLoss().forward(x, t)
    by_one_hot = layers.SoftmaxWithLoss().forward(x, one_hot(t, 4))
    assert by_index == pytest.approx(by_one_hot, rel=1e-14)
    expected = -np.mean(x[np.arange(6), t] - np.log(np.exp(x).sum(axis=1)))
    assert by_index == pytest.approx(expected, rel=1e-13)


def test_softmax_with_loss_backward_scales_by_dout(rng):
    layer = layers.SoftmaxWithLoss()
    x = rng.standard_normal((3, 4))
    layer.forward(x, np.array([0, 1, 2]))
    np.testing.assert_allclose(layer.backward(2.0), 2 * layer.backward(1.0))


def test_mean_squared_error_loss_gradient(rng):
    x = rng.standard_normal((5, 3))
    assert check_layer(layers.MeanSquaredErrorLoss(), x, rng.standard_normal((5, 3))).passed
    assert check_layer(layers.MeanSquaredErrorLoss(), x, np.array([0, 2, 1, 1, 0])).passed


@pytest.mark.parametrize("shape", [(7,), (5, 2)])
def test_sigmoid_with_loss_gradient_and_value(rng, shape):
    x = rng.standard_normal(shape) * 2
    t = rng.integers(0, 2, shape).astype(float)
    layer = layers.SigmoidWithLoss()
    p = 1 / (1 + np.exp(-x))
    expected = -np.sum(t * np.log(p) + (1 - t) * np.log(1 - p)) / shape[0]
    assert layer.forward(x, t) == pytest.approx(expected, rel=1e-12)
    assert check_layer(layer, x, t).worst < LAYER_BOUND
    assert np.isfinite(layers.SigmoidWithLoss().forward(np.array([-800.0, 800.0]),
                                                        np.array([1.0, 0.0])))


def test_dropout_scales_in_training_and_is_identity_at_test(rng):
    layer = layers.Dropout(0.25, seed=0)
    x = np.ones((400, 50))
    out = layer.forward(x, train=True)
    kept = out != 0
    assert set(np.unique(out)) == {0.0, 1 / 0.75}
    assert abs(kept.mean() - 0.75) < 0.01
    np.testing.assert_array_equal(layer.backward(np.ones_like(x)), out)
    np.testing.assert_array_equal(layer.forward(x, train=False), x)


def test_dropout_gradient_with_a_fixed_mask(rng):
    layer = layers.Dropout(0.4, seed=1)
    x = rng.standard_normal((5, 6))
    layer.forward(x)
    layer.fixed = True
    report = check_layer(layer, x)
    assert report.worst < LAYER_BOUND, str(report)


def test_dropout_rejects_bad_ratio():
    with pytest.raises(ValueError, match="dropout_ratio"):
        layers.Dropout(1.0)


@pytest.mark.parametrize("shape", [(6, 4), (3, 2, 4, 5)])
def test_batchnorm_gradient_in_training_mode(rng, shape):
    channels = shape[1]
    layer = layers.BatchNormalization(rng.uniform(0.5, 1.5, channels),
                                      rng.standard_normal(channels))
    report = check_layer(layer, rng.standard_normal(shape) * 2 + 1)
    assert set(report.errors) == {"x", "gamma", "beta"}
    assert report.worst < LAYER_BOUND, str(report)


def test_batchnorm_normalises_per_channel_and_keeps_running_averages(rng):
    layer = layers.BatchNormalization(np.ones(3), np.zeros(3), momentum=0.0)
    x = rng.standard_normal((8, 3, 4, 4)) * 5 + 2
    out = layer.forward(x, train=True)
    per_channel = out.transpose(1, 0, 2, 3).reshape(3, -1)
    np.testing.assert_allclose(per_channel.mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(per_channel.var(axis=1), 1, atol=1e-5)
    expected_mean = x.transpose(1, 0, 2, 3).reshape(3, -1).mean(axis=1)
    np.testing.assert_allclose(layer.running_mean, expected_mean)
    test_out = layer.forward(x, train=False)
    np.testing.assert_allclose(test_out, out, atol=1e-5)  # momentum 0: running = this batch


def test_batchnorm_at_test_time_uses_the_running_averages_not_the_batch(rng):
    """running = momentum * running + (1 - momentum) * batch; at test time
    out = gamma (x - running_mean) / sqrt(running_var + eps) + beta, whatever the batch."""
    gamma, beta = np.array([2.0, 0.5]), np.array([1.0, -1.0])
    layer = layers.BatchNormalization(gamma.copy(), beta.copy(), momentum=0.8, eps=1e-5)
    first, second = rng.standard_normal((50, 2)) * 3 + 4, rng.standard_normal((50, 2)) - 2
    layer.forward(first, train=True)
    layer.forward(second, train=True)
    mean = 0.8 * (0.8 * 0 + 0.2 * first.mean(axis=0)) + 0.2 * second.mean(axis=0)
    var = 0.8 * (0.8 * 1 + 0.2 * first.var(axis=0)) + 0.2 * second.var(axis=0)
    np.testing.assert_allclose(layer.running_mean, mean)
    np.testing.assert_allclose(layer.running_var, var)
    probe = rng.standard_normal((6, 2)) * 5
    expected = gamma * (probe - mean) / np.sqrt(var + 1e-5) + beta
    np.testing.assert_allclose(layer.forward(probe, train=False), expected, rtol=1e-12)
    np.testing.assert_allclose(layer.running_mean, mean)  # test mode leaves them alone


def test_softmax_with_loss_is_exact_for_huge_scores():
    """Without subtracting the row maximum, exp(1000) overflows to inf and the loss is NaN."""
    layer = layers.SoftmaxWithLoss()
    x = np.array([[1000.0, 0.0, -1000.0], [0.0, 3000.0, 2999.0]])
    loss = layer.forward(x, np.array([0, 2]))
    assert loss == pytest.approx(0.5 * (0 + np.log1p(np.e)), rel=1e-12)
    dx = layer.backward(1)
    p = 1 / (1 + np.e)   # softmax of the second row at the label (2999 vs 3000)
    np.testing.assert_allclose(dx, [[0, 0, 0], [0, (1 - p) / 2, (p - 1) / 2]], atol=1e-12)
