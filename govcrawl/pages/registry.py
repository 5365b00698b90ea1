"""Which page class reads a page that belongs to no declared portal.

Each template's class says by `shows_template` (its `signature_css`, or Hanweb's comment
marker) whether a page is built on it; the first class that does wins, else the generic
`ArticlePage` does.
"""

from __future__ import annotations

from govcrawl.pages.article import ArticlePage
from govcrawl.pages.domindex import DomIndex
from govcrawl.pages.gd_jyh import GdJyhArticlePage
from govcrawl.pages.govcn import GovCnArticlePage
from govcrawl.pages.hanweb import HanwebArticlePage
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


def article_page_for(index: DomIndex) -> type[ArticlePage]:
    """The page class of the template the indexed page is built on (generic when none)."""
    for page_class in TEMPLATE_PAGES:
        if page_class.shows_template(index):
            return page_class
    return ArticlePage
