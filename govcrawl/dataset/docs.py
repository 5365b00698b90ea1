"""`dataset.md`, written next to the data: columns, partitioning and how to read it.

Generated from the same schema the data is written with, so the description cannot drift
from the files it sits beside.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

from govcrawl.record import SCHEMA_VERSION, record_schema

DATASET_COLUMNS = {
    "month": "partition: `YYYY-MM` of published_date, `unknown` when it is null",
    "cluster_id": "repost cluster: the smallest url_hash among the copies of one text "
    "(the record's own url_hash when it has no copy)",
    "cluster_first": "url_hash of the earliest copy in the cluster (by published_date, "
    "then crawled_at)",
    "cluster_size": "number of record versions in the cluster (1: no repost found)",
}


def _describe(name: str) -> str:
    spec = record_schema()["properties"].get(name, {})
    return str(spec.get("description") or DATASET_COLUMNS.get(name, ""))


def _columns_table(schema: pa.Schema) -> str:
    names = [*schema.names, *(c for c in DATASET_COLUMNS if c not in schema.names)]
    types = {f.name: str(f.type) for f in schema}
    types.update({"cluster_id": "string", "cluster_first": "string", "cluster_size": "int64"})
    rows = [f"| `{n}` | `{types[n]}` | {_describe(n)} |" for n in names]
    return "| column | Arrow type | meaning |\n|---|---|---|\n" + "\n".join(rows)


def dataset_readme(schema: pa.Schema, formats: Sequence[str]) -> str:
    """The text of dataset.md for a dataset written in `formats`."""
    parts = [
        "# govcrawl dataset",
        "",
        "Articles of Chinese county government portals, exported by `govcrawl export` from "
        "finished crawl runs (record schema version "
        f"{SCHEMA_VERSION}; field meanings at length in the project's docs/record.md).",
        "Each finished run is exported once, and each document version once: a page "
        "written again unchanged (a crawl after its seen-store was reset) is skipped; a "
        "page whose text changed, even back to an earlier text, is a new `version` of its "
        "`url_hash` (`replaces` names the one before). Times: `published_at` in "
        "Asia/Shanghai, `crawled_at` in UTC.",
        "",
        "## Files",
        "",
        "```",
        "dataset.md                 this file",
        "exported_runs.json         ledger: the runs exported, when, how many records",
    ]
    if "parquet" in formats:
        parts += [
            "records/portal=<portal>/month=<YYYY-MM|unknown>/part-<export>-<n>.parquet",
            "                           the records, zstd, one set of parts per export",
            "clusters.parquet           repost clusters, one row per (url_hash, version)",
        ]
    if "duckdb" in formats:
        parts += [
            "govcrawl.duckdb            views `records` (every version, with its cluster) and",
            "                           `documents` (the latest version of each url_hash)",
        ]
    parts += ["```", "", "## Columns", "", _columns_table(schema), "", "## Reading it", ""]
    if "duckdb" in formats:
        parts += [
            "DuckDB (records and clusters joined, each document once):",
            "",
            "```sql",
            "-- duckdb govcrawl.duckdb",
            "SELECT portal, count(*) FROM documents GROUP BY portal;",
            "SELECT title, url FROM documents",
            "  WHERE cluster_size > 1 AND url_hash <> cluster_first;  -- reposts of another",
            "```",
            "",
        ]
        if "parquet" in formats:
            parts += [
                "The views read the Parquet files by absolute path. After moving this "
                "directory, point them at the new place once:",
                "",
                "```sql",
                "CREATE OR REPLACE VIEW record_rows AS SELECT * FROM read_parquet(",
                "  '/new/place/records/*/*/*.parquet', hive_partitioning = true,",
                "  hive_types = {'portal': VARCHAR, 'month': VARCHAR});",
                "```",
                "",
            ]
    if "parquet" in formats:
        parts += [
            "DuckDB on the Parquet files alone:",
            "",
            "```sql",
            "SELECT r.*, c.cluster_id, c.cluster_first",
            "FROM read_parquet('records/*/*/*.parquet', hive_partitioning = true) r",
            "LEFT JOIN 'clusters.parquet' c USING (url_hash, version)",
            "WHERE r.portal = 'gd_zijin' AND r.month >= '2024-01';",
            "```",
            "",
            "pyarrow and pandas (partition filters skip whole directories):",
            "",
            "```python",
            "import pyarrow.dataset as ds, pyarrow.parquet as pq",
            "records = ds.dataset('records', format='parquet', partitioning='hive')",
            "table = records.to_table(filter=ds.field('portal') == 'gd_zijin')",
            "df = table.to_pandas().merge(pq.read_table('clusters.parquet').to_pandas(),",
            "                             on=['url_hash', 'version'], how='left')",
            "latest = df.sort_values('version').drop_duplicates('url_hash', keep='last')",
            "```",
            "",
        ]
    parts += [
        "## Partitioning",
        "",
        "Hive-style: `portal=<name>/month=<YYYY-MM>` from `published_date` (`unknown` when "
        "the page shows no date). Filtering on `portal` or `month` reads only the matching "
        "directories. Each export adds new part files and never rewrites old ones; only "
        "the clusters are recomputed, since a copy found later can change a cluster.",
        "",
    ]
    return "\n".join(parts)
