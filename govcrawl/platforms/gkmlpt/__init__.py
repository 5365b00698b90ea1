"""Guangdong gkmlpt (政府信息公开目录): a column is an app shell URL, `/gkmlpt/index#<column>`
or `/gkmlpt/policy#<column>` (no fragment: every column): shell → SID → JSON list pages →
detail pages.

API pages are listing pages for the shared logic (since, max_pages, counters); the shell is
not counted as one. Each API page carries how many articles came before and the ids it
listed, so that a page repeated by a site that ignores `page` ends the column.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from scrapy.http import TextResponse

from govcrawl.extraction.listing import ListingContext, ListingPage
from govcrawl.platforms.base import NoListing, Platform, Rule
from govcrawl.platforms.gkmlpt.pages import (
    GkmlptArticlePage,
    GkmlptListingPage,
    api_url,
    parse_config,
)

ALL_COLUMNS = "0"  # the API's id for every column of the site


class Gkmlpt(Platform):
    id = "gkmlpt"
    article_page = GkmlptArticlePage
    listing_page = GkmlptListingPage
    url_rules = (Rule(0.6, "URL path has /gkmlpt/", re.compile(r"/gkmlpt/")),)
    page_rules = (
        Rule(
            0.6, "window._CONFIG with SID", re.compile(r"window\._CONFIG\s*=\s*\{.*?\bSID\b", re.S)
        ),
    )
    link_rules = (
        Rule(0.5, "/gkmlpt/content/<a>/<b>/post_<id>.html", re.compile(r"/gkmlpt/content/")),
    )

    def listing_entry(self, response: TextResponse) -> str | None:
        if "/gkmlpt/api/" in urlsplit(response.url).path:
            return None
        config = parse_config(response.text)
        if config is None:
            raise NoListing("gkmlpt_no_config", f"No window._CONFIG SID on {response.url}")
        requested = response.request.url if response.request is not None else response.url
        column = urlsplit(requested).fragment or urlsplit(response.url).fragment or ALL_COLUMNS
        return api_url(response.url, column, config.sid)

    def stop_reason(self, page: ListingPage, context: ListingContext) -> str | None:
        repeated = isinstance(page, GkmlptListingPage) and page.repeats_previous
        return "repeated_page" if repeated else None

    def carry(self, page: ListingPage) -> dict[str, Any]:
        if not isinstance(page, GkmlptListingPage):
            return {}
        return {"seen": page.seen(), "ids": list(page.ids)}


PLATFORM = Gkmlpt()
