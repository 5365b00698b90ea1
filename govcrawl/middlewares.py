"""Spider middleware of govcrawl: which requests and items each portal has in flight."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import Any

from scrapy.crawler import Crawler
from scrapy.http import Response


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
