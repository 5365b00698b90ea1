"""Dedupe by URL hash: within a run (in memory) and across runs (the persistent seen-store).

A hash enters the seen-store only when its record has passed every pipeline (the
`item_scraped` signal), so an article that failed to be written is fetched again next run.
"""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from govcrawl.stores.seen import SeenStore, seen_store_for
from pipelines import drop


class DedupePipeline:
    """Drops a record whose canonical URL was already written in this run or an earlier one."""

    def __init__(self, crawler: Crawler, store: SeenStore | None) -> None:
        self.stats = crawler.stats
        self.store = store
        self.in_run: set[str] = set()
        if store is not None:
            crawler.signals.connect(self.remember, signal=signals.item_scraped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupePipeline:
        try:
            store = seen_store_for(crawler)
        except NotConfigured:
            store = None
        return cls(crawler, store)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        key = adapter["url_hash"]
        if key in self.in_run:
            raise drop(self.stats, "duplicate_in_run", adapter["url"], "INFO")
        if self.store is not None and key in self.store:
            raise drop(self.stats, "stored_before", adapter["url"], "INFO")
        self.in_run.add(key)
        return item

    def remember(self, item: Any) -> None:
        self.store.add(ItemAdapter(item)["url_hash"])  # type: ignore[union-attr]
