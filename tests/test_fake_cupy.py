"""The stand-in for CuPy is as strict as CuPy where the package could go wrong."""

import sys

import numpy as np
import pytest

from nnnumpy.backend import get_array_module, is_cupy_array, to_numpy

from . import fake_cupy as cp
from .conftest import fake_cupy_installed


@pytest.fixture(autouse=True)
def fresh_counters():
    cp.counters.reset()


def test_device_arrays_refuse_implicit_conversion_to_numpy():
    a = cp.asarray(np.arange(6.0).reshape(2, 3))
    for convert in (np.asarray, np.array, lambda x: np.ascontiguousarray(x)):
        with pytest.raises(TypeError, match="Implicit conversion to a NumPy array"):
            convert(a)
    np.testing.assert_array_equal(a.get(), np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(cp.asnumpy(a), a.get())


@pytest.mark.parametrize("host", [np.ones(3), np.array(2.0), [1.0, 2.0, 3.0]])
def test_ufuncs_refuse_host_arrays_and_lists_as_operands(host):
    a = cp.ones(3)
    for compute in (lambda: a + host, lambda: host * a, lambda: cp.maximum(a, host),
                    lambda: np.maximum(a, host)):
        with pytest.raises(TypeError, match="Unsupported type"):
            compute()
    a_before = a.get()
    with pytest.raises(TypeError, match="Unsupported type"):
        a += host
    np.testing.assert_array_equal(a.get(), a_before)


def test_scalars_numpy_ufuncs_and_array_functions_work_on_the_device():
    a = cp.asarray(np.array([[-1.0, 2.0], [3.0, -4.0]]))
    for result in (a * 2, 2 * a, a + np.float32(1), np.maximum(a, 0), np.exp(a),
                   np.sum(a, axis=0), np.where(a > 0, a, 0.0)):
        assert isinstance(result, cp.ndarray)
    assert np.shape(a) == (2, 2)
    with pytest.raises(TypeError, match="no implementation found"):
        np.round(a)  # a NumPy function the stand-in (and the package's CuPy needs) lack


def test_reductions_and_scalar_indexing_return_device_zero_d_arrays():
    a = cp.asarray(np.arange(6.0).reshape(2, 3))
    for value in (a.sum(), a.max(), a.mean(), a[1, 2], a.argmax(), cp.count_nonzero(a)):
        assert isinstance(value, cp.ndarray) and value.ndim == 0
    assert cp.counters.synchronizations == 0


def test_host_synchronisations_are_counted():
    a = cp.asarray(np.arange(4.0))
    float(a.sum()), int(a[1]), bool(a[0] > 0), a.sum().item(), a.tolist(), a.get()
    assert cp.counters.synchronizations == 6
    str(a), repr(a), f"{a.sum():.2f}"
    assert cp.counters.synchronizations == 9


def test_host_index_arrays_are_accepted_and_counted_as_copies():
    a = cp.asarray(np.arange(10.0))
    assert cp.counters.host_to_device == 1
    np.testing.assert_array_equal(a[np.array([3, 1])].get(), [3.0, 1.0])
    np.testing.assert_array_equal(a[np.arange(10) > 7].get(), [8.0, 9.0])
    assert cp.counters.host_to_device == 3
    np.testing.assert_array_equal(a[cp.arange(2)].get(), [0.0, 1.0])
    assert cp.counters.host_to_device == 3


def test_views_write_through_and_scatter_add_keeps_duplicates():
    a = cp.zeros((2, 3))
    a[:, 1] += 1.0
    a.reshape(-1)[0] = 5.0
    cp.add.at(a, (cp.asarray(np.array([1, 1])), cp.asarray(np.array([2, 2]))), 1.5)
    np.testing.assert_array_equal(a.get(), [[5.0, 1.0, 0.0], [0.0, 1.0, 3.0]])


def test_installed_stand_in_is_what_the_backend_sees_and_is_removed_after():
    before = sys.modules.get("cupy")
    with fake_cupy_installed():
        a = cp.asarray(np.ones(2))
        assert is_cupy_array(a) and get_array_module(a) is cp
        assert to_numpy(a.sum()) == 2.0
    assert sys.modules.get("cupy") is before
