"""`PortalRun`: one portal's share of a crawl, and the manifest written from it.

A crawl of one portal has one `PortalRun`; a crawl of many portals in one engine has one
per portal, opened when the portal starts and closed when its last request is done. Its
counters are this portal's only (Scrapy's stats are the whole crawl's). When a portal's run
closes, `PORTAL_CLOSED` is sent (`crawler.signals.send_catch_log(PORTAL_CLOSED,
portal_run=run)`): the manifest writer, the run history and the health checks listen to it.

Counter names are the stats names without the `govcrawl/` prefix: `written`,
`dropped/<reason>`, `request_errors/<type>`, `responses/<status>`, `requests`,
`listing_pages`, `not_article/<reason>`, `requests_skipped/<reason>`, `pagination_stopped/…`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from govcrawl.record import utc_now_iso

PORTAL_CLOSED = object()  # signal: a portal's run is over; handlers get `portal_run`
MANIFEST_VERSION = 1


@dataclass
class PortalRun:
    """Counters, times and outcome of one portal in one run."""

    portal: str
    run_id: str
    arguments: dict[str, Any] = field(default_factory=dict)
    replay: bool = False
    started_at: str = field(default_factory=utc_now_iso)
    counters: Counter[str] = field(default_factory=Counter)
    # Field → number of written records where it is present (not null, not empty).
    present: Counter[str] = field(default_factory=Counter)
    newest_published_date: str | None = None
    output_file: str | None = None
    finished_at: str | None = None
    finish_reason: str | None = None
    # Filled by the health checks when the run closes (verdict, reasons).
    health: dict[str, Any] = field(default_factory=dict)

    def inc(self, key: str, count: int = 1) -> None:
        self.counters[key] += count

    def record_written(self, record: dict[str, Any]) -> None:
        """Count a written record: coverage of its fields and the newest date seen."""
        self.counters["written"] += 1
        for name, value in record.items():
            if value not in (None, "", [], {}):
                self.present[name] += 1
        shown = record.get("published_date")
        if shown and (self.newest_published_date is None or shown > self.newest_published_date):
            self.newest_published_date = shown

    def close(self, reason: str) -> None:
        self.finished_at = utc_now_iso()
        self.finish_reason = reason

    @property
    def records_written(self) -> int:
        return self.counters["written"]

    def coverage(self) -> dict[str, float]:
        """Field → share of written records where it is present (0–1)."""
        written = self.records_written
        return (
            {name: round(n / written, 4) for name, n in sorted(self.present.items())}
            if written
            else {}
        )

    def manifest(self) -> dict[str, Any]:
        """The run manifest: what operators and `govcrawl status` read (docs/operations.md)."""
        return {
            "manifest_version": MANIFEST_VERSION,
            "portal": self.portal,
            "run_id": self.run_id,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "finish_reason": self.finish_reason,
            "replay": self.replay,
            "arguments": self.arguments,
            "output_file": self.output_file if self.records_written else None,
            "records_written": self.records_written,
            "newest_published_date": self.newest_published_date,
            "coverage": self.coverage(),
            "counters": dict(sorted(self.counters.items())),
            "health": self.health,
        }
