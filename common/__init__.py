"""What every part of the project shares: settings, the event spec, JSON type rules, reject reasons, a progress bar,
one DuckDB transaction.

``loaders/``, ``generator/``, ``expectations/``, ``bench/`` and the tests import from here; nothing here
imports from them (as ``dlt/common`` is to dlt's sources and destinations), except ``python -m common
generate``, which asks ``expectations.suites`` for the GX suites it writes with the other generated files.
"""
