"""A page that breaks its callback fails alone.

A malformed attribute, a charset Python has no codec for, a page too deep to parse: any
exception a callback raises (also midway through its output) used to be Scrapy's "Spider
error processing", a traceback and an uncounted loss. This spider middleware turns it into
one counted reason and one log line naming the page's URL; what the callback yielded
before the exception (article requests, the next listing page) goes on.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError

from govcrawl.guards.counts import count

logger = logging.getLogger(__name__)


def error_reason(exception: BaseException) -> str:
    """A counter name for an exception: its `reason` (`UnparsablePage`, `Rejected`), else
    its type in snake case (`ValueError` → `value_error`)."""
    reason = getattr(exception, "reason", None)
    if isinstance(reason, str) and reason:
        return reason
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(exception).__name__).lower()


class PageIsolationMiddleware:
    """Counts a callback's exception as `errors/<reason>` for the page's portal, logs it with
    the URL, and lets the crawl go on. HTTP errors are left to `HttpErrorMiddleware`.

    A refusal with a reason (`UnparsablePage`: too deep) is a page counted, like a WAF
    page; any other exception is a bug met by one page, so it is also a page lost
    (`pages_lost`, `spider_errors/<type>`), which makes `govcrawl crawl` fail as before."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PageIsolationMiddleware:
        return cls(crawler)

    def process_spider_exception(
        self, response: Response, exception: Exception
    ) -> Iterable[Any] | None:
        if isinstance(exception, HttpError):
            return None
        reason = error_reason(exception)
        count(self.crawler, response.request, f"errors/{reason}")
        if not isinstance(getattr(exception, "reason", None), str):
            count(self.crawler, response.request, "pages_lost")
            count(self.crawler, response.request, f"spider_errors/{type(exception).__name__}")
        logger.warning("Page failed (%s): %s: %s", reason, response.url, exception)
        logger.debug("Traceback of the failure at %s", response.url, exc_info=exception)
        return ()
