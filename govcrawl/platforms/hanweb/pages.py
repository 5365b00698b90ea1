"""Hanweb 大汉 JCMS page objects: `/col/col<N>/index.html` columns, `/art/Y/M/D/art_<N>_<id>.html`.

Template facts (DESIGN.md §1, corpus INDEX "Hanweb 大汉 JCMS", real page 01):

- A column page carries its first records inside `<script type="text/xml"><datastore>`, each
  `<record><![CDATA[<li>…</li>]]></record>`, invisible to an HTML parser; `<nextgroup>` links
  `/module/web/jpage/dataproxy.jsp` with the column's `webid`, `columnid`, `unitid`.
- Further records come from `dataproxy.jsp?startrecord=&endrecord=&perpage=&columnid=&unitid=
  &webid=` (GET), an XML `<datastore>` with `<totalrecord>` and the same `<record>`s.
- Articles wrap headline, source and body in `<!--<$[标题]>begin-->`, `<!--<$[信息来源]>begin-->`,
  `<!--<$[信息内容]>begin-->` markers; the body container is `#zoom`. The `Maketime` meta is the
  page's generation time, never a publication date (the base page never reads it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

from lxml import etree
from parsel import Selector

from govcrawl.extraction.article import ATTACHMENT_EXTENSIONS, ArticlePage
from govcrawl.extraction.domindex import DomIndex
from govcrawl.extraction.listing import ListingContext, ListingPage
from govcrawl.extraction.parse import parse_response
from govcrawl.extraction.text import normalize_space

_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S)
_TOTAL = re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>")
_NEXTGROUP = re.compile(r"<nextgroup>\s*<!\[CDATA\[.*?href=[\"']([^\"']+)", re.S)
_CONFIG_NUMBER = r"\b{}\s*[:=]\s*[\"']?(\d+)"
DATAPROXY_PATH = "/module/web/jpage/dataproxy.jsp"
_COLUMN_KEYS = ("columnid", "unitid", "webid")


@dataclass(frozen=True, slots=True)
class Datastore:
    """The records of a `<datastore>` block and what it says about the rest of the column."""

    records: list[str]
    total: int | None
    nextgroup: str | None


def parse_datastore(text: str) -> Datastore | None:
    """The first `<datastore>` in a column page's scripts or a dataproxy.jsp reply."""
    start = text.find("<datastore>")
    if start < 0:
        return None
    end = text.find("</datastore>", start)
    block = text[start : end if end > 0 else len(text)]
    total = _TOTAL.search(block)
    nextgroup = _NEXTGROUP.search(block)
    return Datastore(
        records=_RECORD.findall(block),
        total=int(total.group(1)) if total else None,
        nextgroup=nextgroup.group(1).replace("&amp;", "&") if nextgroup else None,
    )


def _config_number(text: str, *names: str) -> int | None:
    for name in names:
        match = re.search(_CONFIG_NUMBER.format(name), text, re.I)
        if match:
            return int(match.group(1))
    return None


class HanwebListingPage(ListingPage):
    """A column page (inline records) or a dataproxy.jsp reply (a range of records)."""

    pager_css = (".default_pgContainer", ".pagination")

    def __init__(
        self,
        url: str,
        selector: Selector,
        context: ListingContext | None = None,
        text: str | None = None,
    ) -> None:
        super().__init__(url, selector, context)
        # The records sit in CDATA that an HTML parser mangles: keep the text as served.
        self.text = text if text is not None else selector.get()

    @classmethod
    def from_response(cls, response: Any, context: ListingContext | None = None) -> ListingPage:
        return cls(response.url, parse_response(response), context, response.text)

    @cached_property
    def datastore(self) -> Datastore | None:
        return parse_datastore(self.text)

    def _items(self) -> list[Selector]:
        if self.datastore is None:
            return super()._items()
        bodies = (Selector(text=record).xpath("//body") for record in self.datastore.records)
        return [body[0] for body in bodies if body]

    @cached_property
    def _range(self) -> tuple[int, int, dict[str, str]] | None:
        """(first record, last record, column ids) of this page; None without a datastore."""
        if self.datastore is None:
            return None
        query = {k: v[0] for k, v in parse_qs(urlsplit(self.url).query).items()}
        if urlsplit(self.url).path.endswith(DATAPROXY_PATH) and "endrecord" in query:
            first, last = int(query.get("startrecord", "1")), int(query["endrecord"])
            return first, last, query
        if not self.datastore.nextgroup:
            return None
        group = {k: v[0] for k, v in parse_qs(urlsplit(self.datastore.nextgroup).query).items()}
        return 1, len(self.datastore.records), group

    def total_records(self) -> int | None:
        """Records in the column: the reply's `<totalrecord>`, else the page's jpage config."""
        if self.datastore and self.datastore.total is not None:
            return self.datastore.total
        return _config_number(self.text, "totalRecord", "totalrecord")

    def next_page(self) -> str | None:
        """The dataproxy.jsp URL of the next range of records, or None after the last one."""
        if self._range is None or not self.datastore or not self.datastore.records:
            return None
        first, last, ids = self._range
        size = last - first + 1
        total = self.total_records()
        if (total is not None and last >= total) or len(self.datastore.records) < size:
            return None
        per_page = int(ids.get("perpage") or 0) or _config_number(self.text, "perPage") or size
        query: dict[str, int | str] = {
            "startrecord": last + 1,
            "endrecord": last + size,
            "perpage": per_page,
        }
        query.update({key: ids[key] for key in _COLUMN_KEYS if ids.get(key)})
        return urljoin(self.url, f"{DATAPROXY_PATH}?{urlencode(query)}")

    def total_pages(self) -> int | None:
        total, per_page = self.total_records(), _config_number(self.text, "perPage", "perpage")
        if total is None or not per_page:
            return super().total_pages()
        return -(-total // per_page)


_MARKER = "$[{}]>begin"


def _marker(index: DomIndex, field: str) -> etree._Element | None:
    """The page's first JCMS `<!--<$[field]>begin-->` comment (read from the index)."""
    marker = _MARKER.format(field)
    return next((c for c in index.comments if marker in (c.text or "")), None)


def _marker_text(index: DomIndex, field: str) -> str | None:
    """The text between a JCMS `<!--<$[field]>begin-->` marker and its end marker."""
    comment = _marker(index, field)
    if comment is None:
        return None
    # (a compiled XPath refuses a comment as context; the element method takes it)
    texts = comment.xpath("following-sibling::text()[1]", smart_strings=False)
    return normalize_space(texts[0] if texts else "") or None


class HanwebArticlePage(ArticlePage):
    extractor = "hanweb"
    title_css = (".con-title", ".article-title", ".title")
    info_css = (".small-title", ".article-info", ".info")
    body_css = ("#zoom",)
    breadcrumb_css = (".position", ".location", ".crumb", ".dqwz")

    def __init__(self, url: str, selector: Selector, index: DomIndex | None = None) -> None:
        # The base page strips comments, the markers among them: read them first.
        index = index if index is not None else DomIndex(selector.root)
        self._marked = {field: _marker_text(index, field) for field in ("标题", "信息来源")}
        body_marker = _marker(index, "信息内容")
        self._marked_body = body_marker.getparent() if body_marker is not None else None
        super().__init__(url, selector, index)

    @classmethod
    def shows_template(cls, index: DomIndex) -> bool:
        """A JCMS article marks its body with a `<!--<$[信息内容]>begin-->` comment."""
        return _marker(index, "信息内容") is not None

    @cached_property
    def _platform_body(self) -> Selector | None:
        declared = self._first(self.body_css)
        if declared is not None or self._marked_body is None:
            return declared
        return Selector(root=self._marked_body, type="html")

    @cached_property
    def title(self) -> str | None:
        return self._marked["标题"] or super().title

    @cached_property
    def source(self) -> str | None:
        return self._marked["信息来源"] or super().source

    def attachments(self) -> list[dict[str, str]]:
        """Plain file links, plus JCMS `downfile.jsp?…&filename=<name>.<ext>` downloads."""
        found = super().attachments()
        if self.body_node is None:
            return found
        known = {attachment["url"] for attachment in found}  # named by their text already
        for link in self.body_node.css("a[href*='downfile.jsp']"):
            url = self.absolute(link.attrib["href"])
            if url is None or url in known:
                continue
            filename = parse_qs(urlsplit(url).query).get("filename", [""])[0]
            if filename.lower().endswith(tuple(ATTACHMENT_EXTENSIONS)):
                name = normalize_space(" ".join(link.css("::text").getall()))
                found.append({"url": url, "name": name or filename})
        return found
