"""``python -m expectations``: see ``expectations.cli``.

Three costs of a run that are not GX's work are cut here, in the program only (an in-process caller such as
the tests keeps a normal interpreter):

- GX imports pyspark when it is installed (for its Spark datasource; the project's Spark target installs it),
  0.3-1 s of imports this program never uses. Marking it absent makes GX skip it.
- Tearing down GX's module graph at exit took about 1 s. Every file and connection is closed when ``main``
  returns, so the process ends right after flushing its output.
- Python's cyclic garbage collector is off: it walked GX's thousand imported modules and their objects again and
  again (at 10M events a nightly run by hand 5.4-6.0 s -> 5.0-5.2 s, a full one 47.1 -> 43.9 s, peak RSS the
  same 2.3 GB either way: reference counting frees what a run makes; the process lives for one run).
"""

import gc
import logging
import os
import sys

gc.disable()
sys.modules.setdefault("pyspark", None)  # type: ignore[arg-type]  # `import pyspark` now raises ImportError

from expectations.cli import main  # noqa: E402

code = main()
logging.shutdown()
sys.stdout.flush()
sys.stderr.flush()
os._exit(code)
