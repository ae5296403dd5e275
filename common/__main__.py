"""``python -m common``: see ``common.cli``."""

import sys

from common.cli import main

sys.exit(main())
