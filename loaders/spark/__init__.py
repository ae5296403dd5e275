"""Landing on Apache Spark (``python -m loaders load --engine spark``): the DuckDB loader's stages and rules,
read with Spark's JSON reader and written as Parquet tables in Spark's catalog (README "Running on Spark").
"""
