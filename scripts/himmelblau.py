"""Five optimizers on the Himmelblau function, from several starting points.

    python scripts/himmelblau.py --plot himmelblau.png

The program itself is nnnumpy/programs/himmelblau.py (read it there): being part of
the package, it also runs after a plain ``pip install``, as
``python -m nnnumpy.programs.himmelblau``. ``--help`` lists its flags.
"""

import sys

from nnnumpy.cli import run
from nnnumpy.programs.himmelblau import main

if __name__ == "__main__":
    sys.exit(run(main))
