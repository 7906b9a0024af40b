"""Checks of the data a user hands over: labels that are classes, inputs that are numbers.

They run once where data enters (``Trainer``, a network's ``predict``/``loss``/
``accuracy``/``gradient``), never inside a training step. Each error names the argument
and the first offending entry, so a student can find it.
"""

import math
import numbers

import numpy as np

from .backend import to_numpy


def check_labels(name, t, num_classes):
    """Labels must be classes of ``num_classes``: class indices or one-hot rows.

    t: (N,) integers (or floats holding whole numbers) with 0 <= t_n < num_classes,
    or (N, num_classes) rows of entries >= 0 that sum to 1 (one-hot, or soft labels).
    Raises TypeError or ValueError naming ``name`` and the first bad entry.
    """
    t = np.asarray(to_numpy(t))
    if t.dtype == bool or not (np.issubdtype(t.dtype, np.integer)
                               or np.issubdtype(t.dtype, np.floating)):
        raise TypeError(f"{name} must hold class indices (integers) or one-hot rows "
                        f"(floats), got dtype {t.dtype}")
    if t.ndim == 1:
        whole = np.isfinite(t) & (t == np.round(t)) if t.dtype.kind == "f" else True
        bad = np.flatnonzero(~(whole & (t >= 0) & (t < num_classes)))
        if bad.size:
            i = bad[0]
            raise ValueError(f"{name}[{i}] = {t[i].item()!r} is not a class index: labels must be "
                             f"whole numbers 0 <= t < {num_classes} ({bad.size} bad of "
                             f"{t.size})")
    elif t.ndim == 2:
        rows_ok = (t >= 0).all(axis=1) & (np.abs(t.sum(axis=1) - 1) < 1e-3)
        bad = np.flatnonzero(~rows_ok)
        if bad.size:
            i = bad[0]
            raise ValueError(f"{name}[{i}] = {t[i].tolist()} is not a one-hot row: each row "
                             f"must have entries >= 0 that sum to 1 ({bad.size} bad rows of "
                             f"{t.shape[0]})")


def as_class_indices(t):
    """Labels as the loss layers take them: whole-number float indices (N,) become int64.

    t must have passed ``check_labels``. Integer indices and one-hot rows (N, C) come back
    as they are; float indices such as ``[0., 2., 1.]`` (as read from a CSV file) come
    back as a new int64 array, since NumPy indexes with integers only.
    """
    if t.ndim == 1 and t.dtype.kind == "f":
        return t.astype(np.int64)
    return t


def check_not_empty(name, x):
    """A batch needs a sample: N = 0 would only fail later, in a reshape. x: (N, ...)."""
    if x.shape[0] == 0:
        raise ValueError(f"{name} is an empty batch: shape {x.shape}; it needs at least one "
                         "sample (N >= 1)")


def check_real_data(name, x):
    """x must hold real numbers (floats, integers or booleans): not complex, not objects.

    Looks at the dtype only, so it costs nothing whatever the size of x.
    """
    if x.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers (a float or integer array), got dtype "
                        f"{x.dtype}")


def is_finite_number(value):
    """True for a finite real number, Python's or NumPy's (``np.float32(0.01)``), not a bool."""
    return (not isinstance(value, bool) and isinstance(value, numbers.Real)
            and math.isfinite(value))


def check_real_number(name, value, minimum, strictly=False):
    """A finite real number >= ``minimum`` (> ``minimum`` when ``strictly``), Python's or
    NumPy's, not a bool; returns it as a Python float."""
    if not (is_finite_number(value) and (value > minimum if strictly else value >= minimum)):
        sign = ">" if strictly else ">="
        raise ValueError(f"{name} must be {sign} {minimum} (a finite number), got {value!r}")
    return float(value)


def check_finite(name, x):
    """x must hold finite numbers only: a NaN or inf in the data is named where it is."""
    values = to_numpy(x)
    if values.dtype.kind != "f" or np.isfinite(values.min()) and np.isfinite(values.max()):
        return  # min and max are NaN or inf exactly when some entry is; they allocate nothing
    finite = np.isfinite(values)
    if not finite.all():
        index = tuple(int(i) for i in np.argwhere(~finite)[0])
        raise ValueError(f"{name} holds {values[index]} at index {index}: the data must be "
                         f"finite numbers ({np.count_nonzero(~finite)} entries are not)")
