"""Weight initialisation: std 0.01 vs Xavier vs He, on activations and on learning.

    python scripts/compare_init.py --plot init.png

The program itself is nnnumpy/programs/compare_init.py (read it there): being part of
the package, it also runs after a plain ``pip install``, as
``python -m nnnumpy.programs.compare_init``. ``--help`` lists its flags.
"""

import sys

from nnnumpy.cli import run
from nnnumpy.programs.compare_init import main

if __name__ == "__main__":
    sys.exit(run(main))
