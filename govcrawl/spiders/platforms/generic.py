"""Base spider of portals on no known platform."""

from __future__ import annotations

from govcrawl.pages.article import ArticlePage
from govcrawl.pages.listing import ListingPage
from govcrawl.spiders.base import PortalSpider


class GenericSpider(PortalSpider):
    """Any column: the listing extractor finds the main list and the next-page link, the
    article extractor the body by text density. For portals that no platform class claims.
    """

    platform = "generic"
    article_page = ArticlePage
    listing_page = ListingPage
