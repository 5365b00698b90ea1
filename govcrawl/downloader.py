"""Download handler of govcrawl: keep-alive connections that do not outlive their site's turn.

A crawl of thousands of portals visits each site once, for a while, then never again. Scrapy's
HTTP/1.1 handler keeps an idle keep-alive connection for Twisted's default 240 s, so the
sockets of sites already done pile up: at ~2 portals finished a second that is hundreds of
descriptors held for nothing (`ulimit -n 1024` is common). Within a portal's turn requests
follow each other within the politeness delay, so a short idle time still reuses them.
"""

from __future__ import annotations

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.crawler import Crawler


class ShortIdleHTTPDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 handler; idle connections close after
    `GOVCRAWL_IDLE_CONNECTION_SECONDS` (Scrapy has no setting for the pool's idle time)."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._pool.cachedConnectionTimeout = crawler.settings.getint(
            "GOVCRAWL_IDLE_CONNECTION_SECONDS", 15
        )
