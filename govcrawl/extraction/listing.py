"""Listing page objects: a column page → its article links, the next page and the page count.

A platform declares its list and pager selectors where it has them; else the main list is
found by listitems.py (dated items, blocks of one list, undated title lists). Script-only
pagination is read from the page's scripts: `createPageHTML(n, cur, "index", "html")`
(createpage.py), count-down page files (countdown.py), page URLs concatenated from literals
and variables, list APIs (scriptpager.py). A JSON/JSONP reply of such an API is a listing
page too (jsonlist.py). A script pager that cannot be resolved gives no next page and says
why in `pager_unresolved`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, ClassVar
from urllib.parse import urljoin, urlsplit

from parsel import Selector

from govcrawl.extraction.countdown import CountdownPager, parse_countdown_pager
from govcrawl.extraction.createpage import CreatePagePager, parse_create_page_html
from govcrawl.extraction.domindex import DomIndex
from govcrawl.extraction.html import css, text_content, xpath
from govcrawl.extraction.jsonlist import json_records, next_api_page, parse_json_reply
from govcrawl.extraction.listitems import DATE_IN_TEXT, find_list_items
from govcrawl.extraction.parse import parse_response
from govcrawl.extraction.scriptpager import (
    ScriptPager,
    parse_script_pager,
    script_number,
    script_page_count,
)
from govcrawl.extraction.text import normalize_space
from govcrawl.extraction.urls import join_url

_NEXT_TEXTS = ("下一页", "下页", "下一頁", "后页", "後頁", "下一页>", "下一页 >", ">", "›", "»")
_PAGE_COUNT = re.compile(r"共\s*(\d+)\s*页|\d+\s*/\s*(\d+)\s*页")
_CURRENT_PAGE = re.compile(
    r"当前(?:第|页)?\s*[:：]?\s*(\d+)|(\d+)\s*/\s*\d+\s*页|(?:currentPage|curPage)\s*[:=]\s*(\d+)"
    r"|setPage[\"']?\s*[(,]\s*(\d+)"
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
    # The main list's container on the platform's template: present but empty means the
    # page lists nothing (no generic search of the page).
    list_css: ClassVar[tuple[str, ...]] = ()
    pager_css: ClassVar[tuple[str, ...]] = ()

    def __init__(self, url: str, selector: Selector, context: ListingContext | None = None) -> None:
        self.url = url
        self.selector = selector
        self.context = context or ListingContext()
        self.site_hosts = tuple(h.lower() for h in self.context.site_hosts) or (_host(url),)
        self._block_dates: dict[Any, str] = {}  # item → date shown by its block (listitems)
        # The text as served, when known: a JSON/JSONP list reply must be read from it.
        self.served_text: str | None = None

    @classmethod
    def from_response(cls, response: Any, context: ListingContext | None = None) -> ListingPage:
        page = cls(response.url, parse_response(response), context)
        page.served_text = response.text
        return page

    @cached_property
    def json_reply(self) -> Any | None:
        """The page's JSON when it is a list API's reply (jsonlist.py), else None."""
        return parse_json_reply(self.served_text)

    @cached_property
    def index(self) -> DomIndex:
        """Ids, classes and tags of the page, for the declared item and pager selectors."""
        return DomIndex(self.selector.root)

    def _items(self) -> list[Selector]:
        """The main list's items: the platform's, else what `find_list_items` finds — unless
        the platform's list container is there and empty (a stub page lists nothing; its
        sidebar is no main list)."""
        for item_css in self.item_css:
            items = self.index.select(item_css)
            if items:
                return [Selector(root=item, type="html") for item in items]
        if self.index.first(self.list_css) is not None:
            return []
        items, self._block_dates = find_list_items(self.selector.root)
        return [Selector(root=node, type="html") for node in items]

    def _link(self, url: str, title: str, date: str | None) -> ListingLink:
        host = _host(url)
        return ListingLink(
            url=url,
            title=title,
            date=date,
            offsite=host not in self.site_hosts,
            wechat=host in WECHAT_HOSTS,
        )

    @cached_property
    def article_links(self) -> list[ListingLink]:
        """Main-list links in page order, absolute and deduplicated."""
        if self.json_reply is not None:
            records = json_records(self.json_reply)
            joined = ((join_url(self.url, r.url), r) for r in records)
            return [self._link(url, r.title, r.date) for url, r in joined if url is not None]
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
            date = DATE_IN_TEXT.search(other_text)
            shown_date = date.group(0) if date else self._block_dates.get(item.root)
            links.append(self._link(url, title, shown_date))
        return links

    @cached_property
    def script_pager(self) -> CreatePagePager | None:
        """The `createPageHTML(…)` call of the page's scripts, if any."""
        return parse_create_page_html(self._scripts)

    @cached_property
    def countdown_pager(self) -> CountdownPager | None:
        """A pager whose page files count down from the last page (`index_958_198.html`)."""
        return parse_countdown_pager(self._scripts)

    @cached_property
    def _next_page_link(self) -> str | None:
        """The pager's 下一页 link (`""`: it points to this page, the last one). Read with
        lxml directly: a parsel Selector per anchor and text node costs more than the rest."""
        for anchor in css("a[href]")(self._pager_scope.root):
            text = normalize_space(text_content(anchor))
            href = anchor.get("href", "").strip()
            if (text in _NEXT_TEXTS or anchor.get("rel") == "next") and not href.startswith(
                ("javascript:", "#")
            ):
                url = join_url(self.url, href)
                if url is None:  # a malformed 下一页 link: no next page from it
                    continue
                return "" if url == self.url else url
        return None

    def next_page(self) -> str | None:
        """URL of the next listing page, or None on the last one (and when the page's script
        pager cannot be resolved: see `pager_unresolved`)."""
        if self.json_reply is not None:
            assert self.served_text is not None  # a reply is only read from served text
            return next_api_page(self.url, self.served_text, bool(self.article_links))
        link = self._next_page_link
        if link is not None:
            return link or None
        if self.script_pager:
            following = self.script_pager.current + 1
            if following >= self.script_pager.count:
                return None
            return urljoin(self.url, self.script_pager.file_name(following))
        if self.countdown_pager:
            return self.countdown_pager.next_page(self.url)
        return self._scripted_next_page()

    @cached_property
    def concat_pager(self) -> ScriptPager | None:
        """A page URL a script assembles by concatenation (scriptpager.py), if any."""
        return parse_script_pager(self._scripts)

    @property
    def pager_unresolved(self) -> str | None:
        """Why the page's script pager gives no next page although it builds page URLs
        (`unresolved_variable`, `empty_part`); None when it resolves or there is none. The
        crawl counts it as `pagination_stopped/unresolved_pager`."""
        if self._next_page_link is not None or self.script_pager or self.countdown_pager:
            return None
        return self.concat_pager.unresolved if self.concat_pager else None

    def _scripted_next_page(self) -> str | None:
        """Next page of a pager that builds its links in a script (`location.href =
        'index_' + i + '.html'`, `"Column.shtml?p5=28&p7=" + pageNo`, a list API's URL): the
        URL pattern from the script; the page number the script assigns its variable, else
        the current page (from the pager's text, 1 when it says none) plus one. A current
        page of 0 means the pager counts from 0 (TRS: `var currentPage = 0`)."""
        pager = self.concat_pager
        if pager is None or pager.url is None:
            return None
        current = self._current_page()
        total = self.total_pages()
        last = total - 1 if current == 0 and total is not None else total
        if last is not None and current >= last:
            return None
        number = script_number(self._scripts, pager.url.variable)
        if pager.url.api and not self.article_links:  # the list is the API's first reply
            number = pager.url.start or number or current
        elif number is None or number <= current:
            number = current + 1
        return urljoin(self.url, pager.url.page(number))

    def _current_page(self) -> int:
        match = _CURRENT_PAGE.search(self._pager_text)
        return int(next(group for group in match.groups() if group)) if match else 1

    @cached_property
    def _scripts(self) -> list[str]:
        return [str(text) for text in xpath("//script/text()")(self.selector.root)]

    @cached_property
    def _pager_text(self) -> str:
        """Text and scripts of the pager (of the whole page when no pager is declared)."""
        texts = xpath(".//text()")(self._pager_scope.root)
        return " ".join([*texts, *self._scripts])

    def total_pages(self) -> int | None:
        """Number of pages of the column, when the page says."""
        if self.script_pager:
            return self.script_pager.count
        if self.countdown_pager:
            return self.countdown_pager.count
        match = _PAGE_COUNT.search(self._pager_text)
        if match:
            return int(next(group for group in match.groups() if group))
        return script_page_count(self._pager_text)

    @property
    def _pager_scope(self) -> Selector:
        """The pager, else the whole page (`is None`: a Selector's truth value serialises it)."""
        pager = self._first_pager()
        return pager if pager is not None else self.selector

    def _first_pager(self) -> Selector | None:
        found = self.index.first(self.pager_css)
        return Selector(root=found, type="html") if found is not None else None
