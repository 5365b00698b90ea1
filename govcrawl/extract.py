"""Extraction entry points without a crawl: saved page → record, listing page → links.

Used by `govcrawl extract` and the quality benchmark, so that what they report is exactly
what a crawl would write.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from govcrawl.divisions import region_from_site_code
from govcrawl.pages.domindex import DomIndex
from govcrawl.pages.listing import ListingPage
from govcrawl.pages.parse import parse_response, saved_response
from govcrawl.pages.registry import article_page_for


def portal_for_url(url: str) -> type | None:
    """The portal spider class whose domains include `url`'s host, if any."""
    from govcrawl.portals import portal_classes

    host = (urlsplit(url).hostname or "").lower()
    for cls in portal_classes().values():
        if host in cls.allowed_domains:
            return cls
    return None


def extract_article(html: bytes | str, url: str) -> dict[str, Any]:
    """The record a crawl would write for this page (raises `Rejected` when it is none)."""
    from pipelines import Rejected
    from pipelines.clean import clean_article

    portal = portal_for_url(url)
    selector = parse_response(saved_response(html, url))
    index = DomIndex(selector.root)
    page_class = portal.article_page if portal else article_page_for(index)
    page = page_class(url, selector, index)
    reason = page.not_article_reason()
    if reason:
        raise Rejected(reason, url)
    article = page.fields()
    article["portal"] = portal.name if portal else None
    region = portal.region if portal else region_from_site_code(page.meta.get("siteidcode"))
    article["region"] = region.as_record() if region else None
    if portal and not article.get("site_name"):
        article["site_name"] = portal.chinese_name
    return clean_article(article)


def extract_listing(html: bytes | str, url: str) -> dict[str, Any]:
    """Main-list links, next page and page count of a listing page."""
    portal = portal_for_url(url)
    page_class = portal.listing_page if portal else ListingPage
    hosts = tuple(portal.allowed_domains) if portal else ()
    page = page_class(url, parse_response(saved_response(html, url)), hosts)
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
    }
