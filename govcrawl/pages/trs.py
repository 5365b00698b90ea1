"""TRS WCM page objects: `…/YYYYMM/tYYYYMMDD_<id>.html|.shtml` articles, script-only pagers.

Template facts (DESIGN.md §1, corpus INDEX "TRS WCM createPageHTML"): the body sits in
`div.TRS_Editor` (older WCM) or `.trs_editor_view` (newer); listing pages have no pager links
in the HTML, only a script call, in one of two forms:

- `createPageHTML(<pages>, <current 0-based>, "index", "html")`, page k (1-based) being
  `index.html` for k = 1 and `index_<k-1>.html` after; the numbers are often variables
  (`var countPage = 6//共多少页`, `var currentPage = 0;//所在页从0开始`);
- `createPageHTML('page_div', <pages>, <current 1-based>, 'list', 'shtml', <records>)`, page k
  being `list.shtml` for k = 1 and `list_<k>.shtml` after.

The deep end of a TRS column is often an empty stub: the pager still counts it, its list has
no item. Such a page has no next page, whatever the script says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import urljoin

from govcrawl.pages.article import ArticlePage
from govcrawl.pages.listing import ListingPage

_CALL = re.compile(r"createPageHTML\s*\(([^)]*)\)")
_VARIABLE = re.compile(r"\bvar\s+(\w+)\s*=\s*([\"']?)([\w.]+)\2")
_ARGUMENT = re.compile(r"\s*(?:\"([^\"]*)\"|'([^']*)'|([\w.]+))\s*")


@dataclass(frozen=True, slots=True)
class TrsPager:
    """What a `createPageHTML` call says: page count, current page (0-based), file naming."""

    count: int
    current: int
    name: str
    ext: str
    offset: int  # page k (0-based) ≥ 1 is `<name>_<k + offset>.<ext>`

    def file_name(self, index: int) -> str:
        """File of page `index` (0-based) in the column folder."""
        if index == 0:
            return f"{self.name}.{self.ext}"
        return f"{self.name}_{index + self.offset}.{self.ext}"


def _arguments(call: str, variables: dict[str, str]) -> list[str]:
    values = []
    for raw in call.split(","):
        match = _ARGUMENT.fullmatch(raw)
        if not match:
            return []
        quoted_double, quoted_single, bare = match.groups()
        if bare is not None:
            values.append(variables.get(bare, bare))
        else:
            values.append(quoted_double if quoted_double is not None else quoted_single)
    return values


def parse_pager(scripts: list[str]) -> TrsPager | None:
    """The pager of a TRS listing from its scripts (either call form; variables resolved)."""
    source = "\n".join(scripts)
    variables = {name: value for name, _, value in _VARIABLE.findall(source)}
    for call in _CALL.findall(source):
        args = _arguments(call, variables)
        if len(args) == 4 and args[0].isdigit() and args[1].isdigit():
            return TrsPager(int(args[0]), int(args[1]), args[2], args[3], 0)
        if len(args) == 6 and args[1].isdigit() and args[2].isdigit():
            return TrsPager(int(args[1]), int(args[2]) - 1, args[3], args[4], 1)
    return None


class TrsArticlePage(ArticlePage):
    extractor = "trs"
    signature_xpath = (
        "//div[contains(@class, 'TRS_Editor')] | //*[contains(@class, 'trs_editor_view')]"
    )
    # Only selectors seen on TRS pages (our replica, corpus page 04): each one that misses
    # costs a scan of the whole page, and the generic rules find what these do not.
    title_css = (".article-title h1",)
    info_css = (".article-info", ".info")
    body_css = ("div.TRS_Editor", ".trs_editor_view")
    breadcrumb_css = (".position",)


class TrsListingPage(ListingPage):
    item_css = ("ul.list-news > li", ".xwlb li", ".list li")
    pager_css = ("#page_div", ".page", ".pagination")

    @cached_property
    def pager(self) -> TrsPager | None:
        return parse_pager(self.selector.xpath("//script/text()").getall())

    @property
    def is_stub(self) -> bool:
        """An empty page at the deep end: the pager counts it but it lists nothing."""
        return not self.article_links

    def next_page(self) -> str | None:
        if self.is_stub:
            return None
        if self.pager is None:
            return super().next_page()
        following = self.pager.current + 1
        if following >= self.pager.count:
            return None
        return urljoin(self.url, self.pager.file_name(following))

    def total_pages(self) -> int | None:
        return self.pager.count if self.pager else super().total_pages()
