"""`PortalSpider`: crawl a portal's columns, listing → pagination → article.

A portal module only declares facts (name, region, domains, channels); its platform base
names the page objects that know the platform's templates. Crawl arguments are validated
here once: `max_pages` (listing pages per channel), `since` (skip older articles).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from datetime import date
from typing import Any, ClassVar

import scrapy
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from govcrawl.dates import parse_date
from govcrawl.items import ArticleItem
from govcrawl.pages.article import ArticlePage
from govcrawl.pages.listing import ListingPage
from govcrawl.region import Region

ARTICLE_META = "govcrawl_article"  # request meta flag: this request fetches an article


def parse_since(value: str | date | None) -> date | None:
    """`since` argument → date; a clear ValueError for anything but YYYY-MM-DD."""
    if value is None or isinstance(value, date):
        return value
    parsed = parse_date(str(value))
    if parsed is None:
        raise ValueError(f"since must be a date like 2020-04-01, got {value!r}")
    return parsed.date


def parse_max_pages(value: str | int | None) -> int | None:
    """`max_pages` argument → positive int (None: follow every page)."""
    if value is None:
        return None
    try:
        pages = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"max_pages must be a positive integer, got {value!r}") from None
    if pages < 1:
        raise ValueError(f"max_pages must be a positive integer, got {value!r}")
    return pages


class PortalSpider(scrapy.Spider):
    """Base of every portal spider; subclasses are declarations."""

    # Declared by the portal module:
    chinese_name: ClassVar[str] = ""
    region: ClassVar[Region]
    allowed_domains: ClassVar[list[str]] = []
    channels: ClassVar[dict[str, str]] = {}  # 栏目 label → first listing page URL
    # Declared by the platform base:
    platform: ClassVar[str] = ""
    article_page: ClassVar[type[ArticlePage]] = ArticlePage
    listing_page: ClassVar[type[ListingPage]] = ListingPage

    def __init__(
        self,
        *args: Any,
        max_pages: str | int | None = None,
        since: str | date | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.max_pages = parse_max_pages(max_pages)
        self.since = parse_since(since)
        self.arguments = {
            "max_pages": self.max_pages,
            "since": self.since.isoformat() if self.since else None,
        }

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for channel, url in self.channels.items():
            yield scrapy.Request(
                url,
                callback=self.parse_listing,
                errback=self.on_request_error,
                meta={"channel": channel, "page_number": 1},
            )

    def on_request_error(self, failure: Failure) -> None:
        """A page that could not be fetched: one log line and a count by error type."""
        request = failure.request  # type: ignore[attr-defined]
        kind = failure.type.__name__ if failure.type else "Error"
        self.crawler.stats.inc_value(f"govcrawl/request_errors/{kind}")
        level = logging.WARNING if failure.check(HttpError) else logging.ERROR
        self.logger.log(level, "Could not fetch %s: %s", request.url, failure.getErrorMessage())

    def _older_than_since(self, shown: str | None) -> bool:
        """True when the listing's date for a link is before `since` (unknown: fetch it)."""
        if self.since is None or not shown:
            return False
        parsed = parse_date(shown)
        return parsed is not None and parsed.date < self.since

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        """Article requests for the main list, then the next listing page."""
        stats = self.crawler.stats
        if not isinstance(response, TextResponse):
            stats.inc_value("govcrawl/not_html/listing")
            self.logger.warning("Listing page is not HTML: %s", response.url)
            return
        page = self.listing_page.from_response(response, tuple(self.allowed_domains))
        channel, page_number = response.meta["channel"], response.meta["page_number"]
        stats.inc_value("govcrawl/listing_pages")
        links = page.article_links
        if not links:
            stats.inc_value("govcrawl/listing_pages_without_links")
            self.logger.warning("No article links on listing page %s", response.url)
        old = 0
        for link in links:
            if link.offsite:
                kind = "wechat" if link.wechat else "offsite"
                stats.inc_value(f"govcrawl/links_not_followed/{kind}")
                continue
            if self._older_than_since(link.date):
                old += 1
                stats.inc_value("govcrawl/links_not_followed/older_than_since")
                continue
            yield scrapy.Request(
                link.url,
                callback=self.parse_article,
                errback=self.on_request_error,
                meta={ARTICLE_META: True, "channel": channel, "listing_date": link.date},
            )
        next_url = page.next_page()
        if not next_url:
            return
        if self.max_pages and page_number >= self.max_pages:
            stats.inc_value("govcrawl/pagination_stopped/max_pages")
        elif links and old == len(links):
            stats.inc_value("govcrawl/pagination_stopped/since")
        else:
            yield response.follow(
                next_url,
                callback=self.parse_listing,
                errback=self.on_request_error,
                meta={"channel": channel, "page_number": page_number + 1},
            )

    def parse_article(self, response: Response) -> Iterator[ArticleItem]:
        """The article's fields, with the portal's declarations filled in."""
        if not isinstance(response, TextResponse):
            self.crawler.stats.inc_value("govcrawl/not_html/article")
            self.logger.warning("Article link is not an HTML page: %s", response.url)
            return
        page = self.article_page.from_response(response)
        reason = page.not_article_reason()
        if reason:
            self.crawler.stats.inc_value(f"govcrawl/not_article/{reason}")
            self.logger.warning("Not an article (%s): %s", reason, response.url)
            return
        fields = page.fields()
        if response.meta.get("listing_date"):
            fields["date_candidates"].append(("listing", response.meta["listing_date"]))
        fields["channel"] = fields["channel"] or response.meta.get("channel")
        fields["site_name"] = fields["site_name"] or self.chinese_name or None
        yield ArticleItem(portal=self.name, region=self.region.as_record(), **fields)
