r"""Guangdong 集约化 platform: `/<section>/<column>/index.html` → `index_N.html` →
`content/post_<id>.html`. Listings and articles are plain server-rendered pages.

Detection of a column page: its `content/post_<id>.html` links (in the HTML, or JSON-escaped
as `content\/post_…` in a script that fills the list); else a pager whose second page is
`index_2.html` (TRS numbers it `index_1.html`) on a site whose SiteIDCode is Guangdong's
(44…). A directory-style column URL on a Guangdong host says nothing alone: such URLs are
on every platform (`/zwgk/ssyw/index.html`), so no URL rule is kept for them.
"""

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
    page_rules = (
        Rule(
            0.5,
            "content\\/post_<id>.html links in a script's JSON",
            re.compile(r"content\\/m?post_\d+\.html[\s\S]*?content\\/m?post_\d+\.html"),
        ),
        Rule(
            0.2,
            "pager links page 2 as index_2.html (no index_1.html)",
            re.compile(
                r"^(?![\s\S]*\bindex_1\.s?html)[\s\S]*?"
                r"href\s*=\s*[\"'](?:\./)?index_2\.html[\"']"
            ),
        ),
        Rule(
            0.1,
            "meta SiteIDCode of a Guangdong site (44…)",
            re.compile(r"""name\s*=\s*["']SiteIDCode["'][^>]*content\s*=\s*["']\s*44\d""", re.I),
        ),
    )
    link_rules = (
        Rule(0.5, "content/post_<id>.html", re.compile(r"(?:^|/)content/m?post_\d+\.html")),
    )


PLATFORM = GdJyh()
