"""The dataset: finished crawl runs turned into one Parquet/DuckDB dataset for data teams.

Needs the optional `dataset` extra (pyarrow, duckdb, datasketch); the crawl itself does not.
"""
