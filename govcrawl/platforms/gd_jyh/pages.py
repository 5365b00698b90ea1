"""Guangdong 集约化 platform (`/<section>/<column>/content/post_<id>.html`) page objects.

Template facts (DESIGN.md, corpus INDEX "Guangdong 集约化"): headline `#ScDetailTitle` /
`h1.content_title`, info line `.desc` (发布时间 / 来源 / 阅读人次), body `#zoomcon`,
breadcrumb `.position`; listings `index.html`, `index_2.html` … with a `.pagination` pager.
"""

from __future__ import annotations

from govcrawl.extraction.article import ArticlePage
from govcrawl.extraction.listing import ListingPage


class GdJyhArticlePage(ArticlePage):
    extractor = "gd_jyh"
    signature_css = ("#ScDetailTitle",)
    title_css = ("#ScDetailTitle", "h1.content_title", ".article h1")
    info_css = (".desc", ".article-info", ".info")
    body_css = ("#zoomcon", ".article-content", ".artContent")
    breadcrumb_css = (".position", ".location", ".crumb")


class GdJyhListingPage(ListingPage):
    item_css = ("ul.news-list > li", ".list-bd li", "ul.ul_art_row > li")
    pager_css = (".pagination", "#pagination", ".page")
