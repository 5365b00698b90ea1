"""Middlewares of govcrawl: what each portal has in flight, and off-site per portal."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import Any

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached


class PortalAccountingMiddleware:
    """Tells a `PortalSpider` what each portal has pending, as the engine sees it.

    It sits closest to the engine (lowest order), so it sees exactly the requests and items
    that reach the engine after every other spider middleware has filtered the output
    (depth, URL length…): those are counted pending. A response's own request is answered
    once its callback's output is exhausted — its new requests are then counted already,
    so a portal never looks finished while its next page is still queued.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PortalAccountingMiddleware:
        return cls(crawler)

    def _spider(self) -> Any:
        spider = self.crawler.spider
        return spider if hasattr(spider, "track") else None

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        spider = self._spider()
        async for output in start:
            if spider is not None:
                spider.track(output, {})
            yield output

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterable[Any]:
        spider = self._spider()
        if spider is None:
            yield from result
            return
        try:
            for output in result:
                spider.track(output, response.meta)
                yield output
        finally:
            spider.answered(response.request)

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        spider = self._spider()
        try:
            async for output in result:
                if spider is not None:
                    spider.track(output, response.meta)
                yield output
        finally:
            if spider is not None:
                spider.answered(response.request)


class PortalOffsiteMiddleware(OffsiteMiddleware):
    """Scrapy's off-site filter, decided per portal: a request may go to the hosts of the
    portal it serves (and their subdomains).

    Why not Scrapy's own: it matches every host against one regular expression of the
    union of `allowed_domains`, ~150 µs per check with 2,900 hosts (measured), twice per
    request. And it drops off-site requests at scheduling time without any callback
    (a redirect to another site, say), which the spider must hear to close the portal.
    Requests that serve no portal (none in a govcrawl crawl) get Scrapy's rule.
    """

    def should_follow(self, request: Request, spider: Spider) -> bool:
        hosts_of = getattr(spider, "hosts_of", None)
        hosts = hosts_of(request) if hosts_of else None
        if hosts is None:
            return super().should_follow(request, spider)
        host = urlparse_cached(request).hostname or ""
        return any(host == allowed or host.endswith("." + allowed) for allowed in hosts)

    def request_scheduled(self, request: Request, spider: Spider) -> None:
        try:
            super().request_scheduled(request, spider)
        except IgnoreRequest:
            dropped = getattr(spider, "dropped", None)
            if dropped is not None:
                dropped(request, "offsite")
            raise
