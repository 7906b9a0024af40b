"""The six optimizers train the same 5-layer network on MNIST: whose loss falls fastest?

    python -m nnnumpy.programs.compare_optimizers --plot optimizers.png

Each optimizer starts from the same initial weights and sees the same batches
(784-100-100-100-100-10, ReLU, He initialisation, batch 128, a subset of MNIST).
"""

import argparse
import sys

import numpy as np
from tqdm.auto import tqdm

from nnnumpy.cli import (
    HelpFormatter,
    add_common_arguments,
    check_output,
    load_subset,
    positive_int,
    run,
)
from nnnumpy.networks import MultiLayerNet
from nnnumpy.optimizers import make_optimizer
from nnnumpy.plotting import figure_formats
from nnnumpy.trainer import Trainer

LEARNING_RATES = {"sgd": 0.01, "momentum": 0.01, "nesterov": 0.01, "adagrad": 0.01,
                  "rmsprop": 0.001, "adam": 0.001}


def main(argv=None):
    parser = argparse.ArgumentParser(description="Six optimizers on MNIST.",
                                     formatter_class=HelpFormatter)
    parser.add_argument("--train-size", type=positive_int, default=12800,
                        help="training images used (the first N)")
    parser.add_argument("--epochs", type=positive_int, default=4, help="epochs per optimizer")
    parser.add_argument("--batch-size", type=positive_int, default=128, help="batch size")
    add_common_arguments(parser)
    args = parser.parse_args(argv)
    check_output("--plot", args.plot, figure_formats())

    (x, t), (x_test, t_test) = load_subset(args)
    histories = {}
    print(f"{'optimizer':<10} {'lr':>6} {'first loss':>11} {'last loss':>10} {'test acc':>9}")
    bar = tqdm(total=len(LEARNING_RATES) * args.epochs, unit="epoch", leave=False)
    for name, lr in LEARNING_RATES.items():
        network = MultiLayerNet(784, [100, 100, 100, 100], 10, weight_init_std="he",
                                seed=args.seed)
        trainer = Trainer(network, x, t, x_test, t_test, optimizer=make_optimizer(name, lr=lr),
                          epochs=args.epochs, batch_size=args.batch_size, seed=args.seed,
                          on_epoch=lambda _: bar.update(1), verbose=False)
        history = histories[name] = trainer.fit()
        tqdm.write(f"{name:<10} {lr:>6} {history['loss'][0]:>11.4f} "
                   f"{np.mean(history['loss'][-20:]):>10.4f} {history['test_acc'][-1]:>9.4f}")
    bar.close()
    if args.plot:
        plot(args.plot, histories)
        print(f"plot: {args.plot}")
    return 0


def plot(path, histories):
    from nnnumpy.plotting import moving_average, new_figure, save_figure

    figure = new_figure(8, 5)
    axes = figure.subplots()
    for name, history in histories.items():
        losses = history["loss"]
        axes.plot(np.arange(1, len(losses) + 1), moving_average(losses, 20),
                  label=f"{name} (test acc {history['test_acc'][-1]:.3f})")
    axes.set_xlabel("iteration")
    axes.set_ylabel("training loss (moving average of 20)")
    axes.set_yscale("log")
    axes.grid(alpha=0.3)
    axes.legend()
    axes.set_title("Optimizers on MNIST, 784-100-100-100-100-10")
    save_figure(figure, path)


def command():
    """Run main on the command line's arguments and return the exit status: a user's
    mistake is one ``error:`` line, Ctrl-C a short note (see ``nnnumpy.cli.run``)."""
    return run(main)


if __name__ == "__main__":
    sys.exit(command())
