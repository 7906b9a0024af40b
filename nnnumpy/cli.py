"""What the command-line scripts share: argument types, output checks, one-line errors.

A user's mistake (a missing data folder, a path that cannot be written, CuPy asked for
but missing, a network too big for the memory) ends a script with one ``error: ...``
line and a non-zero exit status, checked before any long work starts; a bug in the code
still shows its traceback.
"""

import argparse
import math
import os
import sys
from pathlib import Path

from .interrupt import Terminated
from .io import special_file_kind

# Exit statuses of a run stopped by a signal: 128 + the signal's number, as a shell reports.
EXIT_INTERRUPTED = 130   # Ctrl-C (SIGINT, 2)
EXIT_TERMINATED = 143    # SIGTERM (15)

# The memory a run may plan to use where the system does not say how much is free (Windows):
# large enough for any network a course trains, small enough to stop a typo's 100 GiB.
FALLBACK_MEMORY_LIMIT = 32 * 2**30


class UsageError(Exception):
    """A mistake of the user's, not of the code: printed as one line, without a traceback."""


def run(main, argv=None):
    """Call ``main(argv)`` and return its exit status; a UsageError becomes one line (1),
    Ctrl-C a short note (130), a SIGTERM that main passed on as ``Terminated`` another
    (143). Scripts end with ``sys.exit(run(main))``."""
    try:
        return main(argv)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except Terminated:
        print("terminated (SIGTERM)", file=sys.stderr)
        return EXIT_TERMINATED
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows every flag's default, except where there is none to show (None, False)."""

    def _get_help_string(self, action):
        if action.default is None or action.default is False:
            return action.help
        return super()._get_help_string(action)


def positive_int(text):
    """An integer > 0."""
    return integer_at_least(text, 1, "a positive integer")


def non_negative_int(text):
    """An integer >= 0 (a seed)."""
    return integer_at_least(text, 0, "an integer >= 0")


def integer_at_least(text, minimum, expected):
    try:
        value = int(text)
    except ValueError:
        value = minimum - 1
    if value < minimum:
        raise argparse.ArgumentTypeError(f"must be {expected}, got {text}")
    return value


def non_negative_float(text):
    """A finite number >= 0 (a penalty such as weight decay)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not value >= 0 or not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, got {text}")
    return value


def positive_float(text):
    """A finite number > 0."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not value > 0 or not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def init_value(text):
    """A weight initialisation: 'he', 'xavier' or a positive standard deviation."""
    if text in ("he", "xavier"):
        return text
    try:
        return positive_float(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"must be 'he', 'xavier' or a positive std, got {text}") from None


def add_common_arguments(parser, seed=0):
    """--seed, --data-dir, --backend and --plot, which every MNIST script takes."""
    from .backend import BACKENDS

    parser.add_argument("--seed", type=non_negative_int, default=seed, help="random seed")
    parser.add_argument("--data-dir", default=None,
                        help="folder with the MNIST files (default: $NNNUMPY_DATA, else data/)")
    parser.add_argument("--backend", choices=BACKENDS, default=None,
                        help="array backend (default: $NNNUMPY_BACKEND, else numpy)")
    parser.add_argument("--plot", metavar="PATH", default=None,
                        help="write a figure here (.png, .pdf, .svg, ...)")


def use_backend(name):
    """``set_backend(name)``, or with None the backend ``NNNUMPY_BACKEND`` names; a missing
    CuPy or GPU, or a variable that names no backend, is a UsageError."""
    from .backend import get_backend, set_backend

    try:
        if name is None:
            get_backend()
        else:
            set_backend(name)
    except (ImportError, RuntimeError, ValueError) as error:
        raise UsageError(str(error)) from None


def user_path(flag, text):
    """``Path(text)`` with a leading ``~`` or ``~name`` expanded; UsageError for an unknown
    user (``~nosuchuser/x``)."""
    try:
        return Path(text).expanduser()
    except RuntimeError:
        raise UsageError(f"{flag} {text}: cannot expand {Path(text).parts[0]}: no user of "
                         "that name has a home folder here (~name means the home folder of "
                         "the user called name)") from None


def load_data(data_dir=None, **options):
    """``load_mnist(data_dir=..., **options)``, with missing or broken files as a UsageError.

    ``data_dir`` may start with ``~``, as may ``$NNNUMPY_DATA`` when it is used.
    """
    from .datasets.mnist import load_mnist

    if data_dir is not None:
        data_dir = user_path("--data-dir", data_dir)
    elif os.environ.get("NNNUMPY_DATA"):
        user_path("NNNUMPY_DATA", os.environ["NNNUMPY_DATA"])
    try:
        return load_mnist(data_dir=data_dir, **options)
    except (OSError, ValueError) as error:
        raise UsageError(str(error)) from None


def load_subset(args):
    """Apply ``--backend``, load MNIST from ``--data-dir`` and keep the first ``--train-size``.

    Returns ``(x_train, t_train), (x_test, t_test)`` as NumPy arrays.
    """
    use_backend(args.backend)
    (x, t), test = load_data(args.data_dir)
    return (x[:args.train_size], t[:args.train_size]), test


def check_output(flag, path, suffixes=None):
    """Make sure ``path`` can be written before the long work starts; returns it as a Path.

    Creates a missing parent folder. ``suffixes``: the file types allowed (for a
    figure, those matplotlib can write). An existing ``path`` must be a regular file:
    the file is written by replacing it, which would turn a device such as /dev/null
    or a named pipe into a plain file. Raises UsageError naming the flag.
    """
    if path is None:
        return None
    path = user_path(flag, path)
    if suffixes is not None and path.suffix.lower().lstrip(".") not in suffixes:
        raise UsageError(f"{flag} {path}: the name must end in one of "
                         f"{', '.join('.' + s for s in sorted(suffixes))}")
    if path.is_dir():
        raise UsageError(f"{flag} {path}: is a folder; give a file name")
    kind = special_file_kind(path)
    if kind is not None:
        raise UsageError(f"{flag} {path}: is {kind}, not a regular file; it would be "
                         "replaced, so give the name of a new or a regular file")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageError(f"{flag} {path}: cannot create the folder {path.parent} "
                         f"({error.strerror})") from None
    if not os.access(path.parent, os.W_OK) or path.exists() and not os.access(path, os.W_OK):
        raise UsageError(f"{flag} {path}: not writable (permission denied)")
    return path


def check_distinct_outputs(outputs):
    """Refuse two output flags that name the same file, however each spells it.

    ``outputs``: dict flag -> Path or None (the results of ``check_output``). Paths are
    compared after resolving ``..``, symbolic links and the letter case the system
    ignores, and by identity when both files exist. Raises UsageError naming both flags.
    """
    given = [(flag, path) for flag, path in outputs.items() if path is not None]
    for index, (flag, path) in enumerate(given):
        for other_flag, other in given[index + 1:]:
            if same_file(path, other):
                raise UsageError(f"{flag} {path} and {other_flag} {other} name the same file: "
                                 "the second would overwrite the first; give each its own")


def same_file(path, other):
    """True when the two paths name one file (existing or not)."""
    if os.path.exists(path) and os.path.exists(other):
        return os.path.samefile(path, other)
    return os.path.normcase(os.path.realpath(path)) == os.path.normcase(os.path.realpath(other))


def available_memory():
    """Bytes the system says can still be allocated without swapping, or None if unknown.

    Linux: ``MemAvailable`` of /proc/meminfo, less if a container's memory limit
    (cgroup v2) leaves less. Elsewhere with ``os.sysconf`` (macOS, the BSDs): the
    physical memory, as these systems do not report what is free.
    """
    available = None
    try:
        with open("/proc/meminfo") as stream:
            for line in stream:
                if line.startswith("MemAvailable:"):
                    available = int(line.split()[1]) * 1024   # the value is in kB
    except (OSError, ValueError, IndexError):
        available = None
    if available is None:
        try:
            available = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (AttributeError, ValueError, OSError):
            return None
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        used = Path("/sys/fs/cgroup/memory.current").read_text().strip()
        if limit != "max":
            available = min(available, int(limit) - int(used))
    except (OSError, ValueError):
        pass
    return available


def gib(size):
    """A size in bytes as text in GiB: '37.5 GiB'."""
    return f"{size / 2**30:.1f} GiB"


def check_memory(what, needed, details):
    """UsageError unless ``needed`` bytes fit in ``available_memory()`` (where that cannot
    be read, in ``FALLBACK_MEMORY_LIMIT``). ``what`` names the cause (the flags),
    ``details`` what makes up the figure."""
    available = available_memory()
    if available is None:
        limit, have = FALLBACK_MEMORY_LIMIT, "the limit where free memory cannot be read"
    else:
        limit, have = available, "available"
    if needed > limit:
        raise UsageError(f"{what}: the run would need about {gib(needed)} of memory "
                         f"({details}), but {gib(limit)} is {have}")
