"""What every homework check shares: a result with points, its verdict, the grader's record.

A check runs a student's function or class on seeded inputs, compares it with the
package's own implementation (the reference), and returns a ``CheckResult``. When the
answer is wrong it says *which* typical mistake it matches, with a hint, or else
where the answer differs. ``report(result)`` prints the verdict and, when the
grader set ``NNNUMPY_HOMEWORK_RESULTS`` to a file, appends the result to it as one
JSON line, so a grader reads points without parsing printed text.

The verdict is printed in English or in Chinese, as ``nnnumpy.language`` chooses:
the environment variable ``NNNUMPY_LANG`` (``en`` or ``zh``), else the locale. Why not
a ``lang=`` argument: the checks are called from notebook cells whose code is identical
in the English and the Chinese notebooks, so the language cannot be written in the
call; a variable set once, before Jupyter starts, serves every cell and the grader's
runs alike. Only the words change: the mistake keys and the points in the grader's
JSON record are the same in both languages.
"""

import json
import os
import traceback

import numpy as np

from ..language import language

RESULTS_ENV = "NNNUMPY_HOMEWORK_RESULTS"

# The fixed words of a printed verdict, in each language.
WORDS = {
    "en": {"passed": "passed", "fail": "FAIL", "points": "points", "looks_like": "looks like",
           "hint": "hint", "not_implemented": "{name} is not implemented yet "
                                               "(it raises NotImplementedError)"},
    "zh": {"passed": "通过", "fail": "未通过", "points": "分", "looks_like": "疑似错误",
           "hint": "提示",
           # keeps the English words, which the checks of hw04 look for in the details
           "not_implemented": "{name} 尚未实现（not implemented yet：它仍在抛出 "
                              "NotImplementedError）"},
}


def pick_hint(mistake, hints, hints_zh=None):
    """The hint for ``mistake`` in the chosen language, '' for an unknown key.

    hints: the module's HINTS (English); hints_zh: its HINTS_ZH, the same keys in
    Chinese. Under 'zh' a key missing from hints_zh falls back to the English hint.
    """
    english = (hints or {}).get(mistake, "")
    if language() == "zh":
        return (hints_zh or {}).get(mistake, english)
    return english


class CheckResult:
    """The outcome of one check: points out of max_points, and why.

    name: the part checked, e.g. 'affine_backward'.
    mistake: the key of the typical mistake the answer matches, or None.
    hint: one or two sentences that help the student find the mistake.
    details: lines that say what differs and where.
    """

    def __init__(self, name, points, max_points, mistake=None, hint="", details=()):
        if not 0 <= points <= max_points:
            raise ValueError(f"points must be in [0, {max_points}], got {points}")
        self.name = name
        self.points = points
        self.max_points = max_points
        self.mistake = mistake
        self.hint = hint
        self.details = list(details)

    @property
    def passed(self):
        return self.points == self.max_points

    def __bool__(self):
        return self.passed

    def to_dict(self):
        return {"check": self.name, "points": self.points, "max_points": self.max_points,
                "passed": self.passed, "mistake": self.mistake, "hint": self.hint,
                "details": self.details}

    def assert_passed(self):
        """Raise AssertionError with the verdict unless every point was earned."""
        if not self.passed:
            raise AssertionError(str(self))

    def __str__(self):
        words = WORDS[language()]
        verdict = words["passed"] if self.passed else words["fail"]
        lines = [f"{self.name}: {verdict} ({self.points:g}/{self.max_points:g} "
                 f"{words['points']})"]
        if self.mistake is not None:
            lines.append(f"  {words['looks_like']}: {self.mistake.replace('_', ' ')}")
        if self.hint:
            lines.append(f"  {words['hint']}: {self.hint}")
        lines.extend(f"  {line}" for line in self.details)
        return "\n".join(lines)

    __repr__ = __str__


def report(result):
    """Print the verdict, record it for the grader when asked to, and return it."""
    print(result)
    path = os.environ.get(RESULTS_ENV)
    if path:
        with open(path, "a", encoding="utf-8") as file:
            file.write(json.dumps(result.to_dict()) + "\n")
    return result


def call_student(name, function, *args, **kwargs):
    """Run a student's code: (value, None), or (None, failing detail lines) if it raised.

    A stub that still raises NotImplementedError is named as such; any other exception
    is named with the line of the student's code where it happened.
    """
    try:
        return function(*args, **kwargs), None
    except NotImplementedError:
        return None, [WORDS[language()]["not_implemented"].format(name=name)]
    except Exception as error:  # a student's bug of any kind is a result, not a crash
        frame = traceback.extract_tb(error.__traceback__)[-1]
        return None, [f"{name} raised {type(error).__name__}: {error} "
                      f"(line {frame.lineno}: {frame.line})"]


# The lines of differences(), in each language: the names and numbers are filled in.
DIFFERENCE_LINES = {
    "en": {"none": "{name} is None: return (or store) the array",
           "type": "{name} is a {kind}, expected a NumPy array of shape {shape}",
           "shape": "{name} has shape {got}, expected {expected}",
           "dtype": "{name} has dtype {dtype}, expected real numbers",
           "finite": "{name}{index} is {value}: expected finite values "
                     "(an overflow? subtract the maximum before exp)",
           "values": "{name} differs in {count} of {size} entries; worst at {name}{where}: "
                     "got {got:.6g}, expected {expected:.6g}"},
    "zh": {"none": "{name} 是 None：请返回（或保存）这个数组",
           "type": "{name} 是 {kind}，应当是形状为 {shape} 的 NumPy 数组",
           "shape": "{name} 的形状是 {got}，应当是 {expected}",
           "dtype": "{name} 的 dtype 是 {dtype}，应当是实数",
           "finite": "{name}{index} 是 {value}：应当是有限值（溢出了？先减去最大值再取 exp）",
           "values": "{name} 的 {size} 个元素中有 {count} 个不对；相差最大的是 {name}{where}："
                     "得到 {got:.6g}，应为 {expected:.6g}"},
}


def differences(name, got, expected, rtol=1e-6, atol=1e-9):
    """Lines saying how ``got`` differs from ``expected``; empty when they agree.

    Checks, in order: an array (or number) at all, the shape, finite values, then the
    values to rtol/atol, naming the worst entry and how many differ. The lines are in
    the language of ``language()``.
    """
    lines = DIFFERENCE_LINES[language()]
    expected = np.asarray(expected)
    if got is None:
        return [lines["none"].format(name=name)]
    if not isinstance(got, (np.ndarray, np.generic, int, float)):
        return [lines["type"].format(name=name, kind=type(got).__name__, shape=expected.shape)]
    got = np.asarray(got)
    if got.shape != expected.shape:
        return [lines["shape"].format(name=name, got=got.shape, expected=expected.shape)]
    if got.dtype.kind not in "biuf":
        return [lines["dtype"].format(name=name, dtype=got.dtype)]
    got = got.astype(np.float64)
    if not np.isfinite(got).all():
        index = tuple(int(i) for i in np.argwhere(~np.isfinite(got))[0])
        return [lines["finite"].format(name=name, index=list(index), value=got[index])]
    wrong = ~np.isclose(got, expected, rtol=rtol, atol=atol)
    if not wrong.any():
        return []
    error = np.abs(got - expected)
    index = tuple(int(i) for i in np.unravel_index(np.argmax(error), error.shape))
    where = list(index) if index else ""
    return [lines["values"].format(name=name, count=int(wrong.sum()), size=wrong.size,
                                   where=where, got=got[index], expected=expected[index])]


def matches(got, candidate, rtol=1e-6, atol=1e-9):
    """True when ``got`` equals a candidate wrong answer (same shape, close values)."""
    try:
        got = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    candidate = np.asarray(candidate, dtype=np.float64)
    return got.shape == candidate.shape and bool(np.allclose(got, candidate, rtol=rtol,
                                                             atol=atol))


def diagnose(got, mistakes, rtol=1e-6, atol=1e-9):
    """The first typical mistake whose wrong answer ``got`` reproduces, else None.

    mistakes: (key, wrong_answer) pairs, each wrong answer computed by the reference
    with that one mistake made on the same inputs. Returns the matching key.
    """
    for key, wrong_answer in mistakes:
        if matches(got, wrong_answer, rtol=rtol, atol=atol):
            return key
    return None


def verdict(name, max_points, details, mistake=None, hints=None, hints_zh=None):
    """A CheckResult from what a check found: full points when nothing differs.

    details: lines from ``differences`` or ``call_student`` (empty when right).
    mistake: the key ``diagnose`` found, or None. hints: a dict from mistake keys to
    hint sentences (the module's HINTS); hints_zh: the same keys in Chinese (HINTS_ZH),
    used under NNNUMPY_LANG=zh. An unknown pattern gets no hint, only details.
    """
    if not details and mistake is None:
        return CheckResult(name, max_points, max_points)
    hint = pick_hint(mistake, hints, hints_zh)
    return CheckResult(name, 0, max_points, mistake=mistake, hint=hint, details=details)
