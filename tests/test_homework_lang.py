"""The language of the printed verdicts: English by default, Chinese under NNNUMPY_LANG=zh."""

import importlib
import json
import re

import numpy as np
import pytest

from nnnumpy.homework import hw01_gradients
from nnnumpy.homework.core import (
    RESULTS_ENV,
    CheckResult,
    call_student,
    differences,
    pick_hint,
    verdict,
)
from nnnumpy.language import LANG_ENV, language

MODULES = ("hw01_gradients", "hw02_activations", "hw03_losses", "hw04_backprop",
           "hw05_optimizers", "hw06_regularization", "hw07_training_loop", "hw08_convolution")
CJK = re.compile(r"[\u4e00-\u9fff]")
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")


@pytest.fixture
def english(monkeypatch):
    """No language chosen anywhere: the default."""
    for variable in (LANG_ENV, *LOCALE_VARIABLES):
        monkeypatch.delenv(variable, raising=False)


def diff_forward(f, x, h=1e-4):
    return (f(x + h) - f(x)) / h


@pytest.mark.parametrize("name", MODULES)
def test_every_hint_is_a_sentence_under_a_snake_case_key(name):
    hints = importlib.import_module(f"nnnumpy.homework.{name}").HINTS
    for key, hint in hints.items():
        assert re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)*", key), key
        assert hint.endswith(".") and len(hint) > 20, key


@pytest.mark.parametrize("name", MODULES)
def test_every_hint_has_a_chinese_twin(name):
    module = importlib.import_module(f"nnnumpy.homework.{name}")
    assert set(module.HINTS_ZH) == set(module.HINTS)
    for key, sentence in module.HINTS_ZH.items():
        assert CJK.search(sentence), (name, key, sentence)
        assert sentence != module.HINTS[key]


def test_language_follows_the_variable_then_the_locale(english, monkeypatch):
    assert language() == "en"
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert language() == "zh"
    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")
    assert language() == "en"
    monkeypatch.setenv(LANG_ENV, "zh")
    assert language() == "zh"
    monkeypatch.setenv(LANG_ENV, "en")
    assert language() == "en"
    monkeypatch.setenv(LANG_ENV, "zh_TW")
    assert language() == "zh"


def test_an_unknown_language_is_an_error_naming_the_variable(english, monkeypatch):
    monkeypatch.setenv(LANG_ENV, "fr")
    with pytest.raises(ValueError, match="NNNUMPY_LANG.*'fr'"):
        language()


def test_pick_hint_falls_back_to_english_and_to_nothing(english, monkeypatch):
    hints, hints_zh = {"a": "add b", "b": "sum db"}, {"a": "加上 b"}
    assert pick_hint("a", hints, hints_zh) == "add b"
    monkeypatch.setenv(LANG_ENV, "zh")
    assert pick_hint("a", hints, hints_zh) == "加上 b"
    assert pick_hint("b", hints, hints_zh) == "sum db"
    assert pick_hint("c", hints, hints_zh) == ""
    assert pick_hint(None, None) == ""


def test_verdict_words_are_chinese_under_zh(english, monkeypatch):
    result = verdict("affine", 2, ["db has shape (4, 5)"], "db_not_summed",
                     {"db_not_summed": "sum dout"}, {"db_not_summed": "对 dout 求和"})
    assert "FAIL (0/2 points)" in str(result) and "hint: sum dout" in str(result)
    monkeypatch.setenv(LANG_ENV, "zh")
    result = verdict("affine", 2, ["db has shape (4, 5)"], "db_not_summed",
                     {"db_not_summed": "sum dout"}, {"db_not_summed": "对 dout 求和"})
    text = str(result)
    assert "affine: 未通过 (0/2 分)" in text
    assert "疑似错误: db not summed" in text and "提示: 对 dout 求和" in text
    assert "FAIL" not in text and "hint" not in text
    assert "通过 (1/1 分)" in str(CheckResult("a", 1, 1))


def test_a_stub_is_named_in_chinese_and_still_says_not_implemented(english, monkeypatch):
    def stub(x):
        raise NotImplementedError()

    monkeypatch.setenv(LANG_ENV, "zh")
    line = call_student("f", stub, 1)[1][0]
    assert "尚未实现" in line and "not implemented yet" in line


def test_a_failing_check_prints_the_hint_in_the_chosen_language(english, monkeypatch, capsys,
                                                               tmp_path):
    results = tmp_path / "results.jsonl"
    monkeypatch.setenv(RESULTS_ENV, str(results))
    english_result = hw01_gradients.check_numerical_diff(diff_forward)
    printed = capsys.readouterr().out
    assert hw01_gradients.HINTS["forward_difference"] in printed
    assert not CJK.search(printed)

    monkeypatch.setenv(LANG_ENV, "zh")
    chinese_result = hw01_gradients.check_numerical_diff(diff_forward)
    printed = capsys.readouterr().out
    assert hw01_gradients.HINTS_ZH["forward_difference"] in printed
    assert hw01_gradients.HINTS["forward_difference"] not in printed

    rows = [json.loads(line) for line in results.read_text(encoding="utf-8").splitlines()]
    assert [row["mistake"] for row in rows] == ["forward_difference"] * 2
    assert [row["points"] for row in rows] == [english_result.points, chinese_result.points]
    assert rows[1]["hint"] == hw01_gradients.HINTS_ZH["forward_difference"]


def test_the_lines_of_differences_are_in_the_chosen_language(english, monkeypatch):
    expected = np.arange(6.0).reshape(2, 3)
    wrong = expected.copy()
    wrong[1, 2] = 9.0
    cases = [(None, "dx is None", "dx 是 None"),
             ([1, 2], "dx is a list, expected a NumPy array of shape (2, 3)",
              "dx 是 list，应当是形状为 (2, 3) 的 NumPy 数组"),
             (np.zeros(3), "dx has shape (3,), expected (2, 3)", "dx 的形状是 (3,)，应当是 (2, 3)"),
             (expected.astype(complex), "dx has dtype complex128", "dx 的 dtype 是 complex128"),
             (np.full((2, 3), np.inf), "dx[0, 0] is inf: expected finite values",
              "dx[0, 0] 是 inf：应当是有限值"),
             (wrong, "dx differs in 1 of 6 entries; worst at dx[1, 2]: got 9, expected 5",
              "dx 的 6 个元素中有 1 个不对；相差最大的是 dx[1, 2]：得到 9，应为 5")]
    for got, english_line, _ in cases:
        (line,) = differences("dx", got, expected)
        assert english_line in line, line
        assert not CJK.search(line)
    monkeypatch.setenv(LANG_ENV, "zh")
    for got, _, chinese_line in cases:
        (line,) = differences("dx", got, expected)
        assert chinese_line in line, line
    assert differences("dx", expected.copy(), expected) == []


def test_the_feedback_of_a_check_uses_the_chosen_words(english, monkeypatch):
    pytest.importorskip("nbformat")          # the grader runs notebooks: the homework extra
    from nnnumpy.homework.grader import feedback

    result = {"student": "ana", "total": 1, "max_total": 3,
              "parts": [{"part": "affine", "points": 1, "max_points": 3, "reason": "",
                         "checks": [{"passed": False, "hint": "sum dout over axis 0"},
                                    {"passed": True, "hint": "unused"}]}]}
    text = feedback(result)
    assert text.splitlines() == ["ana: 1/3 points", "  affine: 1/3",
                                 "    hint: sum dout over axis 0"]
    monkeypatch.setenv(LANG_ENV, "zh")
    assert feedback(result).splitlines() == ["ana: 1/3 分", "  affine: 1/3",
                                             "    提示: sum dout over axis 0"]
