"""Grade the submissions of one assignment: each in a fresh kernel, with time limits.

Layout: ``SUBMISSIONS_DIR/<student>/<assignment>.ipynb`` (nbgrader's ``submitted/`` folder
without its assignment level), or ``SUBMISSIONS_DIR/<student>/<assignment>/<assignment>.ipynb``
(nbgrader's own). ``<assignment>`` is the source notebook's name without ``.ipynb``.

What runs, for each submission: the teacher's source, code cells only, with the student's
solution cells put in by grade_id (a missing one runs as an empty cell). So the setup and
check cells are always the teacher's (hidden tests included), whatever the student did to
them, and cells a student added are not run: helpers belong in a solution cell.

Points: a *part* is one check cell; it is worth the ``points`` of its nbgrader metadata,
and it checks the solution cells between the check cells before it and itself. The
checks it runs record their results in the file named by ``NNNUMPY_HOMEWORK_RESULTS``
(see ``core.report``), and the part gets the points they recorded, scaled to the cell's
points when the two totals differ. A part gets 0, with the reason, when its cell raised
(except for the ``assert`` that closes the hidden tests once every check has recorded:
nbgrader's pass/fail line, which does not erase partial points), ran past its time limit,
killed its kernel, recorded nothing, or when every solution cell it checks is missing or
unchanged from the student version ("not implemented yet").

A kernel whose cell ran past its time limit, or that died, is replaced by a fresh one
into which the cells run before it are run again, so one part's failure is that part's
zero and the parts after it are graded as usual. What a cell prints is not kept (only
its error, shortened), so a submission that prints megabytes costs no memory here.

The grader is for learning, not for exams: the student's code runs with the grader's
rights and could write to the results file, and the reference solutions ship in the
package itself.
"""

import contextlib
import csv
import io
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from collections import namedtuple
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from tqdm import tqdm

from .core import RESULTS_ENV, WORDS, language
from .release import (
    BEGIN_SOLUTION,
    is_check_cell,
    is_solution_cell,
    nbgrader_metadata,
    read_notebook,
    student_version,
    write_text_atomically,
)

DEFAULT_CELL_TIMEOUT = 60    # s; an assignment's whole notebook runs in well under a minute
DEFAULT_TOTAL_TIMEOUT = 600  # s per submission
MAX_MESSAGE_CHARS = 300      # of an error message kept in a reason
MAX_RESULTS_BYTES = 1_000_000
MAX_DETAIL_LINES = 20

Part = namedtuple("Part", "grade_id max_points solutions")
Cell = namedtuple("Cell", "kind grade_id source")      # kind: "teacher", "solution", "check"
Outcome = namedtuple("Outcome", "status error_name message")  # status: see NotebookRun.run


class Assignment:
    """The teacher's source notebook: the cells to run and the parts they score.

    path: the source .ipynb (with solutions and hidden tests).
    """

    def __init__(self, path):
        self.path = Path(path)
        self.name = self.path.stem
        notebook = read_notebook(self.path)
        student = student_version(notebook, self.path.name)    # also validates the source
        self.cells, self.parts, self.stubs = [], [], {}
        group, checked = [], False    # the solution cells the next check cells check
        for cell, released in zip(notebook["cells"], student["cells"]):
            if cell.get("cell_type") != "code":
                continue
            grade_id = nbgrader_metadata(cell).get("grade_id")
            if is_solution_cell(cell):
                group = [] if checked else group
                group.append(grade_id)
                checked = False
                self.stubs[grade_id] = {released["source"].strip()}
                if BEGIN_SOLUTION not in cell["source"]:    # the source is a student version
                    self.stubs[grade_id].add(cell["source"].strip())
                self.cells.append(Cell("solution", grade_id, None))
            elif is_check_cell(cell):
                checked = True
                points = nbgrader_metadata(cell)["points"]
                self.parts.append(Part(grade_id, points, tuple(group)))
                self.cells.append(Cell("check", grade_id, cell["source"]))
            else:
                self.cells.append(Cell("teacher", grade_id, cell["source"]))
        if not self.parts:
            raise ValueError(f"{self.path.name}: no check cell (a code cell whose nbgrader "
                             "metadata has grade: true), so nothing to grade")
        self.max_total = sum(part.max_points for part in self.parts)

    def sources_to_run(self, solutions):
        """The code to run, cell by cell: the teacher's, with the student's solutions in.

        solutions: grade_id -> the student's source of that solution cell.
        """
        return [solutions.get(cell.grade_id, "") if cell.kind == "solution" else cell.source
                for cell in self.cells]

    def unchanged(self, solutions):
        """The grade_ids of the solution cells the student left as released (or missing)."""
        return {grade_id for grade_id, stubs in self.stubs.items()
                if solutions.get(grade_id, "").strip() in stubs | {""}}


def read_solutions(path):
    """grade_id -> source of each solution code cell of the student's notebook at ``path``."""
    notebook = read_notebook(path)
    return {nbgrader_metadata(cell).get("grade_id"): cell["source"]
            for cell in notebook["cells"]
            if is_solution_cell(cell) and cell.get("cell_type") == "code"}


def find_submissions(submissions_dir, assignment_name):
    """[(student, path or None)] for each student folder, sorted; None: nothing found."""
    submissions_dir = Path(submissions_dir)
    if not submissions_dir.is_dir():
        raise ValueError(f"submissions folder {submissions_dir} does not exist")
    found = []
    for folder in sorted(submissions_dir.iterdir()):
        if not folder.is_dir() or folder.name.startswith("."):
            continue
        filename = f"{assignment_name}.ipynb"
        candidates = [folder / filename, folder / assignment_name / filename]
        found.append((folder.name, next((path for path in candidates if path.is_file()), None)))
    if not found:
        raise ValueError(f"no student folder in {submissions_dir}: expected "
                         f"{submissions_dir}/<student>/{assignment_name}.ipynb")
    return found


class NotebookRun:
    """Code cells run one at a time in a fresh kernel, with a time limit per cell and in all.

    sources: the cells' code; workdir: the kernel's working folder; env: its environment.
    Use as a context manager (the kernel is shut down at the end).
    """

    def __init__(self, sources, workdir, env, cell_timeout, total_timeout):
        cells = [nbformat.v4.new_code_cell(source) for source in sources]
        self.notebook = nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": {
            "name": "python3", "display_name": "Python 3", "language": "python"}})
        self.workdir, self.env = str(workdir), env
        self.cell_timeout, self.total_timeout = cell_timeout, total_timeout
        self.replay = []         # cells to run again in a fresh kernel
        self.broken = None       # why no kernel could be restored, if none could
        self._kernel = None

    def __enter__(self):
        self.deadline = time.monotonic() + self.total_timeout
        self._start_kernel()
        return self

    def __exit__(self, *exc_info):
        self._kernel.close()

    def run(self, index, replay=True):
        """Run cell ``index``; an Outcome: status "ok", "error", "timeout", "died" or "not_run".

        replay: run this cell again in a fresh kernel if the kernel must be replaced later.
        """
        if self.broken:
            return Outcome("not_run", None, self.broken)
        remaining = self.deadline - time.monotonic()
        if remaining < 1:
            return Outcome("not_run", None, f"not run: the submission used up its total time "
                                            f"limit of {self.total_timeout:g} s")
        limit = min(self.cell_timeout, remaining)
        outcome = self._execute(index, limit)
        if outcome.status == "timeout":
            total = " (the submission's total time limit)" if limit < self.cell_timeout else ""
            outcome = outcome._replace(message=f"timed out after {limit:.0f} s{total}: an "
                                               "endless loop, or far too slow")
        if outcome.status in ("timeout", "died"):
            self._restart(f"cell {index} {outcome.status.replace('died', 'killed the kernel')}")
        elif replay:
            self.replay.append(index)
        return outcome

    def _execute(self, index, limit):
        cell = self.notebook.cells[index]
        self._client.timeout = max(1, math.ceil(limit))
        try:
            self._client.execute_cell(cell, index)
        except CellTimeoutError:
            return Outcome("timeout", None, "timed out")
        except DeadKernelError:
            return Outcome("died", None, "the kernel died (the code ended Python, e.g. with "
                                         "os._exit, or crashed it)")
        errors = [output for output in cell.outputs if output.output_type == "error"]
        if errors:
            name, message = errors[0].ename, errors[0].evalue
            return Outcome("error", name, f"{name}: {message}" if message else name)
        return Outcome("ok", None, "")

    def _start_kernel(self):
        self._client = ErrorsOnlyClient(
            self.notebook, timeout=self.cell_timeout, kernel_name="python3", allow_errors=True,
            shutdown_kernel="immediate", resources={"metadata": {"path": self.workdir}})
        self._kernel = contextlib.ExitStack()
        # The kernel's own stdout and stderr (not the cells' output) are not the grader's.
        self._kernel.enter_context(self._client.setup_kernel(
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))

    def _restart(self, why):
        """A fresh kernel, with the cells run so far run again (their outcomes ignored)."""
        self._kernel.close()
        self._start_kernel()
        for index in self.replay:
            if self._execute(index, self.cell_timeout).status in ("timeout", "died"):
                self.broken = (f"not run: after {why}, the fresh kernel could not run "
                               f"cell {index} again")
                return


class ErrorsOnlyClient(NotebookClient):
    """A notebook client that keeps each cell's error, shortened, and drops what it prints."""

    def output(self, outs, msg, display_id, cell_index):
        if msg["msg_type"] == "error":
            content = msg["content"]
            outs.append(nbformat.v4.new_output(
                "error", ename=_shorten(content.get("ename", "")),
                evalue=_shorten(content.get("evalue", "")), traceback=[]))
        return None


def _shorten(text, limit=MAX_MESSAGE_CHARS):
    text = str(text)
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} characters)"


def read_results(path, offset):
    """The check results recorded in ``path`` after byte ``offset`` (bad lines skipped)."""
    if not os.path.exists(path):
        return []
    with open(path, "rb") as file:
        file.seek(offset)
        data = file.read(MAX_RESULTS_BYTES)
    results = []
    for line in data.decode("utf-8", errors="replace").splitlines():
        try:
            result = json.loads(line)
        except ValueError:
            continue
        if isinstance(result, dict) and all(
                isinstance(result.get(key), (int, float)) and not isinstance(result[key], bool)
                for key in ("points", "max_points")):
            details = result.get("details")
            details = [str(line) for line in details] if isinstance(details, list) else []
            results.append({"check": str(result.get("check")), "points": result["points"],
                            "max_points": result["max_points"],
                            "passed": result["points"] == result["max_points"],
                            "mistake": result.get("mistake"), "hint": result.get("hint", ""),
                            "details": details[:MAX_DETAIL_LINES]})
    return results


def score_part(part, outcome, checks, unchanged, solution_trouble):
    """The part's {points, max_points, reason, checks} from how its check cell ran.

    checks: what the cell recorded; unchanged: solution cells left as released;
    solution_trouble: grade_id -> why that solution cell failed to run.
    """
    scored = {"part": part.grade_id, "points": 0, "max_points": part.max_points,
              "reason": "", "checks": checks}
    recorded = sum(check["points"] for check in checks)
    recorded_max = sum(check["max_points"] for check in checks)
    troubles = [f"the solution cell '{grade_id}' failed: {solution_trouble[grade_id]}"
                for grade_id in part.solutions if grade_id in solution_trouble]
    closing_assert = (outcome.error_name == "AssertionError" and recorded_max == part.max_points)
    if part.solutions and set(part.solutions) <= unchanged:
        scored["reason"] = (f"not implemented yet: the solution cell "
                            f"'{part.solutions[-1]}' is unchanged or missing")
    elif outcome.status == "not_run":
        scored["reason"] = outcome.message
    elif outcome.status != "ok" and not (outcome.status == "error" and closing_assert):
        scored["reason"] = "; ".join(troubles + [f"the check cell: {outcome.message}"])
    elif recorded_max == 0:
        scored["reason"] = "; ".join(troubles + ["the check cell recorded no result"])
    else:
        scored["points"] = _rounded(part.max_points * recorded / recorded_max)
        failed = [f"{check['check']}: {check['mistake'] or (check['details'] or ['wrong'])[0]}"
                  for check in checks if not check["passed"]]
        scored["reason"] = "; ".join(dict.fromkeys(troubles + failed)) if failed else ""
    return scored


def _rounded(points):
    """Points to 2 decimals, an int when whole (2, not 2.0, in the tables)."""
    points = round(points, 2)
    return int(points) if points == int(points) else points


def grade_submission(assignment, path, student, cell_timeout=DEFAULT_CELL_TIMEOUT,
                     total_timeout=DEFAULT_TOTAL_TIMEOUT):
    """Grade one submitted notebook: {student, submission, total, max_total, parts, seconds}.

    assignment: an Assignment; path: the student's .ipynb, or None when it is missing.
    """
    start = time.monotonic()
    try:
        if path is None:
            raise ValueError(f"no submission: expected <student>/{assignment.name}.ipynb")
        solutions = read_solutions(path)
    except ValueError as error:
        parts = [score_part(part, Outcome("not_run", None, str(error)), [], set(), {})
                 for part in assignment.parts]
    else:
        parts = _run_and_score(assignment, solutions, cell_timeout, total_timeout)
    return {"student": student, "submission": str(path) if path else None,
            "total": _rounded(sum(part["points"] for part in parts)),
            "max_total": assignment.max_total, "parts": parts,
            "seconds": round(time.monotonic() - start, 2)}


def _run_and_score(assignment, solutions, cell_timeout, total_timeout):
    parts = {part.grade_id: part for part in assignment.parts}
    unchanged = assignment.unchanged(solutions)
    scored, solution_trouble = [], {}
    with tempfile.TemporaryDirectory(prefix="nnnumpy-grade-") as workdir:
        results_path = os.path.join(workdir, "results.jsonl")
        env = dict(os.environ, MPLBACKEND="Agg", **{RESULTS_ENV: results_path})
        sources = assignment.sources_to_run(solutions)
        with NotebookRun(sources, workdir, env, cell_timeout, total_timeout) as run:
            for index, cell in enumerate(assignment.cells):
                offset = os.path.getsize(results_path) if os.path.exists(results_path) else 0
                outcome = run.run(index, replay=cell.kind != "check")
                if cell.kind == "solution" and outcome.status != "ok":
                    solution_trouble[cell.grade_id] = outcome.message
                if cell.kind == "check":
                    checks = read_results(results_path, offset)
                    scored.append(score_part(parts[cell.grade_id], outcome, checks, unchanged,
                                             solution_trouble))
    return scored


def _grade_one(source, student, path, cell_timeout, total_timeout):
    """grade_submission for a worker process: it loads the assignment itself."""
    return grade_submission(Assignment(source), path, student, cell_timeout, total_timeout)


def grade_all(source, submissions_dir, out_dir, cell_timeout=DEFAULT_CELL_TIMEOUT,
              total_timeout=DEFAULT_TOTAL_TIMEOUT, jobs=1, progress=True):
    """Grade every submission; write the CSV and JSON tables to ``out_dir``; return the JSON.

    jobs: submissions graded at the same time, each in its own process and kernel.
    """
    if not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be a positive integer, got {jobs!r}")
    assignment = Assignment(source)
    submissions = find_submissions(submissions_dir, assignment.name)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    bar = tqdm(total=len(submissions), desc=f"grading {assignment.name}", unit="submission",
               disable=not progress, file=sys.stderr)
    graded = []
    with bar:
        if jobs == 1:
            for student, path in submissions:
                graded.append(grade_submission(assignment, path, student, cell_timeout,
                                               total_timeout))
                bar.update()
        else:
            with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
                futures = [pool.submit(_grade_one, str(assignment.path), student, path,
                                       cell_timeout, total_timeout)
                           for student, path in submissions]
                for future in as_completed(futures):
                    graded.append(future.result())
                    bar.update()
    graded.sort(key=lambda result: result["student"])
    table = {"assignment": assignment.name, "source": str(assignment.path),
             "parts": [{"part": part.grade_id, "max_points": part.max_points}
                       for part in assignment.parts],
             "max_total": assignment.max_total, "students": graded}
    write_text_atomically(grades_csv(table), out_dir / f"{assignment.name}_grades.csv")
    write_text_atomically(json.dumps(table, indent=1, ensure_ascii=False) + "\n",
                          out_dir / f"{assignment.name}_grades.json")
    return table


def grades_csv(table):
    """One row per student: student, each part's points, total."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["student"] + [part["part"] for part in table["parts"]] + ["total"])
    for result in table["students"]:
        writer.writerow([result["student"]] + [f"{part['points']:g}" for part in result["parts"]]
                        + [f"{result['total']:g}"])
    return text.getvalue()


def summary(table):
    """A short table of points per student and part, with the maximum on the first row."""
    headers = ["student"] + [part["part"] for part in table["parts"]] + ["total"]
    rows = [["(max)"] + [f"{part['max_points']:g}" for part in table["parts"]]
            + [f"{table['max_total']:g}"]]
    rows += [[result["student"]] + [f"{part['points']:g}" for part in result["parts"]]
             + [f"{result['total']:g}"] for result in table["students"]]
    widths = [max(len(row[column]) for row in [headers] + rows) for column in range(len(headers))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip()
             for row in [headers] + rows]
    return "\n".join(lines)


def feedback(result):
    """What a student reads: each part's points, the reason for any it lost, the hints.

    The words "points" and "hint" follow ``language()``, like the checks' own verdicts
    (the hints are recorded in the language the submission ran in); the reasons stay English.
    """
    words = WORDS[language()]
    lines = [f"{result['student']}: {result['total']:g}/{result['max_total']:g} {words['points']}"]
    for part in result["parts"]:
        lines.append(f"  {part['part']}: {part['points']:g}/{part['max_points']:g}"
                     + (f"  {part['reason']}" if part["reason"] else ""))
        hints = [check["hint"] for check in part["checks"] if not check["passed"] and check["hint"]]
        lines.extend(f"    {words['hint']}: {hint}" for hint in dict.fromkeys(hints))
    return "\n".join(lines)
