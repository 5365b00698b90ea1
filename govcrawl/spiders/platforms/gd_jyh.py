"""Base spider of portals on the Guangdong 集约化 platform."""

from __future__ import annotations

from govcrawl.pages.gd_jyh import GdJyhArticlePage, GdJyhListingPage
from govcrawl.spiders.base import PortalSpider


class GdJyhSpider(PortalSpider):
    """Columns `/<section>/<column>/index.html` → `index_N.html` → `content/post_<id>.html`."""

    platform = "gd-jyh"
    article_page = GdJyhArticlePage
    listing_page = GdJyhListingPage
