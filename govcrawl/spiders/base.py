"""`PortalSpider`: crawl a portal's columns, listing → pagination → article.

The spider knows no platform: each column names one (or `auto`, detected from its first
page), and the platform's hooks say how its listings are read, when a column ends and which
page object reads an article. The portal itself is a registry row (`govcrawl.registry`);
`govcrawl.registry.spiderloader` makes one spider per row. Crawl arguments are validated
here once: `max_pages` (listing pages per column), `since` (skip older articles).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import date
from typing import Any, ClassVar

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from govcrawl.extraction.dates import parse_date
from govcrawl.extraction.listing import ListingContext
from govcrawl.extraction.meta import gov_meta
from govcrawl.guards.traps import listing_trap_reason, url_trap_reason
from govcrawl.items import ArticleItem
from govcrawl.platforms import AUTO, platform_for
from govcrawl.platforms.base import NoListing
from govcrawl.platforms.detect import detect_platform
from govcrawl.registry.divisions import region_from_site_code
from govcrawl.registry.portals import Portal
from govcrawl.registry.region import Region

ARTICLE_META = "govcrawl_article"  # request meta: this request fetches an article
LISTING_META = "govcrawl_listing"  # request meta: the ListingContext of a listing request
# Request meta of a listing page: the article links of the page before it (trap detection).
PREVIOUS_LINKS_META = "govcrawl_previous_links"


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
    """Crawls the columns of one portal row."""

    portal: ClassVar[Portal]

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
        # Known from the row, else read from the first page's SiteIDCode (auto mode).
        self.region: Region | None = self.portal.region
        self._region_read = False
        self.allowed_domains = list(self.portal.domains)
        self.arguments: dict[str, Any] = {
            "max_pages": self.max_pages,
            "since": self.since.isoformat() if self.since else None,
        }

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for column in self.portal.columns:
            context = ListingContext(
                site_hosts=self.portal.domains, column=column.label, platform=column.platform
            )
            # dont_filter: a JOBDIR left by a killed run has the start URLs in its
            # requests.seen but no queue (Scrapy saves it only at a clean close).
            yield scrapy.Request(
                column.url,
                callback=self.parse_listing,
                errback=self.on_request_error,
                meta={LISTING_META: context},
                dont_filter=True,
            )

    def on_request_error(self, failure: Failure) -> None:
        """A page that could not be fetched: one log line and a count by error type.
        A request a guard or the seen-store refused (IgnoreRequest) was counted by reason
        where it was refused: debug line only."""
        request = failure.request  # type: ignore[attr-defined]
        if failure.check(IgnoreRequest) and not failure.check(HttpError):
            self.logger.debug("Not fetched %s: %s", request.url, failure.getErrorMessage())
            return
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

    def _first_page(self, response: TextResponse, context: ListingContext) -> ListingContext:
        """What a column's first page tells a row that leaves things open: the platform of an
        `auto` column, the column's label (meta ColumnName) when the row gives none, and the
        region (the page's SiteIDCode) when the row names none."""
        detection = detect_platform(response.url, response.body)
        if context.platform == AUTO:
            self.logger.info(
                "%s: platform %s (%s)",
                response.url,
                detection.platform,
                "; ".join(detection.evidence),
            )
            self.crawler.stats.set_value("govcrawl/auto/platform", detection.platform)
            self.arguments["detected_platform"] = detection.platform
            context = replace(context, platform=detection.platform)
        if not context.column and response.selector.type == "html":
            context = replace(context, column=gov_meta(response.selector).get("columnname"))
        if self.region is None and not self._region_read:
            self._region_read = True
            self.region = region_from_site_code(detection.site_id_code)
            if self.region is None:
                self.crawler.stats.inc_value("govcrawl/auto/region_unknown")
                self.logger.warning("No region for %s: records get region null", response.url)
            else:
                self.arguments["region"] = self.region.code
        return context

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        """Article requests for the main list, then the next listing page."""
        stats = self.crawler.stats
        if not isinstance(response, TextResponse):
            stats.inc_value("govcrawl/not_html/listing")
            self.logger.warning("Listing page is not HTML: %s", response.url)
            return
        context: ListingContext = response.meta[LISTING_META]
        if context.page_number == 1 and (
            context.platform == AUTO or not context.column or self.region is None
        ):
            context = self._first_page(response, context)
        platform = platform_for(context.platform)
        try:
            entry = platform.listing_entry(response)
        except NoListing as no_listing:
            stats.inc_value(f"govcrawl/no_listing/{no_listing.reason}")
            self.logger.error("%s", no_listing)
            return
        if entry is not None:
            yield scrapy.Request(
                entry,
                callback=self.parse_listing,
                errback=self.on_request_error,
                meta={LISTING_META: context},
            )
            return
        page = platform.listing(response, context)
        stats.inc_value("govcrawl/listing_pages")
        stop = platform.stop_reason(page, context)
        if stop:
            stats.inc_value(f"govcrawl/pagination_stopped/{stop}")
            self.logger.debug("Column ends (%s) at %s", stop, response.url)
            return
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
            try:
                request = scrapy.Request(
                    link.url,
                    callback=self.parse_article,
                    errback=self.on_request_error,
                    meta={
                        ARTICLE_META: True,
                        "platform": context.platform,
                        "channel": context.column,
                        "listing_date": link.date,
                    },
                )
            except ValueError as error:  # one bad link costs only itself
                stats.inc_value("govcrawl/errors/bad_link")
                self.logger.warning("Bad link on %s: %r (%s)", response.url, link.url, error)
                continue
            yield request
        next_url = page.next_page()
        if not next_url:
            return
        shown = [link.url for link in links]
        trap = listing_trap_reason(response.meta.get(PREVIOUS_LINKS_META), shown, response.url)
        trap = trap or url_trap_reason(response.urljoin(next_url))
        if trap:
            stats.inc_value(f"govcrawl/pagination_stopped/{trap}")
            self.logger.warning("Column stopped (%s trap) at %s", trap, response.url)
        elif self.max_pages and context.page_number >= self.max_pages:
            stats.inc_value("govcrawl/pagination_stopped/max_pages")
        elif links and old == len(links):
            stats.inc_value("govcrawl/pagination_stopped/since")
        else:
            yield response.follow(
                next_url,
                callback=self.parse_listing,
                errback=self.on_request_error,
                meta={
                    LISTING_META: context.following(platform.carry(page)),
                    PREVIOUS_LINKS_META: frozenset(shown),
                },
            )

    def parse_article(self, response: Response) -> Iterator[ArticleItem]:
        """The article's fields, with the portal's facts filled in."""
        if not isinstance(response, TextResponse):
            self.crawler.stats.inc_value("govcrawl/not_html/article")
            self.logger.warning("Article link is not an HTML page: %s", response.url)
            return
        page = platform_for(response.meta["platform"]).article_page.from_response(response)
        reason = page.not_article_reason()
        if reason:
            self.crawler.stats.inc_value(f"govcrawl/not_article/{reason}")
            self.logger.warning("Not an article (%s): %s", reason, response.url)
            return
        fields = page.fields()
        if response.meta.get("listing_date"):
            fields["date_candidates"].append(("listing", response.meta["listing_date"]))
        fields["channel"] = fields["channel"] or response.meta.get("channel")
        region = self.region.as_record() if self.region else None
        yield ArticleItem(portal=self.name, region=region, **fields)
