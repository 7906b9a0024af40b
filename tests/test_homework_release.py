"""The release command: the student version of a source notebook, and its errors."""

import errno
import json
import re
from pathlib import Path

import pytest

import nnnumpy.io
from nnnumpy.homework import release
from nnnumpy.homework.__main__ import main

FIXTURES = Path(__file__).resolve().parent / "homework_fixtures"
TINY = FIXTURES / "tiny.ipynb"


def cell(cell_type, source, grade_id=None, **flags):
    """A notebook cell as JSON; with a grade_id, nbgrader metadata with these flags."""
    metadata = {}
    if grade_id is not None:
        metadata["nbgrader"] = {"grade": False, "solution": False, "locked": True,
                                "grade_id": grade_id, "schema_version": 3, **flags}
    made = {"cell_type": cell_type, "id": f"id-{grade_id}", "metadata": metadata,
            "source": source}
    if cell_type == "code":
        made.update(outputs=[{"output_type": "stream", "name": "stdout", "text": "old\n"}],
                    execution_count=7)
    return made


def solution(source, grade_id="part_solution", cell_type="code"):
    return cell(cell_type, source, grade_id, solution=True, locked=False)


def check(source, grade_id="check_part", points=2):
    flags = {"grade": True} if points is None else {"grade": True, "points": points}
    return cell("code", source, grade_id, **flags)


def notebook(*cells):
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {"kernelspec": {"name": "python3"}},
            "cells": list(cells)}


def released_sources(*cells):
    return [c["source"] for c in release.student_version(notebook(*cells), "hw.ipynb")["cells"]]


def test_a_solution_block_becomes_a_stub_at_its_indentation():
    source = ('def f(x):\n    """Doc. x: (N,)"""\n    ### BEGIN SOLUTION\n    y = 2 * x\n'
              '    return y\n    ### END SOLUTION\n')
    assert released_sources(solution(source)) == [
        'def f(x):\n    """Doc. x: (N,)"""\n    raise NotImplementedError()\n']


def test_every_block_of_a_cell_is_replaced_and_the_code_between_kept():
    source = ("### BEGIN SOLUTION\na = 1\n### END SOLUTION\nb = 2\n"
              "class C:\n    def m(self):\n        if True:\n"
              "            ### BEGIN SOLUTION\n            return 3\n            ### END SOLUTION")
    assert released_sources(solution(source)) == [
        "raise NotImplementedError()\nb = 2\nclass C:\n    def m(self):\n        if True:\n"
        "            raise NotImplementedError()"]


def test_a_markdown_answer_becomes_your_answer_here():
    source = "Answer:\n### BEGIN SOLUTION\nBecause it is linear.\n### END SOLUTION"
    assert released_sources(solution(source, "question_1", "markdown")) == [
        "Answer:\nYOUR ANSWER HERE"]


def test_a_solution_cell_without_markers_is_replaced_whole_as_nbgrader_does():
    assert released_sources(solution("x = 42"), solution("the answer", "q", "markdown")) == [
        "raise NotImplementedError()", "YOUR ANSWER HERE"]


def test_hidden_tests_are_removed_with_their_markers_and_the_public_check_kept():
    source = ("result = hw.check(f)\n### BEGIN HIDDEN TESTS\nhidden = hw.check(f, hidden=True)\n"
              "assert result.passed and hidden.passed\n### END HIDDEN TESTS\nprint('done')")
    assert released_sources(check(source)) == ["result = hw.check(f)\nprint('done')"]


def test_outputs_and_counts_are_cleared_and_metadata_and_ids_kept():
    cells = [cell("markdown", "# Title", "intro"), cell("code", "import numpy", "setup"),
             solution("### BEGIN SOLUTION\nx = 1\n### END SOLUTION"), check("print(x)"),
             cell("code", "print('no nbgrader metadata')")]
    source = notebook(*cells)
    student = release.student_version(source, "hw.ipynb")
    assert student["metadata"] == source["metadata"]
    for before, after in zip(source["cells"], student["cells"]):
        assert after["metadata"] == before["metadata"]
        assert after["id"] == before["id"]
        if before["cell_type"] == "code":
            assert after["outputs"] == [] and after["execution_count"] is None
    assert source["cells"][1]["outputs"], "the source notebook itself is left as it was"


@pytest.mark.parametrize("cells, message", [
    ([solution("a\n### BEGIN SOLUTION\nb")],
     r"cell 0 \(grade_id 'part_solution'\), line 2: '### BEGIN SOLUTION' is never closed"),
    ([solution("### END SOLUTION")],
     r"cell 0 \(grade_id 'part_solution'\), line 1: '### END SOLUTION' closes no block"),
    ([solution("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION\n### END SOLUTION")],
     r"line 2: '### BEGIN SOLUTION' inside the block opened by '### BEGIN SOLUTION' on line 1"),
    ([check("### BEGIN HIDDEN TESTS\nx\n### END SOLUTION")],
     r"cell 0 \(grade_id 'check_part'\), line 3: '### END SOLUTION' outside a solution cell"),
    ([check("### BEGIN HIDDEN TESTS\n### BEGIN HIDDEN TESTS")], r"line 2: .* blocks do not nest"),
    ([cell("code", "x = 1\n### BEGIN SOLUTION\n### END SOLUTION", "setup")],
     r"cell 0 \(grade_id 'setup'\), line 2: '### BEGIN SOLUTION' outside a solution cell"),
    ([cell("code", "### BEGIN SOLUTION")],
     r"cell 0 \(grade_id 'None'\), line 1: '### BEGIN SOLUTION' outside a solution cell"),
    ([solution("### BEGIN HIDDEN TESTS\n### END HIDDEN TESTS")],
     r"line 1: '### BEGIN HIDDEN TESTS' outside a check cell"),
    ([solution("x = 1  ### BEGIN SOLUTION\n### END SOLUTION")],
     r"line 1: '### BEGIN SOLUTION' must be alone on its line, got 'x = 1  ### BEGIN SOLUTION'"),
    ([cell("code", "a", "setup"), cell("markdown", "b", "setup")],
     r"cell 1 \(grade_id 'setup'\): the grade_id is already used by cell 0"),
    ([check("x", points=None)], r"cell 0 \(grade_id 'check_part'\) is a check cell .* got None"),
    ([check("x", points="2")], r"needs points > 0 .* got '2'"),
    ([check("x", points=0)], r"needs points > 0 .* got 0"),
])
def test_a_bad_source_is_a_value_error_naming_the_notebook_cell_and_line(cells, message):
    with pytest.raises(ValueError, match=message) as raised:
        release.student_version(notebook(*cells), "hw.ipynb")
    assert re.match(r"hw\.ipynb: cell \d \(grade_id '\w+'\)", str(raised.value)), raised.value


def test_release_writes_a_readable_notebook_atomically(tmp_path):
    output = release.release(TINY, tmp_path / "tiny.ipynb")
    assert [path.name for path in tmp_path.iterdir()] == ["tiny.ipynb"], "no temporary file left"
    text = output.read_text(encoding="utf-8")
    assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text
    assert "return 2 * x" not in text and "Because $f$ is linear" not in text
    assert text.count("raise NotImplementedError()") == 2
    assert json.loads(text)["cells"][3]["source"] == [
        "def double(x):\n", '    """2 x. x: (N,) -> (N,)"""\n', "    raise NotImplementedError()"]


def test_the_released_file_is_a_valid_notebook_for_nbformat(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    student = nbformat.read(release.release(TINY, tmp_path / "tiny.ipynb"), as_version=4)
    nbformat.validate(student)
    assert student.cells[4].metadata.nbgrader["points"] == 2


def test_release_refuses_to_overwrite_the_source(tmp_path):
    source = tmp_path / "tiny.ipynb"
    source.write_bytes(TINY.read_bytes())
    with pytest.raises(ValueError, match="is the source notebook itself"):
        release.release(source, tmp_path / "." / "tiny.ipynb")
    assert source.read_bytes() == TINY.read_bytes()


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    output = tmp_path / "out.ipynb"
    output.write_text("old", encoding="utf-8")

    def failing_replace(source, target):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(nnnumpy.io.os, "replace", failing_replace)
    with pytest.raises(OSError, match="No space left"):
        release.release(TINY, output)
    assert output.read_text(encoding="utf-8") == "old"
    assert [path.name for path in tmp_path.iterdir()] == ["out.ipynb"]


def test_release_folder_checks_every_source_before_writing(tmp_path):
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "a.ipynb").write_bytes(TINY.read_bytes())
    assert [p.name for p in release.release_folder(sources, tmp_path / "out")] == ["a.ipynb"]
    (sources / "b.ipynb").write_text(json.dumps(notebook(solution("### BEGIN SOLUTION"))),
                                     encoding="utf-8")
    with pytest.raises(ValueError, match="b.ipynb: cell 0"):
        release.release_folder(sources, tmp_path / "out2")
    assert not (tmp_path / "out2").exists()


def test_a_file_that_is_not_a_notebook_is_named(tmp_path):
    path = tmp_path / "broken.ipynb"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match="broken.ipynb: not a readable notebook"):
        release.read_notebook(path)
    path.write_text('{"nbformat": 3, "cells": []}', encoding="utf-8")
    with pytest.raises(ValueError, match="expected an nbformat 4 notebook"):
        release.read_notebook(path)


def test_the_command_releases_a_file_and_a_folder(tmp_path, capsys):
    source = tmp_path / "tiny.ipynb"
    source.write_bytes(TINY.read_bytes())
    assert main(["release", str(source)]) == 0
    assert (tmp_path / "release" / "tiny.ipynb").exists()
    assert main(["release", str(tmp_path / "release"), "-o", str(tmp_path / "again")]) == 0
    assert "wrote" in capsys.readouterr().out
    assert (tmp_path / "again" / "tiny.ipynb").exists()


@pytest.mark.parametrize("arguments, message", [
    (["release", "missing.ipynb"], "missing.ipynb is not a file"),
    (["release", "{folder}"], "releasing a folder needs -o OUT_DIR"),
    (["release", "{folder}/tiny.ipynb", "-o", "{folder}/tiny.ipynb"], "is the source notebook"),
    (["release", "{folder}/tiny.ipynb", "-o", "{folder}/no/such/x.ipynb"], "does not exist"),
    (["release"], "the following arguments are required: source"),
    (["grade", "{folder}/tiny.ipynb", "{folder}", "--jobs", "0"], "must be a positive integer"),
    (["grade", "{folder}/tiny.ipynb", "{folder}/nothing"], "nothing is not a folder"),
    (["check", "{folder}/tiny.ipynb", "x.ipynb", "--timeout-cell", "-1"], "positive number"),
])
def test_a_users_mistake_is_one_error_line_and_exit_status_2(tmp_path, capsys, arguments,
                                                              message):
    (tmp_path / "tiny.ipynb").write_bytes(TINY.read_bytes())
    status = main([argument.format(folder=tmp_path) for argument in arguments])
    err = capsys.readouterr().err
    assert status == 2
    assert err.count("\n") == 1 and err.startswith("error: ") and message in err, err
