"""`PortalSpider`: crawl the columns of one portal or of thousands, in one engine.

The spider knows no platform: each column names one (or `auto`, detected from its first
page), and the platform's hooks say how its listings are read, when a column ends and which
page object reads an article. A portal is a registry row (`govcrawl.registry`);
`govcrawl.registry.spiderloader` makes one spider per row (`scrapy crawl gd_zijin`) and
`portals` crawls many rows (`govcrawl crawl --all`): the same code path for 1 and 2,842.

Many portals share one engine, so memory and descriptors follow the requests in flight,
not the number of portals: portals are started lazily by `start()`, at most
`GOVCRAWL_ACTIVE_PORTALS` at a time. Every request carries its portal (meta); a portal is
done when none of its requests or items is pending — then its `PortalRun` is closed,
`PORTAL_CLOSED` sent, its state freed and the next portal started. Politeness stays
Scrapy's per-domain download slots.

Crawl arguments are validated here once: `max_pages` (listing pages per column), `since`
(skip older articles), `full` (walk every listing page even when a page brings nothing new).
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from http import HTTPStatus
from typing import Any, ClassVar

import scrapy
from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.asyncio import call_later
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from govcrawl.extraction.dates import parse_date
from govcrawl.extraction.listing import ListingContext
from govcrawl.extraction.meta import gov_meta
from govcrawl.guards.traps import listing_trap_reason, url_trap_reason
from govcrawl.items import ArticleItem
from govcrawl.platforms import AUTO, platform_for
from govcrawl.platforms.base import NoListing
from govcrawl.platforms.detect import detect_platform
from govcrawl.record import url_hash
from govcrawl.registry.divisions import region_from_site_code
from govcrawl.registry.portals import Portal, registry
from govcrawl.registry.region import Region
from govcrawl.runs.output import interrupted_portals
from govcrawl.runs.portalrun import PortalRun, PortalRuns, portal_runs
from govcrawl.runs.revisit import conditional_headers, response_validator
from govcrawl.stores.seen import Latest, SeenStore, seen_store_for

ARTICLE_META = "govcrawl_article"  # request meta: this request fetches an article
LISTING_META = "govcrawl_listing"  # request meta: the ListingContext of a listing request
PORTAL_META = "govcrawl_portal"  # request meta: the name of the portal it serves
# Request meta of a listing page: the article links of the page before it (trap detection).
PREVIOUS_LINKS_META = "govcrawl_previous_links"
TICKET_META = "govcrawl_ticket"  # request meta: its number among the portal's pending ones
DEFAULT_ACTIVE_PORTALS = 64
# While `start()` waits for a portal to finish: how often it checks that the crawl still
# moves (a portal whose requests were lost without a callback must not block the run).
STALL_CHECK_SECONDS = 30.0


def parse_since(value: str | date | None) -> date | None:
    """`since` argument → date; a clear ValueError for anything but YYYY-MM-DD."""
    if value is None or isinstance(value, date):
        return value
    parsed = parse_date(str(value))
    if parsed is None:
        raise ValueError(f"since must be a date like 2020-04-01, got {value!r}")
    return parsed.date


def parse_max_pages(value: str | int | None) -> int | None:
    """`max_pages` argument → positive int (None: follow every page)."""
    if value is None:
        return None
    try:
        pages = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"max_pages must be a positive integer, got {value!r}") from None
    if pages < 1:
        raise ValueError(f"max_pages must be a positive integer, got {value!r}")
    return pages


def parse_full(value: str | bool | None) -> bool:
    """`full` argument → bool (`true`/`1`/`yes`, or a bool)."""
    if value is None or isinstance(value, bool):
        return bool(value)
    text = str(value).strip().lower()
    if text not in ("true", "1", "yes", "false", "0", "no", ""):
        raise ValueError(f"full must be true or false, got {value!r}")
    return text in ("true", "1", "yes")


def resolve_portals(value: str | Sequence[Portal] | None, own: Portal | None) -> list[Portal]:
    """The rows a spider crawls: its own (a one-row spider), registry names separated by
    commas, `all`, or `Portal` rows given directly (the CLI's selection)."""
    if value is None:
        if own is None:
            raise ValueError("portals must name registry rows (a,b,c or all)")
        return [own]
    if not isinstance(value, str):
        return list(value)
    every = registry()
    if value.strip() == "all":
        return list(every.values())
    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in every]
    if unknown or not names:
        raise ValueError(f"portals must name registry rows, unknown: {', '.join(unknown)}")
    return [every[name] for name in names]


def _fire(deferred: Deferred[None]) -> None:
    if not deferred.called:
        deferred.callback(None)


@dataclass(eq=False)
class PortalState:
    """A portal while it is crawled: its run, its region, and what is still pending."""

    portal: Portal
    run: PortalRun
    region: Region | None
    region_read: bool = False
    # Tickets of its requests given to the engine and not yet answered (callback or
    # errback run, or dropped by the scheduler), and its items not yet written or dropped.
    pending: set[int] = field(default_factory=set)
    items: int = 0
    starting: bool = True  # `start()` has not yielded all its first requests yet

    @property
    def name(self) -> str:
        return self.portal.name

    @property
    def done(self) -> bool:
        return not (self.starting or self.pending or self.items)


class PortalSpider(scrapy.Spider):
    """Crawls the columns of one or many portal rows in one engine."""

    name = "portals"
    # A one-row spider class's row (`spiderloader.spider_class`); None for `portals`.
    portal: ClassVar[Portal | None] = None

    def __init__(
        self,
        *args: Any,
        portals: str | Sequence[Portal] | None = None,
        max_pages: str | int | None = None,
        since: str | date | None = None,
        full: str | bool | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.portals = resolve_portals(portals, self.portal)
        self.max_pages = parse_max_pages(max_pages)
        self.since = parse_since(since)
        self.full = parse_full(full)
        self.allowed_domains = sorted({host for p in self.portals for host in p.domains})
        self._by_name = {portal.name: portal for portal in self.portals}
        self.arguments: dict[str, Any] = {
            "max_pages": self.max_pages,
            "since": self.since.isoformat() if self.since else None,
            "full": self.full,
        }
        self._states: dict[str, PortalState] = {}
        self._tickets = itertools.count(1)
        self._slot_freed: Deferred[None] | None = None
        self._events = 0  # bumped by every request or item accounted (see `_wait_for_room`)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> PortalSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.runs = portal_runs(crawler)
        spider.active_cap = max(
            1, crawler.settings.getint("GOVCRAWL_ACTIVE_PORTALS", DEFAULT_ACTIVE_PORTALS)
        )
        try:
            spider.store = seen_store_for(crawler)
        except NotConfigured:
            spider.store = None
        spider.revisit_days = crawler.settings.getint("GOVCRAWL_REVISIT_DAYS")
        connect = crawler.signals.connect
        connect(spider._request_dropped, signal=signals.request_dropped)
        connect(spider._request_reached_downloader, signal=signals.request_reached_downloader)
        connect(spider._response_received, signal=signals.response_received)
        connect(spider._item_done, signal=signals.item_scraped)
        connect(spider._item_dropped, signal=signals.item_dropped)
        connect(spider._item_error, signal=signals.item_error)
        connect(spider._spider_error, signal=signals.spider_error)
        connect(spider._spider_idle, signal=signals.spider_idle)
        connect(spider._spider_closed, signal=signals.spider_closed)
        return spider

    runs: PortalRuns
    store: SeenStore | None
    revisit_days: int
    active_cap: int

    # --- portals: start, account, close ------------------------------------------------

    @property
    def region(self) -> Region | None:
        """The region of a one-portal crawl (its first portal's, read from a page if need be)."""
        state = self._states.get(self.portals[0].name)
        return state.region if state else self.portals[0].region

    async def start(self) -> AsyncIterator[scrapy.Request]:
        """Each portal's column pages, starting a portal only when fewer than
        `GOVCRAWL_ACTIVE_PORTALS` are in flight."""
        for portal in self.portals:
            await self._wait_for_room()
            state = self._open_portal(portal)
            for column in portal.columns:
                context = ListingContext(
                    site_hosts=portal.domains, column=column.label, platform=column.platform
                )
                # dont_filter: a JOBDIR left by a killed run has the start URLs in its
                # requests.seen but no queue (Scrapy saves it only at a clean close).
                yield self._request(
                    state, column.url, self.parse_listing, {LISTING_META: context}, True
                )
            # The engine has scheduled the last request by the time it asks for more.
            state.starting = False
            self._finish_if_done(state)

    def _open_portal(self, portal: Portal) -> PortalState:
        run = self.runs.start(portal.name, self.arguments)
        state = PortalState(portal, run, portal.region)
        self._states[portal.name] = state
        self.count(state, "columns", len(portal.columns))
        return state

    def _state(self, meta: dict[str, Any]) -> PortalState:
        """The portal a request serves (a one-portal spider fed pages by tests: its own)."""
        name = meta.get(PORTAL_META) or self.portals[0].name
        state = self._states.get(name)
        if state is None:  # not started through `start()` (unit tests call callbacks)
            state = self._open_portal(self._by_name[name])
            state.starting = False
        return state

    def _request(
        self,
        state: PortalState,
        url: str,
        callback: Any,
        meta: dict[str, Any],
        dont_filter: bool = False,
    ) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=callback,
            errback=self.on_request_error,
            meta={**meta, PORTAL_META: state.name},
            dont_filter=dont_filter,
        )

    def count(self, state: PortalState, key: str, n: int = 1) -> None:
        """Count for the portal's run and the crawl's stats (`govcrawl/<key>`)."""
        self.runs.inc(state.name, key, n)

    def track(self, output: Any, meta: dict[str, Any]) -> None:
        """A request or item leaves the spider for the engine (see
        `govcrawl.middlewares.PortalAccountingMiddleware`): it is pending until answered."""
        if isinstance(output, scrapy.Request):
            name = output.meta.get(PORTAL_META)
            state = self._states.get(name) if name else None
            if state is not None:
                ticket = output.meta.setdefault(TICKET_META, next(self._tickets))
                state.pending.add(ticket)
                self._events += 1
        elif output is not None:
            state = self._states.get(meta.get(PORTAL_META) or self.portals[0].name)
            if state is not None:
                state.items += 1
                self._events += 1

    def answered(self, request: scrapy.Request) -> None:
        """The request's callback or errback has run, or the scheduler dropped it."""
        name = request.meta.get(PORTAL_META)
        state = self._states.get(name) if name else None
        if state is not None:
            state.pending.discard(request.meta.get(TICKET_META, 0))
            self._events += 1
            self._finish_if_done(state)

    def _finish_if_done(self, state: PortalState, reason: str = "finished") -> None:
        if state.done and self._states.get(state.name) is state:
            self._close_portal(state, reason)

    def _close_portal(self, state: PortalState, reason: str) -> None:
        del self._states[state.name]
        self.runs.close(state.name, reason)
        if self._slot_freed is not None:
            freed, self._slot_freed = self._slot_freed, None
            freed.callback(None)

    async def _wait_for_room(self) -> None:
        """Return once fewer than `active_cap` portals are open. Should the crawl stop
        moving (nothing downloading, nothing accounted for a while) while portals are
        open, they lost a request without a callback: close them rather than hang."""
        while len(self._states) >= self.active_cap:
            events = self._events
            self._slot_freed = freed = Deferred[None]()
            timer = call_later(STALL_CHECK_SECONDS, _fire, freed)
            await maybe_deferred_to_future(freed)
            timer.cancel()
            engine = self.crawler.engine
            if (
                self._events == events
                and len(self._states) >= self.active_cap
                and engine is not None
                and not engine.downloader.active
            ):
                for state in list(self._states.values()):
                    self.logger.warning(
                        "Portal %s: %d requests never answered; closing it",
                        state.name,
                        len(state.pending),
                    )
                    self.count(state, "portals_stalled")
                    self._close_portal(state, "stalled")

    def hosts_of(self, request: scrapy.Request) -> tuple[str, ...] | None:
        """The hosts the request's portal may be crawled on (None: it serves no portal)."""
        portal = self._by_name.get(request.meta.get(PORTAL_META) or "")
        return portal.domains if portal else None

    def dropped(self, request: scrapy.Request, why: str) -> None:
        """The engine dropped the request before any callback: it is answered."""
        state = self._states.get(request.meta.get(PORTAL_META) or "")
        if state is not None:
            self.count(state, f"requests_dropped/{why}")
            self.answered(request)

    def _request_dropped(self, request: scrapy.Request) -> None:
        self.dropped(request, "scheduler")

    def _request_reached_downloader(self, request: scrapy.Request) -> None:
        state = self._states.get(request.meta.get(PORTAL_META) or "")
        if state is not None:
            self.count(state, "requests")

    def _response_received(self, response: Response, request: scrapy.Request) -> None:
        state = self._states.get(request.meta.get(PORTAL_META) or "")
        if state is not None:
            self.count(state, f"responses/{response.status}")

    def _item_state(self, item: Any) -> PortalState | None:
        return self._states.get(ItemAdapter(item).get("portal") or "")

    def _item_done(self, item: Any) -> None:
        """An item was written or dropped: one less pending for its portal (whose run may
        close here, so whatever counts the item must be counted before)."""
        state = self._item_state(item)
        if state is not None and state.items:
            state.items -= 1
            self._events += 1
            self._finish_if_done(state)

    def _item_dropped(self, item: Any, exception: BaseException) -> None:
        """Drops by reason for the portal's run (the pipelines count the crawl's)."""
        state = self._item_state(item)
        if state is not None:
            reason = getattr(exception, "reason", None) or str(exception).partition(":")[0]
            state.run.inc(f"dropped/{reason}")
            state.run.inc("dropped")
        self._item_done(item)

    def _item_error(self, item: Any, failure: Failure) -> None:
        """A pipeline raised: the record is lost, which the summary must show."""
        state = self._item_state(item)
        if state is not None:
            self.count(state, f"item_errors/{failure.type.__name__}")
            self.count(state, "pages_lost")
        self._item_done(item)

    def _spider_error(self, failure: Failure, response: Response) -> None:
        """A callback raised: its page's records are lost, which the summary must show."""
        if isinstance(response, Response) and PORTAL_META in response.meta:
            state = self._states.get(response.meta[PORTAL_META])
            if state is not None:
                self.count(state, "pages_lost")
                self.count(state, f"spider_errors/{failure.type.__name__}")

    def _spider_idle(self) -> None:
        """Nothing is left to do: any portal still open had nothing pending."""
        for state in list(self._states.values()):
            self._close_portal(state, "finished")

    def _spider_closed(self, reason: str) -> None:
        """The crawl ends early (shutdown, closespider): the open portals end with it."""
        for state in list(self._states.values()):
            self._close_portal(state, reason)

    # --- callbacks --------------------------------------------------------------------

    def on_request_error(self, failure: Failure) -> None:
        """A page that could not be fetched: one log line and a count by error type.

        Requests refused by policy (robots.txt, off-site: `IgnoreRequest`) and pages the
        portal answers with a 4xx status are counted only; anything else (network errors,
        5xx after retries) is a page lost, which makes `govcrawl crawl` fail.
        """
        request = failure.request  # type: ignore[attr-defined]
        state = self._state(request.meta)
        kind = failure.type.__name__ if failure.type else "Error"
        self.count(state, f"request_errors/{kind}")
        if failure.check(HttpError):  # before IgnoreRequest, its base class
            if failure.value.response.status >= 500:
                self.count(state, "pages_lost")
            self.logger.warning("Could not fetch %s: %s", request.url, failure.getErrorMessage())
        elif failure.check(IgnoreRequest):
            self.logger.debug("Not fetched %s: %s", request.url, failure.getErrorMessage())
        else:
            self.count(state, "pages_lost")
            self.logger.error("Could not fetch %s: %s", request.url, failure.getErrorMessage())
        self.answered(request)

    def _older_than_since(self, shown: str | None) -> bool:
        """True when the listing's date for a link is before `since` (unknown: fetch it)."""
        if self.since is None or not shown:
            return False
        parsed = parse_date(shown)
        return parsed is not None and parsed.date < self.since

    def _first_page(
        self, state: PortalState, response: TextResponse, context: ListingContext
    ) -> ListingContext:
        """What a column's first page tells a row that leaves things open: the platform of an
        `auto` column, the column's label (meta ColumnName) when the row gives none, and the
        region (the page's SiteIDCode) when the row names none."""
        detection = detect_platform(response.url, response.body)
        if context.platform == AUTO:
            self.logger.info(
                "%s: platform %s (%s)",
                response.url,
                detection.platform,
                "; ".join(detection.evidence),
            )
            self.count(state, f"auto/platform/{detection.platform}")
            state.run.arguments["detected_platform"] = detection.platform
            context = replace(context, platform=detection.platform)
        if not context.column and response.selector.type == "html":
            context = replace(context, column=gov_meta(response.selector).get("columnname"))
        if state.region is None and not state.region_read:
            state.region_read = True
            state.region = region_from_site_code(detection.site_id_code)
            if state.region is None:
                self.count(state, "auto/region_unknown")
                self.logger.warning("No region for %s: records get region null", response.url)
            else:
                state.run.arguments["region"] = state.region.code
        return context

    def _stored(self, state: PortalState, hashes: list[str]) -> list[bool]:
        """Which of a listing page's articles an earlier run wrote (one batched lookup)."""
        if self.store is None or not hashes:
            return [False] * len(hashes)
        return self.store.stored(state.name, hashes)

    def _revisits(self, state: PortalState, stored: list[str]) -> dict[str, Latest]:
        """The stored articles still in their re-visit window (`govcrawl.runs.revisit`)."""
        if self.store is None or not stored or self.revisit_days <= 0:
            return {}
        latest = self.store.latest(state.name, stored)
        return {key: entry for key, entry in zip(stored, latest, strict=True) if entry}

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        """Article requests for the main list (those not stored before), then the next
        listing page unless the walk ends here."""
        state = self._state(response.meta)
        if not isinstance(response, TextResponse):
            self.count(state, "not_html/listing")
            self.logger.warning("Listing page is not HTML: %s", response.url)
            return
        context: ListingContext = response.meta[LISTING_META]
        if context.page_number == 1 and (
            context.platform == AUTO or not context.column or state.region is None
        ):
            context = self._first_page(state, response, context)
        platform = platform_for(context.platform)
        try:
            entry = platform.listing_entry(response)
        except NoListing as no_listing:
            self.count(state, f"no_listing/{no_listing.reason}")
            self.logger.error("%s", no_listing)
            return
        if entry is not None:
            yield self._request(state, entry, self.parse_listing, {LISTING_META: context})
            return
        page = platform.listing(response, context)
        self.count(state, "listing_pages")
        stop = platform.stop_reason(page, context)
        if stop:
            self.count(state, f"pagination_stopped/{stop}")
            self.logger.debug("Column ends (%s) at %s", stop, response.url)
            return
        links = page.article_links
        if not links:
            self.count(state, "listing_pages_without_links")
            self.logger.warning("No article links on listing page %s", response.url)
        old = 0
        wanted = []
        for link in links:
            if link.offsite:
                self.count(state, f"links_not_followed/{'wechat' if link.wechat else 'offsite'}")
            elif self._older_than_since(link.date):
                old += 1
                self.count(state, "links_not_followed/older_than_since")
            else:
                wanted.append(link)
        hashes = [url_hash(link.url) for link in wanted]
        stored = self._stored(state, hashes)
        stored_before = [key for key, known in zip(hashes, stored, strict=True) if known]
        revisits = self._revisits(state, stored_before)
        for link, key, known in zip(wanted, hashes, stored, strict=True):
            latest = revisits.get(key)
            if known and latest is None:
                continue
            meta = {
                ARTICLE_META: True,
                "platform": context.platform,
                "channel": context.column,
                "listing_date": link.date,
            }
            try:
                request = self._request(state, link.url, self.parse_article, meta)
            except ValueError as error:  # one bad link costs only itself
                self.count(state, "errors/bad_link")
                self.logger.warning("Bad link on %s: %r (%s)", response.url, link.url, error)
                continue
            if latest is not None:
                request.headers.update(conditional_headers(latest))
                request.meta["handle_httpstatus_list"] = [HTTPStatus.NOT_MODIFIED]
                self.count(state, "revisits/requested")
            yield request
        if stored_before:
            skipped = len(stored_before) - len(revisits)
            if skipped:
                self.count(state, "requests_skipped/stored_before", skipped)
            assert self.store is not None
            self.store.add(state.name, stored_before)  # seen again: its last-seen time
        next_url = page.next_page()
        if not next_url:
            if page.pager_unresolved:  # a pager the page shows but no rule could resolve
                self.count(state, "pagination_stopped/unresolved_pager")
                self.logger.warning(
                    "Pager not resolved (%s): %s", page.pager_unresolved, response.url
                )
            return
        shown = [link.url for link in links]
        trap = listing_trap_reason(response.meta.get(PREVIOUS_LINKS_META), shown, response.url)
        trap = trap or url_trap_reason(response.urljoin(next_url))
        if trap:
            self.count(state, f"pagination_stopped/{trap}")
            self.logger.warning("Column stopped (%s trap) at %s", trap, response.url)
        elif self.max_pages and context.page_number >= self.max_pages:
            self.count(state, "pagination_stopped/max_pages")
        elif links and old == len(links):
            self.count(state, "pagination_stopped/since")
        elif (
            stored_before
            and len(stored_before) == len(wanted)
            and not self.full
            # a run cut short stored pages in no order: walk on (govcrawl.runs.output)
            and state.name not in interrupted_portals(self.crawler)
        ):
            self.count(state, "pagination_stopped/nothing_new")
        else:
            yield self._request(
                state,
                response.urljoin(next_url),
                self.parse_listing,
                {
                    LISTING_META: context.following(platform.carry(page)),
                    PREVIOUS_LINKS_META: frozenset(shown),
                },
            )

    def parse_article(self, response: Response) -> Iterator[ArticleItem]:
        """The article's fields, with the portal's facts filled in."""
        state = self._state(response.meta)
        if response.status == HTTPStatus.NOT_MODIFIED:  # a re-visit: nothing changed
            self.count(state, "revisits/not_modified")
            return
        if not isinstance(response, TextResponse):
            self.count(state, "not_html/article")
            self.logger.warning("Article link is not an HTML page: %s", response.url)
            return
        page = platform_for(response.meta["platform"]).article_page.from_response(response)
        reason = page.not_article_reason()
        if reason:
            self.count(state, f"not_article/{reason}")
            self.logger.warning("Not an article (%s): %s", reason, response.url)
            return
        fields = page.fields()
        if response.meta.get("listing_date"):
            fields["date_candidates"].append(("listing", response.meta["listing_date"]))
        fields["channel"] = fields["channel"] or response.meta.get("channel")
        region = state.region.as_record() if state.region else None
        validator = response_validator(response)
        if validator and self.revisit_days > 0:  # for the writer: a later re-visit sends it
            state.run.validators[url_hash(response.url)] = validator
        yield ArticleItem(portal=state.name, region=region, **fields)
