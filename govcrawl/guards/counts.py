"""Counting a guard's decision for the crawl and for the portal it concerns.

A crawl holds many portals; each has its own counters (its `PortalRun`, written into its
manifest) besides the crawl's stats. A guard counts by the request's portal, so a refusal
shows in the manifest of the portal whose page caused it.
"""

from __future__ import annotations

from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler

from govcrawl.runs.portalrun import portal_runs

# Request meta naming the portal a request serves: the spider's (PortalSpider), or `portal`
# for requests made elsewhere (tests, other spiders).
PORTAL_META_KEYS = ("govcrawl_portal", "portal")


def portal_of(request: Request | None, spider: Any) -> str:
    """The portal a request counts against: its portal meta, else the spider's name."""
    meta = request.meta if request is not None else {}
    for key in PORTAL_META_KEYS:
        if meta.get(key):
            return str(meta[key])
    return str(getattr(spider, "name", "") or "")


def count(crawler: Crawler, request: Request | None, key: str, n: int = 1) -> None:
    """`govcrawl/<key>` for the crawl, and `<key>` for the request's portal run if open."""
    portal_runs(crawler).inc(portal_of(request, crawler.spider), key, n)
