"""UCAP 集约化 platform page objects (`/pc/list.html` columns of Yunnan, Sichuan, Jiangxi,
Henan and Anhui).

Template facts (DESIGN.md, corpus INDEX "Yunnan 集约化"): columns
`/<site>/<column>/pc/list.html`, articles `/<site>/<column>/pc/content/<id>/content_<id>.html`
with 19-digit ids; the body sits in `<ucapcontent>` inside `#zoomcon`. Listing pages after
the first are read from the page's own pager (how the platform numbers them is not known).

The article template is the vendor's UCAP one (`<ucapcontent>`, `h1.article-title`), which
Jiangxi's 集约化 county sites share (corpus pages 05, 06, 08): hence the extractor name.
"""

from __future__ import annotations

from govcrawl.extraction.article import ArticlePage
from govcrawl.extraction.listing import ListingPage


class UcapArticlePage(ArticlePage):
    extractor = "ucap"
    signature_css = ("ucapcontent",)
    title_css = ("h1.article-title", ".article-title", "ucaptitle")
    info_css = (".article-info", ".info", ".desc")
    body_css = ("#zoomcon ucapcontent", "ucapcontent", "#zoomcon")
    breadcrumb_css = (".position", ".location", ".crumb")


class UcapListingPage(ListingPage):
    item_css = ("ul.news-list > li", ".list-content li")
    pager_css = (".pagination", ".page")
