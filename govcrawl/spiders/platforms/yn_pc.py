"""Base spider of portals on the `/pc/list.html` 集约化 platform."""

from __future__ import annotations

from govcrawl.pages.yn_pc import YnPcArticlePage, YnPcListingPage
from govcrawl.spiders.base import PortalSpider


class YnPcSpider(PortalSpider):
    """Columns `/<site>/<column>/pc/list.html` → pager → `pc/content/<id>/content_<id>.html`."""

    platform = "yn-pc"
    article_page = YnPcArticlePage
    listing_page = YnPcListingPage
