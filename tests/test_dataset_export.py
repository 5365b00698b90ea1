"""The dataset export: typed Parquet/DuckDB from finished runs, incremental, nothing lost."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

pytest.importorskip("pyarrow")
pytest.importorskip("duckdb")

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from benchmarks.dataset_pairs import ARTICLES, repost
from benchmarks.dataset_records import as_v1, make_record, write_run
from govcrawl.dataset import add_export_arguments
from govcrawl.dataset.arrowschema import arrow_schema, row_converter
from govcrawl.dataset.export import (
    dataset_schema,
    export_runs,
    parse_line,
    records_dataset,
    run_export,
)
from govcrawl.record import content_hash, record_schema, to_json_line

RUN1, RUN2, RUN3 = "20240306T010000Z", "20240307T010000Z", "20240308T010000Z"


def snapshot(folder: Path) -> dict[str, int]:
    return {str(p): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


def rows(dataset: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(dataset / "govcrawl.duckdb"), read_only=True) as db:
        return db.sql(sql).fetchall()


# --- the Arrow schema ------------------------------------------------------------------


def test_arrow_schema_is_generated_from_the_json_schema_with_typed_dates():
    schema = arrow_schema(record_schema())
    assert schema.names == list(record_schema()["properties"])
    assert schema.field("published_at").type == pa.timestamp("us", tz="Asia/Shanghai")
    assert schema.field("published_date").type == pa.date32()
    assert schema.field("crawled_at").type == pa.timestamp("us", tz="UTC")
    assert schema.field("document").type.field("signed_date").type == pa.date32()
    attachment = schema.field("attachments").type.value_type
    assert [attachment.field(i).name for i in range(attachment.num_fields)] == [
        "url",
        "name",
        "text",
        "sha256",
        "size",
        "read_error",
    ]
    assert attachment.field("size").type == pa.int64()
    assert not schema.field("title").nullable and schema.field("source").nullable
    assert schema.field("contributors").type == pa.list_(
        pa.struct([pa.field("role", pa.string(), False), pa.field("name", pa.string(), False)])
    )


def test_arrow_schema_follows_a_field_added_to_the_json_schema():
    extended = json.loads(json.dumps(record_schema()))
    extended["properties"]["word_count"] = {"type": ["integer", "null"]}
    assert arrow_schema(extended).field("word_count").type == pa.int64()


def test_row_converter_keeps_the_offset_of_published_at():
    record = make_record(1, date="2020-03-12 11:20")
    row = row_converter(dataset_schema())(record)
    assert row["published_at"] == datetime(2020, 3, 12, 3, 20, tzinfo=UTC)
    assert row["published_date"] == date(2020, 3, 12)


# --- export --------------------------------------------------------------------------------


@pytest.fixture
def output(tmp_path) -> Path:
    out = tmp_path / "output"
    write_run(out, "gd_zijin", RUN1, [as_v1(make_record(i)) for i in range(5)])
    write_run(
        out, "gd_boluo", RUN2, [make_record(i, portal="gd_boluo", date=None) for i in range(3)]
    )
    write_run(out, "gd_wuhua", RUN2, [make_record(9, portal="gd_wuhua")], finished=False)
    return out


def test_export_writes_typed_zstd_parquet_partitioned_by_portal_and_month(output, tmp_path):
    dataset = tmp_path / "dataset"
    report = export_runs(output, dataset)
    assert report.runs_exported == [f"gd_zijin/{RUN1}", f"gd_boluo/{RUN2}"]
    assert report.runs_unfinished == [f"gd_wuhua/{RUN2}"]
    assert report.records_written == 8 and not report.line_errors
    parts = sorted(
        p.relative_to(dataset / "records").parent.as_posix()
        for p in (dataset / "records").rglob("*.parquet")
    )
    assert parts == ["portal=gd_boluo/month=unknown", "portal=gd_zijin/month=2024-03"]
    part = next((dataset / "records").rglob("*.parquet"))
    assert pq.ParquetFile(part).metadata.row_group(0).column(0).compression == "ZSTD"
    table = records_dataset(dataset).to_table()
    assert table.schema.equals(dataset_schema())
    assert table.num_rows == 8
    assert table.schema.field("published_date").type == pa.date32()
    assert "dataset.md" in {p.name for p in dataset.iterdir()}


def test_old_lines_get_the_dataset_keys(output, tmp_path):
    dataset = tmp_path / "dataset"
    export_runs(output, dataset)
    original = make_record(0)
    (row,) = rows(
        dataset,
        "SELECT run_id, content_hash, version, replaces, extractor, schema_version "
        f"FROM records WHERE url_hash = '{original['url_hash']}'",
    )
    assert row == (RUN1, content_hash(original["title"], original["text"]), 1, None, "gd_jyh", 2)


def test_a_second_export_adds_only_new_runs_and_nothing_new_writes_nothing(output, tmp_path):
    dataset = tmp_path / "dataset"
    export_runs(output, dataset)
    before = snapshot(dataset)
    again = export_runs(output, dataset)
    assert again.runs_exported == [] and again.runs_already_exported == 2
    assert again.runs_unfinished == [f"gd_wuhua/{RUN2}"]
    assert snapshot(dataset) == before  # nothing rewritten, not even the ledger
    write_run(output, "gd_zijin", RUN3, [make_record(i) for i in range(5, 7)])
    third = export_runs(output, dataset)
    assert third.runs_exported == [f"gd_zijin/{RUN3}"] and third.records_written == 2
    assert rows(dataset, "SELECT count(*) FROM records") == [(10,)]
    ledger = json.loads((dataset / "exported_runs.json").read_text())
    assert set(ledger["runs"]) == {f"gd_zijin/{RUN1}", f"gd_boluo/{RUN2}", f"gd_zijin/{RUN3}"}


def test_each_document_once_and_edits_become_versions(tmp_path):
    output, dataset = tmp_path / "output", tmp_path / "dataset"
    first = make_record(1)
    write_run(output, "gd_zijin", RUN1, [first])
    # The seen-store was reset: the same page written again, unchanged; another was edited.
    edited = make_record(
        1, text=first["text"] + "\n本文已更新。", crawled_at="2024-03-08T01:00:00Z"
    )
    write_run(output, "gd_zijin", RUN2, [first])
    write_run(output, "gd_zijin", RUN3, [edited])
    report = export_runs(output, dataset)
    assert (report.records_written, report.duplicates, report.new_versions) == (2, 1, 1)
    assert rows(dataset, "SELECT version, replaces, run_id FROM records ORDER BY version") == [
        (1, None, RUN1),
        (2, f"{first['url_hash']}:1", RUN3),
    ]
    assert rows(dataset, "SELECT version, text LIKE '%已更新%' FROM documents") == [(2, True)]
    # A later crawl finding the first content again: the edit was reverted, a version too.
    write_run(output, "gd_zijin", "20240309T010000Z", [first])
    assert export_runs(output, dataset).new_versions == 1
    assert rows(dataset, "SELECT version, replaces FROM documents") == [
        (3, f"{first['url_hash']}:2")
    ]


def test_an_export_killed_before_its_ledger_is_completed_by_running_it_again(output, tmp_path):
    dataset = tmp_path / "dataset"
    export_runs(output, dataset)
    (dataset / "exported_runs.json").unlink()  # the records were written, the ledger not
    again = export_runs(output, dataset)
    assert len(again.runs_exported) == 2
    assert (again.records_written, again.duplicates) == (0, 8)
    assert rows(dataset, "SELECT count(*), max(version) FROM records") == [(8, 1)]


def test_a_crawler_that_sets_versions_is_trusted(tmp_path):
    output, dataset = tmp_path / "output", tmp_path / "dataset"
    record = make_record(1, run_id=RUN1, version=3, replaces=f"{'a' * 40}:2")
    record["content_hash"] = content_hash(record["title"], record["text"])
    write_run(output, "gd_zijin", RUN1, [record])
    export_runs(output, dataset)
    assert rows(dataset, "SELECT version, replaces FROM records") == [(3, f"{'a' * 40}:2")]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (b'{"schema_version": 2, "url"\n', "invalid_json"),
        (b"\xff\xfe{}\n", "invalid_utf8"),
        (b"[1, 2]\n", "not_an_object"),
        (b'{"schema_version": 99}\n', "unknown_schema_version"),
        (b'{"schema_version": "2"}\n', "unknown_schema_version"),
        (b'{"schema_version": 2, "url": "x"}\n', "schema_invalid"),
    ],
)
def test_unreadable_lines_are_counted_by_reason_never_lost(tmp_path, line, reason):
    assert parse_line(line) == (None, reason)
    output = tmp_path / "output"
    write_run(output, "gd_zijin", RUN1, [make_record(1)], extra_lines=[line])
    report = export_runs(output, tmp_path / "dataset")
    assert report.lines_read == 2 and report.records_written == 1
    assert report.line_errors == {reason: 1}
    assert reason in report.summary()


def test_both_schema_versions_parse():
    record = make_record(1)
    assert parse_line(to_json_line(as_v1(record)))[1] is None
    assert parse_line(to_json_line(record))[1] is None


def test_duckdb_only_dataset_appends_to_its_table(output, tmp_path):
    dataset = tmp_path / "dataset"
    export_runs(output, dataset, formats=("duckdb",))
    assert not (dataset / "records").exists()
    write_run(output, "gd_zijin", RUN3, [make_record(7)])
    export_runs(output, dataset, formats=("duckdb",))
    assert rows(dataset, "SELECT count(*), count(DISTINCT month) FROM records") == [(9, 2)]
    assert rows(
        dataset, "SELECT typeof(published_at), typeof(published_date) FROM records LIMIT 1"
    ) == [("TIMESTAMP WITH TIME ZONE", "DATE")]
    with pytest.raises(ValueError, match="same formats"):
        export_runs(output, dataset, formats=("parquet",))


def test_reposts_across_portals_share_a_cluster_whose_first_is_the_earliest(tmp_path):
    output, dataset = tmp_path / "output", tmp_path / "dataset"
    original = make_record(1, portal="gd_heyuan", text=ARTICLES[0], date="2024-11-20")
    copy = make_record(2, portal="gd_zijin", text=repost(ARTICLES[0], 1), date="2024-11-22")
    other = make_record(3, portal="gd_zijin", text=ARTICLES[1], date="2024-11-21")
    write_run(output, "gd_zijin", RUN2, [copy, other])
    write_run(output, "gd_heyuan", RUN1, [original])
    report = export_runs(output, dataset)
    assert (report.clusters_with_reposts, report.records_in_repost_clusters) == (1, 2)
    clusters = dict(
        rows(dataset, "SELECT url_hash, (cluster_id, cluster_first, cluster_size) FROM records")
    )
    expected_id = min(original["url_hash"], copy["url_hash"])
    assert clusters[copy["url_hash"]] == (expected_id, original["url_hash"], 2)
    assert clusters[original["url_hash"]] == clusters[copy["url_hash"]]
    assert clusters[other["url_hash"]] == (other["url_hash"], other["url_hash"], 1)
    parquet = pq.read_table(dataset / "clusters.parquet").to_pylist()
    assert {r["url_hash"]: r["cluster_first"] for r in parquet}[copy["url_hash"]] == original[
        "url_hash"
    ]


def test_dataset_readme_names_every_column(output, tmp_path):
    dataset = tmp_path / "dataset"
    export_runs(output, dataset)
    readme = (dataset / "dataset.md").read_text("utf-8")
    for name in [*dataset_schema().names, "cluster_id", "cluster_first"]:
        assert f"| `{name}` |" in readme
    assert "hive_partitioning" in readme and "to_pandas" in readme


def test_command_line_helpers(output, tmp_path, capsys):
    parser = argparse.ArgumentParser()
    add_export_arguments(parser)
    args = parser.parse_args(
        ["--output", str(output), "--to", str(tmp_path / "d"), "--format", "parquet"]
    )
    assert run_export(args) == 0
    out = capsys.readouterr().out
    assert f"skipped (no manifest: running or crashed): gd_wuhua/{RUN2}" in out
    assert "2 runs exported" in out
    assert run_export(parser.parse_args(["--output", str(tmp_path / "none"), "--to", "x"])) == 2
    assert (
        run_export(
            parser.parse_args(
                ["--output", str(output), "--to", str(tmp_path / "d"), "--format", "duckdb"]
            )
        )
        == 2
    )
