"""What the command-line scripts share: argument types, output checks, one-line errors.

A user's mistake (a missing data folder, a path that cannot be written, CuPy asked for
but missing) ends a script with one ``error: ...`` line and a non-zero exit status,
checked before any long work starts; a bug in the code still shows its traceback.
"""

import argparse
import math
import os
import sys
from pathlib import Path


class UsageError(Exception):
    """A mistake of the user's, not of the code: printed as one line, without a traceback."""


def run(main, argv=None):
    """Call ``main(argv)`` and return its exit status; a UsageError becomes one line (1),
    Ctrl-C a short note (130). Scripts end with ``sys.exit(run(main))``."""
    try:
        return main(argv)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


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
    """``set_backend(name)`` (None: leave it), with a missing CuPy or GPU as a UsageError."""
    from .backend import set_backend

    if name is None:
        return
    try:
        set_backend(name)
    except (ImportError, RuntimeError) as error:
        raise UsageError(str(error)) from None


def load_data(data_dir=None, **options):
    """``load_mnist(data_dir=..., **options)``, with missing or broken files as a UsageError."""
    from .datasets.mnist import load_mnist

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
    figure, those matplotlib can write). Raises UsageError naming the flag.
    """
    if path is None:
        return None
    path = Path(path).expanduser()
    if suffixes is not None and path.suffix.lower().lstrip(".") not in suffixes:
        raise UsageError(f"{flag} {path}: the name must end in one of "
                         f"{', '.join('.' + s for s in sorted(suffixes))}")
    if path.is_dir():
        raise UsageError(f"{flag} {path}: is a folder; give a file name")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageError(f"{flag} {path}: cannot create the folder {path.parent} "
                         f"({error.strerror})") from None
    if not os.access(path.parent, os.W_OK) or path.exists() and not os.access(path, os.W_OK):
        raise UsageError(f"{flag} {path}: not writable (permission denied)")
    return path
