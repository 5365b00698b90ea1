"""What a platform is: its detection rules, its page objects and its crawl hooks.

A platform folder (`govcrawl/platforms/<id>/`) defines one `Platform` subclass instance,
`PLATFORM`, and registers it with one line in `govcrawl/platforms/__init__.py`. The base
spider asks the column's platform how to read a listing, when a column ends and which page
object reads an article, so it never builds a page twice and knows no platform by name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, ClassVar

from scrapy.http import TextResponse

from govcrawl.extraction.article import ArticlePage
from govcrawl.extraction.listing import ListingContext, ListingPage


@dataclass(frozen=True, slots=True)
class Rule:
    """One fact that points to a platform: its weight (0–1), how it reads, its pattern."""

    weight: float
    evidence: str
    pattern: re.Pattern[str]


class NoListing(Exception):
    """An entry page that leads to no listing (a counted reason, logged with the URL)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class Platform:
    """A CMS platform. Subclasses declare page objects and rules, and override hooks."""

    id: ClassVar[str]
    article_page: ClassVar[type[ArticlePage]] = ArticlePage
    listing_page: ClassVar[type[ListingPage]] = ListingPage
    # Detection (see platforms/detect.py): rules on the URL path, on the page source and on
    # the page's links (a link rule fires when the page repeats the shape).
    url_rules: ClassVar[tuple[Rule, ...]] = ()
    page_rules: ClassVar[tuple[Rule, ...]] = ()
    link_rules: ClassVar[tuple[Rule, ...]] = ()
    # Whether portals are crawled on it (False: an article template recognised for
    # extraction only, such as www.gov.cn's).
    crawls: ClassVar[bool] = True

    def listing_entry(self, response: TextResponse) -> str | None:
        """The first listing URL when `response` is an entry page (an app shell) rather than
        a listing; None when it is a listing. Raises `NoListing` for a dead end."""
        return None

    def listing(self, response: TextResponse, context: ListingContext) -> ListingPage:
        """The listing page object of `response` (built once per response)."""
        return self.listing_page.from_response(response, context)

    def stop_reason(self, page: ListingPage, context: ListingContext) -> str | None:
        """Why the column ends at this page before its links are read (None: go on)."""
        return None

    def carry(self, page: ListingPage) -> dict[str, Any]:
        """What the next listing page needs to know of this one."""
        return {}

    def __repr__(self) -> str:
        return f"<Platform {self.id}>"
