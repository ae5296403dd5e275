"""One DuckDB transaction: ``with transaction(con): ...`` commits when the block ends, rolls back when it raises.

Used wherever a step must be all or nothing: landing a chunk (loaders.land), migrating raw.events
(loaders.migrate), a nightly GX projection (expectations.projection) and recording a GX run (expectations.state).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    con.execute("begin transaction")
    try:
        yield
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")
