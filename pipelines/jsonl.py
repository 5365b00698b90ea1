"""JSONL writer: `<output>/<portal>/<run-id>.jsonl`, one record a line, each written whole.

Each line goes out in one unbuffered `write`, so a crawl killed at any moment leaves only
complete lines behind. A portal's file is created with its first record (a run that finds
nothing new leaves no empty dump; its manifest still says so) and closed when the portal's
run closes, so a crawl of thousands of portals holds open only the files of the portals in
flight.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, BinaryIO

from scrapy.crawler import Crawler

from govcrawl.record import to_json_line
from govcrawl.runs.portalrun import PORTAL_CLOSED, PortalRun, new_run_id, portal_runs
from pipelines import as_record

__all__ = ["JsonLinesPipeline", "new_run_id"]


class JsonLinesPipeline:
    """Appends each record to its portal's dump of this run; counts it as `written`."""

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        self.runs = portal_runs(crawler)
        self.output_dir = Path(crawler.settings.get("GOVCRAWL_OUTPUT_DIR", "output"))
        self.files: dict[str, BinaryIO] = {}
        crawler.signals.connect(self.portal_closed, signal=PORTAL_CLOSED)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> JsonLinesPipeline:
        return cls(crawler)

    @property
    def run_id(self) -> str:
        return self.runs.run_id

    def path(self, portal: str) -> Path:
        return self.output_dir / portal / f"{self.run_id}.jsonl"

    def open_spider(self) -> None:
        self.stats.set_value("govcrawl/run_id", self.run_id)

    def process_item(self, item: Any) -> Any:
        record = as_record(item)
        portal = record.get("portal") or "unknown"
        file = self.files.get(portal)
        if file is None:
            path = self.path(portal)
            path.parent.mkdir(parents=True, exist_ok=True)
            file = self.files[portal] = open(path, "ab", buffering=0)  # noqa: SIM115
            run = self.runs.get(portal)
            if run is not None:
                run.output_file = str(path)
        file.write(to_json_line(record))
        self.stats.inc_value("govcrawl/written")
        run = self.runs.get(portal)
        if run is not None:
            run.record_written(record)  # `written`, field coverage, newest date
        return item

    def portal_closed(self, portal_run: PortalRun) -> None:
        file = self.files.pop(portal_run.portal, None)
        if file is not None:
            file.close()

    def close_spider(self) -> None:
        for file in self.files.values():
            file.close()
        self.files.clear()
