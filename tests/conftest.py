"""Shared fixtures: random generators, the backends to run on, and MNIST discovery."""

import contextlib
import os
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parent.parent


def available_backends():
    """'numpy' always; 'cupy' where CuPy imports and a GPU is visible."""
    backends = ["numpy"]
    try:
        from nnnumpy.backend import _import_cupy

        _import_cupy()
        backends.append("cupy")
    except (ImportError, RuntimeError):
        pass
    return backends


def mnist_dir():
    """The folder that holds MNIST (NNNUMPY_DATA, else the repository's data/), or None."""
    for candidate in (os.environ.get("NNNUMPY_DATA"), REPO / "data"):
        if not candidate:
            continue
        for folder in (Path(candidate), Path(candidate) / "mnist"):
            if (folder / "train-images-idx3-ubyte.gz").exists() or \
                    (folder / "train-images-idx3-ubyte").exists():
                return folder
    return None


requires_mnist = pytest.mark.skipif(mnist_dir() is None,
                                    reason="MNIST files not found (set NNNUMPY_DATA)")


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


def load_script(name):
    """The program that scripts/<name>.py runs, nnnumpy.programs.<name>, so that tests can
    call its main(argv), use its helpers and patch the names it looks up."""
    import importlib

    return importlib.import_module(f"nnnumpy.programs.{name}")


def assert_png(path):
    """The file exists, is not empty and starts with the PNG signature."""
    data = Path(path).read_bytes()
    assert len(data) > 1000, f"{path} is only {len(data)} bytes"
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"


AVAILABLE_BACKENDS = available_backends()
# "fakecupy" runs the CuPy code path on tests/fake_cupy.py, a strict NumPy-backed stand-in
# for CuPy, so that every commit tests the GPU path without a GPU.
DEVICE_BACKENDS = ("cupy", "fakecupy")
BACKENDS = [
    pytest.param("numpy"),
    pytest.param("fakecupy"),
    pytest.param("cupy", marks=[pytest.mark.gpu, pytest.mark.skipif(
        "cupy" not in AVAILABLE_BACKENDS, reason="CuPy or a visible GPU is missing")]),
]


@contextlib.contextmanager
def fake_cupy_installed():
    """``import cupy`` gives tests/fake_cupy.py inside the block; the real one (or none) after."""
    from . import fake_cupy

    missing = object()
    before = sys.modules.get("cupy", missing)
    sys.modules["cupy"] = fake_cupy
    try:
        yield fake_cupy
    finally:
        if before is missing:
            del sys.modules["cupy"]
        else:
            sys.modules["cupy"] = before


@contextlib.contextmanager
def backend_set_to(name):
    """The backend ``name`` inside the block, NumPy again after it.

    "fakecupy" means the CuPy backend on the stand-in (its counters reset here); the
    block gets the name to pass to ``set_backend``, "cupy" for both.
    """
    from nnnumpy import backend

    with contextlib.ExitStack() as stack:
        if name == "fakecupy":
            stack.enter_context(fake_cupy_installed()).counters.reset()
        name = "cupy" if name == "fakecupy" else name
        backend.set_backend(name)
        try:
            yield name
        finally:
            backend.set_backend("numpy")


@pytest.fixture(params=BACKENDS)
def backend_name(request):
    """Run the test once per backend (CuPy only where it works), restoring NumPy after."""
    with backend_set_to(request.param) as name:
        yield name


def run_notebook(path, tmp_path, monkeypatch):
    """Execute a homework notebook in a fresh kernel (cwd tmp_path); return the executed
    notebook and the check results it recorded through NNNUMPY_HOMEWORK_RESULTS."""
    import json

    from nnnumpy.homework.core import RESULTS_ENV

    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    results = tmp_path / "results.jsonl"
    monkeypatch.setenv(RESULTS_ENV, str(results))
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    return notebook, [json.loads(line) for line in results.read_text().splitlines()]
