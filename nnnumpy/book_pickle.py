"""Read the textbook's pickled parameter files without running code from them.

The book saves a network as ``pickle.dump(params)``: a dict of NumPy arrays. Plain
``pickle.load`` would run whatever a file asks for (a pickle names functions, and
unpickling calls them), so a downloaded ``params.pkl`` could run any command. Here the
unpickler admits the few NumPy names that rebuild arrays, dtypes and NumPy numbers, and
refuses every other name with ``pickle.UnpicklingError`` before anything is called. Dicts,
lists, tuples, strings and Python numbers need no names: pickle builds them itself.

nnnumpy writes parameters as ``.npz`` (``nnnumpy.io``); this module only reads the book's.
"""

import io
import pickle
from pathlib import Path

import numpy as np

PICKLE_PROTOCOL_MARK = b"\x80"   # the first byte of every pickle of protocol 2 or later

# (module, name) pairs a pickle of NumPy arrays refers to. NumPy 1 writes numpy.core,
# NumPy 2 numpy._core; protocol 5 rebuilds arrays with _frombuffer; protocol 2 carries
# bytes through _codecs.encode (str -> bytes, nothing else).
ADMITTED = {
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy.core.numeric", "_frombuffer"),
    ("numpy._core.numeric", "_frombuffer"),
    ("_codecs", "encode"),
}


def numeric_dtype(*args):
    """``numpy.dtype(*args)``, refused when it could hold Python objects (dtype 'O')."""
    dtype = np.dtype(*args)
    if dtype.hasobject:
        raise pickle.UnpicklingError(f"refused: the pickle asks for an array of Python "
                                     f"objects (dtype {dtype}); only arrays of numbers load")
    return dtype


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that rebuilds NumPy arrays, dtypes, numbers, dicts and lists only."""

    def find_class(self, module, name):
        if (module, name) not in ADMITTED:
            raise pickle.UnpicklingError(
                f"refused: the pickle asks for {module}.{name}, which is not part of a NumPy "
                "array; only NumPy arrays, dtypes, numbers, dicts and lists are read, and "
                "nothing in the file is run")
        if (module, name) == ("numpy", "dtype"):
            return numeric_dtype
        return super().find_class(module, name)


def safe_loads(data):
    """The object pickled in ``data`` (bytes), built by ``RestrictedUnpickler``."""
    return RestrictedUnpickler(io.BytesIO(data)).load()


def load_book_params(path):
    """The parameters in a pickle the book's ``save_params`` wrote: dict name -> array.

    Raises pickle.UnpicklingError for a file that asks for anything but arrays and
    numbers (nothing of it is run), ValueError for one that holds something else than
    a dict of numeric arrays.
    """
    path = Path(path)
    try:
        params = safe_loads(path.read_bytes())
    except pickle.UnpicklingError as error:
        raise pickle.UnpicklingError(f"{path}: {error}") from None
    except (EOFError, ValueError, TypeError, IndexError) as error:
        raise ValueError(f"{path}: not a readable pickle ({error})") from error
    if not isinstance(params, dict):
        raise ValueError(f"{path}: the book's parameter files hold a dict of arrays, this one "
                         f"holds a {type(params).__name__}")
    for key, value in params.items():
        if not isinstance(key, str) or not isinstance(value, np.ndarray) \
                or value.dtype.kind not in "biuf":
            raise ValueError(f"{path}: params[{key!r}] must be an array of numbers, got "
                             f"{type(value).__name__} {getattr(value, 'dtype', '')}".rstrip())
    return params
