"""Scrapy's spider loader over the registry: one spider per portal row, `portals`, `auto`.

`scrapy list`, `scrapy crawl <portal>`, Scrapyd and `govcrawl crawl` all find spiders here.
A row's spider is a `PortalSpider` subclass named after the row and bound to it (made on
first load, nothing imported per portal); a row that names an override gets that class.
Listing names reads no row and loading one builds only that row (`portals.Registry`), so
`scrapy list` and `scrapy crawl <portal>` do not grow with the registry.
`portals` is the `PortalSpider` itself, crawling many rows in one engine
(`scrapy crawl portals -a portals=gd_zijin,yn_guangnan`, or `-a portals=all`).
"""

from __future__ import annotations

import builtins
from functools import cache
from urllib.parse import urlsplit

from scrapy.http import Request
from scrapy.settings import BaseSettings
from scrapy.utils.misc import load_object

from govcrawl.registry.portals import Portal, portal_by_host, registry

AUTO_SPIDER = "govcrawl.spiders.auto.AutoSpider"
PORTALS_SPIDER = "govcrawl.spiders.base.PortalSpider"


@cache
def spider_class(portal: Portal) -> type:
    """The spider of a registry row: its override class, else a bound `PortalSpider`."""
    from govcrawl.spiders.base import PortalSpider

    if portal.override:
        return load_object(portal.override)
    return type(portal.name, (PortalSpider,), {"name": portal.name, "portal": portal})


class RegistrySpiderLoader:
    """Spiders by name: `auto`, or a registry row's (`scrapy.spiderloader.SpiderLoaderProtocol`)."""

    def __init__(self, settings: BaseSettings) -> None:
        self.settings = settings

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> RegistrySpiderLoader:
        return cls(settings)

    def load(self, spider_name: str) -> type:
        if spider_name == "auto":
            return load_object(AUTO_SPIDER)
        if spider_name == "portals":
            return load_object(PORTALS_SPIDER)
        try:
            return spider_class(registry()[spider_name])
        except KeyError:
            raise KeyError(f"Spider not found: {spider_name}") from None

    def list(self) -> builtins.list[str]:
        return [*registry(), "auto", "portals"]

    def find_by_request(self, request: Request) -> builtins.list[str]:
        portal = portal_by_host().get((urlsplit(request.url).hostname or "").lower())
        return [portal.name] if portal else []

    def __repr__(self) -> str:
        return f"<RegistrySpiderLoader of {len(registry())} portals>"
