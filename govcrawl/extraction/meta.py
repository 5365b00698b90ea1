"""The national guideline's meta tags (SiteName, ArticleTitle, PubDate, ContentSource …).

Casing varies between portals and some print the block twice (site level, then article
level): names are matched case-insensitively and the last non-empty value wins.
"""

from __future__ import annotations

from parsel import Selector

from govcrawl.extraction.html import xpath
from govcrawl.extraction.text import normalize_space


def gov_meta(selector: Selector) -> dict[str, str]:
    """Lower-cased meta name → value, for every named meta tag with content."""
    values: dict[str, str] = {}
    for meta in xpath("//meta[@name][@content]")(selector.root):
        name = (meta.get("name") or "").strip().lower()
        value = normalize_space(meta.get("content") or "")
        if name and value:
            values[name] = value
    return values
