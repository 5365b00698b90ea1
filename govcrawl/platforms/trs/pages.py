"""TRS WCM page objects: `…/YYYYMM/tYYYYMMDD_<id>.html|.shtml` articles, script-only pagers.

Template facts (DESIGN.md §1, corpus INDEX "TRS WCM createPageHTML"): the body sits in
`div.TRS_Editor` (older WCM) or `.trs_editor_view` (newer); listing pages have no pager links
in the HTML, only a `createPageHTML(…)` call, which every listing page reads
(pages/createpage.py).

The deep end of a TRS column is often an empty stub: the pager still counts it, its list has
no item. Such a page has no next page, whatever the script says.
"""

from __future__ import annotations

from govcrawl.extraction.article import ArticlePage
from govcrawl.extraction.listing import ListingPage


class TrsArticlePage(ArticlePage):
    extractor = "trs"
    signature_css = ("div.TRS_Editor", ".trs_editor_view")
    # Only selectors seen on TRS pages (our replica, corpus page 04): each one that misses
    # costs a scan of the whole page, and the generic rules find what these do not.
    title_css = (".article-title h1",)
    info_css = (".article-info", ".info")
    body_css = ("div.TRS_Editor", ".trs_editor_view")
    breadcrumb_css = (".position",)


class TrsListingPage(ListingPage):
    item_css = ("ul.list-news > li", ".xwlb li", ".list li")
    list_css = ("ul.list-news", ".xwlb", ".list")
    pager_css = ("#page_div", ".page", ".pagination")

    @property
    def is_stub(self) -> bool:
        """An empty page at the deep end: the pager counts it but it lists nothing."""
        return not self.article_links

    def next_page(self) -> str | None:
        return None if self.is_stub else super().next_page()
