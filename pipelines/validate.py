"""Validate: every record is checked against the shipped JSON Schema before it is written."""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler

from govcrawl.record import schema_errors
from pipelines import as_record, drop


class ValidatePipeline:
    """Drops (and counts) a record that breaks the schema, naming the first violations."""

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidatePipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        record = as_record(item)
        errors = schema_errors(record)
        if errors:
            url = record.get("url")
            raise drop(self.stats, "schema_invalid", f"{url}: {'; '.join(errors[:3])}", "ERROR")
        return item
