"""``python -m expectations``: see ``expectations.cli``."""

import sys

from expectations.cli import main

sys.exit(main())
