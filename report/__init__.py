"""The telemetry report: one self-contained HTML page of charts from the dbt marts (``python -m report``)."""
