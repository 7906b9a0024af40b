import numpy as np
import pytest
from scipy.optimize import approx_fprime

from nnnumpy.gradient import gradient_descent, numerical_diff, numerical_gradient


def smooth(x):
    return float(np.sum(np.sin(x) * x ** 2) + np.prod(np.cos(x)))


def test_numerical_diff_of_a_known_derivative():
    assert numerical_diff(lambda x: 0.01 * x ** 2 + 0.1 * x, 5.0) == pytest.approx(0.2, rel=1e-9)


@pytest.mark.parametrize("shape", [(3,), (2, 3), (2, 2, 2)])
def test_numerical_gradient_matches_scipy(rng, shape):
    x = rng.standard_normal(shape)
    expected = approx_fprime(x.ravel(), lambda flat: smooth(flat.reshape(shape)), 1e-6)
    np.testing.assert_allclose(numerical_gradient(smooth, x), expected.reshape(shape),
                               rtol=1e-5, atol=1e-7)


def test_numerical_gradient_restores_x_even_when_f_raises(rng):
    x = rng.standard_normal((2, 3))
    before = x.copy()
    calls = []

    def explodes(z):
        calls.append(1)
        if len(calls) == 4:
            raise RuntimeError("boom")
        return float(z.sum())

    with pytest.raises(RuntimeError, match="boom"):
        numerical_gradient(explodes, x)
    np.testing.assert_array_equal(x, before)


def test_numerical_gradient_rejects_integer_arrays():
    with pytest.raises(TypeError, match="array of floats"):
        numerical_gradient(lambda z: 0.0, np.arange(3))


def test_gradient_descent_finds_the_minimum_and_its_trajectory():
    def f(x):
        return float(x[0] ** 2 + x[1] ** 2)

    init = np.array([-3.0, 4.0])
    x, history = gradient_descent(f, init, lr=0.1, step_num=100, return_history=True)
    np.testing.assert_allclose(x, [0.0, 0.0], atol=1e-8)
    assert history.shape == (101, 2)
    np.testing.assert_array_equal(history[0], [-3.0, 4.0])
    np.testing.assert_array_equal(init, [-3.0, 4.0])


@pytest.mark.parametrize("kwargs, message", [
    ({"lr": -1}, "lr must be a positive finite number, got -1"),
    ({"step_num": -2}, "step_num must be a non-negative integer, got -2"),
    ({"lr": float("nan")}, "lr must be a positive finite number, got nan"),
])
def test_gradient_descent_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        gradient_descent(lambda x: 0.0, np.zeros(2), **kwargs)


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_numerical_gradient_refuses_low_precision(dtype):
    """float32 would be off by about 5e-4 relative, float16 would give exact zeros."""
    with pytest.raises(TypeError, match=f"needs float64: x is {np.dtype(dtype).name}"):
        numerical_gradient(lambda v: float((v ** 2).sum()), np.array([3.0, 4.0], dtype))


def test_numerical_gradient_of_the_textbook_examples():
    """f(x0, x1) = x0^2 + x1^2 at (3, 4) and (0, 2): gradients (6, 8) and (0, 4); 2-D x too."""
    def f(x):
        return float(np.sum(x ** 2))

    np.testing.assert_allclose(numerical_gradient(f, np.array([3.0, 4.0])), [6, 8], rtol=1e-8)
    np.testing.assert_allclose(numerical_gradient(f, np.array([0.0, 2.0])), [0, 4], atol=1e-8)
    grid = np.array([[1.0, -2.0], [0.5, 3.0]])
    np.testing.assert_allclose(numerical_gradient(f, grid), 2 * grid, rtol=1e-8)
