"""`auto`: crawl one column of any portal, with no registry row.

`scrapy crawl auto -a url=<column URL>` (or `govcrawl crawl --url …`) is a portal row built
from the URL: the column's host is its domain, its platform is `auto` (detected from the
first page, as for any `auto` row of the registry; `-a platform=<id>` skips detection) and
its region is `-a region=<6-digit code>`, else the first page's SiteIDCode (see
`PortalSpider._detected`), else null — a record with a wrong region would be worse.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any
from urllib.parse import urlsplit

from govcrawl.guards.addresses import forbidden_reason
from govcrawl.guards.requests import strip_credentials
from govcrawl.platforms import AUTO, crawl_platform_ids
from govcrawl.registry.divisions import region_for_code
from govcrawl.registry.portals import Column, Portal
from govcrawl.spiders.base import PortalSpider

_LABEL = re.compile(r"(?!-)[a-z0-9_-]{1,63}(?<!-)")


def _host_problem(host: str) -> str | None:
    """What is wrong with a URL's host (None: a DNS name or a public address literal)."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is not None:
        reason = forbidden_reason(address)
        return f"its address is not public ({reason})" if reason else None
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return "its host is no domain name"
    labels = ascii_host.removesuffix(".").split(".")
    if len(ascii_host) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        return "its host is no domain name"
    return None


def check_column_url(url: str | None) -> str:
    """The column URL argument without credentials, or a ValueError saying what is wrong
    (never another exception: the CLI turns it into one `error:` line).

    Refused: anything but http(s), whitespace or control characters, a malformed host
    (`http://[::1`, `http://exa mple.com/`, a full-width colon), a port out of range, a
    host that is not a domain name, an address literal that is not public. `user:pass@`
    is dropped: it would be copied into every record's URL."""
    invalid = f"url must be a column's http(s) address, got {url!r}"
    if not url or any(ord(c) <= 0x20 or ord(c) == 0x7F for c in url):
        raise ValueError(invalid)
    try:
        parts = urlsplit(url)
        host = parts.hostname
        port = parts.port
    except ValueError:
        raise ValueError(invalid) from None
    if parts.scheme not in ("http", "https") or not host or port == 0:
        raise ValueError(invalid)
    problem = _host_problem(host)
    if problem:
        raise ValueError(f"{invalid}: {problem}")
    return strip_credentials(url)


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
