"""Land Rasa telemetry archives (Segment S3 NDJSON and other captures) in DuckDB."""

__all__ = ["__version__"]
__version__ = "0.1.0"
