"""Base spider of portals on Hanweb 大汉 JCMS."""

from __future__ import annotations

from govcrawl.pages.hanweb import HanwebArticlePage, HanwebListingPage
from govcrawl.spiders.base import PortalSpider


class HanwebSpider(PortalSpider):
    """Columns `/col/col<N>/index.html` (inline `<datastore>` records) → `dataproxy.jsp`
    record ranges until `<totalrecord>` → `/art/Y/M/D/art_<N>_<id>.html`.

    The page object turns each range into the URL of the next one, so the shared
    listing logic (since, max_pages, counters) applies to record ranges as to pages.
    """

    platform = "hanweb"
    article_page = HanwebArticlePage
    listing_page = HanwebListingPage
