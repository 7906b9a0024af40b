"""The same gradient three ways: the textbook loop, faster finite differences, backprop.

    python scripts/compare_gradients.py                  # 784-50-10 on 100 MNIST images
    python scripts/compare_gradients.py --full --plot gradients.png

The program itself is nnnumpy/programs/compare_gradients.py (read it there): being part of
the package, it also runs after a plain ``pip install``, as
``python -m nnnumpy.programs.compare_gradients``. ``--help`` lists its flags.
"""

import sys

from nnnumpy.cli import run
from nnnumpy.programs.compare_gradients import main

if __name__ == "__main__":
    sys.exit(run(main))
