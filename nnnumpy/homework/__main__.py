"""``python -m nnnumpy.homework``: release student versions, grade submissions, check one.

    python -m nnnumpy.homework release SOURCE.ipynb [-o OUT.ipynb]
    python -m nnnumpy.homework release SOURCE_DIR -o OUT_DIR
    python -m nnnumpy.homework grade SOURCE.ipynb SUBMISSIONS_DIR [--out DIR] [--jobs N]
    python -m nnnumpy.homework check SUBMISSION.ipynb SOURCE.ipynb

``check`` grades one notebook and exits 0 only with full marks: the command a
classroom autograder (or a student) runs. A user's mistake is one ``error:`` line and
exit status 2.
"""

import argparse
import logging
import sys
from pathlib import Path

from ..cli import HelpFormatter, positive_float, positive_int
from . import release as releasing

try:
    from . import grader
except ImportError as error:    # grading runs notebooks (nbclient, nbformat); releasing does not
    grader, GRADER_MISSING = None, error

EXIT_USAGE = 2


class UsageError(Exception):
    """A mistake of the user's: printed as one ``error:`` line, exit status 2."""


class Parser(argparse.ArgumentParser):
    """An argument parser whose mistakes are one ``error:`` line, without the usage lines."""

    def error(self, message):
        raise UsageError(message)


def build_parser():
    parser = Parser(prog="python -m nnnumpy.homework", formatter_class=HelpFormatter,
                    description="Release the student version of an assignment, grade the "
                                "submitted notebooks, or check one.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    release = commands.add_parser(
        "release", formatter_class=HelpFormatter,
        help="make the student version of a source notebook (or of a folder of them)",
        description="Solution blocks become `raise NotImplementedError()` (code) or "
                    "`YOUR ANSWER HERE` (markdown), hidden tests are removed, outputs cleared.")
    release.add_argument("source", type=Path, help="the source .ipynb, or a folder of them")
    release.add_argument("-o", "--output", type=Path,
                         help="where to write: a file for a notebook (default: "
                              "release/<name>.ipynb next to the source), a folder for a folder "
                              "(required then)")

    grade = commands.add_parser(
        "grade", formatter_class=HelpFormatter,
        help="grade every SUBMISSIONS_DIR/<student>/<assignment>.ipynb",
        description="Run each submission in a fresh kernel with the teacher's setup and check "
                    "cells (hidden tests included); write <assignment>_grades.csv and .json.")
    grade.add_argument("source", type=Path, help="the teacher's source .ipynb")
    grade.add_argument("submissions", type=Path,
                       help="a folder with one folder per student, holding <assignment>.ipynb "
                            "(or <assignment>/<assignment>.ipynb)")
    grade.add_argument("--out", type=Path, default=Path("."), help="folder for the tables")
    grade.add_argument("--jobs", type=positive_int, default=1,
                       help="submissions graded at the same time (one kernel each)")
    add_limits(grade)

    check = commands.add_parser(
        "check", formatter_class=HelpFormatter,
        help="grade one notebook, print its points and hints; exit 0 only with full marks",
        description="Grade one submitted notebook against a source (the teacher's, or the "
                    "student version for the public checks only) and print its feedback.")
    check.add_argument("submission", type=Path, help="the student's .ipynb")
    check.add_argument("source", type=Path, help="the source .ipynb to grade against")
    add_limits(check)
    return parser


def add_limits(parser):
    parser.add_argument("--timeout-cell", type=positive_float,
                        default=getattr(grader, "DEFAULT_CELL_TIMEOUT", None),
                        help="seconds one cell may run")
    parser.add_argument("--timeout-total", type=positive_float,
                        default=getattr(grader, "DEFAULT_TOTAL_TIMEOUT", None),
                        help="seconds one submission may run in all")


def require_grader():
    if grader is None:
        raise UsageError(f"grading runs notebooks and needs nbclient, nbformat and ipykernel "
                         f"({GRADER_MISSING}): pip install nbclient nbformat ipykernel")


def existing(path, kind):
    """``path`` if it exists as a file ("file") or folder ("folder"), else UsageError."""
    if kind == "file" and not path.is_file():
        raise UsageError(f"{path} is not a file")
    if kind == "folder" and not path.is_dir():
        raise UsageError(f"{path} is not a folder")
    return path


def run_release(args):
    if args.source.is_dir():
        if args.output is None:
            raise UsageError("releasing a folder needs -o OUT_DIR")
        written = releasing.release_folder(args.source, args.output)
    else:
        existing(args.source, "file")
        output = args.output or args.source.parent / "release" / args.source.name
        if output.is_dir():
            output = output / args.source.name
        if not output.parent.is_dir():
            if args.output is not None:
                raise UsageError(f"-o {args.output}: folder {output.parent} does not exist")
            output.parent.mkdir()
        written = [releasing.release(args.source, output)]
    for path in written:
        print(f"wrote {path}")
    return 0


def run_grade(args):
    existing(args.source, "file")
    existing(args.submissions, "folder")
    require_grader()
    table = grader.grade_all(args.source, args.submissions, args.out, args.timeout_cell,
                             args.timeout_total, args.jobs)
    print(grader.summary(table))
    name = table["assignment"]
    print(f"wrote {args.out / f'{name}_grades.csv'} and {args.out / f'{name}_grades.json'}")
    return 0


def run_check(args):
    existing(args.submission, "file")
    existing(args.source, "file")
    require_grader()
    assignment = grader.Assignment(args.source)
    result = grader.grade_submission(assignment, args.submission, args.submission.stem,
                                     args.timeout_cell, args.timeout_total)
    print(grader.feedback(result))
    return 0 if result["total"] == result["max_total"] else 1


COMMANDS = {"release": run_release, "grade": run_grade, "check": run_check}


def main(argv=None):
    """Run a command; return the exit status (0, 1 for a check short of full marks, 2)."""
    # nbclient leaves a finished task behind when it stops waiting for a cell past its time
    # limit; asyncio's note about it is noise here (the cell's outcome is reported).
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    try:
        args = build_parser().parse_args(argv)
        return COMMANDS[args.command](args)
    except (UsageError, ValueError, OSError) as error:    # OSError: a path not writable
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
