"""Dedupe by URL hash: within a run (in memory) and across runs (the persistent seen-store).

The spider already skips articles whose listing link is stored; this pipeline catches the
rest (an article reached under another URL, the same article twice in one run). Hashes
enter the seen-store from the dump once it is durable (`govcrawl.runs.output.OutputGuard`
when the portal's run closes, or the next run's reconciliation of a dump whose run died),
never before: an article that failed to be written is fetched again next run, and one
written is never written twice, whatever the moment of a crash (`govcrawl.stores.log`).
The in-run memory is per portal and freed when the portal's run closes.
"""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from govcrawl.runs.portalrun import PORTAL_CLOSED, PortalRun
from govcrawl.stores.seen import SeenStore, seen_store_for
from pipelines import drop


class DedupePipeline:
    """Drops a record whose canonical URL was already written in this run or an earlier one."""

    def __init__(self, crawler: Crawler, store: SeenStore | None) -> None:
        self.stats = crawler.stats
        self.store = store
        self.in_run: dict[str, set[str]] = {}
        crawler.signals.connect(self.portal_closed, signal=PORTAL_CLOSED)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupePipeline:
        try:
            store = seen_store_for(crawler)
        except NotConfigured:
            store = None
        return cls(crawler, store)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        key, portal = adapter["url_hash"], adapter.get("portal") or ""
        seen = self.in_run.setdefault(portal, set())
        if key in seen:
            raise drop(self.stats, "duplicate_in_run", adapter["url"], "INFO")
        if self.store is not None and self.store.stored(portal, [key])[0]:
            raise drop(self.stats, "stored_before", adapter["url"], "INFO")
        seen.add(key)
        return item

    def portal_closed(self, portal_run: PortalRun) -> None:
        self.in_run.pop(portal_run.portal, None)
