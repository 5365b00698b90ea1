"""JSONL writer: `<output>/<portal>/<run-id>.jsonl`, one record a line, each written whole.

Each line goes out in one unbuffered `write`, so a crawl killed at any moment leaves only
complete lines behind. The file is created with the first record: a run that finds nothing
new leaves no empty dump (its manifest still says so).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from scrapy.crawler import Crawler

from govcrawl.record import to_json_line
from pipelines import as_record


def new_run_id() -> str:
    """Sortable UTC timestamp naming one run's files, e.g. `20261122T131500Z`."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


class JsonLinesPipeline:
    """Appends each record to this run's dump and counts it under `govcrawl/written`."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.output_dir = Path(crawler.settings.get("GOVCRAWL_OUTPUT_DIR", "output"))
        self.run_id = crawler.settings.get("GOVCRAWL_RUN_ID") or new_run_id()
        self.file: BinaryIO | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> JsonLinesPipeline:
        return cls(crawler)

    @property
    def path(self) -> Path:
        portal = self.crawler.spider.name if self.crawler.spider else "unknown"
        return self.output_dir / portal / f"{self.run_id}.jsonl"

    def open_spider(self) -> None:
        self.stats.set_value("govcrawl/run_id", self.run_id)
        self.stats.set_value("govcrawl/output_file", str(self.path))

    def process_item(self, item: Any) -> Any:
        if self.file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.file = open(self.path, "ab", buffering=0)  # noqa: SIM115 - closed in close_spider
        self.file.write(to_json_line(as_record(item)))
        self.stats.inc_value("govcrawl/written")
        return item

    def close_spider(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None
