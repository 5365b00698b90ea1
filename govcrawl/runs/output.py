"""The output directory of a run: held by one run at a time, reconciled before use.

`OutputGuard` (an extension, so that `scrapy crawl` and `govcrawl crawl` alike get it)
takes `<output>/.lock` when the crawler is built — a second run into the same directory
closes at once with finish reason `output_locked` and an error naming the holder — and then
brings the seen-store level with the dumps of runs that never closed
(`govcrawl.stores.log.reconcile`), before any request is made. Several crawlers of one
process share the lock.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from pathlib import Path

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.misc import load_object

from govcrawl.runs.portalrun import PortalRun
from govcrawl.stores.lock import OutputLock, OutputLocked
from govcrawl.stores.log import fsync_path, reconcile

logger = logging.getLogger(__name__)

# Directory → (lock, number of crawlers of this process holding it).
_HELD: dict[Path, tuple[OutputLock, int]] = {}


def hold_output(directory: Path) -> None:
    """Takes the directory's lock for this process (shared by its crawlers); raises
    `OutputLocked` when another process holds it."""
    directory = directory.resolve()
    lock, holders = _HELD.get(directory) or (OutputLock(directory).acquire(), 0)
    _HELD[directory] = (lock, holders + 1)


def release_output(directory: Path) -> None:
    directory = directory.resolve()
    if directory in _HELD:
        lock, holders = _HELD.pop(directory)
        if holders > 1:
            _HELD[directory] = (lock, holders - 1)
        else:
            lock.release()


def killed_run_manifest(portal: str, run_id: str, dump: Path, records: list[dict]) -> None:
    """The manifest of a run that never closed, written when its dump is reconciled."""
    run = PortalRun(portal=portal, run_id=run_id, started_at="")
    run.output_file = str(dump)
    for record in records:
        run.record_written(record)
    run.inc("remembered", len(records))
    run.close("killed")
    run.finished_at = None  # unknown: it died
    manifest = dump.with_name(f"{run_id}.manifest.json")
    manifest.write_text(json.dumps(run.manifest(), ensure_ascii=False, indent=2) + "\n")
    fsync_path(manifest)


class OutputGuard:
    """Extension: lock the output directory for the run, reconcile it, release at the end."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.output = Path(crawler.settings.get("GOVCRAWL_OUTPUT_DIR", "output"))
        self.refused: str | None = None
        try:
            hold_output(self.output)
        except OutputLocked as locked:
            self.refused = str(locked)
        else:
            self._reconcile()
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> OutputGuard:
        return cls(crawler)

    def _reconcile(self) -> None:
        if not self.crawler.settings.get("GOVCRAWL_SEEN_STORE") or not self.output.is_dir():
            return
        remember, close = self._remembering()
        try:
            done = reconcile(self.output, remember, killed_run_manifest)
        finally:
            close()
        for portal, count in done.items():
            logger.warning(
                "%s: a run that never closed left %d records; now remembered", portal, count
            )
            self.crawler.stats.inc_value("govcrawl/reconciled", count)

    def _remembering(self) -> tuple[Callable[[str, Iterable[str]], None], Callable[[], None]]:
        """`remember(portal, hashes)` into the crawl's seen-store backend, and its closer.
        A portal-aware backend (Redis: `add(portal, hashes)`) is opened once; the SQLite
        store is one table per portal, opened per portal."""
        settings = self.crawler.settings
        store_class = load_object(settings.get("GOVCRAWL_SEEN_STORE"))
        if hasattr(store_class, "stored"):
            shared = store_class.from_crawler(self.crawler)
            return (lambda portal, hashes: shared.add(portal, list(hashes))), shared.close
        path = settings.get("GOVCRAWL_SEEN_STORE_PATH") or self.output / "seen.sqlite3"

        def remember(portal: str, hashes: Iterable[str]) -> None:
            store = store_class(path, portal)
            try:
                for url_hash in hashes:
                    store.add(url_hash)
            finally:
                store.close()

        return remember, lambda: None

    def spider_opened(self, spider: Spider) -> None:
        if self.refused:
            logger.error("%s", self.refused)
            engine = self.crawler.engine
            assert engine is not None
            self._closing = deferred_from_coro(engine.close_spider_async(reason="output_locked"))

    def spider_closed(self, spider: Spider) -> None:
        if not self.refused:
            release_output(self.output)
