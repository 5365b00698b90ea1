"""Downloader middlewares of govcrawl."""

from __future__ import annotations

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest

from govcrawl.record import url_hash
from govcrawl.spiders.base import ARTICLE_META
from govcrawl.stores.seen import seen_store_for


class SkipStoredArticlesMiddleware:
    """Drops the request of an article whose record an earlier run already wrote.

    Only requests flagged as articles are checked: listing pages change and are always
    refetched. Disabled (NotConfigured) when no seen-store is configured.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        self.store = seen_store_for(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SkipStoredArticlesMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        if request.meta.get(ARTICLE_META) and url_hash(request.url) in self.store:
            self.stats.inc_value("govcrawl/requests_skipped/stored_before")
            raise IgnoreRequest(f"already stored: {request.url}")
