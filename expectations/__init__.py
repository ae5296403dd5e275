"""Great Expectations suites that check landed telemetry (``raw.events``) against the spec seed.

``python -m common generate`` writes one suite per event type (plus ``envelope``) to
``expectations/suites/``; ``python -m expectations`` validates the warehouse and writes the report.
"""
