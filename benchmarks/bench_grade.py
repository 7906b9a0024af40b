"""Time the grader on 30 submissions of one assignment, one and two at a time.

Usage: python benchmarks/bench_grade.py [--assignment homework/04_backprop.ipynb]
       [--submissions 30] [--jobs 1,2]

The submissions are made in a temporary folder from the assignment's source: a third
are the solutions, a third the unmodified student version, and a third wrong: the
solutions with the first solution cell left as released (one part not done) or with
the last solution cell raising before it defines anything. Each setting grades all of
them with a fresh kernel per submission, as ``python -m nnnumpy.homework grade`` does,
and prints the wall time in all and per submission.
"""

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from nnnumpy.homework import grader, release

REPO = Path(__file__).resolve().parents[1]
DEFAULT_ASSIGNMENT = REPO / "homework" / "04_backprop.ipynb"
FIXTURE = REPO / "tests" / "homework_fixtures" / "tiny.ipynb"


def make_submissions(source, folder, count):
    """count student folders under ``folder``: solutions, student versions, wrong ones."""
    notebook = release.read_notebook(source)
    student = release.student_version(notebook, source.name)
    solution_cells = [index for index, cell in enumerate(notebook["cells"])
                      if release.is_solution_cell(cell) and cell["cell_type"] == "code"]
    one_part_left = dict(notebook, cells=list(notebook["cells"]))
    one_part_left["cells"][solution_cells[0]] = student["cells"][solution_cells[0]]
    raises = dict(notebook, cells=list(notebook["cells"]))
    last = raises["cells"][solution_cells[-1]]
    raises["cells"][solution_cells[-1]] = dict(last, source='raise ValueError("a stray line")\n'
                                               + last["source"])
    kinds = [("solution", notebook), ("student", student), ("wrong", one_part_left),
             ("solution", notebook), ("student", student), ("wrong", raises)]
    for number in range(count):
        kind, submission = kinds[number % len(kinds)]
        path = folder / f"{number:02d}_{kind}" / source.name
        path.parent.mkdir(parents=True)
        release.write_notebook(submission, path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", type=Path, default=None,
                        help=f"source notebook (default: {DEFAULT_ASSIGNMENT.relative_to(REPO)}"
                             f", else the test fixture {FIXTURE.relative_to(REPO)})")
    parser.add_argument("--submissions", type=int, default=30, help="how many (default: 30)")
    parser.add_argument("--jobs", default="1,2", help="settings to time (default: 1,2)")
    parser.add_argument("--timeout-cell", type=float, default=grader.DEFAULT_CELL_TIMEOUT,
                        help=f"seconds per cell (default: {grader.DEFAULT_CELL_TIMEOUT})")
    args = parser.parse_args(argv)
    source = args.assignment or (DEFAULT_ASSIGNMENT if DEFAULT_ASSIGNMENT.exists() else FIXTURE)
    print(f"grading {args.submissions} submissions of {source.name}")
    walls = {}
    with tempfile.TemporaryDirectory(prefix="bench-grade-") as folder:
        folder = Path(folder)
        make_submissions(source, folder / "submitted", args.submissions)
        for jobs in (int(text) for text in args.jobs.split(",")):
            start = time.perf_counter()
            table = grader.grade_all(source, folder / "submitted", folder / f"grades-{jobs}",
                                     args.timeout_cell, jobs=jobs)
            walls[jobs] = time.perf_counter() - start
            totals = [result["total"] for result in table["students"]]
            each = [result["seconds"] for result in table["students"]]
            print(f"--jobs {jobs}: {walls[jobs]:.1f} s in all, "
                  f"{walls[jobs] / args.submissions:.2f} s per submission "
                  f"(one submission alone: median {statistics.median(each):.1f} s, "
                  f"max {max(each):.1f} s); {totals.count(table['max_total'])} at full marks, "
                  f"{totals.count(0)} at 0")
    if 1 in walls and len(walls) > 1:
        for jobs, wall in walls.items():
            if jobs != 1:
                print(f"--jobs {jobs} is {walls[1] / wall:.2f}x as fast as --jobs 1")


if __name__ == "__main__":
    main()
