"""Overfitting on 300 images, and three cures: weight decay, dropout, shifted images.

    python -m nnnumpy.programs.overfitting --plot overfitting.png

A 7-layer network (six hidden layers of 100) trained on only 300 MNIST images
learns them by heart: training accuracy reaches 1.0 while test accuracy stalls.
Weight decay and dropout narrow the gap by constraining the network; data
augmentation (each image moved by up to two pixels, anew at every step) narrows it
by never showing the network quite the same image twice. The script ends by saying,
for each cure, how much it narrowed the gap and what it did to test accuracy.

The settings are chosen so that no cure costs test accuracy. Dropout slows learning
(each step trains a thinned network), so the demo trains for 400 epochs: at 200 the
dropout net is still catching up. Stronger weight decay (0.1) narrows the gap more,
but by holding training accuracy down to about 0.91, and test accuracy falls with
it (0.71-0.72 against 0.75-0.77 without, seeds 0 and 1).
"""

import argparse
import sys

from tqdm.auto import tqdm

from nnnumpy.augment import RandomShift
from nnnumpy.cli import (
    HelpFormatter,
    add_common_arguments,
    check_output,
    load_subset,
    positive_int,
    run,
)
from nnnumpy.networks import MultiLayerNet
from nnnumpy.optimizers import SGD
from nnnumpy.plotting import figure_formats
from nnnumpy.trainer import Trainer

# label: (MultiLayerNet options, largest random shift of the training images in pixels)
SETTINGS = {"no regularisation": ({}, 0),
            "weight decay 0.03": ({"weight_decay_lambda": 0.03}, 0),
            "dropout 0.1": ({"use_dropout": True, "dropout_ratio": 0.1}, 0),
            "shifted images (2 px)": ({}, 2)}
BASELINE = "no regularisation"


def main(argv=None):
    parser = argparse.ArgumentParser(description="Overfitting and regularisation.",
                                     formatter_class=HelpFormatter)
    parser.add_argument("--train-size", type=positive_int, default=300,
                        help="training images used (the first N)")
    parser.add_argument("--epochs", type=positive_int, default=400, help="training epochs")
    add_common_arguments(parser)
    args = parser.parse_args(argv)
    check_output("--plot", args.plot, figure_formats())

    (x, t), (x_test, t_test) = load_subset(args)
    histories = {}
    print(f"{'setting':<22} {'train acc':>9} {'test acc':>9} {'gap':>7}")
    bar = tqdm(total=len(SETTINGS) * args.epochs, unit="epoch", leave=False)
    for label, (options, shift) in SETTINGS.items():
        network = MultiLayerNet(784, [100] * 6, 10, seed=args.seed, **options)
        augment = RandomShift(shift, seed=args.seed) if shift else None
        trainer = Trainer(network, x, t, x_test, t_test, optimizer=SGD(lr=0.01),
                          epochs=args.epochs, batch_size=100, seed=args.seed, augment=augment,
                          train_eval_size=None, eval_batch_size=5000,
                          on_epoch=lambda _: bar.update(1), verbose=False)
        history = histories[label] = trainer.fit()
        train, test = history["train_acc"][-1], history["test_acc"][-1]
        tqdm.write(f"{label:<22} {train:>9.4f} {test:>9.4f} {train - test:>7.4f}")
    bar.close()
    print(verdict(histories))
    if args.plot:
        plot(args.plot, histories, args.train_size)
        print(f"plot: {args.plot}")
    return 0


def verdict(histories):
    """What each cure did, against no regularisation: the gap and the test accuracy."""
    def final(label):
        history = histories[label]
        return history["train_acc"][-1], history["test_acc"][-1]

    base_train, base_test = final(BASELINE)
    lines = [f"against {BASELINE} (gap {base_train - base_test:.4f}, "
             f"test accuracy {base_test:.4f}):"]
    for label in histories:
        if label == BASELINE:
            continue
        train, test = final(label)
        narrowed = (base_train - base_test) - (train - test)
        lines.append(f"  {label}: gap {'narrowed' if narrowed > 0 else 'widened'} by "
                     f"{abs(narrowed):.4f}, test accuracy {test - base_test:+.4f}")
    return "\n".join(lines)


def plot(path, histories, train_size):
    from nnnumpy.plotting import new_figure, save_figure

    figure = new_figure(20, 4)
    all_axes = figure.subplots(1, len(histories), sharey=True)
    for axes, (label, history) in zip(all_axes, histories.items()):
        epochs = range(1, len(history["train_acc"]) + 1)
        axes.plot(epochs, history["train_acc"], label="train")
        axes.plot(epochs, history["test_acc"], label="test")
        gap = history["train_acc"][-1] - history["test_acc"][-1]
        axes.set_title(f"{label}: final gap {gap:.3f}")
        axes.set_xlabel("epoch")
        axes.grid(alpha=0.3)
        axes.legend()
    all_axes[0].set_ylabel("accuracy")
    figure.suptitle(f"784-100x6-10 on {train_size} training images")
    save_figure(figure, path)


def command():
    """Run main on the command line's arguments and return the exit status: a user's
    mistake is one ``error:`` line, Ctrl-C a short note (see ``nnnumpy.cli.run``)."""
    return run(main)


if __name__ == "__main__":
    sys.exit(command())
