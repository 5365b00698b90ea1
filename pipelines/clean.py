"""Clean: turn an extracted article into a version-1 record, or reject it with a reason.

`clean_article` is pure so that `govcrawl extract` produces exactly what a crawl writes.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler

from govcrawl.extraction.chinese import detect_script, to_simplified
from govcrawl.extraction.dates import ParsedDate, date_from_url, parse_date, strip_date_prefix
from govcrawl.extraction.text import clean_lines, fold, normalize_space
from govcrawl.record import SCHEMA_VERSION, content_hash, url_hash, utc_now_iso
from pipelines import Rejected, drop

logger = logging.getLogger(__name__)

# Separators between a headline and the site name in <title>: 标题_紫金县人民政府, 站名 | 标题.
_TITLE_SEPARATORS = re.compile(r"\s*(?:_|\||｜|-{1,2}|—{1,2}|–)\s*")
_SITE_WORDS = ("人民政府", "门户网站", "政府网", "政府门户", "中国政府网", "人民政府网")


def _strip_site_name(title: str, site_name: str | None) -> str:
    parts = [part for part in _TITLE_SEPARATORS.split(title) if part]
    if len(parts) < 2:
        return title

    def is_site(part: str) -> bool:
        return bool(site_name and fold(part) == fold(site_name)) or part.endswith(_SITE_WORDS)

    while len(parts) > 1 and is_site(parts[-1]):
        parts.pop()
    while len(parts) > 1 and is_site(parts[0]):
        parts.pop(0)
    if len(parts) == len(_TITLE_SEPARATORS.split(title)):
        return title  # nothing removed: keep the original separators
    return "_".join(parts) if len(parts) > 1 else parts[0]


def clean_title(title: str | None, site_name: str | None = None) -> str:
    """One-line headline without site-name affixes or a date prefix such as `03.05 `."""
    title = normalize_space(title or "")
    return strip_date_prefix(_strip_site_name(title, site_name)).strip()


def resolve_date(candidates: list[tuple[str, str]]) -> ParsedDate | None:
    """The first candidate that parses, in the order of trust the extractor gave.

    A year-less shown date (`03.05`) takes its year from the URL or the listing date.
    """
    context_year = None
    for origin, raw in candidates:
        parsed = date_from_url(raw) if origin == "url" else parse_date(raw)
        if parsed and origin in ("url", "listing"):
            context_year = parsed.date.year
            break
    for origin, raw in candidates:
        if origin == "url":
            parsed = date_from_url(raw)
        else:
            parsed = parse_date(raw, default_year=context_year)
        if parsed:
            return parsed
    return None


def _unique(entries: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    seen: set[Any] = set()
    unique = []
    for entry in entries or []:
        if entry.get(key) and entry[key] not in seen:
            seen.add(entry[key])
            unique.append(entry)
    return unique


def _clean_document(document: dict[str, Any] | None) -> dict[str, str | None] | None:
    """政府信息公开 metadata with its signing date normalised; None when the page shows none."""
    if not document:
        return None
    cleaned = {
        key: normalize_space(document.get(key) or "") or None
        for key in ("index_number", "document_number", "publisher", "signed_date")
    }
    signed = parse_date(cleaned["signed_date"] or "")
    cleaned["signed_date"] = signed.iso_date() if signed else None
    return cleaned if any(cleaned.values()) else None


def _repeats(line: str, folded_title: str) -> bool:
    """Whether a normalised line is the title again. Cheap tests first: it must start like
    the title and, single spaces apart, be about as long."""
    return (
        line[:1] == folded_title[:1]
        and len(folded_title) <= len(line) <= 2 * len(folded_title)
        and fold(line) == folded_title
    )


def clean_article(article: dict[str, Any], crawled_at: str | None = None) -> dict[str, Any]:
    """A complete record from an extracted article; raises `Rejected` when it cannot be one."""
    url = article.get("url") or ""
    site_name = normalize_space(article.get("site_name") or "") or None
    title = clean_title(article.get("title"), site_name)
    if not title:
        raise Rejected("no_title", url)
    lines = clean_lines((article.get("text") or "").split("\n"))
    folded_title = fold(title)
    lines = [line for line in lines if not _repeats(line, folded_title)]
    if not lines:
        raise Rejected("no_text", url)
    text = "\n".join(lines)
    candidates = [tuple(pair) for pair in article.get("date_candidates") or []]
    published = resolve_date(candidates)
    region = article.get("region") or None
    script = detect_script(title + "\n" + text)
    protect = tuple(n for n in (region or {}).values() if n and not n.isdigit())
    contributors = [
        {"role": normalize_space(c["role"]), "name": normalize_space(c["name"])}
        for c in article.get("contributors") or []
        if normalize_space(c.get("name", ""))
    ]
    return {
        "schema_version": SCHEMA_VERSION,
        "url_hash": url_hash(url),
        "url": url,
        "portal": article.get("portal"),
        "site_name": site_name,
        "region": region,
        "channel": normalize_space(article.get("channel") or "") or None,
        "breadcrumb": [c for c in map(normalize_space, article.get("breadcrumb") or []) if c],
        "title": title,
        "title_simplified": to_simplified(title, protect) if script == "zh-Hant" else None,
        "script": script,
        "published_date": published.iso_date() if published else None,
        "published_at": published.iso_datetime() if published else None,
        "source": normalize_space(article.get("source") or "") or None,
        "contributors": contributors,
        "text": text,
        "text_simplified": to_simplified(text, protect) if script == "zh-Hant" else None,
        "images": _unique(article.get("images") or [], "url"),
        "attachments": _unique(article.get("attachments") or [], "url"),
        "document": _clean_document(article.get("document")),
        "extractor": article.get("extractor") or "unknown",
        "crawled_at": crawled_at or utc_now_iso(),
        # Set by the crawl: the run that writes the line (CleanPipeline), and the version
        # when an edited article is written again (the dedupe pipeline).
        "run_id": None,
        "content_hash": content_hash(title, text),
        "version": 1,
        "replaces": None,
    }


class CleanPipeline:
    """Cleans each article into a record; drops (and counts) those with no title or text.

    An article whose date cannot be read is kept with `published_date` null, counted under
    `govcrawl/records_without_date` and logged: a record without a date beats a lost one
    or a wrong date.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        self.run_id = crawler.settings.get("GOVCRAWL_RUN_ID") or None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CleanPipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> dict[str, Any]:
        try:
            # A shallow view is enough: clean_article builds a new record, never mutates.
            record = clean_article(dict(ItemAdapter(item).items()))
        except Rejected as rejected:
            raise drop(self.stats, rejected.reason, rejected.detail) from None
        record["run_id"] = self.run_id or self.stats.get_value("govcrawl/run_id")
        self.stats.inc_value("govcrawl/cleaned")
        if record["published_date"] is None:
            self.stats.inc_value("govcrawl/records_without_date")
            shown = ItemAdapter(item).get("date_candidates") or "none"
            logger.warning("No parsable date for %s (candidates: %s)", record["url"], shown)
        return record
