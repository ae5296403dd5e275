"""The sample-data generator: a deterministic Segment S3 archive of Rasa telemetry plus its manifest.

``python -m generator --help``; in Python, ``generator.generate(out, events=..., days=..., seed=...)``.
Modules, in the order data flows: ``installations`` and ``sessions`` (who sends what, from ``catalog``),
``timeline`` (3-hour windows, in order), ``quirks`` (type violations, unknown events and properties,
writeKeys, duplicates), ``bad_lines`` (one maker per reject reason), ``envelope`` (Segment's line),
``writer`` (encode and gzip in worker processes), ``manifest``; ``archive.generate`` ties them together.
"""

from generator.archive import generate

__all__ = ["generate"]
