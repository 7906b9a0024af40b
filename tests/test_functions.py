import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import special

from nnnumpy import functions as F

finite = st.floats(-700, 700, allow_nan=False)


@given(arrays(np.float64, st.integers(1, 50), elements=finite))
def test_sigmoid_matches_expit_to_the_last_bits(x):
    np.testing.assert_allclose(F.sigmoid(x), special.expit(x), rtol=1e-14, atol=0)


def test_sigmoid_is_stable_at_the_extremes():
    x = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])
    y = F.sigmoid(x)
    assert np.all(np.isfinite(y))
    assert y[0] == 0.0 and y[-1] == 1.0 and y[2] == 0.5
    assert 0 < y[1] < 1e-21


@given(arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 8)),
              elements=st.floats(-1e4, 1e4)))
def test_softmax_and_log_softmax_match_scipy(x):
    np.testing.assert_allclose(F.softmax(x), special.softmax(x, axis=-1), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(F.log_softmax(x), special.log_softmax(x, axis=-1),
                               rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(F.softmax(x[0]), special.softmax(x[0]), rtol=1e-12, atol=1e-300)


def test_log_softmax_is_logsumexp_shifted(rng):
    x = rng.standard_normal((4, 7)) * 300
    expected = x - special.logsumexp(x, axis=1, keepdims=True)
    np.testing.assert_allclose(F.log_softmax(x), expected, rtol=1e-12, atol=1e-12)


def test_relu_leaky_relu_tanh():
    x = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
    np.testing.assert_array_equal(F.relu(x), [0, 0, 0, 0.5, 2])
    np.testing.assert_allclose(F.leaky_relu(x, 0.1), [-0.2, -0.05, 0, 0.5, 2])
    np.testing.assert_allclose(F.tanh(x), np.tanh(x))


def test_cross_entropy_index_and_one_hot_labels_agree(rng):
    y = F.softmax(rng.standard_normal((5, 4)))
    t = np.array([0, 3, 1, 1, 2])
    expected = -np.mean(np.log(y[np.arange(5), t]))
    assert F.cross_entropy_error(y, t) == pytest.approx(expected, rel=1e-14)
    assert F.cross_entropy_error(y, F.one_hot(t, 4)) == pytest.approx(expected, rel=1e-14)


def test_cross_entropy_of_a_single_sample():
    y = np.array([0.1, 0.7, 0.2])
    assert F.cross_entropy_error(y, 1) == pytest.approx(-np.log(0.7))
    assert F.cross_entropy_error(y, np.array([0, 1, 0])) == pytest.approx(-np.log(0.7))


def test_cross_entropy_of_zero_probability_is_finite():
    assert np.isfinite(F.cross_entropy_error(np.array([[1.0, 0.0]]), np.array([1])))


def test_softmax_cross_entropy_is_exact_for_confident_scores():
    x = np.array([[0.0, 60.0]])
    # log(y + 1e-7) would give about 16.1; the exact loss is 60.
    assert F.softmax_cross_entropy(x, np.array([0])) == pytest.approx(60.0, rel=1e-12)


def test_mean_squared_error_accepts_indices_and_one_hot():
    y = np.array([[0.1, 0.9], [0.8, 0.2]])
    t = np.array([1, 0])
    expected = 0.5 * (0.01 + 0.01 + 0.04 + 0.04) / 2
    assert F.mean_squared_error(y, t) == pytest.approx(expected)
    assert F.mean_squared_error(y, F.one_hot(t, 2)) == pytest.approx(expected)


def test_binary_cross_entropy(rng):
    p = rng.uniform(0.01, 0.99, 10)
    t = rng.integers(0, 2, 10).astype(float)
    expected = -np.mean(t * np.log(p) + (1 - t) * np.log(1 - p))
    assert F.binary_cross_entropy(p, t) == pytest.approx(expected, rel=1e-13)
    assert np.isfinite(F.binary_cross_entropy(np.array([0.0, 1.0]), np.array([1.0, 0.0])))


def test_softplus_is_stable():
    np.testing.assert_allclose(F.softplus(np.array([-800.0, 0.0, 800.0])),
                               [0.0, np.log(2), 800.0])
