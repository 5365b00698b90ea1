"""Base spider of portals on TRS WCM."""

from __future__ import annotations

from collections.abc import Iterator

import scrapy
from scrapy.http import Response, TextResponse

from govcrawl.pages.trs import TrsArticlePage, TrsListingPage
from govcrawl.spiders.base import PortalSpider


class TrsSpider(PortalSpider):
    """Columns `index.html` → `index_N.html` (script pager) → `YYYYMM/tYYYYMMDD_<id>.html`.

    The pager's count is not trusted alone: a column ends at its first empty stub page.
    """

    platform = "trs"
    article_page = TrsArticlePage
    listing_page = TrsListingPage

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        if isinstance(response, TextResponse):
            page = self.listing_page.from_response(response, tuple(self.allowed_domains))
            deep = response.meta["page_number"] > 1
            if isinstance(page, TrsListingPage) and page.is_stub and deep:
                self.crawler.stats.inc_value("govcrawl/pagination_stopped/empty_page")
                self.logger.debug("Empty stub page ends the column: %s", response.url)
                return
        yield from super().parse_listing(response)
