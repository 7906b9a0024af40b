"""Weight initialisation: std 0.01 vs Xavier vs He, on activations and on learning.

    python -m nnnumpy.programs.compare_init --plot init.png

Left: histograms of the activations of each of five hidden layers (100 units each)
for 1000 random inputs, their magnitudes on one shared logarithmic axis. With std
0.01 they shrink towards 0 layer after layer, so the gradients vanish too; Xavier
keeps sigmoid and tanh layers spread out, He keeps ReLU layers spread out. Right: the
training loss of the same 5-layer net on MNIST.
"""

import argparse
import sys

import numpy as np
from tqdm.auto import tqdm

from nnnumpy import backend
from nnnumpy.backend import to_numpy
from nnnumpy.cli import (
    HelpFormatter,
    add_common_arguments,
    check_output,
    load_subset,
    positive_int,
    run,
)
from nnnumpy.layers import LeakyReLU, ReLU, Sigmoid, Tanh
from nnnumpy.networks import MultiLayerNet
from nnnumpy.networks.base import ACTIVATIONS
from nnnumpy.optimizers import SGD
from nnnumpy.plotting import figure_formats
from nnnumpy.trainer import Trainer

INITS = {"std 0.01": 0.01, "Xavier": "xavier", "He": "he"}
HIDDEN = [100, 100, 100, 100, 100]


def hidden_activations(network, x):
    """The output of every activation layer for the batch x: list of (N, 100) arrays."""
    outputs = []
    for layer in network.layers.values():
        x = layer.forward(x)
        if isinstance(layer, (ReLU, Sigmoid, Tanh, LeakyReLU)):
            outputs.append(to_numpy(x))
    return outputs


def main(argv=None):
    parser = argparse.ArgumentParser(description="Weight initialisation compared.",
                                     formatter_class=HelpFormatter)
    parser.add_argument("--activation", choices=sorted(ACTIVATIONS), default="relu",
                        help="hidden activation")
    parser.add_argument("--train-size", type=positive_int, default=12800,
                        help="training images used (the first N)")
    parser.add_argument("--epochs", type=positive_int, default=4, help="training epochs")
    add_common_arguments(parser)
    args = parser.parse_args(argv)
    check_output("--plot", args.plot, figure_formats())

    probe = np.random.default_rng(args.seed).standard_normal((1000, 784)).astype(np.float32)
    (x, t), (x_test, t_test) = load_subset(args)
    activations, histories = {}, {}
    print(f"{'init':<9} {'std of layer 1..5 activations':<44} {'last loss':>10} {'test acc':>9}")
    bar = tqdm(total=len(INITS) * args.epochs, unit="epoch", leave=False)
    for label, init in INITS.items():
        network = MultiLayerNet(784, HIDDEN, 10, activation=args.activation,
                                weight_init_std=init, seed=args.seed)
        activations[label] = hidden_activations(network, backend.to_backend(probe))
        trainer = Trainer(network, x, t, x_test, t_test, optimizer=SGD(lr=0.01),
                          epochs=args.epochs, batch_size=128, seed=args.seed,
                          on_epoch=lambda _: bar.update(1), verbose=False)
        history = histories[label] = trainer.fit()
        spreads = " ".join(f"{a.std():8.2e}" for a in activations[label])
        tqdm.write(f"{label:<9} {spreads:<44} {np.mean(history['loss'][-20:]):>10.4f} "
                   f"{history['test_acc'][-1]:>9.4f}")
    bar.close()
    if args.plot:
        plot(args.plot, activations, histories, args.activation)
        print(f"plot: {args.plot}")
    return 0


def plot(path, activations, histories, activation):
    """Left: histograms of |activation| on one shared logarithmic axis, so that std 0.01's
    shrinking (to ~1e-5 by layer 5 with ReLU) is seen, not hidden in tick labels; ReLU's
    exact zeros cannot sit on a log axis and are counted in each panel instead.
    Right: the training loss."""
    from nnnumpy.plotting import moving_average, new_figure, save_figure

    figure = new_figure(15, 7)
    grid = figure.add_gridspec(len(INITS), len(HIDDEN) + 2)
    bins = np.logspace(-9, 2, 45)
    shared = None
    for row, (label, outputs) in enumerate(activations.items()):
        for column, values in enumerate(outputs):
            axes = figure.add_subplot(grid[row, column], sharex=shared)
            if shared is None:
                shared = axes
            magnitudes = np.abs(values.ravel())
            nonzero = np.clip(magnitudes[magnitudes > 0], bins[0], bins[-1])
            axes.hist(nonzero, bins=bins, color=f"C{row}")
            axes.set_xscale("log")
            axes.set_xticks([1e-8, 1e-4, 1])
            axes.set_yticks([])
            axes.text(0.03, 0.85, f"{np.mean(magnitudes == 0):.0%} zero",
                      transform=axes.transAxes, fontsize=8)
            if row == 0:
                axes.set_title(f"layer {column + 1}")
            if column == 0:
                axes.set_ylabel(label)
            if row == len(INITS) - 1:
                axes.set_xlabel("|activation|")
    loss_axes = figure.add_subplot(grid[:, len(HIDDEN):])
    for row, (label, history) in enumerate(histories.items()):
        loss_axes.plot(moving_average(history["loss"], 20), color=f"C{row}", label=label)
    loss_axes.set_xlabel("iteration")
    loss_axes.set_ylabel("training loss (moving average of 20)")
    loss_axes.set_yscale("log")
    loss_axes.legend()
    figure.suptitle(f"Initial {activation} activations of a 5-layer net, |value| on one log "
                    "scale (left); training on MNIST with SGD (right)")
    save_figure(figure, path)


def command():
    """Run main on the command line's arguments and return the exit status: a user's
    mistake is one ``error:`` line, Ctrl-C a short note (see ``nnnumpy.cli.run``)."""
    return run(main)


if __name__ == "__main__":
    sys.exit(command())
