"""Dedupe by URL hash: within a run (in memory) and across runs (the persistent seen-store).

Hashes enter the seen-store from the dump once it is durable (`JsonLinesPipeline` at
close, or the next run's reconciliation of a dump whose run died), never before: an
article that failed to be written is fetched again next run, and one written is never
written twice, whatever the moment of a crash (`govcrawl.stores.log`).
"""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter
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
