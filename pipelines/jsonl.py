"""JSONL writer: `<output>/<portal>/<run-id>.jsonl`, one record a line, each written whole.

The dump is the crawl's durable log (`govcrawl.stores.log`): each line is appended whole
or not at all; lines are committed in groups — one flush to the disk (`fdatasync`), then
their hashes stored in one seen-store batch — every `GOVCRAWL_COMMIT_LINES` lines and at
least every `GOVCRAWL_COMMIT_INTERVAL` seconds, so a hash is never stored before its line
is durable and a flush serves many lines. When the portal's run closes the dump is fsynced,
its last group committed and the count of remembered lines goes into its manifest
(`govcrawl.runs.output`, heard before the manifest writer); a run that dies first has its
dump reconciled by the next run. A write the disk refuses (ENOSPC, a quota, EIO) stops the
crawl with finish reason `disk_full`: the line is cut back off, nothing of it is counted or
remembered. A portal's file is created with its first record (a run that finds nothing new
leaves no empty dump; its manifest still says so) and closed when the portal's run closes,
so a crawl of thousands of portals holds open only the files of the portals in flight.
"""

from __future__ import annotations

import logging
from functools import partial
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import create_looping_call
from scrapy.utils.defer import deferred_from_coro

from govcrawl.record import to_json_line
from govcrawl.runs.portalrun import PortalRun, new_run_id, portal_runs
from govcrawl.runs.revisit import latest_entries
from govcrawl.stores.log import Dump, open_dumps
from govcrawl.stores.seen import Latest, SeenStore, seen_store_for
from pipelines import as_record, drop

__all__ = ["JsonLinesPipeline", "new_run_id"]

logger = logging.getLogger(__name__)


class JsonLinesPipeline:
    """Appends each record to its portal's dump of this run; counts it as `written`."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.runs = portal_runs(crawler)
        self.output_dir = Path(crawler.settings.get("GOVCRAWL_OUTPUT_DIR", "output"))
        self.dumps = open_dumps(crawler)
        self.durable_lines = crawler.settings.getbool("GOVCRAWL_DURABLE_LINES", True)
        self.revisit_days = crawler.settings.getint("GOVCRAWL_REVISIT_DAYS")
        self.commit_lines = max(1, crawler.settings.getint("GOVCRAWL_COMMIT_LINES", 1))
        self.commit_interval = crawler.settings.getfloat("GOVCRAWL_COMMIT_INTERVAL", 1.0)
        self.uncommitted = 0  # lines written since the last commit (of every dump)
        self.commit_loop: Any = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        self.refused: OSError | None = None  # set once the disk refused a write
        try:
            self.store: SeenStore | None = seen_store_for(crawler)
        except NotConfigured:
            self.store = None

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

    def spider_opened(self) -> None:
        """Commit at least every `GOVCRAWL_COMMIT_INTERVAL` seconds, however slow the crawl
        (started with the crawl's event loop; 0: only every `GOVCRAWL_COMMIT_LINES` lines)."""
        if self.commit_interval > 0:
            self.commit_loop = create_looping_call(self.commit)
            self.commit_loop.start(self.commit_interval, now=False)

    def process_item(self, item: Any) -> Any:
        record = as_record(item)
        if self.refused is not None:
            raise drop(self.stats, "disk_full", f"{record.get('url')}: {self.refused}")
        portal = record.get("portal") or "unknown"
        run = self.runs.get(portal)
        dump = self.dumps.get(portal)
        if dump is None:
            remember = partial(self._remember, portal)
            dump = Dump(self.path(portal), remember, durable_lines=self.durable_lines)
            self.dumps[portal] = dump
            if run is not None:
                run.output_file = str(dump.path)
        try:
            dump.append(to_json_line(record), self._entry(run, record))
        except OSError as error:
            self._stop(dump.path, error)
            raise drop(self.stats, "disk_full", f"{record.get('url')}: {error}") from None
        self.stats.inc_value("govcrawl/written")
        if run is not None:
            run.record_written(record)  # `written`, field coverage, newest date
        if (record.get("version") or 1) > 1:
            self.runs.inc(portal, "new_versions")
        self.uncommitted += 1
        if self.uncommitted >= self.commit_lines:
            self.commit()
        return item

    def _entry(self, run: PortalRun | None, record: dict[str, Any]) -> tuple[str, Latest | None]:
        """What the seen-store keeps of a written line: its hash and, while the record is
        young, its version and validator (`govcrawl.runs.revisit`)."""
        key = record["url_hash"]
        validator = run.validators.pop(key, None) if run is not None else None
        entries = latest_entries(
            [record], self.revisit_days, {key: validator} if validator else None
        )
        return key, entries[0][1] if entries else None

    def commit(self) -> None:
        """Commit the lines of every open dump written since its last commit: one flush
        each, then one seen-store batch (`Dump.commit`)."""
        self.uncommitted = 0
        for dump in list(self.dumps.values()):
            try:
                dump.commit()
            except OSError as error:
                if self.refused is None:
                    self._stop(dump.path, error)

    def _remember(self, portal: str, entries: list[tuple[str, Latest | None]]) -> bool:
        """Store the entries of lines now durable; False (counted, logged) when the store
        fails: the dump is reconciled next run (its manifest says so)."""
        if self.store is None:
            return True  # no memory across runs: nothing to keep
        try:
            self.store.add(portal, [key for key, _ in entries])
            self.store.keep_latest(portal, [(key, latest) for key, latest in entries if latest])
        except Exception as error:  # sqlite3 "database or disk is full", a lost Redis …
            self.runs.inc(portal, "errors/seen_store", len(entries))
            logger.error(
                "Cannot remember %d lines of %s (%s): reconciled next run",
                len(entries),
                self.path(portal),
                error,
            )
            return False
        return True

    def _stop(self, path: Path, error: OSError) -> None:
        """The disk refused a write: count it, say so, close the crawl as `disk_full`."""
        self.refused = error
        self.stats.inc_value("govcrawl/errors/disk_full")
        logger.error("Cannot write %s (%s): stopping the crawl", path, error)
        engine = self.crawler.engine
        if engine is not None:
            self._closing = deferred_from_coro(engine.close_spider_async(reason="disk_full"))

    def close_spider(self) -> None:
        """Dumps still open are made durable and their last lines committed now."""
        if self.commit_loop is not None and self.commit_loop.running:
            self.commit_loop.stop()
        for dump in self.dumps.values():
            try:
                dump.close()
            except OSError as error:
                logger.error("Cannot make %s durable (%s)", dump.path, error)
