"""Listing page objects: a column page → its article links, the next page and the page count.

The main list is the group of sibling items (`li`, `tr`, `dd`) whose links carry a date;
menus, sidebars and hot lists rarely do, and lose to the longest such group. A platform
declares its list and pager selectors where it has them; script-only pagination
(`createPageHTML(n, cur, "index", "html")`) is read from the page's scripts.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar
from urllib.parse import urljoin, urlsplit

from parsel import Selector

from govcrawl.text import normalize_space

_DATE_IN_TEXT = re.compile(
    r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}日?|(?<!\d)\d{1,2}[-/.]\d{1,2}(?!\d)"
)
_NEXT_TEXTS = ("下一页", "下页", "下一頁", "后页", "後頁", "下一页>", "下一页 >", ">", "›", "»")
_CREATE_PAGE_HTML = re.compile(
    r"createPageHTML\(\s*(\d+)\s*,\s*(\d+)\s*,\s*[\"'](\w+)[\"']\s*,\s*[\"'](\w+)[\"']"
)
_PAGE_COUNT = re.compile(r"共\s*(\d+)\s*页|(?:totalPage|countPage|pageCount)\s*[:=]\s*(\d+)")
WECHAT_HOSTS = ("mp.weixin.qq.com", "weixin.qq.com")


@dataclass(frozen=True, slots=True)
class ListingLink:
    """One item of a column's main list."""

    url: str
    title: str
    date: str | None
    offsite: bool
    wechat: bool


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


class ListingPage:
    """Links and pagination of a listing page. Subclasses declare selectors, tried in order."""

    item_css: ClassVar[tuple[str, ...]] = ()
    pager_css: ClassVar[tuple[str, ...]] = ()

    def __init__(self, url: str, selector: Selector, site_hosts: tuple[str, ...] = ()) -> None:
        self.url = url
        self.selector = selector
        self.site_hosts = tuple(h.lower() for h in site_hosts) or (_host(url),)

    @classmethod
    def from_response(cls, response: Any, site_hosts: tuple[str, ...] = ()) -> ListingPage:
        return cls(response.url, response.selector, site_hosts)

    def _items(self) -> list[Selector]:
        for css in self.item_css:
            items = self.selector.css(css)
            if items:
                return list(items)
        groups: dict[Any, list[Selector]] = defaultdict(list)
        for item in self.selector.xpath("//body//*[self::li or self::tr or self::dd][.//a[@href]]"):
            text = " ".join(item.xpath(".//text()").getall())
            if _DATE_IN_TEXT.search(text):
                groups[item.root.getparent()].append(item)
        return max(groups.values(), key=len, default=[])

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
            url = urljoin(self.url, anchor.attrib["href"].strip())
            if url in seen:
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
    def _script_pager(self) -> tuple[int, int, str, str] | None:
        for script in self.selector.xpath("//script/text()").getall():
            match = _CREATE_PAGE_HTML.search(script)
            if match:
                count, current, name, ext = match.groups()
                return int(count), int(current), name, ext
        return None

    def next_page(self) -> str | None:
        """URL of the next listing page, or None on the last one."""
        scope = self._first_pager() or self.selector
        for anchor in scope.css("a[href]"):
            text = normalize_space("".join(anchor.css("::text").getall()))
            href = anchor.attrib["href"].strip()
            if (text in _NEXT_TEXTS or anchor.attrib.get("rel") == "next") and not href.startswith(
                ("javascript:", "#")
            ):
                url = urljoin(self.url, href)
                return None if url == self.url else url
        if self._script_pager:
            count, current, name, ext = self._script_pager
            if current + 1 < count:
                return urljoin(self.url, f"{name}_{current + 1}.{ext}")
        return None

    def total_pages(self) -> int | None:
        """Number of pages of the column, when the page says."""
        if self._script_pager:
            return self._script_pager[0]
        scope = self._first_pager() or self.selector
        match = _PAGE_COUNT.search(" ".join(scope.xpath(".//text()").getall()))
        if not match and scope is not self.selector:
            match = _PAGE_COUNT.search(" ".join(self.selector.xpath("//script/text()").getall()))
        return int(match.group(1) or match.group(2)) if match else None

    def _first_pager(self) -> Selector | None:
        for css in self.pager_css:
            found = self.selector.css(css)
            if found:
                return found[0]
        return None
