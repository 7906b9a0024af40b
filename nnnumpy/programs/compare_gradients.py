"""The same gradient three ways: the textbook loop, faster finite differences, backprop.

    python -m nnnumpy.programs.compare_gradients       # 784-50-10 on 100 MNIST images
    python -m nnnumpy.programs.compare_gradients --full --plot gradients.png

Prints how far the methods agree, per parameter, and how long each takes for one
gradient, one epoch and the textbook's 10,000 iterations. The textbook loop on the
default network would take about half a minute per gradient, so by default it is
timed on a random sample of parameter entries and extrapolated (said so in the
output); ``--full`` runs it on every entry.
"""

import argparse
import statistics
import sys
import time

import numpy as np
from tqdm.auto import tqdm

from nnnumpy.backend import to_numpy
from nnnumpy.cli import (
    HelpFormatter,
    check_output,
    init_value,
    load_data,
    non_negative_int,
    positive_int,
    run,
    use_backend,
)
from nnnumpy.gradcheck import rel_error
from nnnumpy.gradient import central_difference_at
from nnnumpy.networks import TwoLayerNet
from nnnumpy.plotting import figure_formats

TEXTBOOK_ITERATIONS = 10_000
TRAINING_SET_SIZE = 60_000


def build_parser():
    parser = argparse.ArgumentParser(
        description="Compare numerical and backpropagated gradients of a TwoLayerNet.",
        formatter_class=HelpFormatter)
    parser.add_argument("--hidden-size", type=positive_int, default=50, help="hidden units")
    parser.add_argument("--batch-size", type=positive_int, default=100,
                        help="images in the batch the gradient is taken on")
    parser.add_argument("--activation", choices=("relu", "sigmoid", "tanh", "leaky_relu"),
                        default="relu", help="hidden activation")
    parser.add_argument("--init", type=init_value, default=0.01,
                        help="initial weight std ('he', 'xavier' or a number)")
    parser.add_argument("--data", choices=("mnist", "random"), default="mnist",
                        help="real MNIST images, or random inputs of --input-size features")
    parser.add_argument("--input-size", type=positive_int, default=784,
                        help="features per input with --data random")
    parser.add_argument("--data-dir", default=None,
                        help="folder with the MNIST files (default: $NNNUMPY_DATA, else "
                             "data/ in a clone, else the user's cache folder)")
    parser.add_argument("--seed", type=non_negative_int, default=0,
                        help="seed for weights and data")
    parser.add_argument("--loop-sample", type=positive_int, default=2000,
                        help="parameter entries the textbook loop is timed on (unless --full)")
    parser.add_argument("--full", action="store_true",
                        help="run the textbook loop on every parameter entry")
    parser.add_argument("--repeats", type=positive_int, default=5,
                        help="runs of each fast method; the median time is reported")
    parser.add_argument("--plot", metavar="PATH", default=None,
                        help="write a bar chart of times and errors to this PNG file")
    return parser


def human_time(seconds):
    """A duration in the unit a person would use: ms, s, min, h, days or years."""
    for unit, size in (("years", 365.25 * 86400), ("days", 86400), ("h", 3600), ("min", 60),
                       ("s", 1)):
        if seconds >= size:
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds * 1e3:.2f} ms"


def median_time(function, repeats):
    """(median seconds, last result) of ``repeats`` calls."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def get_batch(args):
    rng = np.random.default_rng(args.seed)
    if args.data == "random":
        x = rng.standard_normal((args.batch_size, args.input_size))
        return x, rng.integers(0, 10, args.batch_size), "random inputs"
    (x_train, t_train), _ = load_data(args.data_dir, dtype=np.float64)
    rows = rng.choice(x_train.shape[0], args.batch_size, replace=False)
    return x_train[rows], t_train[rows], "MNIST training images"


def textbook_loop(net, x, t, sample):
    """The textbook loop over the given entries (all of them when ``sample`` is None).

    Returns (seconds per full gradient, {key: (indices, values)}, entries evaluated).
    """
    def loss_at(_):
        return to_numpy(net.forward_loss(x, t, train=False))

    entries = {key: list(np.ndindex(param.shape)) if sample is None else sample[key]
               for key, param in net.params.items()}
    results, evaluated = {}, 0
    start = time.perf_counter()
    with tqdm(total=sum(map(len, entries.values())), desc="textbook loop", unit="entry",
              leave=False) as bar:
        for key, param in net.params.items():
            values = []
            for index in entries[key]:
                values.append(central_difference_at(loss_at, param, index))
                bar.update(1)
            results[key] = (entries[key], np.array(values))
            evaluated += len(values)
    elapsed = time.perf_counter() - start
    total = sum(param.size for param in net.params.values())
    return elapsed * total / evaluated, results, evaluated


def sample_entries(net, count, rng):
    """A random sample of entries of every parameter, in proportion to its size."""
    total = sum(param.size for param in net.params.values())
    sample = {}
    for key, param in net.params.items():
        take = min(param.size, max(1, round(count * param.size / total)))
        flat = rng.choice(param.size, take, replace=False)
        sample[key] = [np.unravel_index(i, param.shape) for i in flat]
    return sample


def main(argv=None):
    args = build_parser().parse_args(argv)
    check_output("--plot", args.plot, figure_formats())
    use_backend(None)   # a wrong NNNUMPY_BACKEND is one error line, not a traceback
    x, t, source = get_batch(args)
    net = TwoLayerNet(x.shape[1], args.hidden_size, 10, weight_init_std=args.init,
                      activation=args.activation, dtype=np.float64, seed=args.seed)
    total = sum(param.size for param in net.params.values())
    print(f"network: {net}, init {args.init}, {total:,} parameters; batch of {x.shape[0]} "
          f"{source}, float64, h = 1e-4")

    backprop_time, backprop = median_time(
        lambda: {k: v.copy() for k, v in net.gradient(x, t).items()}, args.repeats)
    fast_time, fast = median_time(lambda: net.numerical_gradient(x, t, method="fast"),
                                  args.repeats)
    sample = None if args.full else sample_entries(net, args.loop_sample,
                                                   np.random.default_rng(args.seed))
    loop_time, loop, evaluated = textbook_loop(net, x, t, sample)
    kinks = net.kink_entries(x)

    print_agreement(net, backprop, fast, loop, kinks, evaluated, total)
    iterations_per_epoch = TRAINING_SET_SIZE // x.shape[0]
    rows = [("textbook loop", loop_time), ("fast finite differences", fast_time),
            ("backprop", backprop_time)]
    print(f"\n{'method':<25} {'per gradient':>13} {'x backprop':>11} "
          f"{f'one epoch ({iterations_per_epoch} it.)':>20} {'10,000 iterations':>18}")
    for name, seconds in rows:
        print(f"{name:<25} {human_time(seconds):>13} {seconds / backprop_time:>11,.0f} "
              f"{human_time(seconds * iterations_per_epoch):>20} "
              f"{human_time(seconds * TEXTBOOK_ITERATIONS):>18}")
    if not args.full:
        print(f"(textbook loop timed on {evaluated:,} of {total:,} parameter entries and "
              f"extrapolated; --full runs them all)")
    print(f"fast finite differences: {loop_time / fast_time:.1f}x faster than the textbook loop; "
          f"backprop: {fast_time / backprop_time:,.0f}x faster again")
    if args.plot:
        plot_comparison(args.plot, rows, net, backprop, fast, loop, kinks)
        print(f"plot: {args.plot}")
    return 0


def errors(net, backprop, fast, loop, kinks):
    """Per key: rel and abs error of backprop vs fast FD (away from kinks), of fast FD vs loop."""
    table = {}
    for key in net.params:
        away = ~kinks[key]
        indices, values = loop[key]
        fast_at_sample = np.array([fast[key][index] for index in indices])
        table[key] = (rel_error(backprop[key][away], fast[key][away]),
                      float(np.max(np.abs(backprop[key][away] - fast[key][away]), initial=0)),
                      rel_error(fast_at_sample, values),
                      float(np.max(np.abs(fast_at_sample - values), initial=0)))
    return table


def print_agreement(net, backprop, fast, loop, kinks, evaluated, total):
    loop_label = "all entries" if evaluated == total else f"{evaluated:,} sampled entries"
    print(f"\n{'':<10}{'':<12}{'':>6}  {'backprop vs fast FD':^23}  "
          f"{'fast FD vs loop (' + loop_label + ')':^34}")
    print(f"{'parameter':<10}{'shape':<12}{'kinks':>6}  {'max rel':>11} {'max abs':>11}  "
          f"{'max rel':>11} {'max abs':>11}")
    for key, (rel_bp, abs_bp, rel_loop, abs_loop) in errors(net, backprop, fast, loop,
                                                             kinks).items():
        print(f"{key:<10}{str(net.params[key].shape):<12}{int(kinks[key].sum()):>6}  "
              f"{rel_bp:>11.2e} {abs_bp:>11.2e}  {rel_loop:>11.2e} {abs_loop:>11.2e}")
    if any(mask.any() for mask in kinks.values()):
        print("kinks: entries whose nudge of h = 1e-4 moves a ReLU input across 0; their finite "
              "difference mixes two slopes, so they are left out of 'backprop vs fast FD'.")


def plot_comparison(path, rows, net, backprop, fast, loop, kinks):
    """Times, relative errors and absolute errors of the three ways, side by side.

    The absolute errors stand beside the relative ones because a relative error is
    large wherever an entry is tiny: 1e-12 against 1e-20 is a relative error near 1.
    """
    from nnnumpy.plotting import new_figure, save_figure

    figure = new_figure(16, 4.8)
    time_axes, relative_axes, absolute_axes = figure.subplots(1, 3)
    names = [name for name, _ in rows]
    seconds = [value for _, value in rows]
    bars = time_axes.barh(names, seconds, color=["tab:red", "tab:orange", "tab:green"])
    time_axes.bar_label(bars, labels=[human_time(s) for s in seconds], padding=3)
    time_axes.set_xscale("log")
    time_axes.set_xlabel("seconds per gradient (log scale)")
    time_axes.invert_yaxis()
    time_axes.set_xlim(min(seconds) / 3, max(seconds) * 30)

    table = errors(net, backprop, fast, loop, kinks)
    keys = list(table)
    positions = np.arange(len(keys))
    floor = 1e-17  # an exact match would vanish from a log axis
    for axes, column, label in ((relative_axes, 0, "max relative error"),
                                (absolute_axes, 1, "max absolute error")):
        axes.bar(positions - 0.2, [max(table[k][column], floor) for k in keys], 0.4,
                 label="backprop vs fast FD")
        axes.bar(positions + 0.2, [max(table[k][column + 2], floor) for k in keys], 0.4,
                 label="fast FD vs textbook loop")
        for position, key in zip(positions, keys):
            if table[key][column + 2] == 0:
                axes.annotate("equal", (position + 0.2, floor), ha="center", va="bottom",
                              xytext=(0, 3), textcoords="offset points", fontsize=8)
        axes.set_xticks(positions, keys)
        axes.set_xlabel("parameter")
        axes.set_yscale("log")
        axes.set_ylabel(f"{label} (log scale)")
    relative_axes.axhline(1e-7, color="gray", linestyle="--", linewidth=0.8,
                          label="1e-7: a layer's bound in float64")
    relative_axes.set_title("relative: large where entries are tiny", fontsize=10)
    absolute_axes.set_title("absolute: how far apart the numbers are", fontsize=10)
    relative_axes.legend(fontsize=8)
    figure.suptitle(f"{net}: one gradient, three ways")
    save_figure(figure, path)


def command():
    """Run main on the command line's arguments and return the exit status: a user's
    mistake is one ``error:`` line, Ctrl-C a short note (see ``nnnumpy.cli.run``)."""
    return run(main)


if __name__ == "__main__":
    sys.exit(command())
