"""Article page objects: a fetched page → the fields of an article. Pure, no I/O.

`ArticlePage` holds the rules every government page shares (meta tags, labelled date and
source lines, bylines, widgets) and falls back to a text-density search for the body.
A platform module subclasses it and only declares where its template puts things.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from functools import cached_property, partial
from typing import Any, ClassVar
from urllib.parse import urlsplit

from lxml import etree
from parsel import Selector

from govcrawl.extraction.bylines import split_byline
from govcrawl.extraction.dates import (
    PUBLICATION_LABELS,
    find_labelled_date,
    find_unlabelled_date,
)
from govcrawl.extraction.domindex import DomIndex
from govcrawl.extraction.html import (
    css,
    element_lines,
    element_text,
    join_cjk_lines,
    text_content,
    xpath,
)
from govcrawl.extraction.meta import gov_meta
from govcrawl.extraction.notarticle import not_article_reason
from govcrawl.extraction.parse import parse_response, parse_saved
from govcrawl.extraction.text import fold, is_boilerplate_line, normalize_space
from govcrawl.extraction.urls import join_url

ATTACHMENT_EXTENSIONS = (
    ".pdf .doc .docx .xls .xlsx .wps .et .ppt .pptx .zip .rar .7z .ofd .txt .csv .tif"
).split()
_ATTACHMENT_SUFFIXES = tuple(ATTACHMENT_EXTENSIONS)
# A box of files: a text that starts with 附件 / 附件下载 / 相关附件 (【附件】, 附件：).
_ATTACHMENT_LABEL_TEXT = ".//text()[contains(., '附件')]"
_ATTACHMENT_LABEL = re.compile(
    r"^\s*[【\[]?\s*(?:相关|相關)?附件(?:下载|下載|列表)?\s*\d*\s*[】\]]?\s*(?:[:：]|$)"
)

# A bare 来源 must start a label (数据来源：… inside a sentence is no source line).
_SOURCE_LABEL = re.compile(
    r"(?:信息来源|文章来源|稿件来源|来源单位|(?<![\u4e00-\u9fff])(?:来源|來源|稿源))"
    r"\s*[:：]\s*([^\s|｜]*)"
)
_PROSE = re.compile(r"[，。；！？].*[，。；！？]")  # a line of running text, not a label line
_PUBLISHER_LABEL = re.compile(
    r"(?:发布机构|發布機構|发布单位|發布單位|发布部门|發布部門)\s*[:：]\s*([^\s|｜]*)"
)
# Where a headline may be shown: headings, title-classed blocks (class or id containing
# one of these), and inside the body bold or centred blocks.
_HEADLINE_TAGS = ("h1", "h2", "h3", "h4")
_HEADLINE_CLASS_PARTS = ("title", "Title", "bt")
_HEADLINE_ID_PART = "title"
# Inside the body container a headline is a bold or centred block among the first ones.
_BODY_HEADLINE_CANDIDATES = (
    "(./*)[position() <= 3]/descendant-or-self::*[self::strong or self::b or self::font"
    " or @align='center' or contains(@style, 'center')]"
)
_MIN_HEADLINE, _MAX_HEADLINE = 4, 200
_HEADLINE_SLACK = 8  # spaces and footnote marks a repeated headline may carry
_FOOTNOTE_MARK = re.compile(r"(?:\[\d{1,2}\]|［\d{1,2}］)$")
_HEADLINE_MARK, _BODY_MARK = "\x00headline", "\x00body"
_MAX_INFO_LINES = 12
_MAX_FOOT_LINES = 3  # lines at the foot of the body that may be a 来源 line
_MAX_BELOW_TEXT = 500  # characters of a block below the body that may hold a 来源 line
_SOURCE_WORDS = ("来源", "來源", "稿源", "发布", "發布")  # in every label _below_body reads
_MAX_SCRIPTS = 50  # inline scripts kept for not-article detection
# Labels that may follow a source on the same line without a space: 来源：本网阅读人次：-
_NEXT_LABEL = re.compile(
    r"(?:阅读|閱讀|浏览|瀏覽|点击|點擊|访问|字号|字體|字体|发布|發布|作者|时间|日期)"
)
_BREADCRUMB_LABEL = re.compile(
    r"^(?:您(?:当前|當前)?的?(?:位置|所在位置)|当前位置|當前位置|位置)\s*[:：]?\s*"
)
_SEPARATOR_ONLY = re.compile(r"^[>›»/\\\-|\s]+$")
_CLAUSE_PUNCTUATION = re.compile(r"[，。；、：！？,.;!?]")


def _inside(element: etree._Element, container: etree._Element) -> bool:
    return element is container or any(a is container for a in element.iterancestors())


def _one_line(lines: list[str]) -> str:
    """Lines as one text; table cells (`label | value`) read as `label value`."""
    return " ".join(lines).replace(" | ", " ")


def _labelled_value(label: re.Pattern[str], text: str) -> str | None:
    match = label.search(text)
    if not match:
        return None
    return _NEXT_LABEL.split(match.group(1))[0].strip("：:，,") or None


class ArticlePage:
    """Fields of an article page. Subclasses declare CSS selectors, tried in order."""

    extractor: ClassVar[str] = "generic"
    # CSS selectors only this template's pages match: how `govcrawl extract` picks the
    # page class of a page from no declared portal (see pages/registry.py).
    signature_css: ClassVar[tuple[str, ...]] = ()
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

    def __init__(self, url: str, selector: Selector, index: DomIndex | None = None) -> None:
        """`selector` is consumed: scripts, styles and comments are stripped from it.
        `index` is the page's `DomIndex` when the caller has built one already."""
        self.url = url
        self.selector = selector
        self.index = index if index is not None else DomIndex(selector.root)
        scripts = (script.text for script in self.index.tag("script") if script.text)
        self._scripts = " ".join(list(scripts)[:_MAX_SCRIPTS])
        self.index.strip_invisible()

    @classmethod
    def shows_template(cls, index: DomIndex) -> bool:
        """Whether the page is built on this class's template (before comments are stripped)."""
        return any(index.select(selector) for selector in cls.signature_css)

    @classmethod
    def from_response(cls, response: Any) -> ArticlePage:
        """Page object for a Scrapy `TextResponse`."""
        return cls(response.url, parse_response(response))

    @classmethod
    def from_html(cls, html: str | bytes, url: str) -> ArticlePage:
        """Page object for saved HTML (bytes read as a crawl reads them: `parse_saved`)."""
        return cls(url, parse_saved(html, url))

    # --- helpers -----------------------------------------------------------------------

    def _first(self, selectors: tuple[str, ...]) -> Selector | None:
        found = self.index.first(selectors)
        return Selector(root=found, type="html") if found is not None else None

    @cached_property
    def meta(self) -> dict[str, str]:
        return gov_meta(self.selector)

    def absolute(self, href: str) -> str | None:
        """`href` made absolute; None for a malformed one (`http://[`), which is skipped."""
        return join_url(self.url, href)

    # --- body ----------------------------------------------------------------------------

    @cached_property
    def body_node(self) -> Selector | None:
        """The article body: the platform's container, else the densest block of prose."""
        # (`is not None`: a parsel Selector's truth value serialises the whole element)
        platform = self._platform_body
        return platform if platform is not None else self._densest_block()

    @cached_property
    def _platform_body(self) -> Selector | None:
        return self._first(self.body_css)

    @cached_property
    def used_platform_body(self) -> bool:
        return self._platform_body is not None

    def _densest_block(self) -> Selector | None:
        """The element whose own paragraphs and text lines hold the most prose.

        Each paragraph (`p`, a `div` holding no blocks, text after a `<br>`) counts once,
        towards its parent, so the search is one pass over the page and a container does
        not win merely by enclosing the real body together with navigation.
        """
        page = self._page_body
        if page is None:
            return None
        scores: dict[etree._Element, float] = defaultdict(float)
        for node in page.iter("p", "div", "br"):
            parent = node.getparent()
            if parent is None or parent is page:
                continue
            if node.tag == "br":
                text, links = node.tail or "", ""
            else:
                if node.tag == "div" and (
                    node.find(".//div") is not None or node.find(".//p") is not None
                ):
                    continue
                text = text_content(node)
                links = "".join(text_content(a) for a in node.iter("a"))
            text = fold(text)
            scores[parent] += (
                len(_CLAUSE_PUNCTUATION.findall(text)) * 10 + len(text) - 2 * len(links)
            )
        if not scores:
            return None
        best = max(scores, key=scores.__getitem__)
        return Selector(root=best, type="html") if scores[best] > 0 else None

    @cached_property
    def _page_body(self) -> etree._Element | None:
        root = self.selector.root
        return root.find("body") if root is not None and root.tag == "html" else None

    @cached_property
    def _widget_nodes(self) -> frozenset[etree._Element]:
        """Elements inside the body matching `widget_css`."""
        if self.body_node is None:
            return frozenset()
        body = self.body_node.root
        return frozenset(
            element
            for selector in self.widget_css
            for element in self.index.select(selector, body)
            if element is not body
        )

    @cached_property
    def body_lines(self) -> list[str]:
        """Visible lines of the body, before bylines and headline repeats are taken out."""
        if self.body_node is None:
            return []
        return element_lines(self.body_node.root, self._widget_nodes)

    # --- fields --------------------------------------------------------------------------

    @cached_property
    def _page_title(self) -> str:
        titles = self.index.tag("title")
        return normalize_space(text_content(titles[0])) if titles else ""

    @cached_property
    def headline_node(self) -> etree._Element | None:
        """The element showing the headline: the platform's, else the longest heading-like
        element whose text the `<title>` (or meta ArticleTitle) contains."""
        node = self._first(self.title_css)
        if node is not None:
            return node.root
        reference = fold(self._page_title + "\n" + self.meta.get("articletitle", ""))
        best, best_length = None, 0
        candidates = self._headline_candidates()
        if self.body_node is not None:
            candidates.extend(xpath(_BODY_HEADLINE_CANDIDATES)(self.body_node.root))
        for candidate in candidates:
            text = fold(text_content(candidate))
            fits = _MIN_HEADLINE <= len(text) <= _MAX_HEADLINE and len(text) > best_length
            if fits and text in reference:
                best, best_length = candidate, len(text)
        if best is None:  # nothing to compare with: the page's first top-level heading
            first_h1 = self.index.tag("h1")
            best = first_h1[0] if first_h1 else None
        return best

    def _headline_candidates(self) -> list[etree._Element]:
        """Headings and title-classed elements of the page, in document order."""
        index = self.index
        found = [element for tag in _HEADLINE_TAGS for element in index.tag(tag)]
        for token, elements in index.by_class.items():
            if any(part in token for part in _HEADLINE_CLASS_PARTS):
                found.extend(elements)
        for identifier, elements in index.by_id.items():
            if _HEADLINE_ID_PART in identifier:
                found.extend(elements)
        return index.in_document_order(found)

    @cached_property
    def title(self) -> str | None:
        """Headline as shown; meta ArticleTitle or `<title>` when no element shows it."""
        if self.headline_node is not None:
            text = join_cjk_lines(element_lines(self.headline_node))
            if text:
                return text
        for candidate in (
            self.meta.get("articletitle"),
            normalize_space(" ".join(self.selector.css("h1 ::text").getall())),
            self._page_title,
        ):
            if candidate:
                return candidate
        return None

    @cached_property
    def _info_node(self) -> Selector | None:
        return self._first(self.info_css)

    @cached_property
    def info_regions(self) -> list[str]:
        """Texts that may carry 发布时间 / 来源, most likely first: the platform's info block;
        else, around the headline and body, what the page shows between them, the lines just
        before the headline (信息公开 templates put their metadata table there) and the top of
        the body. Only the part of the page that holds headline and body is read: a date or
        a 来源 further away belongs to a sidebar or a footer."""
        if self._info_node is not None:
            return [element_text(self._info_node.root)]
        parts = self._region_lines
        regions = [parts["between"], parts["before"]] if parts["headline"] else [parts["before"]]
        regions.append(parts["body_top"])
        # Metadata tables put label and value in separate cells: read them as one line.
        return [_one_line(region) for region in regions if region]

    @cached_property
    def _headline_neighbours(self) -> str:
        """What the page shows right by the headline, where a date may stand unlabelled: the
        platform's info block, else the lines between headline and body and the line above
        the headline."""
        if self._info_node is not None:
            return element_text(self._info_node.root)
        parts = self._region_lines
        if not parts["headline"]:
            return ""
        return _one_line(parts["between"] + parts["before"][-1:])

    def _info_scope(self) -> etree._Element | None:
        """The element enclosing headline and body (one level up, for tables beside them)."""
        body = self.body_node.root if self.body_node is not None else None
        if body is None or self.headline_node is None:
            return self._page_body
        around_headline = set(self.headline_node.iterancestors())
        scope = next((node for node in body.iterancestors() if node in around_headline), None)
        if scope is None or scope is self._page_body:
            return self._page_body
        return scope.getparent() if scope.getparent() is not self._page_body else scope

    @cached_property
    def _region_lines(self) -> dict[str, list[str]]:
        """Lines between headline and body, before the headline (or, without a headline,
        before the body), and the info lines at the top of the body."""
        scope = self._info_scope()
        parts: dict[str, list[str]] = {"headline": [], "between": [], "before": [], "body_top": []}
        if scope is None:
            return parts
        marks = {}
        if self.headline_node is not None:
            marks[self.headline_node] = _HEADLINE_MARK
        body = self.body_node.root if self.body_node is not None else None
        if body is not None:
            marks[body] = _BODY_MARK
        lines = element_lines(scope, marks=marks, stop_at=body)
        end = lines.index(_BODY_MARK) if _BODY_MARK in lines else len(lines)
        if _HEADLINE_MARK in lines[:end]:
            headline = lines.index(_HEADLINE_MARK)
            parts["headline"] = [_HEADLINE_MARK]
            parts["between"] = lines[headline + 1 : end]
            parts["before"] = lines[max(0, headline - _MAX_INFO_LINES) : headline]
        else:
            parts["before"] = lines[max(0, end - _MAX_INFO_LINES) : end]
        if body is not None:  # an info line inside the body container sits above the prose
            top = self.body_lines[:_MAX_INFO_LINES]
            prose = next((i for i, line in enumerate(top) if _PROSE.search(line)), len(top))
            parts["body_top"] = top[:prose]
        return parts

    @cached_property
    def _below_body(self) -> str:
        """Short lines at the foot of the body and just after it (within the part of the
        page that holds headline and body), where some templates show 来源."""
        if self.body_node is None:
            return ""
        body = self.body_node.root
        foot = [
            line
            for line in self.body_lines[-_MAX_FOOT_LINES:]
            if any(w in line for w in _SOURCE_WORDS) and not _PROSE.search(line)
        ]
        scope = self._info_scope()
        after: list[str] = []
        node: etree._Element | None = body
        while node is not None and node is not scope and len(after) < _MAX_INFO_LINES:
            for sibling in node.itersiblings():
                text = text_content(sibling)  # one C pass decides whether to read its lines
                if len(text) <= _MAX_BELOW_TEXT and any(w in text for w in _SOURCE_WORDS):
                    after += element_lines(sibling, self._widget_nodes)
                if len(after) >= _MAX_INFO_LINES:
                    break
            node = node.getparent()
        return _one_line(foot + after[:_MAX_INFO_LINES])

    def _labelled(self, find: Callable[[str], str | None]) -> str | None:
        """The first value `find` reads from the info regions, in order."""
        for region in self.info_regions:
            value = find(region)
            if value:
                return value
        return None

    def date_candidates(self) -> list[tuple[str, str]]:
        """Raw date strings in order of trust: shown on the page (labelled, else unlabelled
        by the headline: `2018-04-19 17:32:17` in a detail line), meta PubDate, URL."""
        candidates = []
        shown = self._labelled(lambda text: find_labelled_date(text, PUBLICATION_LABELS))
        shown = shown or find_unlabelled_date(self._headline_neighbours)
        if shown:
            candidates.append(("page", shown))
        if self.meta.get("pubdate"):
            candidates.append(("meta", self.meta["pubdate"]))
        candidates.append(("url", self.url))
        return candidates

    @cached_property
    def source(self) -> str | None:
        """来源 as shown (发布机构 when the page shows no 来源) by the headline or, failing
        that, at the foot of the body or below it; else meta ContentSource. The site's own
        name is a source like any other when the page shows it as one."""
        for label in (_SOURCE_LABEL, _PUBLISHER_LABEL):
            value = self._labelled(partial(_labelled_value, label))
            if value:
                return value
        for label in (_SOURCE_LABEL, _PUBLISHER_LABEL):
            value = _labelled_value(label, self._below_body)
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
        return self._text_and_contributors

    @cached_property
    def _text_and_contributors(self) -> tuple[list[str], list[dict[str, str]]]:
        """Body lines without widgets, headline repeats and bylines; bylines as contributors.

        A headline repeated at the top of the body is dropped even when `<br>` splits it
        over several lines (each a piece of the title), or a footnote mark follows it.
        """
        title = fold(self.title or "")
        lines, contributors = [], []
        at_top = True
        for line in self.body_lines:
            # Lines (already normalised) much longer than the headline cannot repeat it.
            short = len(line) <= len(title) + _HEADLINE_SLACK
            folded = _FOOTNOTE_MARK.sub("", fold(line)) if at_top or short else None
            if at_top and title and folded and len(folded) >= _MIN_HEADLINE and folded in title:
                continue
            at_top = False
            byline = split_byline(line)
            if byline:
                contributors.extend(byline)
            elif folded != title and not is_boilerplate_line(line):
                lines.append(line)
        return lines, contributors

    def images(self) -> list[dict[str, str | None]]:
        if self.body_node is None:
            return []
        images = []
        for img in css("img[src]")(self.body_node.root):
            src = img.get("src", "").strip()
            if not src or src.startswith("data:"):
                continue
            url = self.absolute(src)
            if url is None:
                continue
            caption = normalize_space(img.get("alt") or img.get("title") or "")
            images.append({"url": url, "caption": caption or None})
        return images

    def attachments(self) -> list[dict[str, str]]:
        """Files linked in the body and in 附件 / 附件下载 / 相关附件 boxes beside it, with
        their names (a link to a download script counts when its text names a file)."""
        if self.body_node is None:
            return []
        links = list(css("a[href]")(self.body_node.root))
        for box in self._attachment_boxes():
            links += css("a[href]")(box)
        attachments, seen = [], set()
        for link in links:
            url = self.absolute(link.get("href", ""))
            if url is None:  # a malformed link costs only itself
                continue
            name = normalize_space(" ".join(link.itertext())) or normalize_space(
                link.get("title") or ""
            )
            path = urlsplit(url).path.lower()
            if url in seen or not (
                path.endswith(_ATTACHMENT_SUFFIXES) or name.lower().endswith(_ATTACHMENT_SUFFIXES)
            ):
                continue
            seen.add(url)
            attachments.append({"url": url, "name": name or path.rsplit("/", 1)[-1]})
        return attachments

    def _attachment_boxes(self) -> list[etree._Element]:
        """Elements beside the body (in the part of the page that holds headline and body)
        that a 附件 label heads: the label's element, or its parent when the links sit
        beside the label (`<h3>附件下载</h3><ul>…</ul>`)."""
        scope = self._info_scope()
        if scope is None or "附件" not in text_content(scope):  # one C pass: most pages say none
            return []
        body = self.body_node.root if self.body_node is not None else None
        boxes = []
        for text in xpath(_ATTACHMENT_LABEL_TEXT)(scope):
            if not _ATTACHMENT_LABEL.match(str(text)):
                continue
            box = text.getparent()
            if box is None or (body is not None and _inside(box, body)):
                continue
            if box.find(".//a") is None and box.getparent() is not None:
                box = box.getparent()
            boxes.append(box)
        return boxes

    def not_article_reason(self) -> str | None:
        """Why this page is no article (WAF challenge, soft-404, empty shell), or None."""
        text = "".join(self.text_and_contributors()[0])
        return not_article_reason(self._scripts, self._page_title, text)

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
