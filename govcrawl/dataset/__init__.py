"""The dataset: finished crawl runs turned into one Parquet/DuckDB dataset for data teams.

Needs the optional `dataset` extra (pyarrow, duckdb, datasketch); the crawl itself does not.
"""

import argparse


def add_export_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `govcrawl export` (here, so that building the CLI imports no pyarrow)."""
    parser.add_argument("--output", default="output", help="crawl output directory (dumps)")
    parser.add_argument("--to", required=True, dest="dataset", help="dataset directory")
    parser.add_argument(
        "--format",
        choices=("parquet", "duckdb", "both"),
        default="both",
        help="Parquet files, a DuckDB file, or both (default; DuckDB then views the Parquet)",
    )
