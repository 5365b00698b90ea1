"""Which page class reads a page that belongs to no declared portal.

Each template's class names a `signature_xpath` that only its pages match; the first class
whose signature the page matches wins, else the generic `ArticlePage` does.
"""

from __future__ import annotations

from parsel import Selector

from govcrawl.pages.article import ArticlePage
from govcrawl.pages.gd_jyh import GdJyhArticlePage
from govcrawl.pages.govcn import GovCnArticlePage
from govcrawl.pages.hanweb import HanwebArticlePage
from govcrawl.pages.html import xpath
from govcrawl.pages.shanghai import ShanghaiArticlePage
from govcrawl.pages.trs import TrsArticlePage
from govcrawl.pages.yn_pc import YnPcArticlePage

TEMPLATE_PAGES: tuple[type[ArticlePage], ...] = (
    GovCnArticlePage,
    ShanghaiArticlePage,
    YnPcArticlePage,
    TrsArticlePage,  # before Hanweb: TRS pages may carry the same 信息内容 markers
    HanwebArticlePage,
    GdJyhArticlePage,
)


def article_page_for(selector: Selector) -> type[ArticlePage]:
    """The page class of the template `selector`'s page is built on (generic when none)."""
    for page_class in TEMPLATE_PAGES:
        if page_class.signature_xpath and xpath(page_class.signature_xpath)(selector.root):
            return page_class
    return ArticlePage
