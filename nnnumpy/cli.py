"""Argument types shared by the command-line scripts: bad values become argparse errors."""

import argparse
import math


def positive_int(text):
    """An integer > 0."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
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

    parser.add_argument("--seed", type=int, default=seed, help="random seed")
    parser.add_argument("--data-dir", default=None,
                        help="folder with the MNIST files (default: $NNNUMPY_DATA, else data/)")
    parser.add_argument("--backend", choices=BACKENDS, default=None,
                        help="array backend (default: $NNNUMPY_BACKEND, else numpy)")
    parser.add_argument("--plot", metavar="PATH", default=None, help="write a PNG figure here")


def load_subset(args):
    """Apply ``--backend``, load MNIST from ``--data-dir`` and keep the first ``--train-size``.

    Returns ``(x_train, t_train), (x_test, t_test)`` as NumPy arrays.
    """
    from .backend import set_backend
    from .datasets.mnist import load_mnist

    if args.backend:
        set_backend(args.backend)
    (x, t), test = load_mnist(data_dir=args.data_dir)
    return (x[:args.train_size], t[:args.train_size]), test
