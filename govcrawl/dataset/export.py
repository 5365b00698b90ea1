"""Export finished crawl runs into one dataset: Parquet (zstd, hive-partitioned by portal
and month) and/or a DuckDB file, incrementally, each document version once.

Why a dataset and not the dumps: a data team wants one table, typed (dates as dates, not
strings), without the same article twice when a seen-store was reset, with edits as
versions and reposts marked. The JSONL dumps stay the crawl's source of truth; the export
can always be rebuilt from them by deleting the dataset directory.

Wiring (the CLI): ``govcrawl export --output DIR --to DATASET_DIR [--format parquet|duckdb|both]``
is `govcrawl.dataset.add_export_arguments(parser)` + `run_export(args)`.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from govcrawl.dataset.arrowschema import arrow_schema, row_converter
from govcrawl.dataset.docs import dataset_readme
from govcrawl.dataset.reposts import ClusterRow, RepostInput, cluster_reposts
from govcrawl.record import (
    SCHEMA_VERSION,
    content_hash,
    next_version,
    record_schema,
    schema_for_version,
)

logger = logging.getLogger(__name__)

FORMATS = ("parquet", "duckdb")
LEDGER = "exported_runs.json"
RECORDS_DIR = "records"
CLUSTERS_FILE = "clusters.parquet"
DUCKDB_FILE = "govcrawl.duckdb"
README = "dataset.md"
UNKNOWN_MONTH = "unknown"
# Values of `extractor` in dumps written before the platform ids were settled.
_EXTRACTOR_IDS = {"gd-jyh": "gd_jyh", "sh-ivs": "shanghai", "yn-pc": "ucap"}
# Columns the dataset adds to the record's: the partition month and the repost cluster.
CLUSTER_COLUMNS = ("cluster_id", "cluster_first", "cluster_size")


@cache
def dataset_schema() -> pa.Schema:
    """The Arrow schema of the Parquet parts: the record's, generated from its JSON Schema,
    with the dataset keys filled (never null here) and the partition `month`."""
    schema = arrow_schema(record_schema())
    for name in ("run_id", "content_hash", "version"):
        index = schema.get_field_index(name)
        schema = schema.set(index, schema.field(name).with_nullable(False))
    return schema.append(pa.field("month", pa.string(), nullable=False))


@dataclass
class ExportReport:
    """What an export did. `line_errors` counts unreadable lines by reason: none is lost
    without a count."""

    runs_exported: list[str] = field(default_factory=list)
    runs_unfinished: list[str] = field(default_factory=list)
    runs_already_exported: int = 0
    lines_read: int = 0
    records_written: int = 0
    duplicates: int = 0
    new_versions: int = 0
    line_errors: Counter[str] = field(default_factory=Counter)
    clusters_with_reposts: int = 0
    records_in_repost_clusters: int = 0
    files_written: list[str] = field(default_factory=list)

    def summary(self) -> str:
        errors = ", ".join(f"{k} {v}" for k, v in sorted(self.line_errors.items())) or "none"
        return (
            f"{len(self.runs_exported)} runs exported ({self.runs_already_exported} before, "
            f"{len(self.runs_unfinished)} unfinished skipped); {self.lines_read} lines read, "
            f"{self.records_written} records written ({self.new_versions} new versions), "
            f"{self.duplicates} duplicates skipped; unreadable lines: {errors}; "
            f"{self.clusters_with_reposts} repost clusters holding "
            f"{self.records_in_repost_clusters} records"
        )


@dataclass(frozen=True)
class Run:
    portal: str
    run_id: str
    jsonl: Path | None  # None: a finished run that wrote nothing

    @property
    def key(self) -> str:
        return f"{self.portal}/{self.run_id}"


def find_runs(output_dir: Path) -> tuple[list[Run], list[str]]:
    """Finished runs (their manifest exists) in run-id order, and the keys of runs whose
    dump has no manifest yet: still running, or crashed before closing."""
    finished, unfinished = [], []
    for portal_dir in sorted(p for p in output_dir.iterdir() if p.is_dir()):
        dumps = {p.stem: p for p in portal_dir.glob("*.jsonl")}
        manifests = {
            p.name.removesuffix(".manifest.json") for p in portal_dir.glob("*.manifest.json")
        }
        for run_id in sorted(dumps.keys() | manifests):
            if run_id in manifests:
                finished.append(Run(portal_dir.name, run_id, dumps.get(run_id)))
            else:
                unfinished.append(f"{portal_dir.name}/{run_id}")
    finished.sort(key=lambda run: (run.run_id, run.portal))
    return finished, unfinished


@cache
def _validator(version: int) -> Any:
    import fastjsonschema

    return fastjsonschema.compile(schema_for_version(version))


def parse_line(line: bytes) -> tuple[dict[str, Any] | None, str | None]:
    """`(record, None)` for a valid line of any shipped schema version, else
    `(None, reason)`: invalid_utf8, invalid_json, not_an_object, unknown_schema_version,
    schema_invalid."""
    from fastjsonschema import JsonSchemaValueException

    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return None, "invalid_utf8"
    try:
        record = json.loads(text)
    except ValueError:
        return None, "invalid_json"
    if not isinstance(record, dict):
        return None, "not_an_object"
    version = record.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool):
        return None, "unknown_schema_version"
    try:
        validate = _validator(version)
    except KeyError:
        return None, "unknown_schema_version"
    try:
        validate(record)
    except JsonSchemaValueException:
        return None, "schema_invalid"
    return record, None


def read_run(run: Run, report: ExportReport) -> Iterator[dict[str, Any]]:
    """The valid records of a run's dump; unreadable lines are counted, never raised."""
    if run.jsonl is None:
        return
    with run.jsonl.open("rb") as dump:
        for number, line in enumerate(dump, 1):
            if not line.strip():
                continue
            report.lines_read += 1
            record, error = parse_line(line)
            if error:
                report.line_errors[error] += 1
                logger.warning("%s line %d: %s", run.jsonl, number, error)
                continue
            assert record is not None
            yield record


class KeyIndex:
    """What the dataset holds: the latest `(version, content_hash)` of each url_hash, and
    every `(url_hash, content_hash, run_id)` line already exported."""

    def __init__(self, rows: Iterable[tuple[str, int, str, str]] = ()) -> None:
        self.latest: dict[str, tuple[int, str]] = {}
        self.lines: set[tuple[str, str, str]] = set()
        for url_hash, version, digest, run_id in rows:
            self.lines.add((url_hash, digest, run_id))
            if url_hash not in self.latest or self.latest[url_hash][0] < version:
                self.latest[url_hash] = (version, digest)

    def admit(self, record: dict[str, Any]) -> bool:
        """Whether a record is new to the dataset, filling its version keys unless the
        crawl saw an edit itself (version > 1: trusted). A crawl writes version 1 for what
        its seen-store has not seen — which after a seen-store reset may be an edit the
        dataset knows better. Not new: the same line exported before (an export killed
        before its ledger was written, then run again), or the content the dataset already
        holds as this URL's latest (a crawl that wrote an unchanged page again). Content
        that differs from the latest, even an older one, is an edit."""
        key, digest = record["url_hash"], record["content_hash"]
        line = (key, digest, record["run_id"])
        if line in self.lines:
            return False
        if (record.get("version") or 1) == 1:
            versioned = next_version(key, digest, self.latest.get(key))
            if versioned is None:
                return False
            record["version"], record["replaces"] = versioned
        self.lines.add(line)
        if key not in self.latest or self.latest[key][0] < record["version"]:
            self.latest[key] = (record["version"], digest)
        return True


def to_dataset_record(record: dict[str, Any], run: Run) -> dict[str, Any]:
    """A record of any version with the current version's keys: dataset keys filled
    (run id from the file name, content hash computed) and extractor ids settled."""
    record = {**record, "schema_version": SCHEMA_VERSION}
    record["run_id"] = record.get("run_id") or run.run_id
    record["content_hash"] = record.get("content_hash") or content_hash(
        record["title"], record["text"]
    )
    record.setdefault("version", None)
    record.setdefault("replaces", None)
    record["extractor"] = _EXTRACTOR_IDS.get(record["extractor"], record["extractor"])
    record["month"] = (record.get("published_date") or UNKNOWN_MONTH)[:7]
    return record


def export_runs(
    output_dir: str | os.PathLike[str],
    dataset_dir: str | os.PathLike[str],
    *,
    formats: Sequence[str] = FORMATS,
) -> ExportReport:
    """Add the finished runs under `output_dir` that are not yet in `dataset_dir`.

    Layout read: `<output>/<portal>/<run-id>.jsonl` and its `<run-id>.manifest.json`, which
    exists once the run finished; a dump without it is skipped and reported. Nothing is
    written when there is no new finished run. A run enters the ledger only after its
    records are written, and records already held (same url_hash and content_hash) are
    skipped, so an export killed half-way is completed by running it again.
    """
    output, dataset = Path(output_dir), Path(dataset_dir)
    formats = _check_formats(formats)
    report = ExportReport()
    runs, report.runs_unfinished = find_runs(output)
    ledger = _read_ledger(dataset, formats)
    new_runs = [run for run in runs if run.key not in ledger["runs"]]
    report.runs_already_exported = len(runs) - len(new_runs)
    if not new_runs:
        return report

    dataset.mkdir(parents=True, exist_ok=True)
    index = KeyIndex(_existing_keys(dataset, formats))
    records: list[dict[str, Any]] = []
    counts: dict[str, int] = {}
    for run in new_runs:
        before = len(records)
        for record in read_run(run, report):
            record = to_dataset_record(record, run)
            if not index.admit(record):
                report.duplicates += 1
                continue
            report.new_versions += record["version"] > 1
            records.append(record)
        counts[run.key] = len(records) - before
    report.records_written = len(records)

    if records:
        table = _to_table(records)
        export_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:8]
        if "parquet" in formats:
            report.files_written += _write_parquet(dataset, table, export_id)
        if "duckdb" in formats:
            _append_duckdb(dataset, table, parquet="parquet" in formats)
        clusters = _cluster(dataset, formats)
        report.clusters_with_reposts = len({c.cluster_id for c in clusters if c.cluster_size > 1})
        report.records_in_repost_clusters = sum(c.cluster_size > 1 for c in clusters)
        _write_clusters(dataset, formats, clusters, report)
    (dataset / README).write_text(dataset_readme(dataset_schema(), formats), "utf-8")
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    for run in new_runs:
        ledger["runs"][run.key] = {"exported_at": now, "records": counts[run.key]}
        report.runs_exported.append(run.key)
    _write_ledger(dataset, ledger)
    return report


def _check_formats(formats: Sequence[str]) -> tuple[str, ...]:
    chosen = tuple(f for f in FORMATS if f in formats)
    unknown = set(formats) - set(FORMATS)
    if unknown or not chosen:
        raise ValueError(f"formats must be among {FORMATS}, got {list(formats)}")
    return chosen


def _read_ledger(dataset: Path, formats: tuple[str, ...]) -> dict[str, Any]:
    path = dataset / LEDGER
    if not path.exists():
        return {"formats": list(formats), "runs": {}}
    ledger: dict[str, Any] = json.loads(path.read_text("utf-8"))
    if tuple(ledger["formats"]) != formats:
        raise ValueError(
            f"{dataset} holds {ledger['formats']}; export to it with the same formats "
            f"or to a new directory"
        )
    return ledger


def _write_ledger(dataset: Path, ledger: dict[str, Any]) -> None:
    """Written whole then renamed, so a crash never leaves half a ledger."""
    temporary = dataset / (LEDGER + ".tmp")
    temporary.write_text(json.dumps(ledger, indent=1, sort_keys=True) + "\n", "utf-8")
    temporary.replace(dataset / LEDGER)


def _to_table(records: list[dict[str, Any]]) -> pa.Table:
    schema = dataset_schema()
    convert = row_converter(schema)
    return pa.Table.from_pylist([convert(r) for r in records], schema=schema)


def _partitioning() -> ds.Partitioning:
    return ds.partitioning(
        pa.schema([("portal", pa.string()), ("month", pa.string())]), flavor="hive"
    )


def _write_parquet(dataset: Path, table: pa.Table, export_id: str) -> list[str]:
    written: list[str] = []
    ds.write_dataset(
        table,
        dataset / RECORDS_DIR,
        format="parquet",
        partitioning=_partitioning(),
        basename_template=f"part-{export_id}-{{i}}.parquet",
        existing_data_behavior="overwrite_or_ignore",
        file_options=ds.ParquetFileFormat().make_write_options(compression="zstd"),
        file_visitor=lambda f: written.append(f.path),
    )
    return written


def records_dataset(dataset_dir: str | os.PathLike[str]) -> ds.Dataset:
    """The Parquet records as a pyarrow dataset with the full schema (partition columns
    included): `records_dataset(d).to_table(filter=ds.field("portal") == "gd_zijin")`."""
    return ds.dataset(
        Path(dataset_dir) / RECORDS_DIR,
        format="parquet",
        partitioning=_partitioning(),
        schema=dataset_schema(),
    )


def _parquet_glob(dataset: Path) -> str:
    return str((dataset / RECORDS_DIR).resolve() / "*" / "*" / "*.parquet")


def _connect(dataset: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(dataset / DUCKDB_FILE))


_KEY_COLUMNS = ("url_hash", "version", "content_hash", "run_id")


def _existing_keys(dataset: Path, formats: tuple[str, ...]) -> Iterator[tuple[str, int, str, str]]:
    if "parquet" in formats:
        if not (dataset / RECORDS_DIR).exists():
            return iter(())
        table = records_dataset(dataset).to_table(columns=list(_KEY_COLUMNS))
    else:
        if not (dataset / DUCKDB_FILE).exists():
            return iter(())
        with _connect(dataset) as db:
            table = db.sql(f"SELECT {', '.join(_KEY_COLUMNS)} FROM record_rows").to_arrow_table()
    return zip(*(table.column(name).to_pylist() for name in _KEY_COLUMNS), strict=True)


def _append_duckdb(dataset: Path, table: pa.Table, *, parquet: bool) -> None:
    """With Parquet, `record_rows` is a view over its files (absolute path: re-export after
    moving the dataset); without, a table the new rows are appended to."""
    with _connect(dataset) as db:
        if parquet:
            db.execute(
                "CREATE OR REPLACE VIEW record_rows AS SELECT * FROM read_parquet("
                f"'{_parquet_glob(dataset)}', hive_partitioning = true, "
                "hive_types = {'portal': VARCHAR, 'month': VARCHAR})"
            )
            return
        db.register("new_rows", table)
        exists = db.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'record_rows'"
        ).fetchone()
        if exists and exists[0]:
            db.execute("INSERT INTO record_rows BY NAME SELECT * FROM new_rows")
        else:
            db.execute("CREATE TABLE record_rows AS SELECT * FROM new_rows")
        db.unregister("new_rows")


def _cluster(dataset: Path, formats: tuple[str, ...]) -> list[ClusterRow]:
    """Repost clusters over every record version in the dataset (recomputed each export
    that adds records: an earlier copy found later changes a cluster's first)."""
    columns = ["url_hash", "version", "text", "published_date", "crawled_at"]
    if "parquet" in formats:
        table = records_dataset(dataset).to_table(columns=columns)
    else:
        with _connect(dataset) as db:
            table = db.sql(f"SELECT {', '.join(columns)} FROM record_rows").to_arrow_table()
    data = table.to_pydict()
    inputs = (
        RepostInput(
            url_hash,
            version,
            text,
            published.isoformat() if published else None,
            crawled.isoformat(),
        )
        for url_hash, version, text, published, crawled in zip(
            *(data[c] for c in columns), strict=True
        )
    )
    return cluster_reposts(inputs)


CLUSTERS_SCHEMA = pa.schema(
    [
        pa.field("url_hash", pa.string(), nullable=False),
        pa.field("version", pa.int64(), nullable=False),
        pa.field("cluster_id", pa.string(), nullable=False),
        pa.field("cluster_first", pa.string(), nullable=False),
        pa.field("cluster_size", pa.int64(), nullable=False),
    ]
)


def _write_clusters(
    dataset: Path, formats: tuple[str, ...], clusters: list[ClusterRow], report: ExportReport
) -> None:
    table = pa.Table.from_pylist(
        [{name: getattr(row, name) for name in CLUSTERS_SCHEMA.names} for row in clusters],
        schema=CLUSTERS_SCHEMA,
    )
    if "parquet" in formats:
        path = dataset / CLUSTERS_FILE
        pq.write_table(table, path, compression="zstd")
        report.files_written.append(str(path))
    if "duckdb" in formats:
        with _connect(dataset) as db:
            db.register("new_clusters", table)
            db.execute("CREATE OR REPLACE TABLE clusters AS SELECT * FROM new_clusters")
            db.unregister("new_clusters")
            _create_views(db)
        report.files_written.append(str(dataset / DUCKDB_FILE))


def _create_views(db: duckdb.DuckDBPyConnection) -> None:
    """`records`: every record version with its repost cluster; `documents`: the latest
    version of each document (each URL once)."""
    columns = [f"r.{name}" for name in dataset_schema().names]
    columns += [f"c.{name}" for name in CLUSTER_COLUMNS]
    db.execute(
        f"CREATE OR REPLACE VIEW records AS SELECT {', '.join(columns)} "
        "FROM record_rows r LEFT JOIN clusters c USING (url_hash, version)"
    )
    db.execute(
        "CREATE OR REPLACE VIEW documents AS SELECT * FROM records "
        "QUALIFY row_number() OVER (PARTITION BY url_hash ORDER BY version DESC) = 1"
    )


# --- command line -------------------------------------------------------------------------


def run_export(args: argparse.Namespace) -> int:
    """Run `govcrawl export`; prints one summary line (and the unfinished runs). Exit 0,
    or 2 when the output directory does not exist or formats clash with the dataset's."""
    formats = FORMATS if args.format == "both" else (args.format,)
    if not Path(args.output).is_dir():
        print(f"error: no output directory {args.output}", file=sys.stderr)
        return 2
    try:
        report = export_runs(args.output, args.dataset, formats=formats)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for key in report.runs_unfinished:
        print(f"skipped (no manifest: running or crashed): {key}")
    print(report.summary())
    return 0
