"""``python -m expectations``: see ``expectations.cli``.

Two costs of a nightly run (about 9 s at 10M events, bench/pipeline.py) that are not GX's work are cut here,
in the program only (an in-process caller such as the tests keeps a normal interpreter):

- GX imports pyspark when it is installed (for its Spark datasource; the project's Spark target installs it),
  0.3-1 s of imports this program never uses. Marking it absent makes GX skip it.
- Tearing down GX's module graph at exit took about 1 s. Every file and connection is closed when ``main``
  returns, so the process ends right after flushing its output.
"""

import logging
import os
import sys

sys.modules.setdefault("pyspark", None)  # type: ignore[arg-type]  # `import pyspark` now raises ImportError

from expectations.cli import main  # noqa: E402

code = main()
logging.shutdown()
sys.stdout.flush()
sys.stderr.flush()
os._exit(code)
