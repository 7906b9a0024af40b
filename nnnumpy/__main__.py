"""``python -m nnnumpy``: print the facts to paste when asking for help (see nnnumpy.doctor)."""

import sys

from .doctor import main

sys.exit(main())
