"""JSONL writer: `<output>/<portal>/<run-id>.jsonl`, one record a line, each written whole.

The dump is the crawl's durable log (`govcrawl.stores.log`): each line is appended whole
or not at all, then its hash is stored; when the portal's run closes the dump is fsynced
and the count of remembered lines goes into its manifest (`govcrawl.runs.output`, heard
before the manifest writer); a run that dies first has its dump reconciled by the next
run. A write the disk refuses (ENOSPC, a quota, EIO) stops the crawl with finish reason
`disk_full`: the line is cut back off, nothing of it is counted or remembered. A portal's
file is created with its first record (a run that finds nothing new leaves no empty dump;
its manifest still says so) and closed when the portal's run closes, so a crawl of
thousands of portals holds open only the files of the portals in flight.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import deferred_from_coro

from govcrawl.record import to_json_line
from govcrawl.runs.portalrun import PortalRun, new_run_id, portal_runs
from govcrawl.runs.revisit import latest_entries
from govcrawl.stores.log import Dump, open_dumps
from govcrawl.stores.seen import SeenStore, seen_store_for
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
        self.refused: OSError | None = None  # the disk refused a write: nothing more is
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

    def process_item(self, item: Any) -> Any:
        record = as_record(item)
        if self.refused is not None:
            raise drop(self.stats, "disk_full", f"{record.get('url')}: {self.refused}")
        portal = record.get("portal") or "unknown"
        dump = self.dumps.get(portal)
        if dump is None:
            dump = self.dumps[portal] = Dump(self.path(portal), durable_lines=self.durable_lines)
            run = self.runs.get(portal)
            if run is not None:
                run.output_file = str(dump.path)
        try:
            dump.append(to_json_line(record), record["url_hash"])
        except OSError as error:
            self._stop(dump.path, error)
            raise drop(self.stats, "disk_full", f"{record.get('url')}: {error}") from None
        self.stats.inc_value("govcrawl/written")
        run = self.runs.get(portal)
        if run is not None:
            run.record_written(record)  # `written`, field coverage, newest date
        self._remember(portal, run, dump, record)
        return item

    def _remember(
        self, portal: str, run: PortalRun | None, dump: Dump, record: dict[str, Any]
    ) -> None:
        """The line is on disk: its hash goes to the seen-store, and while the record is
        young its version and validator too (`govcrawl.runs.revisit`). A store that fails
        is counted, and the dump is reconciled next run (its manifest says so)."""
        key = record["url_hash"]
        validator = run.validators.pop(key, None) if run is not None else None
        if (record.get("version") or 1) > 1:
            self.runs.inc(portal, "new_versions")
        if self.store is None:
            return
        entries = latest_entries(
            [record], self.revisit_days, {key: validator} if validator else None
        )
        try:
            self.store.add(portal, [key])
            self.store.keep_latest(portal, entries)
        except Exception as error:  # sqlite3 "database or disk is full", a lost Redis …
            dump.unremembered += 1
            self.runs.inc(portal, "errors/seen_store")
            logger.error("Cannot remember a line of %s (%s): reconciled next run", dump.path, error)
        else:
            dump.remembered += 1

    def _stop(self, path: Path, error: OSError) -> None:
        """The disk refused a write: count it, say so, close the crawl as `disk_full`."""
        self.refused = error
        self.stats.inc_value("govcrawl/errors/disk_full")
        logger.error("Cannot write %s (%s): stopping the crawl", path, error)
        engine = self.crawler.engine
        if engine is not None:
            self._closing = deferred_from_coro(engine.close_spider_async(reason="disk_full"))

    def close_spider(self) -> None:
        """Dumps still open are made durable now; their hashes are remembered when their
        portal's run closes (`OutputGuard`), which may come after this."""
        for dump in self.dumps.values():
            try:
                dump.close()
            except OSError as error:
                logger.error("Cannot make %s durable (%s)", dump.path, error)
