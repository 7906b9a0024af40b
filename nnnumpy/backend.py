"""Which array module computes: NumPy, or CuPy on a GPU.

Computation follows the data: a function that needs an array module asks
``xp = get_array_module(x)`` and gets NumPy for NumPy arrays, CuPy for CuPy
arrays, so one layer serves both. The *backend setting* only decides where new
arrays (initial weights, training batches) are created. Choose it with the
environment variable ``NNNUMPY_BACKEND=cupy`` or ``set_backend("cupy")``. The variable
is read on first use, not at import, so that a wrong value can still be overridden
with ``set_backend``; unset or empty, it means NumPy.

Arrays go back to NumPy with ``to_numpy`` only at the edges: printing,
plotting, saving, the trainer's history.
"""

import os
import sys

import numpy as np

BACKENDS = ("numpy", "cupy")
ENVIRONMENT_VARIABLE = "NNNUMPY_BACKEND"

CUPY_INSTALL_HINT = (
    "Install the CuPy wheel that matches your CUDA version: 'pip install cupy-cuda13x' "
    "for CUDA 13.x, 'pip install cupy-cuda12x' for CUDA 12.x or 'pip install cupy-cuda11x' "
    "for CUDA 11.x (run 'nvidia-smi' to see your CUDA version); 'pip install "
    "\"nnnumpy[gpu]\"' installs the CUDA 12 wheel."
)

_backend_name = None


def _import_cupy():
    """Import CuPy and check that a GPU is visible; a clear error otherwise."""
    try:
        import cupy
    except ImportError as error:
        raise ImportError(
            f"the CuPy backend was requested but CuPy is not installed. {CUPY_INSTALL_HINT}"
        ) from error
    try:
        device_count = cupy.cuda.runtime.getDeviceCount()
    except Exception as error:  # CUDA driver missing or broken
        raise RuntimeError(
            f"the CuPy backend was requested and CuPy is installed, but no GPU is usable: "
            f"{error}. Check 'nvidia-smi'. {CUPY_INSTALL_HINT}"
        ) from error
    if device_count == 0:
        raise RuntimeError(
            "the CuPy backend was requested and CuPy is installed, but no GPU is visible "
            "(CUDA reports 0 devices). Check 'nvidia-smi' and CUDA_VISIBLE_DEVICES."
        )
    return cupy


def _check_name(name):
    if not isinstance(name, str) or name.lower() not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {name!r}")
    return name.lower()


def set_backend(name):
    """Choose where new arrays are created: ``"numpy"`` (default) or ``"cupy"``."""
    global _backend_name
    name = _check_name(name)
    if name == "cupy":
        _import_cupy()
    _backend_name = name


def get_backend():
    """Name of the current backend; read from ``NNNUMPY_BACKEND`` on first use."""
    if _backend_name is None:
        name = backend_from_environment()
        try:
            set_backend(name)
        except (ImportError, RuntimeError) as error:
            raise type(error)(f"{ENVIRONMENT_VARIABLE}={name}: {error}") from error
    return _backend_name


def backend_from_environment():
    """The backend that ``NNNUMPY_BACKEND`` names: "numpy" when it is unset or empty.

    An empty value counts as unset, as ``NNNUMPY_BACKEND= python ...`` is how a shell
    clears a setting for one command. Any other value must name a backend.
    """
    value = os.environ.get(ENVIRONMENT_VARIABLE, "")
    name = value.strip().lower()
    if name == "":
        return "numpy"
    if name not in BACKENDS:
        raise ValueError(f"{ENVIRONMENT_VARIABLE}={value!r} names no backend: it must be "
                         f"one of {', '.join(BACKENDS)} (unset or empty: numpy)")
    return name


def backend_module():
    """The array module of the current backend (``numpy`` or ``cupy``)."""
    if get_backend() == "cupy":
        return _import_cupy()
    return np


def is_cupy_array(x):
    """True when ``x`` is a CuPy array (without importing CuPy if nobody has)."""
    cupy = sys.modules.get("cupy")
    return cupy is not None and isinstance(x, cupy.ndarray)


def get_array_module(*arrays):
    """The module that computes on ``arrays``: CuPy if any is a CuPy array, else NumPy."""
    cupy = sys.modules.get("cupy")
    if cupy is not None:  # nobody has imported CuPy: nothing can be a CuPy array
        for array in arrays:
            if isinstance(array, cupy.ndarray):
                return cupy
    return np


def to_numpy(x):
    """Bring ``x`` to the host as a NumPy array; a 0-d result becomes a Python float."""
    if is_cupy_array(x):
        x = x.get()
    x = np.asarray(x)
    if x.ndim == 0:
        return float(x)
    return x


def to_backend(x):
    """Move a host array to the current backend (a no-op on NumPy)."""
    return backend_module().asarray(x)
