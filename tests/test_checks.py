"""nnnumpy.checks: labels, data types and numbers, checked where they enter."""

import numpy as np
import pytest

from nnnumpy.checks import (
    as_class_indices,
    check_labels,
    check_real_data,
    check_real_number,
)


def test_whole_number_float_labels_become_integer_indices():
    t = np.array([0.0, 2.0, 1.0])
    check_labels("t", t, 3)
    indices = as_class_indices(t)
    assert indices.dtype == np.int64
    np.testing.assert_array_equal(indices, [0, 2, 1])


@pytest.mark.parametrize("t", [np.array([0, 2, 1]), np.array([0, 2, 1], np.int32),
                               np.eye(3)[[0, 2, 1]], np.eye(3, dtype=np.float32)])
def test_integer_and_one_hot_labels_are_given_back_as_they_are(t):
    assert as_class_indices(t) is t


@pytest.mark.parametrize("dtype", [np.complex128, object, "U3"])
def test_data_that_is_not_real_numbers_is_a_type_error_naming_it(dtype):
    with pytest.raises(TypeError, match=f"x_train must hold real numbers .* got dtype "
                                        f"{np.dtype(dtype)}"):
        check_real_data("x_train", np.zeros((2, 3), dtype=dtype))


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.uint8, np.int64, bool])
def test_real_data_passes(dtype):
    check_real_data("x", np.zeros((2, 3), dtype=dtype))


@pytest.mark.parametrize("value", [0.01, 3, np.float32(0.01), np.float64(2.0), np.int64(4)])
def test_real_numbers_python_or_numpy_pass_and_come_back_as_float(value):
    result = check_real_number("lam", value, minimum=0)
    assert type(result) is float and result == pytest.approx(float(value))


@pytest.mark.parametrize("value, message", [
    (np.inf, "lam must be >= 0 \\(a finite number\\), got inf"),
    (np.nan, "lam must be >= 0 \\(a finite number\\), got nan"),
    (-1.0, "lam must be >= 0 \\(a finite number\\), got -1.0"),
    (True, "lam must be >= 0 \\(a finite number\\), got True"),
    ("0.1", "lam must be >= 0 \\(a finite number\\), got '0.1'"),
    (1j, r"lam must be >= 0 \(a finite number\), got 1j"),
])
def test_non_finite_negative_and_non_numbers_are_refused(value, message):
    with pytest.raises(ValueError, match=message):
        check_real_number("lam", value, minimum=0)


def test_a_positive_number_excludes_zero():
    with pytest.raises(ValueError, match="std must be > 0 \\(a finite number\\), got 0"):
        check_real_number("std", 0, minimum=0, strictly=True)
    assert check_real_number("std", np.float32(0.5), 0, strictly=True) == 0.5
