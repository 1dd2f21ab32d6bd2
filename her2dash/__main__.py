"""``python -m her2dash``: see :mod:`her2dash.cli`."""

import sys

from her2dash.cli import main

sys.exit(main())
