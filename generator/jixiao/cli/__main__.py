"""``python -m jixiao.cli``: the same as the ``jixiao`` console script."""

import sys

from . import main

if __name__ == "__main__":  # not when a tool imports this module (pytest --doctest-modules)
    sys.exit(main())
