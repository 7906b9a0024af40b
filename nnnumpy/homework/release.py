"""Make the student version of an assignment from its source, as nbgrader would, without it.

A source notebook holds the reference answers between ``### BEGIN SOLUTION`` and
``### END SOLUTION`` lines and the hidden tests between ``### BEGIN HIDDEN TESTS`` and
``### END HIDDEN TESTS`` lines. The student version is the same notebook with:

* each solution block (markers included) of a code cell replaced by
  ``raise NotImplementedError()`` at the block's indentation, and of a markdown cell by
  ``YOUR ANSWER HERE``; a solution cell without markers is replaced whole, as nbgrader does;
* each hidden-tests block (markers included) removed;
* outputs and execution counts cleared; every cell's metadata (``nbgrader`` included) kept,
  so nbgrader still recognises the cells.

Notebooks are read and written as plain JSON (the .ipynb format), so releasing needs
nothing beyond the standard library. Problems in a source (an unbalanced or nested marker,
a marker outside a solution or grade cell, a duplicate grade_id, a check cell without
points) are a ValueError naming the notebook, the cell and the line.
"""

import json
from pathlib import Path

from ..io import write_atomically

BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
BEGIN_HIDDEN = "### BEGIN HIDDEN TESTS"
END_HIDDEN = "### END HIDDEN TESTS"
MARKERS = (BEGIN_SOLUTION, END_SOLUTION, BEGIN_HIDDEN, END_HIDDEN)
CODE_STUB = "raise NotImplementedError()"
ANSWER_STUB = "YOUR ANSWER HERE"


def read_notebook(path):
    """The notebook at ``path`` as a dict (nbformat 4), each cell's source one string."""
    path = Path(path)
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{path}: not a readable notebook ({error})") from None
    if not isinstance(notebook, dict) or notebook.get("nbformat") != 4 or \
            not isinstance(notebook.get("cells"), list):
        raise ValueError(f"{path}: expected an nbformat 4 notebook with a list of cells")
    for cell in notebook["cells"]:
        cell["source"] = source_text(cell)
    return notebook


def source_text(cell):
    """A cell's source as one string (the .ipynb format allows a list of lines)."""
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def write_notebook(notebook, path):
    """Write ``notebook`` to ``path`` atomically, formatted as nbformat writes it."""
    path = Path(path)
    saved = dict(notebook, cells=[dict(cell, source=source_text(cell).splitlines(keepends=True))
                                  for cell in notebook["cells"]])
    text = json.dumps(saved, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    write_text_atomically(text, path)


def write_text_atomically(text, path):
    """Write ``text`` (UTF-8) to ``path``: all of it or, on failure, nothing (nnnumpy.io)."""
    write_atomically(path, text.encode("utf-8"))


def nbgrader_metadata(cell):
    """The cell's ``nbgrader`` metadata, or {} for a plain cell."""
    metadata = cell.get("metadata", {}).get("nbgrader", {})
    return metadata if isinstance(metadata, dict) else {}


def is_solution_cell(cell):
    return bool(nbgrader_metadata(cell).get("solution"))


def is_check_cell(cell):
    return bool(nbgrader_metadata(cell).get("grade")) and cell.get("cell_type") == "code"


def validate(notebook, name):
    """Raise ValueError if the grade_ids repeat or a check cell has no valid points.

    name: the notebook's name, for the messages.
    """
    seen = {}
    for index, cell in enumerate(notebook["cells"]):
        metadata = nbgrader_metadata(cell)
        grade_id = metadata.get("grade_id")
        if metadata and not grade_id:
            raise ValueError(f"{name}: cell {index} has nbgrader metadata but no grade_id")
        if grade_id in seen:
            raise ValueError(f"{name}: cell {index} (grade_id '{grade_id}'): the grade_id is "
                             f"already used by cell {seen[grade_id]}; grade_ids must be unique")
        if grade_id:
            seen[grade_id] = index
        if metadata.get("grade"):
            points = metadata.get("points")
            if isinstance(points, bool) or not isinstance(points, (int, float)) or points <= 0:
                raise ValueError(f"{name}: cell {index} (grade_id '{grade_id}') is a check cell "
                                 f"(grade: true) and needs points > 0 in its nbgrader "
                                 f"metadata, got {points!r}")


def student_source(cell, name, index):
    """The student's version of one cell's source (see the module docstring).

    Raises ValueError for a marker that is unbalanced, nested, not alone on its line, or
    in a cell that may not hold it (solution markers: solution cells; hidden-test
    markers: check cells).
    """
    where = f"{name}: cell {index} (grade_id '{nbgrader_metadata(cell).get('grade_id')}')"
    lines = source_text(cell).split("\n")
    markdown = cell.get("cell_type") == "markdown"
    stub = ANSWER_STUB if markdown else CODE_STUB
    kept, block = [], None    # block: (the BEGIN marker, its line number) while inside one
    for number, line in enumerate(lines, start=1):
        marker = _marker_on(line, f"{where}, line {number}")
        if marker is None:
            if block is None:
                kept.append(line)
            continue
        _check_marker_allowed(cell, marker, f"{where}, line {number}")
        if marker in (BEGIN_SOLUTION, BEGIN_HIDDEN):
            if block is not None:
                raise ValueError(f"{where}, line {number}: '{marker}' inside the block opened "
                                 f"by '{block[0]}' on line {block[1]}; blocks do not nest")
            block = (marker, number)
            if marker == BEGIN_SOLUTION:
                indent = line[:len(line) - len(line.lstrip())]
                kept.append(ANSWER_STUB if markdown else indent + CODE_STUB)
        else:
            expected = END_SOLUTION if block and block[0] == BEGIN_SOLUTION else END_HIDDEN
            if block is None or marker != expected:
                opened = f"the open block is '{block[0]}'" if block else "no block is open"
                raise ValueError(f"{where}, line {number}: '{marker}' closes no block "
                                 f"({opened})")
            block = None
    if block is not None:
        raise ValueError(f"{where}, line {block[1]}: '{block[0]}' is never closed "
                         "(the cell ends first)")
    if is_solution_cell(cell) and not any(BEGIN_SOLUTION in line for line in lines):
        return stub
    return "\n".join(kept)


def _marker_on(line, where):
    """The marker on this line, or None; a marker must be alone on its line."""
    for marker in MARKERS:
        if marker in line:
            if line.strip() != marker:
                raise ValueError(f"{where}: '{marker}' must be alone on its line, "
                                 f"got {line.strip()!r}")
            return marker
    return None


def _check_marker_allowed(cell, marker, where):
    if marker in (BEGIN_SOLUTION, END_SOLUTION) and not is_solution_cell(cell):
        raise ValueError(f"{where}: '{marker}' outside a solution cell (the cell's nbgrader "
                         "metadata needs solution: true)")
    if marker in (BEGIN_HIDDEN, END_HIDDEN) and not is_check_cell(cell):
        raise ValueError(f"{where}: '{marker}' outside a check cell (a code cell whose "
                         "nbgrader metadata has grade: true)")


def student_version(notebook, name):
    """A new notebook: the student's version of ``notebook`` (validated first).

    name: the notebook's name, for error messages.
    """
    validate(notebook, name)
    cells = []
    for index, cell in enumerate(notebook["cells"]):
        released = dict(cell, source=student_source(cell, name, index))
        if cell.get("cell_type") == "code":
            released["outputs"] = []
            released["execution_count"] = None
        cells.append(released)
    return dict(notebook, cells=cells)


def release(source, output):
    """Write the student version of the notebook ``source`` to ``output``; return ``output``.

    source, output: paths of .ipynb files; output may not be the source itself.
    """
    source, output = Path(source), Path(output)
    if output.exists() and output.resolve() == source.resolve():
        raise ValueError(f"output {output} is the source notebook itself; choose another path")
    student = student_version(read_notebook(source), source.name)
    write_notebook(student, output)
    return output


def release_folder(source_dir, output_dir):
    """Release every .ipynb of ``source_dir`` into ``output_dir`` (created); return the paths.

    Every source is checked before anything is written, so a mistake in one leaves the
    output folder as it was.
    """
    source_dir, output_dir = Path(source_dir), Path(output_dir)
    sources = sorted(source_dir.glob("*.ipynb"))
    if not sources:
        raise ValueError(f"source folder {source_dir} holds no .ipynb notebook")
    if output_dir.exists() and output_dir.resolve() == source_dir.resolve():
        raise ValueError(f"output folder {output_dir} is the source folder itself; "
                         "choose another folder")
    students = [(student_version(read_notebook(path), path.name), path.name) for path in sources]
    output_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for student, filename in students:
        write_notebook(student, output_dir / filename)
        written.append(output_dir / filename)
    return written
