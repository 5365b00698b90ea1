"""`auto`: crawl one column of any portal, with no registry row.

`scrapy crawl auto -a url=<column URL>` (or `govcrawl crawl --url …`) is a portal row built
from the URL: the column's host is its domain, its platform is `auto` (detected from the
first page, as for any `auto` row of the registry; `-a platform=<id>` skips detection) and
its region is `-a region=<6-digit code>`, else the first page's SiteIDCode (see
`PortalSpider._detected`), else null — a record with a wrong region would be worse.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from govcrawl.platforms import AUTO, crawl_platform_ids
from govcrawl.registry.divisions import region_for_code
from govcrawl.registry.portals import Column, Portal
from govcrawl.spiders.base import PortalSpider


def check_column_url(url: str | None) -> str:
    """The column URL argument, or a clear ValueError."""
    try:
        parts = urlsplit(url or "")
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        raise ValueError(f"url must be a column's http(s) address, got {url!r}") from None
    if url is None or parts.scheme not in ("http", "https") or not host or " " in url:
        raise ValueError(f"url must be a column's http(s) address, got {url!r}")
    return url


def auto_portal(url: str, platform: str | None = None, region: str | None = None) -> Portal:
    """The row auto mode crawls: one column, its host, the platform given or `auto`."""
    url = check_column_url(url)
    known = crawl_platform_ids()
    if platform and platform not in known:
        raise ValueError(f"platform must be one of {', '.join(known)}, got {platform!r}")
    host = (urlsplit(url).hostname or "").lower()
    return Portal(
        name="auto",
        region=region_for_code(region) if region else None,
        domains=(host,),
        platform=platform or AUTO,
        columns=(Column(label="", url=url, platform=platform or AUTO),),
        status="auto",
    )


class AutoSpider(PortalSpider):
    """A `PortalSpider` whose row comes from its arguments, not from the registry."""

    name = "auto"

    def __init__(
        self,
        *args: Any,
        url: str | None = None,
        platform: str | None = None,
        region: str | None = None,
        **kwargs: Any,
    ) -> None:
        self.portal = auto_portal(url or "", platform, region)  # type: ignore[misc]
        super().__init__(*args, **kwargs)
        self.arguments.update({"url": url, "platform": platform, "region": region})
