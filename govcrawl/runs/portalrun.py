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

import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from govcrawl.record import utc_now_iso
from govcrawl.stores.lock import new_run_id

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

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
    # URL hash → the validator (ETag or Last-Modified) of its article response, from the
    # spider to the JSONL writer, which keeps it with the record for the next re-visit.
    validators: dict[str, str] = field(default_factory=dict)

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


class PortalRuns:
    """The open `PortalRun`s of one crawl, by portal name.

    Every count goes to the portal's run and to the crawl-wide `crawler.stats` under the
    same name with the `govcrawl/` prefix, so the crawl's stats keep their totals without a
    key per portal. A run is closed (and `PORTAL_CLOSED` sent) by whoever knows the portal
    is done: the spider, when none of its requests and items is pending.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        # `govcrawl crawl` sets the id under the output lock; `scrapy crawl` picks it here.
        self.run_id: str = crawler.settings.get("GOVCRAWL_RUN_ID") or new_run_id(
            crawler.settings.get("GOVCRAWL_OUTPUT_DIR", "output")
        )
        self.replay = bool(crawler.settings.get("GOVCRAWL_REPLAY_PROXY"))
        self.open: dict[str, PortalRun] = {}
        self.closed = 0

    def start(self, portal: str, arguments: dict[str, Any]) -> PortalRun:
        run = PortalRun(portal, self.run_id, arguments=dict(arguments), replay=self.replay)
        self.open[portal] = run
        logger.debug("Portal %s started", portal)
        return run

    def get(self, portal: str | None) -> PortalRun | None:
        return self.open.get(portal) if portal else None

    def inc(self, portal: str | None, key: str, count: int = 1) -> None:
        """Count `key` for the portal (when its run is open) and for the whole crawl."""
        self.crawler.stats.inc_value(f"govcrawl/{key}", count)
        run = self.open.get(portal) if portal else None
        if run is not None:
            run.counters[key] += count

    def close(self, portal: str, reason: str) -> PortalRun | None:
        """Close the portal's run and tell the listeners of `PORTAL_CLOSED`."""
        run = self.open.pop(portal, None)
        if run is None:
            return None
        run.close(reason)
        self.closed += 1
        logger.debug("Portal %s closed (%s)", portal, reason)
        self.crawler.signals.send_catch_log(PORTAL_CLOSED, portal_run=run)
        return run

    def close_all(self, reason: str) -> None:
        for portal in list(self.open):
            self.close(portal, reason)


_runs: WeakKeyDictionary[Crawler, PortalRuns] = WeakKeyDictionary()


def portal_runs(crawler: Crawler) -> PortalRuns:
    """The crawl's one `PortalRuns`, made on first use."""
    runs = _runs.get(crawler)
    if runs is None:
        runs = _runs[crawler] = PortalRuns(crawler)
    return runs
