"""Which CMS platform serves a page: URL shape and page markers, weighed, with the evidence.

Used by auto mode (`govcrawl crawl --url`, `scrapy crawl auto`), `govcrawl detect` and the
scaffold. Each rule is one fact from DESIGN.md §1 and the corpus INDEX "Platform facts"; a
platform's score is the sum of the weights of its rules that fire (capped at 1). A page
whose best score stays under `MIN_SCORE` is `generic`. Pure: no I/O, no crawler.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from dataclasses import dataclass, field
from functools import cache
from urllib.parse import urlsplit

GENERIC = "generic"
MIN_SCORE = 0.3
MIN_LINKS = 2  # a link shape counts only when the page repeats it (not one nav link)

# (platform, weight, evidence, pattern on the URL path)
_URL_RULES: tuple[tuple[str, float, str, re.Pattern[str]], ...] = (
    ("gkmlpt", 0.6, "URL path has /gkmlpt/", re.compile(r"/gkmlpt/")),
    (
        "gd-jyh",
        0.6,
        "URL matches /content/post_<id>.html",
        re.compile(r"/content/m?post_\d+\.html$"),
    ),
    ("yn-pc", 0.6, "URL matches /pc/list.html", re.compile(r"/pc/list(?:_\d+)?\.html$")),
    (
        "yn-pc",
        0.6,
        "URL matches /pc/content/…/content_<id>.html",
        re.compile(r"/pc/content/(?:\d+/)?content_\d+\.html$"),
    ),
    ("trs", 0.6, "URL matches t<YYYYMMDD>_<id>.html", re.compile(r"/t\d{8}_\d+\.s?html$")),
    ("hanweb", 0.6, "URL matches /col/col<N>/", re.compile(r"/col/col\d+/")),
    (
        "hanweb",
        0.6,
        "URL matches /art/<Y>/<M>/<D>/art_<col>_<id>.html",
        re.compile(r"/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+\.html$"),
    ),
)

# (platform, weight, evidence, pattern on the page's source)
_PAGE_RULES: tuple[tuple[str, float, str, re.Pattern[str]], ...] = (
    (
        "gkmlpt",
        0.6,
        "window._CONFIG with SID",
        re.compile(r"window\._CONFIG\s*=\s*\{.*?\bSID\b", re.S),
    ),
    (
        "hanweb",
        0.6,
        '<script type="text/xml"><datastore>',
        re.compile(r"<script[^>]*type=[\"']text/xml[\"'][^>]*>\s*<datastore>", re.I),
    ),
    ("hanweb", 0.3, "/module/web/jpage/dataproxy.jsp", re.compile(r"/module/web/jpage/dataproxy")),
    ("trs", 0.3, "script createPageHTML(…)", re.compile(r"createPageHTML\s*\(")),
    ("trs", 0.4, "div.TRS_Editor", re.compile(r"class=[\"'][^\"']*\bTRS_Editor\b")),
)

# (platform, weight, shape shown in the evidence, pattern on an href)
_LINK_RULES: tuple[tuple[str, float, str, re.Pattern[str]], ...] = (
    ("gd-jyh", 0.5, "content/post_<id>.html", re.compile(r"(?:^|/)content/m?post_\d+\.html")),
    ("gkmlpt", 0.5, "/gkmlpt/content/<a>/<b>/post_<id>.html", re.compile(r"/gkmlpt/content/")),
    (
        "yn-pc",
        0.5,
        "pc/content/…/content_<id>.html",
        re.compile(r"pc/content/(?:\d+/)?content_\d+"),
    ),
    ("yn-pc", 0.3, "…/pc/list.html", re.compile(r"/pc/list\.html$")),
    ("trs", 0.5, "t<YYYYMMDD>_<id>.html", re.compile(r"/t\d{8}_\d+\.s?html$")),
    ("hanweb", 0.5, "art_<col>_<id>.html", re.compile(r"/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+")),
)

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
    found = [(p, w, text) for p, w, text, rule in _URL_RULES if rule.search(path)]
    if html is None:
        return found
    text = _page_text(html)
    found += [(p, w, shown) for p, w, shown, rule in _PAGE_RULES if rule.search(text)]
    hrefs = set(_HREF.findall(text))
    for platform, weight, shape, rule in _LINK_RULES:
        count = sum(1 for href in hrefs if rule.search(href.split("?", 1)[0]))
        if count >= MIN_LINKS:
            found.append((platform, weight, f"{count} links to {shape}"))
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


@cache
def platform_spiders() -> dict[str, type]:
    """Platform name → base spider, found by scanning `govcrawl.spiders.platforms`.

    Every module there is imported; each `PortalSpider` subclass it defines with a
    `platform` is registered, so a new platform module needs no entry anywhere else.
    """
    from govcrawl.spiders import platforms
    from govcrawl.spiders.base import PortalSpider

    found: dict[str, type] = {}
    for info in pkgutil.iter_modules(platforms.__path__, platforms.__name__ + "."):
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            defined_here = cls.__module__ == module.__name__
            if defined_here and issubclass(cls, PortalSpider) and cls.platform:
                found.setdefault(cls.platform, cls)
    return dict(sorted(found.items()))
