"""Five optimizers on the Himmelblau function, from several starting points.

    f(x, y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2

has four minima, all with f = 0. Each optimizer follows the (numerical) gradient
from each start; the script prints where every run ends and which minimum it
reached, and ``--plot`` draws the trajectories on the contour map.

    python -m nnnumpy.programs.himmelblau --plot himmelblau.png
"""

import argparse
import sys

import numpy as np

from nnnumpy.cli import HelpFormatter, check_output, positive_int, run
from nnnumpy.gradient import numerical_gradient
from nnnumpy.optimizers import make_optimizer
from nnnumpy.plotting import figure_formats

MINIMA = np.array([[3.0, 2.0], [-2.805118, 3.131312], [-3.779310, -3.283186],
                   [3.584428, -1.848126]])
# Learning rates that suit each update rule on this landscape (gradients up to ~100).
OPTIMIZERS = {"sgd": 0.005, "momentum": 0.001, "adagrad": 0.5, "rmsprop": 0.01, "adam": 0.001}
STARTS = [(0.0, 0.0), (-1.0, 0.5), (1.0, -3.0), (-3.0, -1.0), (-1.0, -4.0)]
REACHED = 1e-2  # a run "reaches" a minimum when it ends closer than this


def himmelblau(point):
    """f(x, y) for point = (x, y); works on arrays of points along the last axis too."""
    x, y = point[..., 0], point[..., 1]
    return (x ** 2 + y - 11) ** 2 + (x + y ** 2 - 7) ** 2


def descend(name, lr, start, steps):
    """Trajectory (steps + 1, 2) of optimizer ``name`` from ``start``."""
    optimizer = make_optimizer(name, lr=lr)
    params = {"point": np.array(start, dtype=np.float64)}
    path = [params["point"].copy()]
    for _ in range(steps):
        grads = {"point": numerical_gradient(himmelblau, params["point"])}
        optimizer.update(params, grads)
        path.append(params["point"].copy())
    return np.array(path)


def nearest_minimum(point):
    """(index of the nearest minimum, its distance)."""
    distances = np.linalg.norm(MINIMA - point, axis=1)
    return int(distances.argmin()), float(distances.min())


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Optimizers on the Himmelblau function.",
        formatter_class=HelpFormatter)
    parser.add_argument("--steps", type=positive_int, default=6000,
                        help="gradient steps per run")
    parser.add_argument("--plot", metavar="PATH", default=None,
                        help="write the contour map with trajectories to this image file")
    args = parser.parse_args(argv)
    check_output("--plot", args.plot, figure_formats())

    print(f"{'optimizer':<10} {'lr':>7}  {'start':<13} {'end':<20} {'f(end)':>9}  reached")
    paths = {}
    for name, lr in OPTIMIZERS.items():
        for start in STARTS:
            path = descend(name, lr, start, args.steps)
            paths[name, start] = path
            end = path[-1]
            index, distance = nearest_minimum(end)
            minimum = MINIMA[index]
            verdict = (f"({minimum[0]:.3f}, {minimum[1]:.3f})" if distance < REACHED
                       else f"none (nearest ({minimum[0]:.2f}, {minimum[1]:.2f}) "
                            f"at {distance:.2f})")
            print(f"{name:<10} {lr:>7}  {str(start):<13} ({end[0]:>7.4f}, {end[1]:>7.4f})  "
                  f"{himmelblau(end):>9.2e}  {verdict}")
    if args.plot:
        plot(args.plot, paths)
        print(f"plot: {args.plot}")
    return 0


def plot(path, paths):
    from nnnumpy.plotting import new_figure, save_figure

    figure = new_figure(17, 3.8)
    grid = np.linspace(-5, 5, 300)
    X, Y = np.meshgrid(grid, grid)
    F = himmelblau(np.stack([X, Y], axis=-1))
    levels = np.logspace(-1, 2.8, 20)
    for axes, (name, lr) in zip(figure.subplots(1, len(OPTIMIZERS)), OPTIMIZERS.items()):
        axes.contour(X, Y, F, levels=levels, cmap="Greys", linewidths=0.6)
        axes.plot(*MINIMA.T, "*", color="gold", markersize=12, markeredgecolor="black")
        for start in STARTS:
            trajectory = paths[name, start]
            axes.plot(*trajectory.T, linewidth=1.2)
            axes.plot(*trajectory[0], "o", color="black", markersize=3)
        axes.set_title(f"{name} (lr {lr})")
        axes.set_xlim(-5, 5)
        axes.set_ylim(-5, 5)
        axes.set_aspect("equal")
    figure.suptitle("Himmelblau's function: trajectories from five starts (dots); minima (stars)")
    save_figure(figure, path)


def command():
    """Run main on the command line's arguments and return the exit status: a user's
    mistake is one ``error:`` line, Ctrl-C a short note (see ``nnnumpy.cli.run``)."""
    return run(main)


if __name__ == "__main__":
    sys.exit(command())
