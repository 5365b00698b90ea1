"""PowerEasy 动易 SiteWeaver: `/Category_<N>/Index.aspx` → `Index_<n>.aspx` → `/Item/<N>.aspx`.

Plain server-rendered listings with real pager links: no crawl hook beyond the defaults.
"""

from __future__ import annotations

import re

from govcrawl.platforms.base import Platform, Rule
from govcrawl.platforms.powereasy.pages import PowerEasyListingPage


class PowerEasy(Platform):
    id = "powereasy"
    listing_page = PowerEasyListingPage
    url_rules = (
        Rule(
            0.6,
            "URL matches /Category_<N>/Index.aspx",
            re.compile(r"/Category_\d+/Index(?:_\d+)?\.aspx$", re.I),
        ),
        Rule(0.6, "URL matches /Item/<N>.aspx", re.compile(r"/Item/\d+\.aspx$", re.I)),
    )
    page_rules = (Rule(0.4, "<!--{pe.begin.pagination}-->", re.compile(r"\{pe\.begin\.")),)
    link_rules = (Rule(0.5, "/Item/<N>.aspx", re.compile(r"/Item/\d+\.aspx$", re.I)),)


PLATFORM = PowerEasy()
