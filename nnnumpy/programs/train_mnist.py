"""Train a network on MNIST: a progress bar per epoch, a line per epoch, a summary.

    python -m nnnumpy.programs.train_mnist             # the default run
    python -m nnnumpy.programs.train_mnist --plot curves.png --save net.npz
    python -m nnnumpy.programs.train_mnist --gradient numerical --hidden-size 10 \\
        --train-size 1000 --epochs 5 --lr 0.2         # backprop's slow ancestor, on a subset

In a clone, ``python scripts/train_mnist.py`` runs this same program.

Output paths are checked before training starts (each must be new or a regular file,
and no two flags may name the same one), and so is the memory the network needs; the
weights are saved before the plot is drawn. The first Ctrl-C, or a SIGTERM (from
``timeout``, a job scheduler, a notebook server), stops after the current batch and
saves; a second Ctrl-C stops at once and saves nothing; a Ctrl-C or SIGTERM during the
save waits for it to finish.
"""

import argparse
import math
import sys
import time

import numpy as np

from nnnumpy import backend
from nnnumpy.augment import RandomShift
from nnnumpy.backend import to_numpy
from nnnumpy.cli import (
    EXIT_TERMINATED,
    HelpFormatter,
    UsageError,
    check_distinct_outputs,
    check_memory,
    check_output,
    gib,
    init_value,
    load_data,
    non_negative_float,
    non_negative_int,
    positive_float,
    positive_int,
    run,
    use_backend,
    user_path,
)
from nnnumpy.datasets.mnist import search_root
from nnnumpy.interrupt import DeferInterrupt, TerminateAsInterrupt
from nnnumpy.io import save_params
from nnnumpy.networks import MultiLayerNet, SimpleConvNet, TwoLayerNet
from nnnumpy.networks.base import ACTIVATIONS
from nnnumpy.optimizers import OPTIMIZERS, ExponentialDecay
from nnnumpy.plotting import figure_formats
from nnnumpy.trainer import Trainer, TrainingDiverged

# Above this estimated duration, --gradient numerical starts with a warning.
NUMERICAL_WARNING_S = 600

# The default run: about 98.0% test accuracy in about 15 s on 2 cores.
DEFAULTS = {"hidden_size": 300, "epochs": 12, "batch_size": 100, "optimizer": "momentum",
            "lr_decay": 0.8, "init": "he", "activation": "relu", "seed": 0}
DEFAULT_LR = {"sgd": 0.1, "momentum": 0.05, "nesterov": 0.05, "adagrad": 0.05,
              "rmsprop": 0.001, "adam": 0.001}
# Arrays of the parameters' size each optimizer keeps (velocity, squared-gradient sums).
OPTIMIZER_STATE = {"sgd": 0, "momentum": 1, "nesterov": 1, "adagrad": 1, "rmsprop": 1,
                   "adam": 2}
# SimpleConvNet's defaults on a 28 x 28 image: 30 filters of 5 x 5 pixels, each giving a
# 24 x 24 map, pooled 2 x 2 into 30 x 12 x 12 features.
FILTERS, FILTER_PIXELS, MAP_PIXELS, POOLED_FEATURES = 30, 5 * 5, 24 * 24, 30 * 12 * 12
# Memory of Python with NumPy and the libraries loaded, before any data (about 0.2 GB).
INTERPRETER_BYTES = 2**28


def build_parser():
    parser = argparse.ArgumentParser(
        description="Train a two-layer network on MNIST with nnnumpy.",
        formatter_class=HelpFormatter)
    parser.add_argument("--model", choices=("mlp", "convnet"), default="mlp",
                        help="mlp: fully connected (TwoLayerNet or MultiLayerNet); convnet: "
                             "SimpleConvNet, conv 30 filters 5x5 -> pool -> 100 -> 10")
    parser.add_argument("--dataset", choices=("mnist", "fashion-mnist"), default="mnist",
                        help="handwritten digits, or Zalando's images of clothes (the same "
                             "format and sizes)")
    parser.add_argument("--hidden-size", "--hidden-sizes", dest="hidden_sizes", nargs="+",
                        type=positive_int, default=None,
                        help="units per hidden layer (default: 300 for mlp, 100 for "
                             "convnet); two or more values (or any of --weight-decay, "
                             "--dropout, --batchnorm) build a MultiLayerNet")
    parser.add_argument("--weight-decay", type=non_negative_float, default=None,
                        help="mlp only: L2 penalty lambda on the weights (default: 0)")
    parser.add_argument("--dropout", type=float, default=None, metavar="RATIO",
                        help="mlp only: dropout ratio after each hidden activation "
                             "(default: 0, none)")
    parser.add_argument("--batchnorm", action="store_true",
                        help="mlp only: batch normalisation before each hidden activation")
    parser.add_argument("--shift", type=int, default=0, metavar="PIXELS",
                        help="data augmentation: move each training image by a random "
                             "offset of up to this many pixels per axis (0 to 13), anew at "
                             "every step (0: none)")
    parser.add_argument("--activation", choices=sorted(ACTIVATIONS), default=None,
                        help=f"mlp only: hidden activation (default: {DEFAULTS['activation']}; "
                             "the convnet's is relu)")
    parser.add_argument("--init", type=init_value, default=DEFAULTS["init"],
                        help="initial weight std: 'he', 'xavier' or a number such as 0.01")
    parser.add_argument("--epochs", type=positive_int, default=DEFAULTS["epochs"],
                        help="passes over the training set")
    parser.add_argument("--batch-size", type=positive_int, default=DEFAULTS["batch_size"],
                        help="samples per mini-batch")
    parser.add_argument("--optimizer", choices=sorted(OPTIMIZERS), default=DEFAULTS["optimizer"],
                        help="update rule")
    parser.add_argument("--lr", type=positive_float, default=None,
                        help="learning rate (default: per optimizer, "
                             + ", ".join(f"{k} {v}" for k, v in DEFAULT_LR.items()) + ")")
    parser.add_argument("--lr-decay", type=positive_float, default=DEFAULTS["lr_decay"],
                        help="multiply the learning rate by this after every epoch "
                             "(1 keeps it constant)")
    parser.add_argument("--gradient", choices=("backprop", "numerical"), default="backprop",
                        help="how gradients are computed; 'numerical' (central differences, "
                             "taken in float64) is very slow: use it with --train-size")
    parser.add_argument("--train-size", type=positive_int, default=None,
                        help="train on the first N training images only (default: all 60000)")
    parser.add_argument("--dtype", choices=("float32", "float64"), default=None,
                        help="parameter and data type (default: float32; float64 with "
                             "--gradient numerical)")
    parser.add_argument("--seed", type=non_negative_int, default=DEFAULTS["seed"],
                        help="seed for the initial weights and the batch order")
    parser.add_argument("--backend", choices=backend.BACKENDS, default=None,
                        help="array backend (default: $NNNUMPY_BACKEND, else numpy)")
    parser.add_argument("--data-dir", default=None,
                        help="folder with the MNIST files (default: $NNNUMPY_DATA, else "
                             "data/ in a clone, else the user's cache folder)")
    parser.add_argument("--plot", metavar="PATH", default=None,
                        help="write the learning curves to this image file (.png, .pdf, "
                             ".svg, ...)")
    parser.add_argument("--plot-filters", metavar="PATH", default=None,
                        help="with --model convnet: draw the first layer's filters before "
                             "and after training and the feature maps of one test image")
    parser.add_argument("--save", metavar="PATH", default=None,
                        help="write the trained parameters to this .npz file")
    parser.add_argument("--quiet", action="store_true", help="no progress bars or epoch lines")
    return parser


def build_network(args):
    """SimpleConvNet for --model convnet; else TwoLayerNet for one plain hidden layer,
    MultiLayerNet for anything more."""
    if args.model == "convnet":
        return SimpleConvNet((1, 28, 28), hidden_size=args.hidden_sizes[0], output_size=10,
                             weight_init_std=args.init, dtype=args.dtype, seed=args.seed)
    if len(args.hidden_sizes) == 1 and not (args.weight_decay or args.dropout or args.batchnorm):
        return TwoLayerNet(784, args.hidden_sizes[0], 10, weight_init_std=args.init,
                           activation=args.activation, dtype=args.dtype, seed=args.seed)
    return MultiLayerNet(784, args.hidden_sizes, 10, activation=args.activation,
                         weight_init_std=args.init, weight_decay_lambda=args.weight_decay,
                         use_dropout=args.dropout > 0, dropout_ratio=args.dropout,
                         use_batchnorm=args.batchnorm, dtype=args.dtype, seed=args.seed)


def plot_first_layer(path, network, filters_before, images):
    """Filters before and after training, and the feature maps of the first of images:
    (1, 1, 28, 28), on the network's device."""
    from nnnumpy.plotting import plot_filters

    conv, relu = network.layers["Conv1"], network.layers["Relu1"]
    maps = to_numpy(relu.forward(conv.forward(images)))[0]
    plot_filters(path, filters_before, to_numpy(network.params["W1"]),
                 to_numpy(images)[0, 0], maps, title=str(network))


def estimate_numerical(network, x, t, batch_size, batches):
    """A line saying how long numerical gradients will take: 2 loss evaluations per weight."""
    twin = network.float64_copy()
    x, t = x[:batch_size].astype("float64"), t[:batch_size]
    twin.forward_loss(x, t, train=True)  # warm-up: the first call allocates
    repeats = 20
    start = time.perf_counter()
    for _ in range(repeats):
        twin.forward_loss(x, t, train=True)
    per_loss = (time.perf_counter() - start) / repeats
    evaluations = 2 * sum(param.size for param in network.params.values())
    per_batch = evaluations * per_loss
    total = per_batch * batches
    line = (f"numerical gradients: {evaluations:,} loss evaluations per batch, about "
            f"{human_time(per_batch)} per batch, {human_time(total)} for {batches:,} batches")
    if total > NUMERICAL_WARNING_S:
        line = (f"warning: {line}. --train-size, a smaller --hidden-size or fewer --epochs "
                "make it shorter; Ctrl-C stops at once")
    return line


def human_time(seconds):
    if seconds < 120:
        return f"{seconds:.1f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.0f} days"


def check_arguments(parser, args):
    """The checks argparse cannot make alone; fills the defaults that depend on others."""
    if args.model == "convnet":
        mlp_only = {"--weight-decay": args.weight_decay, "--dropout": args.dropout,
                    "--batchnorm": args.batchnorm or None, "--activation": args.activation}
        given = [flag for flag, value in mlp_only.items() if value is not None]
        if given:
            parser.error(f"--model convnet takes no {', '.join(given)}: SimpleConvNet's "
                         "hidden layers are fixed (ReLU, no dropout, batch norm or weight "
                         "decay); these flags are for --model mlp")
    args.weight_decay = 0.0 if args.weight_decay is None else args.weight_decay
    args.dropout = 0.0 if args.dropout is None else args.dropout
    args.activation = DEFAULTS["activation"] if args.activation is None else args.activation
    if not 0 <= args.dropout < 1:
        parser.error(f"--dropout must be in [0, 1), got {args.dropout}")
    if not 0 <= args.shift <= 13:
        parser.error(f"--shift must be 0 to 13 (less than half of the 28-pixel image), "
                     f"got {args.shift}")
    if args.dtype is None:
        args.dtype = "float64" if args.gradient == "numerical" else "float32"
    if args.hidden_sizes is None:
        args.hidden_sizes = [100] if args.model == "convnet" else [DEFAULTS["hidden_size"]]
    if args.model == "convnet" and len(args.hidden_sizes) != 1:
        parser.error(f"--model convnet takes one --hidden-size, got {args.hidden_sizes}")
    if args.plot_filters and args.model != "convnet":
        parser.error("--plot-filters needs --model convnet (a fully connected net has no "
                     "filters)")
    if args.data_dir is not None:
        args.data_dir = user_path("--data-dir", args.data_dir)


def weight_shapes(args):
    """(fan_in, fan_out) of each weight matrix the flags ask for, before any is made."""
    if args.model == "convnet":
        hidden = args.hidden_sizes[0]
        return [(FILTER_PIXELS, FILTERS), (POOLED_FEATURES, hidden), (hidden, 10)]
    sizes = [784, *args.hidden_sizes, 10]
    return list(zip(sizes[:-1], sizes[1:]))


def memory_needed(args):
    """Bytes the run needs at its peak, estimated from the flags; and what makes them up.

    Training holds the parameters, their gradients and the optimizer's state (one more
    copy for momentum, two for Adam), a float64 copy and gradient for numerical
    gradients, all 70,000 images (``--train-size`` keeps a view of them), and the
    activations of the largest batch, besides the interpreter itself. Drawing the initial
    weights takes, for the largest matrix, two float64 arrays of its size whatever the
    dtype (the draw, and std times it), besides the matrices drawn before it.
    """
    itemsize = np.dtype(args.dtype).itemsize
    shapes = weight_shapes(args)
    count = sum(fan_in * fan_out + fan_out for fan_in, fan_out in shapes)
    largest = max(fan_in * fan_out for fan_in, fan_out in shapes)
    copies = 2 + OPTIMIZER_STATE[args.optimizer]
    numerical = 2 * count * 8 if args.gradient == "numerical" else 0
    data = 70000 * 784 * itemsize
    batch = max(args.batch_size, 500 if args.model == "convnet" else 2000)
    widths = sum(fan_out for _, fan_out in shapes)
    if args.model == "convnet":   # im2col's columns; the maps of conv, ReLU and pooling
        widths += MAP_PIXELS * FILTER_PIXELS + 3 * FILTERS * MAP_PIXELS
    activations = 3 * batch * widths * itemsize
    training = INTERPRETER_BYTES + copies * count * itemsize + numerical + data + activations
    drawing = INTERPRETER_BYTES + data + count * itemsize + 2 * largest * 8
    details = (f"{count:,} parameters, {gib(count * itemsize)} as {args.dtype}; "
               f"{gib(training)} to train with {args.optimizer}, {gib(drawing)} to draw the "
               f"initial weights")
    return max(training, drawing), details


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    check_arguments(parser, args)
    outputs = {"--save": check_output("--save", args.save),
               "--plot": check_output("--plot", args.plot, figure_formats()),
               "--plot-filters": check_output("--plot-filters", args.plot_filters,
                                              figure_formats())}
    check_distinct_outputs(outputs)
    use_backend(args.backend)
    needed, details = memory_needed(args)
    check_memory(f"--model {args.model} --hidden-sizes "
                 f"{' '.join(map(str, args.hidden_sizes))}", needed, details)
    with TerminateAsInterrupt() as termination:
        return train_and_report(args, outputs, termination)


def train_and_report(args, outputs, termination):
    """Load the data, build and train the network, save and plot; returns the exit status."""
    save_path, plot_path, filters_path = (outputs["--save"], outputs["--plot"],
                                          outputs["--plot-filters"])
    lr = args.lr if args.lr is not None else DEFAULT_LR[args.optimizer]
    started = time.perf_counter()

    (x_train, t_train), (x_test, t_test) = load_data(
        args.data_dir, dtype=args.dtype, dataset=args.dataset, flatten=args.model == "mlp")
    if args.train_size is not None:
        x_train, t_train = x_train[:args.train_size], t_train[:args.train_size]
    name = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST"}[args.dataset]
    print(f"data: {name} from {search_root(args.data_dir)}: {x_train.shape[0]} training and "
          f"{x_test.shape[0]} test images")

    try:
        with np.errstate(over="raise"):
            network = build_network(args)
    except MemoryError as error:   # the estimate above is approximate
        raise UsageError(f"not enough memory for the network: {error}") from None
    except FloatingPointError:
        raise UsageError(f"--init {args.init}: the initial weights overflow {args.dtype} "
                         f"(whose largest number is {np.finfo(args.dtype).max:.3g}); 'he', "
                         "'xavier' or a std of about 0.01 are usual") from None
    print(f"network: {network}, init {args.init}; {args.optimizer} lr {lr} "
          f"(x{args.lr_decay} per epoch), "
          f"batch {args.batch_size}, {args.epochs} epochs, {args.gradient} gradients, "
          + (f"random shifts up to {args.shift} px, " if args.shift else "")
          + f"backend {backend.get_backend()}")
    if args.gradient == "numerical":
        batches = math.ceil(x_train.shape[0] / args.batch_size) * args.epochs
        print(estimate_numerical(network, x_train, t_train, args.batch_size, batches))

    filters_before = to_numpy(network.params["W1"]).copy() if filters_path else None
    trainer = Trainer(network, x_train, t_train, x_test, t_test, optimizer=args.optimizer,
                      optimizer_params={"lr": lr}, epochs=args.epochs,
                      batch_size=args.batch_size, seed=args.seed, gradient=args.gradient,
                      lr_schedule=ExponentialDecay(args.lr_decay),
                      augment=RandomShift(args.shift, seed=args.seed) if args.shift else None,
                      eval_batch_size=500 if args.model == "convnet" else 2000,
                      verbose=not args.quiet)
    try:
        history = trainer.fit()
    except TrainingDiverged as error:
        raise UsageError(f"training diverged: {error}"
                         + (f"; {save_path} not saved" if save_path else "")) from None
    except KeyboardInterrupt:
        if save_path:
            print(f"stopped at once by a second Ctrl-C: {save_path} not saved (one Ctrl-C "
                  "stops after the batch and saves)", file=sys.stderr)
        raise

    if save_path:
        with DeferInterrupt(f"saving {save_path}"):
            save_params(save_path, network)
        print(f"saved: {save_path}")
    if plot_path:
        from nnnumpy.plotting import plot_learning_curves

        plot_learning_curves(history, plot_path, title=str(network))
        print(f"plot: {plot_path}")
    if filters_path:
        plot_first_layer(filters_path, network, filters_before, trainer.x_test[:1])
        print(f"filters: {filters_path}")
    epochs_done = len(history["test_acc"])
    total = time.perf_counter() - started
    stopped = ""
    if trainer.interrupted:
        stopped = " (stopped by SIGTERM)" if termination.received else " (interrupted)"
    print(f"done: test accuracy {history['test_acc'][-1]:.4f} after {epochs_done} epochs "
          f"({len(history['loss'])} iterations), {sum(history['epoch_time']):.1f} s training, "
          f"{total:.1f} s in all{stopped}")
    if termination.received:
        return EXIT_TERMINATED
    if trainer.not_learning and history["test_acc"][-1] < 0.15 and not trainer.interrupted:
        why = "the warning above says why" if not args.quiet else trainer.not_learning
        raise UsageError(f"the network learned nothing (test accuracy "
                         f"{history['test_acc'][-1]:.4f}, chance level); {why}")
    return 0


def command():
    """Run main on the command line's arguments and return the exit status: a user's
    mistake is one ``error:`` line, Ctrl-C a short note (see ``nnnumpy.cli.run``)."""
    return run(main)


if __name__ == "__main__":
    sys.exit(command())
