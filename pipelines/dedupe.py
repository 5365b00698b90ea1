"""Dedupe by URL hash: within a run (in memory) and across runs (the persistent seen-store).

The spider already skips articles whose listing link is stored; this pipeline catches the
rest (an article reached under another URL, the same article twice in one run). A stored
URL inside its re-visit window (`govcrawl.runs.revisit`) passes only when its content
hash changed, as the next version of the record (`version`, `replaces`). Hashes
enter the seen-store from the dump once their lines are durable (the JSONL writer's
commits, or the next run's reconciliation of a dump whose run died), never before: an
article that failed to be written is fetched again next run, and one written is never
written twice, whatever the moment of a crash (`govcrawl.stores.log`).
The in-run memory is per portal and freed when the portal's run closes.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from govcrawl.record import next_version
from govcrawl.runs.portalrun import PORTAL_CLOSED, PortalRun, portal_runs
from govcrawl.stores.seen import Latest, SeenStore, seen_store_for
from pipelines import drop

logger = logging.getLogger(__name__)


class DedupePipeline:
    """Drops a record whose canonical URL was already written in this run, or in an earlier
    one unless its content changed since (then it is the URL's next version)."""

    def __init__(self, crawler: Crawler, store: SeenStore | None) -> None:
        self.stats = crawler.stats
        self.store = store
        self.in_run: dict[str, set[str]] = {}
        self.runs = portal_runs(crawler)
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
            latest = self.store.latest(portal, [key])[0]
            if latest is None:
                raise drop(self.stats, "stored_before", adapter["url"], "INFO")
            versioned = next_version(
                key, adapter["content_hash"], (latest.version, latest.content_hash)
            )
            if versioned is None:
                self._keep_validator(portal, key, latest)
                raise drop(self.stats, "unchanged", adapter["url"], "DEBUG")
            adapter["version"], adapter["replaces"] = versioned  # counted once written
            logger.info("Edited since version %d: %s", latest.version, adapter["url"])
        seen.add(key)
        return item

    def _keep_validator(self, portal: str, key: str, latest: Latest) -> None:
        """Same words under new bytes: the response's validator now stands for the stored
        version, so the next re-visit can be answered 304."""
        run = self.runs.get(portal)
        validator = run.validators.pop(key, None) if run is not None else None
        if validator and validator != latest.validator and self.store is not None:
            self.store.keep_latest(portal, [(key, replace(latest, validator=validator))])

    def portal_closed(self, portal_run: PortalRun) -> None:
        self.in_run.pop(portal_run.portal, None)
