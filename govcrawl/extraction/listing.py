"""Listing page objects: a column page → its article links, the next page and the page count.

The main list is the group of sibling items (`li`, `tr`, `dd`) whose links carry a date;
menus, sidebars and hot lists rarely do, and lose to the longest such group. A platform
declares its list and pager selectors where it has them; script-only pagination
(`createPageHTML(n, cur, "index", "html")`, count-down page files, `'index_' + i + '.html'`)
is read from the page's scripts.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, ClassVar
from urllib.parse import urljoin, urlsplit

from parsel import Selector

from govcrawl.extraction.countdown import CountdownPager, parse_countdown_pager
from govcrawl.extraction.createpage import CreatePagePager, parse_create_page_html
from govcrawl.extraction.domindex import DomIndex
from govcrawl.extraction.html import text_content, xpath
from govcrawl.extraction.parse import parse_response
from govcrawl.extraction.text import normalize_space
from govcrawl.extraction.urls import join_url

# A listing date: 2020-04-22, 2020/4/22, 2020年4月22日, or year-less 04-22 / 4.22 with a
# two-digit day (so 增长1.5倍 is not a date).
_DATE_IN_TEXT = re.compile(
    r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}日?"
    r"|(?<![\d.])(?:0?[1-9]|1[0-2])[-/.](?:0[1-9]|[12]\d|3[01])(?![\d.])"
)
_MAX_ITEM_DEPTH = 3
_MAX_ITEM_TEXT = 400
_NEXT_TEXTS = ("下一页", "下页", "下一頁", "后页", "後頁", "下一页>", "下一页 >", ">", "›", "»")
_PAGE_COUNT = re.compile(
    r"共\s*(\d+)\s*页|\d+\s*/\s*(\d+)\s*页|(?:totalPage|countPage|pageCount)\s*[:=]\s*(\d+)"
)
_CURRENT_PAGE = re.compile(
    r"当前(?:第|页)?\s*[:：]?\s*(\d+)|(\d+)\s*/\s*\d+\s*页|(?:currentPage|curPage)\s*[:=]\s*(\d+)"
    r"|setPage[\"']?\s*[(,]\s*(\d+)"
)
# A page URL assembled in a script: 'index_' + i + '.html', "list.jsp?page=" + pageNo
_SCRIPT_PAGE_URL = re.compile(
    r"""["']([^"'\s<>+]*?[_=/-])["']\s*\+\s*\(?\s*[A-Za-z_$][\w$]*\s*\)?"""
    r"""(?:\s*\+\s*["']([^"'\s<>+]*)["'])?"""
)
WECHAT_HOSTS = ("mp.weixin.qq.com", "weixin.qq.com")


@dataclass(frozen=True, slots=True)
class ListingLink:
    """One item of a column's main list."""

    url: str
    title: str
    date: str | None
    offsite: bool
    wechat: bool


@dataclass(frozen=True, slots=True)
class ListingContext:
    """What a listing page object is told by the crawl, not read from the response: the
    portal's hosts (links elsewhere are off-site), the column, the page's number in the walk,
    and what the previous page carried forward (see `Platform.carry`)."""

    site_hosts: tuple[str, ...] = ()
    column: str | None = None
    platform: str = "generic"
    page_number: int = 1
    carried: dict[str, Any] = field(default_factory=dict)

    def following(self, carried: dict[str, Any]) -> ListingContext:
        """The context of the next page of the same column."""
        return replace(self, page_number=self.page_number + 1, carried=carried)


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


class ListingPage:
    """Links and pagination of a listing page. Subclasses declare selectors, tried in order."""

    item_css: ClassVar[tuple[str, ...]] = ()
    pager_css: ClassVar[tuple[str, ...]] = ()

    def __init__(self, url: str, selector: Selector, context: ListingContext | None = None) -> None:
        self.url = url
        self.selector = selector
        self.context = context or ListingContext()
        self.site_hosts = tuple(h.lower() for h in self.context.site_hosts) or (_host(url),)

    @classmethod
    def from_response(cls, response: Any, context: ListingContext | None = None) -> ListingPage:
        return cls(response.url, parse_response(response), context)

    @cached_property
    def index(self) -> DomIndex:
        """Ids, classes and tags of the page, for the declared item and pager selectors."""
        return DomIndex(self.selector.root)

    def _items(self) -> list[Selector]:
        """The main list's items: the platform's, else the largest group of sibling
        elements that each hold a link and a date outside it (li, tr, div, dd …)."""
        for css in self.item_css:
            items = self.index.select(css)
            if items:
                return [Selector(root=item, type="html") for item in items]
        groups: dict[tuple[Any, str], list[Any]] = defaultdict(list)
        for link in xpath("//body//a[@href]")(self.selector.root):
            if len(normalize_space(text_content(link) or link.get("title") or "")) < 4:
                continue
            link_text = text_content(link)
            node = link
            for _ in range(_MAX_ITEM_DEPTH):
                node = node.getparent()
                if node is None or node.tag in ("body", "html"):
                    break
                text = text_content(node)
                if len(text) > _MAX_ITEM_TEXT:  # a container of many items, not an item
                    break
                if _DATE_IN_TEXT.search(text.replace(link_text, " ")):
                    item_group = groups[(node.getparent(), node.tag)]
                    if not item_group or item_group[-1] is not node:
                        item_group.append(node)
                    break
        best = max(groups.values(), key=len, default=[])
        return [Selector(root=node, type="html") for node in best]

    @cached_property
    def article_links(self) -> list[ListingLink]:
        """Main-list links in page order, absolute and deduplicated."""
        links, seen = [], set()
        for item in self._items():
            anchors = [
                a
                for a in item.css("a[href]")
                if not a.attrib["href"].startswith(("javascript:", "#", "mailto:"))
            ]
            if not anchors:
                continue
            anchor = max(
                anchors, key=lambda a: len(normalize_space("".join(a.css("::text").getall())))
            )
            url = join_url(self.url, anchor.attrib["href"])
            if url is None or url in seen:  # a malformed link costs only itself
                continue
            seen.add(url)
            shown = normalize_space("".join(anchor.css("::text").getall()))
            full = normalize_space(anchor.attrib.get("title") or "")
            title = full if len(full) >= len(shown.rstrip("…. ")) else shown
            other_text = normalize_space(
                " ".join(item.xpath(".//text()").getall()).replace(shown, " ")
            )
            date = _DATE_IN_TEXT.search(other_text)
            host = _host(url)
            links.append(
                ListingLink(
                    url=url,
                    title=title,
                    date=date.group(0) if date else None,
                    offsite=host not in self.site_hosts,
                    wechat=host in WECHAT_HOSTS,
                )
            )
        return links

    @cached_property
    def script_pager(self) -> CreatePagePager | None:
        """The `createPageHTML(…)` call of the page's scripts, if any."""
        return parse_create_page_html(self._scripts)

    @cached_property
    def countdown_pager(self) -> CountdownPager | None:
        """A pager whose page files count down from the last page (`index_958_198.html`)."""
        return parse_countdown_pager(self._scripts)

    def next_page(self) -> str | None:
        """URL of the next listing page, or None on the last one."""
        scope = self._pager_scope
        for anchor in scope.css("a[href]"):
            text = normalize_space("".join(anchor.css("::text").getall()))
            href = anchor.attrib["href"].strip()
            if (text in _NEXT_TEXTS or anchor.attrib.get("rel") == "next") and not href.startswith(
                ("javascript:", "#")
            ):
                url = join_url(self.url, href)
                return None if url in (None, self.url) else url
        if self.script_pager:
            following = self.script_pager.current + 1
            if following >= self.script_pager.count:
                return None
            return urljoin(self.url, self.script_pager.file_name(following))
        if self.countdown_pager:
            return self.countdown_pager.next_page(self.url)
        return self._scripted_next_page()

    def _scripted_next_page(self) -> str | None:
        """Next page of a pager that builds its links in a script (`location.href =
        'index_' + i + '.html'`, `"Column.shtml?p5=28&p7=" + pageNo`): the URL pattern
        from the script, the current page from the pager's text (1 when it says none)."""
        template = next(
            (
                match.groups()
                for script in self._scripts
                if "location" in script or "href" in script
                for match in _SCRIPT_PAGE_URL.finditer(script)
            ),
            None,
        )
        if template is None:
            return None
        current = self._current_page()
        total = self.total_pages()
        if total is not None and current >= total:
            return None
        prefix, suffix = template
        return urljoin(self.url, f"{prefix}{current + 1}{suffix or ''}")

    def _current_page(self) -> int:
        match = _CURRENT_PAGE.search(self._pager_text)
        return int(next(group for group in match.groups() if group)) if match else 1

    @cached_property
    def _scripts(self) -> list[str]:
        return self.selector.xpath("//script/text()").getall()

    @cached_property
    def _pager_text(self) -> str:
        """Text and scripts of the pager (of the whole page when no pager is declared)."""
        scope = self._pager_scope
        return " ".join([*scope.xpath(".//text()").getall(), *self._scripts])

    def total_pages(self) -> int | None:
        """Number of pages of the column, when the page says."""
        if self.script_pager:
            return self.script_pager.count
        if self.countdown_pager:
            return self.countdown_pager.count
        match = _PAGE_COUNT.search(self._pager_text)
        return int(next(group for group in match.groups() if group)) if match else None

    @property
    def _pager_scope(self) -> Selector:
        """The pager, else the whole page (`is None`: a Selector's truth value serialises it)."""
        pager = self._first_pager()
        return pager if pager is not None else self.selector

    def _first_pager(self) -> Selector | None:
        found = self.index.first(self.pager_css)
        return Selector(root=found, type="html") if found is not None else None
