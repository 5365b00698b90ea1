"""A bound on one record: its text.

A 50 MB body once became a 52 MB JSONL line. Government articles run to a few tens of
thousands of characters (a five-year plan: ~100,000); a record above the bound is no
article but a dump (a log, a data table, a page of junk), so it is dropped by reason rather
than truncated: a silently shortened document would be worse than none.
"""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler

from pipelines import as_record, drop

MAX_TEXT_CHARS = 1_000_000


class TextBoundPipeline:
    """Drops a record whose `text` exceeds `GOVCRAWL_MAX_TEXT_CHARS` (0: no bound),
    counted as `govcrawl/dropped/text_too_long`. Runs after cleaning, before validation."""

    def __init__(self, crawler: Crawler, limit: int) -> None:
        self.stats = crawler.stats
        self.limit = limit

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> TextBoundPipeline:
        return cls(crawler, crawler.settings.getint("GOVCRAWL_MAX_TEXT_CHARS", MAX_TEXT_CHARS))

    def process_item(self, item: Any) -> Any:
        record = as_record(item)
        size = len(record.get("text") or "")
        if self.limit and size > self.limit:
            detail = f"{record.get('url')}: {size} characters > {self.limit}"
            raise drop(self.stats, "text_too_long", detail)
        return item
