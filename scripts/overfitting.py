"""Overfitting on 300 images, and three cures: weight decay, dropout, shifted images.

    python scripts/overfitting.py --plot overfitting.png

The program itself is nnnumpy/programs/overfitting.py (read it there): being part of
the package, it also runs after a plain ``pip install``, as
``python -m nnnumpy.programs.overfitting``. ``--help`` lists its flags.
"""

import sys

from nnnumpy.cli import run
from nnnumpy.programs.overfitting import main

if __name__ == "__main__":
    sys.exit(run(main))
