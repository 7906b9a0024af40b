"""A strict stand-in for CuPy, backed by NumPy: the GPU path tested without a GPU.

The tests install it as ``cupy`` (see ``conftest.backend_set_to("fakecupy")``) for the
duration of one test, and the package then runs its CuPy code path on it. It copies CuPy
where CuPy is strict, so that a host array in a device computation fails here as it
would fail on a GPU. Each rule follows CuPy's documentation ("Differences between CuPy
and NumPy", the ``cupy.ndarray`` reference and its ``__array__``, ``__array_ufunc__``
and ``__array_function__`` behaviour):

- Its arrays are a type of their own, not a NumPy subclass. ``np.asarray(x)``,
  ``np.array(x)`` and any NumPy-only function refuse them with CuPy's TypeError
  ("Implicit conversion to a NumPy array is not allowed..."): data reaches the host
  only through ``x.get()`` or ``cupy.asnumpy(x)``.
- Its ufuncs (and NumPy's ufuncs called on its arrays, through ``__array_ufunc__``)
  take its arrays and Python or NumPy scalars; a NumPy array (0-d too) or a list is
  refused with CuPy's "Unsupported type" TypeError. NumPy functions called on its
  arrays dispatch through ``__array_function__`` to the function of the same name
  here, and fail when there is none, as CuPy's do.
- Reductions and scalar indexing return 0-d arrays of its own type, never Python or
  NumPy scalars ("Reduction methods return zero-dimension array").
- NumPy integer arrays and boolean masks are accepted as indices, as CuPy accepts
  them, but each is counted as a host-to-device copy and a synchronisation.
- Out-of-bounds integer indices raise IndexError here, as in NumPy; CuPy wraps them
  around instead. The package never relies on either.
- Only the functions the package needs exist, with CuPy's signatures; a NumPy
  function that CuPy lacks fails here too.
- It counts host synchronisations: ``float()``, ``int()``, ``bool()``, ``.item()``,
  ``.tolist()``, ``.get()``, ``asnumpy`` and printing an array each add one
  (``counters.synchronizations``), and host-to-device copies (``counters.host_to_device``).

What it cannot be: it runs NumPy's kernels on the CPU, so it says nothing about CUDA's
own behaviour (kernel compilation, float rounding in parallel reductions, atomics in
scatter-adds, asynchronous execution, memory limits or speed). It proves that the
package keeps device and host apart, not that CUDA works: that is what
``benchmarks/gpu_check.sh`` is for, on a real GPU.
"""

import builtins
import sys
import types

import numpy

IMPLICIT_CONVERSION = ("Implicit conversion to a NumPy array is not allowed. "
                       "Please use `.get()` to construct a NumPy array explicitly.")

HOST_SCALARS = (bool, int, float, complex, numpy.generic)


class Counters:
    """Host synchronisations and host-to-device copies since the last ``reset()``."""

    def __init__(self):
        self.reset()

    def reset(self):
        self.synchronizations = 0
        self.host_to_device = 0


counters = Counters()


def _unsupported(value):
    return TypeError(f"Unsupported type {type(value)}")


def _device_operand(value):
    """What a ufunc may take: a device array's data, or a scalar as it is."""
    if isinstance(value, ndarray):
        return value._data
    if isinstance(value, HOST_SCALARS):
        return value
    raise _unsupported(value)


def _wrap(result):
    """Results of a device computation stay on the device, 0-d ones too."""
    if isinstance(result, tuple):
        return tuple(_wrap(item) for item in result)
    return ndarray(numpy.asarray(result))


def _index(key):
    """An index: slices, ints, device arrays; NumPy index arrays are copied over."""
    if isinstance(key, tuple):
        return tuple(_index(item) for item in key)
    if isinstance(key, ndarray):
        return key._data
    if isinstance(key, numpy.ndarray):
        counters.host_to_device += 1
        counters.synchronizations += 1
        return key
    if isinstance(key, list):
        raise _unsupported(key)
    return key


class ndarray:  # noqa: N801  (CuPy's name)
    """A device array: NumPy data that the host cannot read without ``get()``."""

    __array_priority__ = 100

    def __init__(self, data):
        if not isinstance(data, numpy.ndarray):
            raise TypeError(f"internal: expected a NumPy buffer, got {type(data)}")
        self._data = data

    # --- what CuPy refuses -------------------------------------------------------------
    def __array__(self, dtype=None, copy=None):
        raise TypeError(IMPLICIT_CONVERSION)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        ours = UFUNCS.get(ufunc.__name__)
        if ours is None or method not in ("__call__", "at", "reduce"):
            return NotImplemented
        if method == "__call__":
            return ours(*inputs, **kwargs)
        return getattr(ours, method)(*inputs, **kwargs)

    def __array_function__(self, func, types_, args, kwargs):
        ours = globals().get(func.__name__)
        if not callable(ours) or func.__name__.startswith("_"):
            return NotImplemented
        return ours(*args, **kwargs)

    # --- attributes --------------------------------------------------------------------
    shape = property(lambda self: self._data.shape)
    dtype = property(lambda self: self._data.dtype)
    ndim = property(lambda self: self._data.ndim)
    size = property(lambda self: self._data.size)
    nbytes = property(lambda self: self._data.nbytes)
    itemsize = property(lambda self: self._data.itemsize)
    strides = property(lambda self: self._data.strides)
    flags = property(lambda self: self._data.flags)
    T = property(lambda self: ndarray(self._data.T))

    @property
    def base(self):
        return None if self._data.base is None else ndarray(self._data.base)

    def __len__(self):
        return len(self._data)

    def __iter__(self):
        return (ndarray(numpy.asarray(row)) for row in self._data)

    # --- to the host: each one a synchronisation ---------------------------------------
    def get(self):
        counters.synchronizations += 1
        return self._data.copy()

    def item(self):
        counters.synchronizations += 1
        return self._data.item()

    def tolist(self):
        counters.synchronizations += 1
        return self._data.tolist()

    def __float__(self):
        counters.synchronizations += 1
        return float(self._data)

    def __int__(self):
        counters.synchronizations += 1
        return int(self._data)

    def __bool__(self):
        counters.synchronizations += 1
        return bool(self._data)

    def __index__(self):
        counters.synchronizations += 1
        return self._data.__index__()

    def __repr__(self):
        counters.synchronizations += 1
        return repr(self._data)

    def __str__(self):
        counters.synchronizations += 1
        return str(self._data)

    def __format__(self, spec):
        counters.synchronizations += 1
        return format(self._data.item() if self._data.ndim == 0 else self._data, spec)

    # --- indexing ----------------------------------------------------------------------
    def __getitem__(self, key):
        return ndarray(numpy.asarray(self._data[_index(key)]))

    def __setitem__(self, key, value):
        if isinstance(value, numpy.ndarray):  # CuPy copies a host value to the device
            counters.host_to_device += 1
            self._data[_index(key)] = value
        else:
            self._data[_index(key)] = _device_operand(value)

    # --- methods -----------------------------------------------------------------------
    def reshape(self, *shape, order="C"):
        return ndarray(self._data.reshape(*shape, order=order))

    def ravel(self):
        return ndarray(self._data.ravel())

    def flatten(self):
        return ndarray(self._data.flatten())

    def transpose(self, *axes):
        return ndarray(self._data.transpose(*axes))

    def swapaxes(self, axis1, axis2):
        return ndarray(self._data.swapaxes(axis1, axis2))

    def astype(self, dtype, copy=True):
        return ndarray(self._data.astype(dtype, copy=copy))

    def copy(self):
        return ndarray(self._data.copy())

    def fill(self, value):
        self._data.fill(_device_operand(value))

    def view(self, dtype=None):
        return ndarray(self._data.view() if dtype is None else self._data.view(dtype))

    def dot(self, other):
        return UFUNCS["matmul"](self, other)

    def clip(self, a_min=None, a_max=None):
        return clip(self, a_min, a_max)

    def _reduce(name):
        def method(self, axis=None, dtype=None, out=None, keepdims=False):
            if out is not None:
                raise TypeError("out= is not supported by this stand-in")
            keywords = {"axis": axis, "keepdims": keepdims}
            if dtype is not None:
                keywords["dtype"] = dtype
            return _wrap(getattr(self._data, name)(**keywords))
        method.__name__ = name
        return method

    sum = _reduce("sum")
    mean = _reduce("mean")
    var = _reduce("var")
    std = _reduce("std")
    prod = _reduce("prod")

    def _reduce_no_dtype(name):
        def method(self, axis=None, out=None, keepdims=False):
            if out is not None:
                raise TypeError("out= is not supported by this stand-in")
            return _wrap(getattr(self._data, name)(axis=axis, keepdims=keepdims))
        method.__name__ = name
        return method

    max = _reduce_no_dtype("max")
    min = _reduce_no_dtype("min")
    any = _reduce_no_dtype("any")
    all = _reduce_no_dtype("all")

    def argmax(self, axis=None):
        return _wrap(self._data.argmax(axis=axis))

    def argmin(self, axis=None):
        return _wrap(self._data.argmin(axis=axis))

    del _reduce, _reduce_no_dtype

    # --- operators: through the ufuncs, so that the operand rules hold -----------------
    def __matmul__(self, other):
        return UFUNCS["matmul"](self, other)

    def __rmatmul__(self, other):
        return UFUNCS["matmul"](other, self)

    def __neg__(self):
        return UFUNCS["negative"](self)

    def __pos__(self):
        return self

    def __abs__(self):
        return UFUNCS["absolute"](self)

    def __invert__(self):
        return UFUNCS["invert"](self)


def _binary_operators(name, ufunc_name):
    def forward(self, other):
        return UFUNCS[ufunc_name](self, other)

    def reflected(self, other):
        return UFUNCS[ufunc_name](other, self)

    def in_place(self, other):
        UFUNCS[ufunc_name](self, other, out=self)
        return self

    setattr(ndarray, f"__{name}__", forward)
    setattr(ndarray, f"__r{name}__", reflected)
    setattr(ndarray, f"__i{name}__", in_place)


def _comparison(name, ufunc_name):
    setattr(ndarray, f"__{name}__", lambda self, other: UFUNCS[ufunc_name](self, other))


class ufunc:  # noqa: N801  (CuPy's name)
    """A NumPy ufunc run on device arrays only; ``at`` as CuPy's scatter ufuncs have it."""

    def __init__(self, name):
        self.__name__ = name
        self._numpy = getattr(numpy, name)

    def __call__(self, *inputs, out=None, dtype=None, **kwargs):
        data = [_device_operand(value) for value in inputs]
        if not builtins.any(isinstance(value, ndarray) for value in inputs):
            data = [numpy.asarray(value) for value in data]  # cupy.exp(2.0) is a device 0-d
        keywords = dict(kwargs)
        if dtype is not None:
            keywords["dtype"] = dtype
        if out is not None:
            if not isinstance(out, ndarray):
                raise _unsupported(out)
            self._numpy(*data, out=out._data, **keywords)
            return out
        return _wrap(self._numpy(*data, **keywords))

    def at(self, a, indices, b=None):
        if not isinstance(a, ndarray):
            raise _unsupported(a)
        if b is None:
            self._numpy.at(a._data, _index(indices))
        else:
            self._numpy.at(a._data, _index(indices), _device_operand(b))

    def reduce(self, a, axis=0, dtype=None, keepdims=False):
        return _wrap(self._numpy.reduce(_device_operand(a), axis=axis, dtype=dtype,
                                        keepdims=keepdims))


UFUNC_NAMES = (
    "add", "subtract", "multiply", "divide", "true_divide", "floor_divide", "power",
    "remainder", "negative", "absolute", "sign", "exp", "log", "log1p", "expm1", "sqrt",
    "square", "tanh", "maximum", "minimum", "logaddexp", "greater", "greater_equal", "less",
    "less_equal", "equal", "not_equal", "logical_and", "logical_or", "logical_not",
    "bitwise_and", "bitwise_or", "invert", "isfinite", "isnan", "isinf", "matmul",
)
UFUNCS = {name: ufunc(name) for name in UFUNC_NAMES}
globals().update(UFUNCS)
abs = UFUNCS["absolute"]  # noqa: A001  (cupy.abs is cupy.absolute)

for _name, _ufunc_name in [("add", "add"), ("sub", "subtract"), ("mul", "multiply"),
                           ("truediv", "true_divide"), ("floordiv", "floor_divide"),
                           ("pow", "power"), ("mod", "remainder"), ("and", "bitwise_and"),
                           ("or", "bitwise_or")]:
    _binary_operators(_name, _ufunc_name)
for _name, _ufunc_name in [("lt", "less"), ("le", "less_equal"), ("gt", "greater"),
                           ("ge", "greater_equal"), ("eq", "equal"), ("ne", "not_equal")]:
    _comparison(_name, _ufunc_name)
ndarray.__hash__ = None


# --- dtypes and constants: CuPy re-exports NumPy's ---------------------------------------
for _name in ("float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8",
              "intp", "bool_", "dtype", "finfo", "iinfo", "newaxis", "inf", "nan", "pi",
              "e", "integer", "floating", "issubdtype"):
    globals()[_name] = getattr(numpy, _name)


# --- moving data -------------------------------------------------------------------------
def asarray(a, dtype=None, order=None):
    """A device array of ``a``; a host array or list is copied to the device."""
    if isinstance(a, ndarray):
        return a if dtype is None else a.astype(dtype, copy=False)
    counters.host_to_device += 1
    return ndarray(numpy.array(a, dtype=dtype, order=order or "K"))


def array(a, dtype=None, copy=True, order="K"):
    if isinstance(a, ndarray):
        return ndarray(numpy.array(a._data, dtype=dtype, copy=copy, order=order))
    counters.host_to_device += 1
    return ndarray(numpy.array(a, dtype=dtype, order=order))


def asnumpy(a):
    if isinstance(a, ndarray):
        return a.get()
    return numpy.asarray(a)


def get_array_module(*arrays):
    for a in arrays:
        if isinstance(a, ndarray):
            return sys.modules[__name__]
    return numpy


# --- creation ----------------------------------------------------------------------------
def zeros(shape, dtype=float, order="C"):
    return ndarray(numpy.zeros(shape, dtype=dtype, order=order))


def ones(shape, dtype=float, order="C"):
    return ndarray(numpy.ones(shape, dtype=dtype, order=order))


def empty(shape, dtype=float, order="C"):
    return ndarray(numpy.empty(shape, dtype=dtype, order=order))


def full(shape, fill_value, dtype=None, order="C"):
    return ndarray(numpy.full(shape, _device_operand(fill_value), dtype=dtype, order=order))


def _like(name):
    def function(a, dtype=None, order="K", shape=None):
        if not isinstance(a, ndarray):
            raise _unsupported(a)
        return ndarray(getattr(numpy, name)(a._data, dtype=dtype, order=order, shape=shape))
    function.__name__ = name
    return function


zeros_like = _like("zeros_like")
ones_like = _like("ones_like")
empty_like = _like("empty_like")


def arange(start, stop=None, step=1, dtype=None):
    args = (start,) if stop is None else (start, stop, step)
    return ndarray(numpy.arange(*args, dtype=dtype))


def eye(N, M=None, k=0, dtype=float):
    return ndarray(numpy.eye(N, M, k, dtype=dtype))


# --- functions on device arrays only -----------------------------------------------------
def _data_of(arrays):
    for a in arrays:
        if not isinstance(a, ndarray):
            raise _unsupported(a)
    return [a._data for a in arrays]


def where(condition, x=None, y=None):
    if x is None and y is None:
        return _wrap(numpy.where(_device_operand(condition)))
    return _wrap(numpy.where(_device_operand(condition), _device_operand(x),
                             _device_operand(y)))


def stack(arrays, axis=0):
    return ndarray(numpy.stack(_data_of(arrays), axis=axis))


def concatenate(arrays, axis=0):
    return ndarray(numpy.concatenate(_data_of(arrays), axis=axis))


def count_nonzero(a, axis=None):
    return _wrap(numpy.count_nonzero(_device_operand(a), axis=axis))


def clip(a, a_min, a_max):
    return _wrap(numpy.clip(_device_operand(a), a_min, a_max))


def pad(array, pad_width, mode="constant", constant_values=0):
    if not isinstance(array, ndarray):
        raise _unsupported(array)
    return ndarray(numpy.pad(array._data, pad_width, mode=mode,
                             constant_values=constant_values))


def dot(a, b):
    return _wrap(numpy.dot(*_data_of([a, b])))


def _reduction(name):
    def function(a, axis=None, dtype=None, keepdims=False):
        if not isinstance(a, ndarray):
            raise _unsupported(a)
        keywords = {"axis": axis, "keepdims": keepdims}
        if dtype is not None:
            keywords["dtype"] = dtype
        return _wrap(getattr(numpy, name)(a._data, **keywords))
    function.__name__ = name
    return function


sum = _reduction("sum")  # noqa: A001  (CuPy's names)
mean = _reduction("mean")
var = _reduction("var")
std = _reduction("std")


def _reduction_no_dtype(name):
    def function(a, axis=None, keepdims=False):
        if not isinstance(a, ndarray):
            raise _unsupported(a)
        return _wrap(getattr(numpy, name)(a._data, axis=axis, keepdims=keepdims))
    function.__name__ = name
    return function


max = _reduction_no_dtype("max")  # noqa: A001
min = _reduction_no_dtype("min")  # noqa: A001
amax = max
amin = min
any = _reduction_no_dtype("any")  # noqa: A001
all = _reduction_no_dtype("all")  # noqa: A001


def argmax(a, axis=None):
    return _wrap(numpy.argmax(_data_of([a])[0], axis=axis))


def shape(a):
    return a.shape if isinstance(a, ndarray) else numpy.shape(a)


def ndim(a):
    return a.ndim if isinstance(a, ndarray) else numpy.ndim(a)


def take_along_axis(a, indices, axis):
    return ndarray(numpy.take_along_axis(*_data_of([a, indices]), axis=axis))


def broadcast_to(a, shape):
    return ndarray(numpy.broadcast_to(_data_of([a])[0], shape))


def allclose(a, b, rtol=1e-05, atol=1e-08):
    return _wrap(numpy.allclose(*_data_of([a, b]), rtol=rtol, atol=atol))


def isscalar(value):
    return numpy.isscalar(value)


# --- random: CuPy's legacy functions and its Generator, drawn on the "device" ------------
class _Generator:
    """cupy.random.Generator: draws return device arrays."""

    def __init__(self, seed=None):
        self._rng = numpy.random.default_rng(seed)

    def random(self, size=None, dtype=numpy.float64):
        return ndarray(numpy.asarray(self._rng.random(size, dtype=dtype)))

    def standard_normal(self, size=None, dtype=numpy.float64):
        return ndarray(numpy.asarray(self._rng.standard_normal(size, dtype=dtype)))

    def integers(self, low, high=None, size=None, dtype=numpy.int64):
        return ndarray(numpy.asarray(self._rng.integers(low, high, size, dtype=dtype)))

    def uniform(self, low=0.0, high=1.0, size=None, dtype=numpy.float64):
        return ndarray(numpy.asarray(self._rng.uniform(low, high, size).astype(dtype)))


_global_rng = numpy.random.RandomState()
random = types.SimpleNamespace(
    default_rng=_Generator,
    Generator=_Generator,
    seed=_global_rng.seed,
    rand=lambda *shape: ndarray(numpy.asarray(_global_rng.rand(*shape))),
    randn=lambda *shape: ndarray(numpy.asarray(_global_rng.randn(*shape))),
    permutation=lambda n: ndarray(numpy.asarray(_global_rng.permutation(n))),
)

# --- cupy.cuda: a device that reports itself ---------------------------------------------
cuda = types.SimpleNamespace(
    runtime=types.SimpleNamespace(getDeviceCount=lambda: 1,
                                  getDeviceProperties=lambda i: {"name": b"fake_cupy (NumPy)"}),
    Device=lambda i=0: types.SimpleNamespace(synchronize=lambda: None, id=i),
    get_current_stream=lambda: types.SimpleNamespace(synchronize=lambda: None),
)

__version__ = "13.0.0+fake"
