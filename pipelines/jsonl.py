"""JSONL writer: `<output>/<portal>/<run-id>.jsonl`, one record a line, each written whole.

The dump is the crawl's durable log (`govcrawl.stores.log`): each line is appended whole
or not at all, the dump is fsynced when the run closes, and only then do the hashes of its
lines enter the seen-store; a run that dies before has its dump reconciled by the next run
(`govcrawl.runs.output.OutputGuard`). A write the disk refuses (ENOSPC, a quota, EIO)
stops the run with finish reason `disk_full`: the line is cut back off, nothing of it is
counted or remembered. The file is created with the first record: a run that finds
nothing new leaves no empty dump (its manifest still says so).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.utils.defer import deferred_from_coro

from govcrawl.record import to_json_line
from govcrawl.stores.lock import new_run_id
from govcrawl.stores.log import Dump
from govcrawl.stores.seen import SeenStore, seen_store_for
from pipelines import as_record

__all__ = ["JsonLinesPipeline", "new_run_id"]

logger = logging.getLogger(__name__)


class JsonLinesPipeline:
    """Appends each record to this run's dump and counts it under `govcrawl/written`."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.output_dir = Path(crawler.settings.get("GOVCRAWL_OUTPUT_DIR", "output"))
        # The output lock is held (OutputGuard, an extension, is built before pipelines).
        self.run_id = crawler.settings.get("GOVCRAWL_RUN_ID") or new_run_id(self.output_dir)
        self.dump: Dump | None = None
        self.failed = False

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
        if self.failed:
            raise DropItem("not written: the disk refused an earlier write")
        if self.dump is None:
            self.dump = Dump(self.path)
        record = as_record(item)
        try:
            self.dump.append(to_json_line(record), record["url_hash"])
        except OSError as error:
            self._stop(error)
            raise DropItem(f"not written: {error}") from None
        self.stats.inc_value("govcrawl/written")
        return item

    def _stop(self, error: OSError) -> None:
        """The disk refused a write: count it, say so, close the run as `disk_full`."""
        self.failed = True
        self.stats.inc_value("govcrawl/errors/disk_full")
        logger.error("Cannot write %s (%s): stopping the run", self.path, error)
        engine = self.crawler.engine
        if engine is not None:
            self._closing = deferred_from_coro(engine.close_spider_async(reason="disk_full"))

    def close_spider(self) -> None:
        if self.dump is None:
            return
        dump, self.dump = self.dump, None
        try:
            hashes = dump.close()
        except OSError as error:
            logger.error(
                "Cannot make %s durable (%s): the next run reconciles it", dump.path, error
            )
            return
        try:
            store: SeenStore | None = seen_store_for(self.crawler)
        except NotConfigured:
            store = None
        if store is None:
            return
        try:
            for url_hash in hashes:
                store.add(url_hash)
        except Exception as error:  # sqlite3 "database or disk is full", a lost Redis …
            self.stats.inc_value("govcrawl/errors/seen_store")
            logger.error("Cannot remember %s (%s): the next run reconciles it", dump.path, error)
            return
        # The manifest says so; a dump whose manifest does not is reconciled next run.
        self.stats.set_value("govcrawl/remembered", len(hashes))
