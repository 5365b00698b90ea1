"""Article page objects: a fetched page → the fields of an article. Pure, no I/O.

`ArticlePage` holds the rules every government page shares (meta tags, labelled date and
source lines, bylines, widgets) and falls back to a text-density search for the body.
A platform module subclasses it and only declares where its template puts things.
"""

from __future__ import annotations

import re
from collections import defaultdict
from functools import cached_property
from typing import Any, ClassVar
from urllib.parse import urljoin, urlsplit

from lxml import etree
from parsel import Selector

from govcrawl.dates import PUBLICATION_LABELS, find_labelled_date
from govcrawl.pages.html import element_lines, element_text
from govcrawl.pages.meta import gov_meta
from govcrawl.text import fold, is_boilerplate, normalize_space

ATTACHMENT_EXTENSIONS = (
    ".pdf .doc .docx .xls .xlsx .wps .et .ppt .pptx .zip .rar .7z .ofd .txt .csv .tif"
).split()

# Byline and editor lines: 责任编辑：张三  /  （作者：李四 摄影：王五）  /  監審:盧永成 劉桂揚
_ROLES = {
    "责任编辑": "责任编辑",
    "責任編輯": "责任编辑",
    "编辑": "编辑",
    "編輯": "编辑",
    "作者": "作者",
    "记者": "记者",
    "記者": "记者",
    "通讯员": "通讯员",
    "通訊員": "通讯员",
    "摄影": "摄影",
    "攝影": "摄影",
    "监审": "监审",
    "監審": "监审",
    "审核": "审核",
    "審核": "审核",
    "初审": "初审",
    "初審": "初审",
    "复审": "复审",
    "複審": "复审",
    "终审": "终审",
    "終審": "终审",
    "校对": "校对",
    "校對": "校对",
    "撰稿": "撰稿",
    "审校": "审校",
    "審校": "审校",
    "文": "文",
    "图": "图",
    "圖": "图",
}
_ROLE = "|".join(sorted(map(re.escape, _ROLES), key=len, reverse=True))
_BYLINE_PART = re.compile(rf"({_ROLE})\s*[:：]\s*(.+?)(?=\s*(?:{_ROLE})\s*[:：]|$)")
_BYLINE_LINE = re.compile(rf"^[（(【\[]?\s*(?:{_ROLE})\s*[:：].*?[）)】\]]?$")
_NAME_SPLIT = re.compile(r"[\s、,，;；/]+")
_MAX_BYLINE_LEN = 60

_SOURCE_LABEL = re.compile(
    r"(?:信息来源|文章来源|稿件来源|来源|來源|发布机构|發布機構)\s*[:：]\s*([^\s|｜]*)"
)
# Labels that may follow a source on the same line without a space: 来源：本网阅读人次：-
_NEXT_LABEL = re.compile(
    r"(?:阅读|閱讀|浏览|瀏覽|点击|點擊|访问|字号|字體|字体|发布|發布|作者|时间|日期)"
)
_BREADCRUMB_LABEL = re.compile(
    r"^(?:您(?:当前|當前)?的?(?:位置|所在位置)|当前位置|當前位置|位置)\s*[:：]?\s*"
)
_SEPARATOR_ONLY = re.compile(r"^[>›»/\\\-|\s]+$")
_CLAUSE_PUNCTUATION = re.compile(r"[，。；、：！？,.;!?]")


def split_byline(line: str) -> list[dict[str, str]] | None:
    """Contributors named by a byline line, or None when the line is not a byline."""
    line = normalize_space(line)
    if len(line) > _MAX_BYLINE_LEN or not _BYLINE_LINE.match(line):
        return None
    inner = line.strip("（()）【】[] ")
    contributors = []
    for role, names in _BYLINE_PART.findall(inner):
        for name in _NAME_SPLIT.split(names.strip("（()）【】[] ")):
            if name:
                contributors.append({"role": _ROLES[role], "name": name})
    return contributors or None


class ArticlePage:
    """Fields of an article page. Subclasses declare CSS selectors, tried in order."""

    extractor: ClassVar[str] = "generic"
    title_css: ClassVar[tuple[str, ...]] = ()
    info_css: ClassVar[tuple[str, ...]] = ()
    body_css: ClassVar[tuple[str, ...]] = ()
    breadcrumb_css: ClassVar[tuple[str, ...]] = ()
    # Containers inside the body that are widgets, not text (share bars, related lists…).
    widget_css: ClassVar[tuple[str, ...]] = (
        ".bdsharebuttonbox",
        ".share",
        ".fenxiang",
        ".xgwz",
        ".related",
        ".print",
        ".pages",
        "#share",
        ".bshare-custom",
        ".jiathis_style",
    )

    def __init__(self, url: str, selector: Selector) -> None:
        self.url = url
        self.selector = selector

    @classmethod
    def from_response(cls, response: Any) -> ArticlePage:
        """Page object for a Scrapy `TextResponse`."""
        return cls(response.url, response.selector)

    @classmethod
    def from_html(cls, html: str | bytes, url: str) -> ArticlePage:
        """Page object for saved HTML (bytes are decoded by their meta charset, else UTF-8)."""
        from scrapy.http import HtmlResponse

        body = html.encode("utf-8") if isinstance(html, str) else html
        return cls.from_response(HtmlResponse(url=url, body=body))

    # --- helpers -----------------------------------------------------------------------

    def _first(self, selectors: tuple[str, ...]) -> Selector | None:
        for css in selectors:
            found = self.selector.css(css)
            if found:
                return found[0]
        return None

    @cached_property
    def meta(self) -> dict[str, str]:
        return gov_meta(self.selector)

    def absolute(self, href: str) -> str:
        return urljoin(self.url, href.strip())

    # --- body ----------------------------------------------------------------------------

    @cached_property
    def body_node(self) -> Selector | None:
        """The article body: the platform's container, else the densest block of prose."""
        return self._first(self.body_css) or self._densest_block()

    @cached_property
    def used_platform_body(self) -> bool:
        return self._first(self.body_css) is not None

    def _densest_block(self) -> Selector | None:
        """The element whose own paragraphs and text lines hold the most prose.

        Each paragraph counts once, towards its parent, so the search is linear in the page
        (a page of deeply nested tags stays cheap) and a container does not win merely by
        enclosing the real body together with navigation.
        """
        scores: dict[etree._Element, float] = defaultdict(float)
        for node in self.selector.xpath(
            "//body//*[self::p or self::br or self::div[not(.//div or .//p)]]"
        ):
            root = node.root
            parent = root.getparent()
            if parent is None or parent.tag in ("body", "html"):
                continue
            text = (root.tail or "") if root.tag == "br" else "".join(root.itertext())
            text = normalize_space(text)
            links = "".join(a.text_content() for a in root.iter("a")) if root.tag != "br" else ""
            scores[parent] += (
                len(_CLAUSE_PUNCTUATION.findall(text)) * 10 + len(text) - 2 * len(links)
            )
        if not scores:
            return None
        best = max(scores, key=scores.__getitem__)
        if scores[best] <= 0:
            return None
        return Selector(root=best, type="html")

    @cached_property
    def _widget_nodes(self) -> frozenset[etree._Element]:
        if self.body_node is None:
            return frozenset()
        return frozenset(node.root for css in self.widget_css for node in self.body_node.css(css))

    @cached_property
    def body_lines(self) -> list[str]:
        """Visible lines of the body, before bylines and headline repeats are taken out."""
        if self.body_node is None:
            return []
        return element_lines(self.body_node.root, self._widget_nodes)

    # --- fields --------------------------------------------------------------------------

    @cached_property
    def title(self) -> str | None:
        headline = self._first(self.title_css)
        for candidate in (
            element_text(headline.root) if headline is not None else None,
            self.meta.get("articletitle"),
            normalize_space(" ".join(self.selector.css("h1 ::text").getall())) or None,
            normalize_space(self.selector.xpath("string(//title)").get() or "") or None,
        ):
            if candidate:
                return candidate
        return None

    @cached_property
    def info_text(self) -> str:
        """The line(s) that carry 发布时间 / 来源: the platform's info block, else the page."""
        info = self._first(self.info_css)
        if info is not None:
            return element_text(info.root)
        root = self.selector.xpath("//body")
        return element_text(root[0].root) if root else ""

    def date_candidates(self) -> list[tuple[str, str]]:
        """Raw date strings in order of trust: shown on the page, meta PubDate, URL."""
        candidates = []
        shown = find_labelled_date(self.info_text, PUBLICATION_LABELS)
        if shown:
            candidates.append(("page", shown))
        if self.meta.get("pubdate"):
            candidates.append(("meta", self.meta["pubdate"]))
        candidates.append(("url", self.url))
        return candidates

    @cached_property
    def source(self) -> str | None:
        match = _SOURCE_LABEL.search(self.info_text)
        if match:
            value = _NEXT_LABEL.split(match.group(1))[0].strip("：:，,")
            if value:
                return value
        return self.meta.get("contentsource")

    @cached_property
    def breadcrumb(self) -> list[str]:
        node = self._first(self.breadcrumb_css)
        if node is None:
            return []
        crumbs = [
            normalize_space(_BREADCRUMB_LABEL.sub("", t)) for t in node.css("a ::text").getall()
        ]
        return [c for c in crumbs if c and not _SEPARATOR_ONLY.match(c)]

    @cached_property
    def channel(self) -> str | None:
        return self.meta.get("columnname") or (self.breadcrumb[-1] if self.breadcrumb else None)

    @cached_property
    def site_name(self) -> str | None:
        return self.meta.get("sitename")

    def text_and_contributors(self) -> tuple[list[str], list[dict[str, str]]]:
        """Body lines without widgets, headline repeats and bylines; bylines as contributors."""
        title = fold(self.title or "")
        lines, contributors = [], []
        for line in self.body_lines:
            byline = split_byline(line)
            if byline:
                contributors.extend(byline)
            elif fold(line) != title and not is_boilerplate(line):
                lines.append(line)
        return lines, contributors

    def images(self) -> list[dict[str, str | None]]:
        if self.body_node is None:
            return []
        images = []
        for img in self.body_node.css("img[src]"):
            src = img.attrib["src"].strip()
            if not src or src.startswith("data:"):
                continue
            caption = normalize_space(img.attrib.get("alt") or img.attrib.get("title") or "")
            images.append({"url": self.absolute(src), "caption": caption or None})
        return images

    def attachments(self) -> list[dict[str, str]]:
        if self.body_node is None:
            return []
        attachments = []
        for link in self.body_node.css("a[href]"):
            url = self.absolute(link.attrib["href"])
            path = urlsplit(url).path.lower()
            if path.endswith(tuple(ATTACHMENT_EXTENSIONS)):
                name = normalize_space(" ".join(link.css("::text").getall()))
                attachments.append({"url": url, "name": name or path.rsplit("/", 1)[-1]})
        return attachments

    def fields(self) -> dict[str, Any]:
        """Every article field this page gives (the spider adds portal, region, channel)."""
        lines, contributors = self.text_and_contributors()
        return {
            "url": self.url,
            "site_name": self.site_name,
            "channel": self.channel,
            "breadcrumb": self.breadcrumb,
            "title": self.title,
            "date_candidates": self.date_candidates(),
            "source": self.source,
            "contributors": contributors,
            "text": "\n".join(lines),
            "images": self.images(),
            "attachments": self.attachments(),
            "extractor": self.extractor if self.used_platform_body else "generic",
        }
