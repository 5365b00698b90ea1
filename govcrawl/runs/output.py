"""The output directory of a crawl: held by one crawl at a time, reconciled before use, and
each portal's dump made durable before its hashes are remembered.

`OutputGuard` (an extension, so that `scrapy crawl` and `govcrawl crawl` alike get it):

- takes `<output>/.lock` when the crawler is built; a second crawl into the same directory
  closes at once with finish reason `output_locked` and an error naming the holder (the
  CLI refuses even earlier, with one `error:` line);
- brings the seen-store level with the dumps of runs that never closed
  (`govcrawl.stores.log.reconcile`), before any request is made;
- when a portal's run closes (`PORTAL_CLOSED`, heard before the health check and the
  manifest writer): fsyncs its dump, commits its last lines and counts the lines whose
  hash was stored as `remembered` — what reconciliation reads in the manifest.

Reconciliation goes through the crawl's own seen-store (the spider's, already open: its
cache of portals stays true). Crawlers of one process share the lock.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from weakref import WeakKeyDictionary

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.utils.defer import deferred_from_coro

from govcrawl.runs.portalrun import PORTAL_CLOSED, PortalRun
from govcrawl.runs.revisit import latest_entries
from govcrawl.stores.lock import OutputLock, OutputLocked
from govcrawl.stores.log import Dump, fsync_path, interrupted_walks, open_dumps, reconcile
from govcrawl.stores.seen import seen_store_for

logger = logging.getLogger(__name__)

# Directory → (lock, number of crawlers of this process holding it).
_HELD: dict[Path, tuple[OutputLock, int]] = {}
# Crawler → the portals whose last run did not finish (read at start).
_INTERRUPTED: WeakKeyDictionary[Crawler, frozenset[str]] = WeakKeyDictionary()


def interrupted_portals(crawler: Crawler) -> frozenset[str]:
    """The portals whose last run did not finish (killed, disk full, shut down …): its walk
    of their columns stopped anywhere, so this run must not end a column early because a
    page holds nothing new."""
    return _INTERRUPTED.get(crawler, frozenset())


def hold_output(directory: Path) -> None:
    """Takes the directory's lock for this process (shared by its crawlers); raises
    `OutputLocked` when another process holds it."""
    directory = Path(directory).resolve()
    lock, holders = _HELD.get(directory) or (OutputLock(directory).acquire(), 0)
    _HELD[directory] = (lock, holders + 1)


def release_output(directory: Path) -> None:
    directory = Path(directory).resolve()
    if directory in _HELD:
        lock, holders = _HELD.pop(directory)
        if holders > 1:
            _HELD[directory] = (lock, holders - 1)
        else:
            lock.release()


def killed_run_manifest(portal: str, run_id: str, dump: Path, records: list[dict]) -> None:
    """The manifest of a run that never closed, written when its dump is reconciled."""
    run = PortalRun(portal=portal, run_id=run_id)
    run.output_file = str(dump)
    for record in records:
        run.record_written(record)
    run.inc("remembered", len(records))
    run.close("killed")
    manifest = dump.with_name(f"{run_id}.manifest.json")
    manifest.write_text(json.dumps(run.manifest(), ensure_ascii=False, indent=2) + "\n")
    fsync_path(manifest)


class OutputGuard:
    """Extension: lock the output directory, reconcile it, finish each portal's dump."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.output = Path(crawler.settings.get("GOVCRAWL_OUTPUT_DIR", "output"))
        self.backend = crawler.settings.get("GOVCRAWL_SEEN_STORE")
        self.refused: str | None = None
        try:
            hold_output(self.output)
        except OutputLocked as locked:
            self.refused = str(locked)
        else:
            self._reconcile()
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.portal_closed, signal=PORTAL_CLOSED)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> OutputGuard:
        return cls(crawler)

    def _reconcile(self) -> None:
        if not self.backend or not self.output.is_dir():
            return
        crawl_store = seen_store_for(self.crawler)

        days = self.crawler.settings.getint("GOVCRAWL_REVISIT_DAYS")

        def remember(portal: str, records: list[dict]) -> None:
            crawl_store.add(portal, [r["url_hash"] for r in records])
            crawl_store.keep_latest(portal, latest_entries(records, days))

        done = reconcile(self.output, remember, killed_run_manifest)
        _INTERRUPTED[self.crawler] = frozenset(interrupted_walks(self.output))
        for portal, count in done.items():
            logger.warning(
                "%s: a run that never closed left %d records; now remembered", portal, count
            )
            self.crawler.stats.inc_value("govcrawl/reconciled", count)

    def _finish(self, dump: Dump, run: PortalRun | None) -> None:
        """fsync the dump and commit its last lines; count its remembered lines and its
        commits for the manifest (a dump that could not be made durable counts none: the
        next run reconciles what reached the disk)."""
        try:
            dump.close()
        except OSError as error:
            self.crawler.stats.inc_value("govcrawl/errors/dump_not_durable")
            logger.error(
                "Cannot make %s durable (%s): the next run reconciles it", dump.path, error
            )
            return
        if run is None:
            return
        run.inc("commits", dump.commits)
        if self.backend and not dump.unremembered:
            run.inc("remembered", dump.remembered)

    def spider_opened(self, spider: Spider) -> None:
        if self.refused:
            logger.error("%s", self.refused)
            engine = self.crawler.engine
            assert engine is not None
            self._closing = deferred_from_coro(engine.close_spider_async(reason="output_locked"))

    def portal_closed(self, portal_run: PortalRun) -> None:
        dump = open_dumps(self.crawler).pop(portal_run.portal, None)
        if dump is not None:
            self._finish(dump, portal_run)

    def spider_closed(self, spider: Spider) -> None:
        dumps = open_dumps(self.crawler)
        for portal in list(dumps):  # dumps of no portal run ("unknown" records)
            self._finish(dumps.pop(portal), None)
        if not self.refused:
            release_output(self.output)
