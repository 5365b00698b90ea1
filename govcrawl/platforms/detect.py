"""Which CMS platform serves a page: URL shape and page markers, weighed, with the evidence.

Used by auto mode (`govcrawl crawl --url`, `scrapy crawl auto`) and `govcrawl detect`. The
rules live in each platform's folder (`Platform.url_rules` …); each is one fact from DESIGN.md
§1 and the corpus INDEX "Platform facts". A platform's score is the sum of the weights of
its rules that fire (capped at 1). A page whose best score stays under `MIN_SCORE` is
`generic`. Pure: no I/O, no crawler.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from govcrawl.platforms import GENERIC, platforms

MIN_SCORE = 0.3
MIN_LINKS = 2  # a link shape counts only when the page repeats it (not one nav link)

_HREF = re.compile(r"""href\s*=\s*["']([^"'<>\s]+)["']""", re.I)
_SITE_ID_CODE = re.compile(
    r"""<meta\b[^>]*\bname\s*=\s*["']SiteIDCode["'][^>]*\bcontent\s*=\s*["']\s*(\w+)""", re.I
)


@dataclass(frozen=True, slots=True)
class Detection:
    """The platform a page runs on, how sure we are (0–1), and why."""

    platform: str
    confidence: float
    evidence: list[str] = field(default_factory=list)
    site_id_code: str | None = None

    @property
    def region_code(self) -> str | None:
        """First six digits of meta SiteIDCode: the site's 统计用区划代码, when it has one."""
        code = (self.site_id_code or "")[:6]
        return code if len(code) == 6 and code.isdigit() and code[0] != "0" else None

    def as_dict(self) -> dict[str, object]:
        return {
            "platform": self.platform,
            "confidence": self.confidence,
            "evidence": list(self.evidence),
            "site_id_code": self.site_id_code,
            "region_code": self.region_code,
        }


def _page_text(html: bytes | str) -> str:
    """Source text for pattern rules; GBK pages decode as GB18030 (never raises)."""
    if isinstance(html, str):
        return html
    try:
        return html.decode("utf-8")
    except UnicodeDecodeError:
        return html.decode("gb18030", errors="replace")


def _evidence(url: str, html: bytes | str | None) -> list[tuple[str, float, str]]:
    """(platform, weight, evidence) for every rule that fires on the URL or the page."""
    path = urlsplit(url).path if "://" in url else url
    known = platforms().values()
    found = [
        (p.id, r.weight, r.evidence) for p in known for r in p.url_rules if r.pattern.search(path)
    ]
    if html is None:
        return found
    text = _page_text(html)
    found += [
        (p.id, r.weight, r.evidence) for p in known for r in p.page_rules if r.pattern.search(text)
    ]
    hrefs = {href.split("?", 1)[0] for href in _HREF.findall(text)}
    for platform in known:
        for rule in platform.link_rules:
            count = sum(1 for href in hrefs if rule.pattern.search(href))
            if count >= MIN_LINKS:
                found.append((platform.id, rule.weight, f"{count} links to {rule.evidence}"))
    return found


def detect_platform(url: str, html: bytes | str | None = None) -> Detection:
    """The platform of the page at `url` (its source `html`, when fetched) with evidence."""
    found = _evidence(url, html)
    site_id = _SITE_ID_CODE.search(_page_text(html)) if html is not None else None
    site_id_code = site_id.group(1) if site_id else None
    scores: dict[str, float] = {}
    for platform, weight, _ in found:
        scores[platform] = min(1.0, scores.get(platform, 0.0) + weight)
    best = max(scores, key=scores.__getitem__, default=None)
    if best is None or scores[best] < MIN_SCORE:
        evidence = [text for _, _, text in found] or ["no platform rule matched"]
        top = scores[best] if best else 0.0
        return Detection(GENERIC, round(1.0 - top, 2), evidence, site_id_code)
    # Evidence for rival platforms lowers the confidence in proportion.
    confidence = scores[best] * scores[best] / sum(scores.values())
    evidence = [text for platform, _, text in found if platform == best]
    evidence += [f"(also {text}: {platform})" for platform, _, text in found if platform != best]
    return Detection(best, round(confidence, 2), evidence, site_id_code)
