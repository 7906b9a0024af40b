"""Train a network on MNIST: a progress bar per epoch, a line per epoch, a summary.

    python scripts/train_mnist.py                      # the default run
    python scripts/train_mnist.py --plot curves.png --save net.npz
    python scripts/train_mnist.py --gradient numerical --hidden-size 10 --train-size 1000 \\
        --epochs 5 --lr 0.2          # backprop's slow ancestor, on a small subset

The program itself is nnnumpy/programs/train_mnist.py (read it there): being part of
the package, it also runs after a plain ``pip install``, as
``python -m nnnumpy.programs.train_mnist``. ``--help`` lists its flags.
"""

import sys

from nnnumpy.cli import run
from nnnumpy.programs.train_mnist import main

if __name__ == "__main__":
    sys.exit(run(main))
