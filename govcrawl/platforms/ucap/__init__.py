"""The UCAP 集约化 platform (`/<site>/<column>/pc/list.html`): Yunnan, Sichuan, Jiangxi,
Henan, Anhui. Articles `pc/content/[<id>/]content_<id>.html`, body in `<ucapcontent>`."""

from __future__ import annotations

import re

from govcrawl.platforms.base import Platform, Rule
from govcrawl.platforms.ucap.pages import UcapArticlePage, UcapListingPage


class Ucap(Platform):
    id = "ucap"
    article_page = UcapArticlePage
    listing_page = UcapListingPage
    url_rules = (
        Rule(0.6, "URL matches /pc/list.html", re.compile(r"/pc/list(?:_\d+)?\.html$")),
        Rule(
            0.6,
            "URL matches /pc/content/…/content_<id>.html",
            re.compile(r"/pc/content/(?:\d+/)?content_\d+\.html$"),
        ),
    )
    link_rules = (
        Rule(0.5, "pc/content/…/content_<id>.html", re.compile(r"pc/content/(?:\d+/)?content_\d+")),
        Rule(0.3, "…/pc/list.html", re.compile(r"/pc/list\.html$")),
    )


PLATFORM = Ucap()
