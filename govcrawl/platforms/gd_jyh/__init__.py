"""Guangdong 集约化 platform: `/<section>/<column>/index.html` → `index_N.html` →
`content/post_<id>.html`. Listings and articles are plain server-rendered pages."""

from __future__ import annotations

import re

from govcrawl.platforms.base import Platform, Rule
from govcrawl.platforms.gd_jyh.pages import GdJyhArticlePage, GdJyhListingPage


class GdJyh(Platform):
    id = "gd_jyh"
    article_page = GdJyhArticlePage
    listing_page = GdJyhListingPage
    url_rules = (
        Rule(0.6, "URL matches /content/post_<id>.html", re.compile(r"/content/m?post_\d+\.html$")),
    )
    link_rules = (
        Rule(0.5, "content/post_<id>.html", re.compile(r"(?:^|/)content/m?post_\d+\.html")),
    )


PLATFORM = GdJyh()
