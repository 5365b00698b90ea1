"""Test extension: records, per download event, which portals are open and downloading.

Loaded by tests/test_scale.py into a real crawl (`--set EXTENSIONS=…`); writes its record
to `GOVCRAWL_PROBE_FILE` when the spider closes. No timing: events only.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler

from govcrawl.runs.portalrun import PORTAL_CLOSED, PortalRun, portal_runs
from govcrawl.spiders.base import PORTAL_META


class PortalProbe:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.path = Path(crawler.settings["GOVCRAWL_PROBE_FILE"])
        self.downloading: Counter[str] = Counter()
        self.closed: list[str] = []
        self.max_open = self.max_downloading = 0
        self.after_close: list[str] = []
        connect = crawler.signals.connect
        connect(self.reached, signal=signals.request_reached_downloader)
        connect(self.left, signal=signals.request_left_downloader)
        connect(self.portal_closed, signal=PORTAL_CLOSED)
        connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PortalProbe:
        return cls(crawler)

    def reached(self, request: Request) -> None:
        portal = request.meta.get(PORTAL_META)
        if portal is None:
            return
        if portal in self.closed:
            self.after_close.append(request.url)
        self.downloading[portal] += 1
        busy = sum(1 for n in self.downloading.values() if n)
        self.max_downloading = max(self.max_downloading, busy)
        self.max_open = max(self.max_open, len(portal_runs(self.crawler).open))

    def left(self, request: Request) -> None:
        portal = request.meta.get(PORTAL_META)
        if portal is not None:
            self.downloading[portal] -= 1

    def portal_closed(self, portal_run: PortalRun) -> None:
        self.closed.append(portal_run.portal)

    def spider_closed(self) -> None:
        record: dict[str, Any] = {
            "max_open": self.max_open,
            "max_downloading": self.max_downloading,
            "closed": self.closed,
            "after_close": self.after_close,
        }
        self.path.write_text(json.dumps(record))
