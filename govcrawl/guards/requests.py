"""Which requests may be sent: the portal's own hosts, no credentials, bounded counts.

Downloader middlewares, so that every request is checked wherever it comes from: a listing
link, a redirect (Scrapy re-schedules redirects through the same chain), a retry, a
`<meta refresh>`. A refused request raises `IgnoreRequest` and is counted under
`refused/<reason>` for its portal (and `govcrawl/refused/<reason>` for the crawl), with one
log line naming its URL.
"""

from __future__ import annotations

import ipaddress
import logging
from collections import Counter
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CannotResolveHostError, IgnoreRequest
from twisted.internet.error import DNSLookupError

from govcrawl.guards.addresses import AddressPolicy, refusal_reason
from govcrawl.guards.counts import count, portal_of
from govcrawl.registry.portals import registry

logger = logging.getLogger(__name__)


@lru_cache(maxsize=4096)
def address_literal(host: str) -> str | None:
    """The IP address a host name spells, normalised (None for a name). Cached: a crawl
    asks this of the same few hosts twice a request, and `ip_address` raising ValueError
    for a name costs ~30 µs each time."""
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return None


def strip_credentials(url: str) -> str:
    """`url` without `user:password@` (a record's URL must never carry a secret)."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def allowed_hosts(request: Request, portal: str, spider: Any) -> frozenset[str] | None:
    """The hosts a portal's requests may go to: exactly its registry row's domains.

    Asked in order: the spider's `hosts_of(request)` (PortalSpider: the portal the request
    serves), the spider's own `portal` row, the registry, the spider's `allowed_domains`.
    None: unknown (the request is left to the off-site middleware)."""
    hook = getattr(spider, "hosts_of", None)
    hosts = hook(request) if callable(hook) else None
    if hosts is not None:
        return frozenset(h.lower() for h in hosts)
    own = getattr(spider, "portal", None)
    if own is not None and getattr(own, "name", None) in (portal, getattr(spider, "name", None)):
        return frozenset(h.lower() for h in own.domains)
    row = registry().get(portal)
    if row is not None:
        return frozenset(h.lower() for h in row.domains)
    domains = getattr(spider, "allowed_domains", None)
    return frozenset(d.lower() for d in domains) if domains else None


class StayInBoundsMiddleware:
    """Refuses requests that would leave the portal: another host (exact hosts only, so a
    redirect to `intranet.www.zijin.gov.cn` is refused although Scrapy's offsite check
    allows subdomains), a scheme other than http(s) (`file:`, `data:`, `ftp:`), or an
    address literal the resolver would refuse (`http://169.254.169.254/`). Strips
    `user:password@` from URLs (the request is re-issued without it). Counts the requests
    the resolver refused (`refused/address/<reason>`) when they fail.

    Checked when a request is scheduled (as Scrapy's OffsiteMiddleware does, and before
    it, so that the refusal is counted by reason and a refused request costs no queue
    space) and again before it is sent (requests that skip the scheduler, such as
    robots.txt). Unlike Scrapy's check, `dont_filter` does not exempt a request."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.policy = AddressPolicy.from_settings(crawler.settings)
        self._hosts: dict[str, frozenset[str] | None] = {}  # portal → its hosts

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StayInBoundsMiddleware:
        middleware = cls(crawler)
        crawler.signals.connect(middleware.request_scheduled, signal=signals.request_scheduled)
        return middleware

    def _refuse(self, request: Request, reason: str) -> IgnoreRequest:
        count(self.crawler, request, f"refused/{reason}")
        logger.warning("Refused (%s): %s", reason, request.url)
        return IgnoreRequest(f"refused ({reason}): {request.url}")

    def request_scheduled(self, request: Request, spider: Any) -> None:
        if strip_credentials(request.url) != request.url:
            return  # process_request re-issues it without the credentials
        try:
            self._check(request)
        except IgnoreRequest:
            dropped = getattr(spider, "dropped", None)  # the spider closes portals by what
            if dropped is not None:  # they have pending: a request dropped here is answered
                dropped(request, "refused")
            raise

    def process_request(self, request: Request) -> Request | None:
        clean = strip_credentials(request.url)
        if clean != request.url:
            count(self.crawler, request, "urls/credentials_stripped")
            return request.replace(url=clean)
        self._check(request)
        return None

    def _check(self, request: Request) -> None:
        """Raises IgnoreRequest (counted) for a request that would leave the portal."""
        parts = urlsplit(request.url)
        if parts.scheme not in ("http", "https"):
            raise self._refuse(request, "scheme")
        host = (parts.hostname or "").lower()
        literal = address_literal(host)
        if literal is not None:
            reason = self.policy.refusal(literal, parts.port or 0)
            if reason:
                raise self._refuse(request, f"address/{reason}")
        portal = portal_of(request, self.crawler.spider)
        if portal not in self._hosts:
            self._hosts[portal] = allowed_hosts(request, portal, self.crawler.spider)
        hosts = self._hosts[portal]
        if hosts is not None and host not in hosts:
            raise self._refuse(request, "host_not_allowed")

    def process_exception(self, request: Request, exception: BaseException) -> None:
        if isinstance(exception, (DNSLookupError, CannotResolveHostError)):
            reason = refusal_reason(urlsplit(request.url).hostname or "")
            if reason:
                count(self.crawler, request, f"refused/address/{reason}")
                logger.warning("Refused (address/%s): %s", reason, request.url)


class RequestBudgetMiddleware:
    """At most `GOVCRAWL_MAX_REQUESTS_PER_PORTAL` requests per portal (retries and
    redirects included; 0: no limit), so one portal gone wrong — a trap, a CMS answering
    every URL — cannot starve the others. Counted by the request's `portal` meta, else the
    spider's name; the excess is refused as `refused/request_budget`, logged once."""

    def __init__(self, crawler: Crawler, budget: int) -> None:
        self.crawler = crawler
        self.budget = budget
        self.sent: Counter[str] = Counter()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RequestBudgetMiddleware:
        return cls(crawler, crawler.settings.getint("GOVCRAWL_MAX_REQUESTS_PER_PORTAL"))

    def process_request(self, request: Request) -> None:
        if not self.budget:
            return
        portal = portal_of(request, self.crawler.spider)
        if self.sent[portal] >= self.budget:
            count(self.crawler, request, "refused/request_budget")
            if self.sent[portal] == self.budget:
                self.sent[portal] += 1  # log once
                logger.error("%s: request budget of %d spent", portal, self.budget)
            raise IgnoreRequest(f"request budget of {portal} spent: {request.url}")
        self.sent[portal] += 1


class ListingPagesMiddleware:
    """At most `GOVCRAWL_MAX_LISTING_PAGES` listing pages per column (0: no limit): the
    default bound behind `--max-pages`, against calendar traps and CMSs that answer any
    page number. Reads the page number from the request's listing context; the page past
    the bound is counted as `pagination_stopped/max_listing_pages`."""

    def __init__(self, crawler: Crawler, limit: int) -> None:
        self.crawler = crawler
        self.limit = limit

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ListingPagesMiddleware:
        return cls(crawler, crawler.settings.getint("GOVCRAWL_MAX_LISTING_PAGES"))

    def process_request(self, request: Request) -> None:
        from govcrawl.spiders.base import LISTING_META

        context = request.meta.get(LISTING_META)
        page = getattr(context, "page_number", 0)
        if self.limit and page > self.limit:
            count(self.crawler, request, "pagination_stopped/max_listing_pages")
            logger.warning("Column stopped at %d listing pages: %s", self.limit, request.url)
            raise IgnoreRequest(f"listing page {page} > {self.limit}: {request.url}")
