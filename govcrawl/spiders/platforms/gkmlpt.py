"""Base spider of Guangdong gkmlpt (政府信息公开目录) sites."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response, TextResponse

from govcrawl.pages.gkmlpt import (
    GkmlptArticlePage,
    GkmlptListingPage,
    api_url,
    parse_config,
)
from govcrawl.spiders.base import PortalSpider

ALL_COLUMNS = "0"  # the API's id for every column of the site


class GkmlptSpider(PortalSpider):
    """A channel is an app shell URL, `/gkmlpt/index#<column>` or `/gkmlpt/policy#<column>`
    (no fragment: every column): shell → SID → JSON list pages → detail pages.

    API pages are listing pages for the shared logic (since, max_pages, counters); the shell is
    not counted as one. Each API request carries how many articles came before and the ids of
    the page before, so that a page repeated by a site that ignores `page` ends the column.
    """

    platform = "gkmlpt"
    article_page = GkmlptArticlePage
    listing_page = GkmlptListingPage

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        if not isinstance(response, TextResponse) or "/gkmlpt/api/" in urlsplit(response.url).path:
            yield from self._parse_api_page(response)
        else:
            yield from self._parse_shell(response)

    def _parse_shell(self, response: TextResponse) -> Iterator[scrapy.Request]:
        config = parse_config(response.text)
        if config is None:
            self.crawler.stats.inc_value("govcrawl/gkmlpt/no_config")
            self.logger.error("No window._CONFIG SID on gkmlpt page %s", response.url)
            return
        requested = response.request.url if response.request is not None else response.url
        column = urlsplit(requested).fragment or urlsplit(response.url).fragment or ALL_COLUMNS
        if column != ALL_COLUMNS and config.column(column) is None:
            self.logger.warning("Column %s is not in the site's tree: %s", column, response.url)
        yield scrapy.Request(
            api_url(response.url, column, config.sid),
            callback=self.parse_listing,
            errback=self.on_request_error,
            meta={
                "channel": response.meta["channel"],
                "page_number": response.meta["page_number"],
                "gkmlpt_seen": 0,
                "gkmlpt_ids": [],
            },
        )

    def _parse_api_page(self, response: Response) -> Iterator[scrapy.Request]:
        progress = {}
        if isinstance(response, TextResponse):
            page = self.listing_page.from_response(response, tuple(self.allowed_domains))
            if isinstance(page, GkmlptListingPage):
                if page.repeats_previous:
                    self.crawler.stats.inc_value("govcrawl/pagination_stopped/repeated_page")
                    self.logger.debug("API page repeats the one before: %s", response.url)
                    return
                progress = {"gkmlpt_seen": page.seen(), "gkmlpt_ids": list(page.ids)}
        for request in super().parse_listing(response):
            if request.callback == self.parse_listing:
                request.meta.update(progress)
            yield request
