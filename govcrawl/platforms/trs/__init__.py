"""TRS WCM: `index.html` → `index_N.html` (a script pager) → `YYYYMM/tYYYYMMDD_<id>.html`.

The pager's count is not trusted alone: a column ends at its first empty stub page.
"""

from __future__ import annotations

import re

from govcrawl.extraction.listing import ListingContext, ListingPage
from govcrawl.platforms.base import Platform, Rule
from govcrawl.platforms.trs.pages import TrsArticlePage, TrsListingPage


class Trs(Platform):
    id = "trs"
    article_page = TrsArticlePage
    listing_page = TrsListingPage
    url_rules = (
        Rule(0.6, "URL matches t<YYYYMMDD>_<id>.html", re.compile(r"/t\d{8}_\d+\.s?html$")),
    )
    page_rules = (
        Rule(0.3, "script createPageHTML(…)", re.compile(r"createPageHTML\s*\(")),
        Rule(0.4, "div.TRS_Editor", re.compile(r"class=[\"'][^\"']*\bTRS_Editor\b")),
    )
    link_rules = (Rule(0.5, "t<YYYYMMDD>_<id>.html", re.compile(r"/t\d{8}_\d+\.s?html$")),)

    def stop_reason(self, page: ListingPage, context: ListingContext) -> str | None:
        deep = context.page_number > 1
        return "empty_page" if deep and isinstance(page, TrsListingPage) and page.is_stub else None


PLATFORM = Trs()
