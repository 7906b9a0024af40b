"""The Chinese tutorials, docs/tutorials/zh/: the same notebooks with the text translated.

Each docs/tutorials/zh/NN_name.ipynb is the twin of docs/tutorials/NN_name.ipynb: the same
cells in the same order, the code cells identical (so the two languages cannot drift apart),
the markdown cells in Chinese with the same formulas and code names. Each twin is committed
executed and runs without an error in a fresh kernel, like the English notebooks
(tests/test_tutorials.py).
"""

import re
from collections import Counter
from pathlib import Path

import pytest

from .test_tutorials import execute

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

TUTORIALS = Path(__file__).resolve().parents[1] / "docs" / "tutorials"
ENGLISH = sorted(TUTORIALS.glob("*.ipynb"))
CHINESE = sorted((TUTORIALS / "zh").glob("*.ipynb"))
UNTRANSLATED = [path.name for path in ENGLISH if not (TUTORIALS / "zh" / path.name).exists()]
CJK = re.compile(r"[\u4e00-\u9fff]")
MATH = re.compile(r"\$\$.+?\$\$|\$[^$]+\$", re.DOTALL)   # $$display$$ and $inline$ formulas
CODE_SPAN = re.compile(r"`[^`]+`")


def pair(path):
    """The English notebook and its Chinese twin ``path``, read with nbformat."""
    return (nbformat.read(TUTORIALS / path.name, as_version=4),
            nbformat.read(path, as_version=4))


def ids(paths):
    return [path.stem for path in paths]


def test_there_are_chinese_tutorials_and_each_has_an_english_twin():
    assert CHINESE, "no notebooks in docs/tutorials/zh"
    orphans = [path.name for path in CHINESE if not (TUTORIALS / path.name).exists()]
    assert not orphans, f"docs/tutorials/zh has notebooks with no English twin: {orphans}"


def test_every_english_tutorial_has_a_chinese_twin():
    assert not UNTRANSLATED, f"no Chinese twin in docs/tutorials/zh for: {UNTRANSLATED}"


@pytest.mark.parametrize("path", CHINESE, ids=ids(CHINESE))
def test_cells_match_kind_by_kind_and_code_is_identical(path):
    english, chinese = pair(path)
    assert [cell.cell_type for cell in chinese.cells] == [cell.cell_type for cell in english.cells]
    for index, (en, zh) in enumerate(zip(english.cells, chinese.cells)):
        if en.cell_type == "code":
            assert zh.source == en.source, f"{path.name} cell {index}: the code differs"


@pytest.mark.parametrize("path", CHINESE, ids=ids(CHINESE))
def test_markdown_is_chinese_and_keeps_the_formulas_and_code_names(path):
    english, chinese = pair(path)
    for index, (en, zh) in enumerate(zip(english.cells, chinese.cells)):
        if en.cell_type != "markdown":
            continue
        assert CJK.search(zh.source), f"{path.name} cell {index} has no Chinese text"
        for pattern, what in ((MATH, "formulas"), (CODE_SPAN, "code names")):
            lost = Counter(pattern.findall(en.source)) - Counter(pattern.findall(zh.source))
            added = Counter(pattern.findall(zh.source)) - Counter(pattern.findall(en.source))
            assert not lost and not added, (f"{path.name} cell {index}: {what} differ, English "
                                            f"only {list(lost)}, Chinese only {list(added)}")


@pytest.mark.parametrize("path", CHINESE, ids=ids(CHINESE))
def test_the_chinese_tutorial_is_committed_with_outputs_and_no_error(path):
    english, chinese = pair(path)
    for index, (en, zh) in enumerate(zip(english.cells, chinese.cells)):
        if zh.cell_type != "code":
            continue
        assert zh.execution_count, f"{path.name} cell {index} was saved unexecuted"
        assert bool(zh.outputs) == bool(en.outputs), f"{path.name} cell {index}: outputs missing"
        errors = [output for output in zh.outputs if output.output_type == "error"]
        assert not errors, f"{path.name} cell {index} was saved with an error"


@pytest.mark.slow
@pytest.mark.parametrize("path", CHINESE, ids=ids(CHINESE))
def test_the_chinese_tutorial_runs_without_an_error(path, tmp_path):
    """Run with NNNUMPY_LANG=zh: Chinese figure text where a font draws it, else English,
    and in both cases no missing-glyph warning."""
    execute(path, tmp_path, "zh")
