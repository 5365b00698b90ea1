"""Extraction entry points without a crawl: saved page → record, listing page → links.

Used by `govcrawl extract` and the quality benchmark, so that what they report is exactly
what a crawl would write.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from parsel import Selector

from govcrawl.extraction.article import ArticlePage
from govcrawl.extraction.domindex import DomIndex
from govcrawl.extraction.listing import ListingContext, ListingPage
from govcrawl.extraction.parse import (
    UnparsablePage,
    parse_response,
    parse_saved,
    saved_response,
)
from govcrawl.platforms import AUTO, article_page_for, platform_for
from govcrawl.platforms.base import Platform
from govcrawl.registry.divisions import region_from_site_code
from govcrawl.registry.portals import Portal, portal_by_host


def portal_for_url(url: str) -> Portal | None:
    """The registry row whose domains include `url`'s host, if any."""
    return portal_by_host().get((urlsplit(url).hostname or "").lower())


def _platform(portal: Portal | None) -> Platform | None:
    """The platform of a declared portal (None: unknown or detected at run time)."""
    if portal is None or portal.platform == AUTO:
        return None
    return platform_for(portal.platform)


def _parsed(parse: Callable[[], Selector], url: str) -> Selector:
    """`parse()`'s selector; a page beyond the parser's bounds is `Rejected` by reason."""
    from pipelines import Rejected

    try:
        return parse()
    except UnparsablePage as refused:
        raise Rejected(refused.reason, url) from None


def article_page_class(portal: Portal | None, index: DomIndex) -> type[ArticlePage]:
    """The page class a crawl would read this article with: its portal's platform's, else
    the class of the template the page shows."""
    platform = _platform(portal)
    return platform.article_page if platform else article_page_for(index)


def extract_article(html: bytes | str, url: str) -> dict[str, Any]:
    """The record a crawl would write for this page (raises `Rejected` when it is none)."""
    from pipelines import Rejected
    from pipelines.clean import clean_article

    portal = portal_for_url(url)
    selector = _parsed(lambda: parse_saved(html, url), url)
    index = DomIndex(selector.root)
    page = article_page_class(portal, index)(url, selector, index)
    reason = page.not_article_reason()
    if reason:
        raise Rejected(reason, url)
    article = page.fields()
    article["portal"] = portal.name if portal else None
    region = portal.region if portal else region_from_site_code(page.meta.get("siteidcode"))
    article["region"] = region.as_record() if region else None
    return clean_article(article)


def extract_listing(html: bytes | str, url: str) -> dict[str, Any]:
    """Main-list links, next page and page count of a listing page, and why its script
    pager gave no next page when it could not be resolved (`pager_unresolved`). Raises
    `Rejected` for a page beyond the parser's bounds."""
    portal = portal_for_url(url)
    platform = _platform(portal)
    page_class = platform.listing_page if platform else ListingPage
    context = ListingContext(site_hosts=portal.domains) if portal else None
    response = saved_response(html, url)
    page = page_class(url, _parsed(lambda: parse_response(response), url), context)
    page.served_text = response.text
    return {
        "article_links": [
            {
                "url": link.url,
                "title": link.title,
                "date": link.date,
                "wechat": link.wechat,
                "offsite": link.offsite,
            }
            for link in page.article_links
        ],
        "next_page": page.next_page(),
        "total_pages": page.total_pages(),
        "pager_unresolved": page.pager_unresolved,
    }
