"""The command-line programs, one module each, there after a plain ``pip install``.

    python -m nnnumpy.programs.train_mnist          train a network on MNIST
    python -m nnnumpy.programs.compare_gradients    one gradient three ways, timed
    python -m nnnumpy.programs.himmelblau           optimizers on Himmelblau's function
    python -m nnnumpy.programs.compare_optimizers   six optimizers training on MNIST
    python -m nnnumpy.programs.compare_init         weight initialisation compared
    python -m nnnumpy.programs.overfitting          overfitting and three cures

Each module has ``main(argv=None)``, which returns the exit status and raises
``nnnumpy.cli.UsageError`` for a user's mistake (so tests call it in process), and
``command()``, which runs it as the command line does (that error as one line). In a
clone, ``python scripts/<name>.py`` runs the same program. The programs use the package
as a user's own script would; nothing in the package imports them.
"""
