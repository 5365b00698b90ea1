"""Platforms: one folder per CMS platform, holding everything the platform knows.

Registering a platform is one line of `PLATFORM_MODULES`. Their order is the order in
which article templates are recognised on a page of no declared portal (`article_page_for`).
"""

from __future__ import annotations

import importlib
from functools import cache

from govcrawl.extraction.article import ArticlePage
from govcrawl.extraction.domindex import DomIndex
from govcrawl.platforms.base import Platform

PLATFORM_MODULES = (
    "govcn",
    "shanghai",
    "ucap",
    "trs",  # before Hanweb: TRS pages may carry the same 信息内容 markers
    "hanweb",
    "gd_jyh",
    "gkmlpt",
    "powereasy",
    "generic",
)
GENERIC = "generic"
AUTO = "auto"  # a registry row's platform when it is detected at run time


@cache
def platforms() -> dict[str, Platform]:
    """Platform id → platform, in recognition order."""
    found = {}
    for module in PLATFORM_MODULES:
        platform = importlib.import_module(f"{__name__}.{module}").PLATFORM
        found[platform.id] = platform
    return found


def platform_for(platform_id: str) -> Platform:
    """The platform of an id (KeyError for an unknown one)."""
    return platforms()[platform_id]


def crawl_platform_ids() -> list[str]:
    """Ids a registry row or `--platform` may name (besides `auto`)."""
    return [pid for pid, platform in platforms().items() if platform.crawls]


def article_page_for(index: DomIndex) -> type[ArticlePage]:
    """The page class of the template the indexed page is built on (generic when none)."""
    for platform in platforms().values():
        if platform.article_page is not ArticlePage and platform.article_page.shows_template(index):
            return platform.article_page
    return ArticlePage
