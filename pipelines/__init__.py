"""Item pipelines, in order: clean → validate → dedupe → JSONL. Same for every portal."""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector


class Rejected(ValueError):
    """An article that cannot become a record, with a short machine-readable reason."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def drop(stats: StatsCollector, reason: str, detail: str, log_level: str = "WARNING") -> DropItem:
    """Count a drop under `govcrawl/dropped/<reason>` and return the DropItem to raise."""
    stats.inc_value(f"govcrawl/dropped/{reason}")
    stats.inc_value("govcrawl/dropped")
    error = DropItem(f"{reason}: {detail}" if detail else reason, log_level=log_level)
    error.reason = reason  # type: ignore[attr-defined]  # per-portal counts (item_dropped)
    return error


def as_record(item: Any) -> dict[str, Any]:
    """The item as a plain dict: records leave the clean pipeline as dicts already, and
    `ItemAdapter.asdict()` would deep-copy every record once per pipeline."""
    return item if isinstance(item, dict) else ItemAdapter(item).asdict()
