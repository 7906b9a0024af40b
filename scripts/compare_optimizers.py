"""The six optimizers train the same 5-layer network on MNIST: whose loss falls fastest?

    python scripts/compare_optimizers.py --plot optimizers.png

The program itself is nnnumpy/programs/compare_optimizers.py (read it there): being part of
the package, it also runs after a plain ``pip install``, as
``python -m nnnumpy.programs.compare_optimizers``. ``--help`` lists its flags.
"""

import sys

from nnnumpy.cli import run
from nnnumpy.programs.compare_optimizers import main

if __name__ == "__main__":
    sys.exit(run(main))
