"""`auto`: crawl one column of any portal on a known platform, with no portal module.

`scrapy crawl auto -a url=<column URL>` (or `govcrawl crawl --url …`) fetches the column,
detects the platform from the response (`govcrawl.detect`), then hands the crawl to that
platform's base spider: a portal class is made on the fly (name `auto`, the column as its one
channel, the URL's host as its domain) and the page already fetched is fed to the callback of
the request that class would have sent first, so nothing is fetched twice and the platform's
listing, pagination and article logic runs unchanged.

Region: `-a region=<6-digit code>` when given; else the first six digits of the column
page's meta `SiteIDCode` (the national guideline's site code starts with the region code),
looked up in the division table; else `null` — the schema allows it, and a record with a
wrong region would be worse than one without. The run counts `govcrawl/auto/region_unknown`.
`-a platform=<name>` skips detection. Arguments `max_pages` and `since` work as everywhere.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response, TextResponse
from w3lib.url import canonicalize_url

from govcrawl.detect import GENERIC, detect_platform, platform_spiders
from govcrawl.divisions import region_for_code, region_from_site_code
from govcrawl.pages.meta import gov_meta
from govcrawl.region import Region
from govcrawl.spiders.base import PortalSpider


class _NoRegion:
    """Stands in for a portal's region when none is known: the record gets `region: null`."""

    def as_record(self) -> None:
        return None


def check_column_url(url: str | None) -> str:
    """The column URL argument, or a clear ValueError."""
    parts = urlsplit(url or "")
    if url is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"url must be a column's http(s) address, got {url!r}")
    return url


class AutoSpider(PortalSpider):
    """Detect the column's platform, then crawl it with that platform's base spider.

    A `PortalSpider` without a region: it takes the shared arguments and error counting, and
    stays out of the portal registry (`govcrawl list`, the per-portal tests).
    """

    name = "auto"

    def __init__(
        self,
        *args: Any,
        url: str | None = None,
        platform: str | None = None,
        region: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.url = check_column_url(url)
        if platform and platform not in platform_spiders():
            known = ", ".join(platform_spiders())
            raise ValueError(f"platform must be one of {known}, got {platform!r}")
        self.requested_platform = platform
        self.region_arg = region_for_code(region) if region else None
        # OffsiteMiddleware reads this when the spider opens: the column's own host only.
        self.allowed_domains = [urlsplit(self.url).hostname or ""]
        self.delegate: PortalSpider | None = None
        self.arguments.update({"url": self.url, "platform": platform, "region": region})

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield scrapy.Request(self.url, callback=self.parse_column, errback=self.on_request_error)

    def _region(self, response: Response, site_id_code: str | None) -> Region | _NoRegion:
        if self.region_arg is not None:
            return self.region_arg
        region = region_from_site_code(site_id_code)
        if region is None:  # no SiteIDCode, or one that is not a region code
            self.crawler.stats.inc_value("govcrawl/auto/region_unknown")
            self.logger.warning("No region for %s: records get region null", response.url)
            return _NoRegion()
        return region

    def portal_class(self, response: TextResponse) -> type[PortalSpider]:
        """A portal class for this column on the detected (or requested) platform."""
        detection = detect_platform(response.url, response.body)
        platform = self.requested_platform or detection.platform
        self.logger.info(
            "%s: platform %s (%s)", response.url, platform, "; ".join(detection.evidence)
        )
        self.crawler.stats.set_value("govcrawl/auto/platform", platform)
        self.arguments["detected_platform"] = detection.platform
        base = platform_spiders().get(platform) or platform_spiders().get(GENERIC, PortalSpider)
        meta = gov_meta(response.selector)
        region = self._region(response, detection.site_id_code)
        if isinstance(region, Region):
            self.arguments["region"] = region.code
        declarations = {
            "name": self.name,
            "chinese_name": meta.get("sitename", ""),
            "region": region,
            "allowed_domains": list(self.allowed_domains),
            "channels": {meta.get("columnname"): self.url},  # label None: channel from pages
        }
        return type(f"Auto{base.__name__}", (base,), declarations)

    async def parse_column(self, response: Response) -> AsyncIterator[Any]:
        """Detect, build the delegate, and give it the column page it would fetch first."""
        if not isinstance(response, TextResponse):
            self.crawler.stats.inc_value("govcrawl/not_html/listing")
            self.logger.error("Column page is not HTML: %s", response.url)
            return
        portal = self.portal_class(response)
        self.delegate = portal.from_crawler(
            self.crawler, max_pages=self.max_pages, since=self.since
        )
        column = canonicalize_url(self.url)
        async for request in self.delegate.start():
            if request.callback is None or canonicalize_url(request.url) != column:
                yield request
                continue
            result = request.callback(response.replace(request=request))
            if hasattr(result, "__aiter__"):
                async for output in result:
                    yield output
            else:
                for output in result or ():
                    yield output
