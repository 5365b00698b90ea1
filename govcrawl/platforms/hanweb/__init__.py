"""Hanweb 大汉 JCMS: `/col/col<N>/index.html` (inline `<datastore>` records) →
`dataproxy.jsp` record ranges until `<totalrecord>` → `/art/Y/M/D/art_<N>_<id>.html`.

The page object turns each range into the URL of the next one, so the shared listing
logic (since, max_pages, counters) applies to record ranges as to pages.
"""

from __future__ import annotations

import re

from govcrawl.platforms.base import Platform, Rule
from govcrawl.platforms.hanweb.pages import HanwebArticlePage, HanwebListingPage

_ART = r"/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+"


class Hanweb(Platform):
    id = "hanweb"
    article_page = HanwebArticlePage
    listing_page = HanwebListingPage
    url_rules = (
        Rule(0.6, "URL matches /col/col<N>/", re.compile(r"/col/col\d+/")),
        Rule(
            0.6, "URL matches /art/<Y>/<M>/<D>/art_<col>_<id>.html", re.compile(_ART + r"\.html$")
        ),
    )
    page_rules = (
        Rule(
            0.6,
            '<script type="text/xml"><datastore>',
            re.compile(r"<script[^>]*type=[\"']text/xml[\"'][^>]*>\s*<datastore>", re.I),
        ),
        Rule(0.3, "/module/web/jpage/dataproxy.jsp", re.compile(r"/module/web/jpage/dataproxy")),
    )
    link_rules = (Rule(0.5, "art_<col>_<id>.html", re.compile(_ART)),)


PLATFORM = Hanweb()
