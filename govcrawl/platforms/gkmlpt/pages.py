"""Guangdong gkmlpt (政府信息公开目录管理平台) page objects.

Template facts (DESIGN.md §1, corpus INDEX "gkmlpt"):

- `/gkmlpt/index` and `/gkmlpt/policy#<column>` are a JS app shell: no list in the HTML, only
  `window._CONFIG = {… SID: '<sid>', TREE: [{id, name, children, post_count …}] …}`.
- The list is JSON: `GET /gkmlpt/api/all/<column>?page=<n>&sid=<SID>` → `classify.post_count`
  and `articles[]` (`id`, `title`, `url`, `date`/`display_publish_time` as Unix seconds …),
  100 a page on the sites surveyed; some sites ignore `page` and repeat page 1.
- Detail pages `/gkmlpt/content/<a>/<b>/post_<id>.html` are server-rendered, with a metadata
  table 索引号 / 分类 / 发布机构 / 成文日期 / 名称 / 文号 / 发布日期 / 主题词 above the text.
  发布日期 is the publication date; 成文日期 is the signing date and never is.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any
from urllib.parse import parse_qs, urldefrag, urljoin, urlsplit

from parsel import Selector
from w3lib.url import add_or_replace_parameter

from govcrawl.extraction.article import ArticlePage
from govcrawl.extraction.dates import CHINA_TZ
from govcrawl.extraction.listing import WECHAT_HOSTS, ListingContext, ListingLink, ListingPage
from govcrawl.extraction.parse import parse_response
from govcrawl.extraction.text import normalize_space
from govcrawl.extraction.urls import join_url

_SID = re.compile(r"\bSID\s*:\s*[\"']?(\w+)")
_TREE = re.compile(r"\bTREE\s*:\s*(?=\[)")
_LABEL = re.compile(r"^(索引号|分类|发布机构|成文日期|名称|文号|发布日期|主题词)\s*[:：]?\s*(.*)$")
# Metadata table label → key of the record's `document` object.
DOCUMENT_KEYS = {
    "索引号": "index_number",
    "文号": "document_number",
    "发布机构": "publisher",
    "成文日期": "signed_date",
}


@dataclass(frozen=True, slots=True)
class GkmlptConfig:
    """What the app shell's `window._CONFIG` says: the site id and the column tree."""

    sid: str
    tree: list[dict[str, Any]]

    def column(self, column_id: str) -> dict[str, Any] | None:
        """The tree node of a column, searched depth-first."""
        pending = list(self.tree)
        while pending:
            node = pending.pop(0)
            if str(node.get("id")) == column_id:
                return node
            pending[:0] = node.get("children") or []
        return None


def parse_config(html: str) -> GkmlptConfig | None:
    """`window._CONFIG` of an app shell page; None when the page has no SID."""
    start = html.find("_CONFIG")
    if start < 0:
        return None
    sid = _SID.search(html, start)
    if not sid:
        return None
    tree: list[dict[str, Any]] = []
    found = _TREE.search(html, start)
    if found:
        try:
            tree, _ = json.JSONDecoder().raw_decode(html, found.end())
        except ValueError:
            tree = []
    return GkmlptConfig(sid.group(1), tree)


def api_url(shell_url: str, column_id: str, sid: str) -> str:
    """First list API page of a column, beside the shell's `/gkmlpt/` folder."""
    return urljoin(shell_url, f"api/all/{column_id}?page=1&sid={sid}")


def _json_object(text: str | None) -> dict[str, Any]:
    try:
        data = json.loads(text or "")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _shown_time(value: Any) -> str | None:
    """API times (Unix seconds, or already text) → `YYYY-MM-DD HH:MM:SS` in Asia/Shanghai."""
    if isinstance(value, int | float) and value > 0:
        return datetime.fromtimestamp(value, CHINA_TZ).strftime("%Y-%m-%d %H:%M:%S")
    return normalize_space(str(value)) if value else None


class GkmlptListingPage(ListingPage):
    """One page of the JSON list API.

    `seen` (articles on the earlier pages) and `ids` (ids on the page before) are carried
    from the page before (`ListingContext.carried`): the API's count and its habit of
    repeating page 1 are only visible across pages.
    """

    def __init__(
        self,
        url: str,
        selector: Selector,
        context: ListingContext | None = None,
        *,
        data: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(url, selector, context)
        # JSON must be read from the served text: an HTML parser mangles markup in strings.
        self.data = data if data is not None else _json_object(selector.xpath("string()").get())
        self.seen_before: int = self.context.carried.get("seen", 0)
        self.previous_ids: tuple[str, ...] = tuple(self.context.carried.get("ids", ()))

    @classmethod
    def from_response(cls, response: Any, context: ListingContext | None = None) -> ListingPage:
        data = _json_object(response.text)
        return cls(response.url, parse_response(response), context, data=data)

    @cached_property
    def articles(self) -> list[dict[str, Any]]:
        return [a for a in self.data.get("articles") or [] if isinstance(a, dict) and a.get("url")]

    @cached_property
    def ids(self) -> tuple[str, ...]:
        return tuple(str(a.get("id") or a["url"]) for a in self.articles)

    @property
    def repeats_previous(self) -> bool:
        """The site ignored `page` and served the page before again."""
        return bool(self.ids) and self.ids == self.previous_ids

    def post_count(self) -> int | None:
        count = (self.data.get("classify") or {}).get("post_count")
        return int(count) if isinstance(count, int | str) and str(count).isdigit() else None

    @cached_property
    def article_links(self) -> list[ListingLink]:
        if self.repeats_previous:
            return []
        links = []
        for article in self.articles:
            joined = join_url(self.url, str(article.get("url") or ""))
            if joined is None:  # a malformed link costs only itself
                continue
            url = urldefrag(joined)[0]
            host = (urlsplit(url).hostname or "").lower()
            shown = article.get("display_publish_time") or article.get("date")
            links.append(
                ListingLink(
                    url=url,
                    title=normalize_space(article.get("title") or ""),
                    date=_shown_time(shown),
                    offsite=host not in self.site_hosts,
                    wechat=host in WECHAT_HOSTS,
                )
            )
        return links

    def seen(self) -> int:
        """Articles listed up to and including this page."""
        return self.seen_before + len(self.articles)

    def next_page(self) -> str | None:
        """The next API page, until a page is empty or repeated or the count is reached."""
        count = self.post_count()
        reached = count is not None and self.seen() >= count
        if not self.articles or self.repeats_previous or reached:
            return None
        page = int(parse_qs(urlsplit(self.url).query).get("page", ["1"])[0])
        return add_or_replace_parameter(self.url, "page", str(page + 1))

    def total_pages(self) -> int | None:
        count, size = self.post_count(), len(self.articles)
        if count is None or not size or self.seen_before:
            return None
        return -(-count // size)


class GkmlptArticlePage(ArticlePage):
    extractor = "gkmlpt"
    title_css = ("h1.title", ".content h1", ".article-title")
    info_css = (".article-info", ".date-row")
    body_css = (".article-content", "#zoomcon", ".content-text")
    breadcrumb_css = (".crumb", ".position", ".location")

    @cached_property
    def metadata(self) -> dict[str, str]:
        """The metadata table: label → value, for `label：value` cells and label|value pairs."""
        values: dict[str, str] = {}
        cells = self.selector.xpath(
            "//table[.//*[contains(text(), '索引号')]]//*[self::td or self::th]"
        )
        texts = [normalize_space(" ".join(cell.xpath(".//text()").getall())) for cell in cells]
        for index, text in enumerate(texts):
            match = _LABEL.match(text)
            if not match or match.group(1) in values:
                continue
            label, value = match.groups()
            if not value and index + 1 < len(texts) and not _LABEL.match(texts[index + 1]):
                value = texts[index + 1]
            values[label] = value
        return values

    def document(self) -> dict[str, str | None] | None:
        """The record's `document` object (the clean pipeline normalises 成文日期)."""
        if not self.metadata:
            return None
        return {key: self.metadata.get(label) or None for label, key in DOCUMENT_KEYS.items()}

    def date_candidates(self) -> list[tuple[str, str]]:
        shown = self.metadata.get("发布日期")
        rest = [c for c in super().date_candidates() if c[0] != "page" or not shown]
        return [("page", shown), *rest] if shown else rest

    @cached_property
    def source(self) -> str | None:
        return self.metadata.get("发布机构") or super().source

    def fields(self) -> dict[str, Any]:
        return {**super().fields(), "document": self.document()}
