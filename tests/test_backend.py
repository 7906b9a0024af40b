import numpy as np
import pytest

from nnnumpy import backend


def test_numpy_is_the_default_array_module():
    x = np.ones(3)
    assert backend.get_array_module(x) is np
    assert backend.get_array_module(x, [1, 2]) is np


def test_to_numpy_turns_0d_into_python_float():
    value = backend.to_numpy(np.float32(2.5) * np.ones(()))
    assert type(value) is float and value == 2.5
    array = backend.to_numpy(np.arange(3))
    assert isinstance(array, np.ndarray) and array.tolist() == [0, 1, 2]


def test_unknown_backend_is_a_value_error():
    with pytest.raises(ValueError, match="backend must be one of"):
        backend.set_backend("tensorflow")


def test_missing_cupy_names_the_install_command(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "cupy", None)  # makes 'import cupy' fail
    with pytest.raises(ImportError, match="pip install cupy-cuda12x"):
        backend.set_backend("cupy")
    assert backend.get_backend() == "numpy"


def test_environment_variable_chooses_the_backend(monkeypatch):
    monkeypatch.setattr(backend, "_backend_name", None)
    monkeypatch.setenv("NNNUMPY_BACKEND", "numpy")
    assert backend.get_backend() == "numpy"
    monkeypatch.setattr(backend, "_backend_name", None)
    monkeypatch.setenv("NNNUMPY_BACKEND", "nope")
    with pytest.raises(ValueError, match="'nope'"):
        backend.get_backend()
    monkeypatch.setattr(backend, "_backend_name", None)
