"""``python -m jixiao.cli``: the same as the ``jixiao`` console script."""

import sys

from . import main

sys.exit(main())
