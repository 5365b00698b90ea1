"""Live progress per portal: in place on a terminal, one summary line per portal off it.

Scrapy's LogStats speaks once a minute for the whole crawl and never names a portal; an
operator watching `govcrawl crawl --all` wants to see which portals are moving. Counts come
from Scrapy signals (no polling of the spider): listing pages and articles fetched, records
written, records dropped and failed requests, per portal. A request's portal is its meta
`govcrawl_portal` when the crawl core sets it (one engine, many portals), else the spider's
name; a record's is its `portal` field.

The rendering is pure (`summary_line`, `render_table`), the extension only feeds and shows it.
It also moves Scrapy's settings and component dumps from INFO to DEBUG.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass, fields
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.table import Table
from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.utils.asyncio import create_looping_call
from scrapy.utils.log import get_scrapy_root_handler

from govcrawl.runs.portalrun import PORTAL_CLOSED, PortalRun
from govcrawl.spiders.base import ARTICLE_META, LISTING_META

logger = logging.getLogger(__name__)
PORTAL_META = "govcrawl_portal"
LIVE_REFRESH = 0.5  # seconds between redraws of the terminal view


@dataclass
class PortalProgress:
    listing_pages: int = 0
    articles: int = 0
    records: int = 0
    dropped: int = 0
    errors: int = 0

    def add(self, other: PortalProgress) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


def summary_line(portal: str, p: PortalProgress) -> str:
    return (
        f"{portal}: {p.listing_pages} listing pages, {p.articles} articles, "
        f"{p.records} records, {p.dropped} dropped, {p.errors} errors"
    )


def render_table(
    active: dict[str, PortalProgress], finished: int = 0, done: PortalProgress | None = None
) -> Table:
    """The terminal view: one row per active portal, then the totals of the whole crawl
    (`done`: what the portals already finished brought)."""
    table = Table(title="govcrawl", title_justify="left", expand=False)
    table.add_column("portal")
    for name in ("listing", "articles", "records", "dropped", "errors"):
        table.add_column(name, justify="right")
    total = PortalProgress()
    if done is not None:
        total.add(done)
    for portal, p in sorted(active.items()):
        total.add(p)
        style = "red" if p.errors or p.dropped else None
        table.add_row(portal, *_cells(p), style=style)
    table.add_section()
    table.add_row(f"{len(active)} active, {finished} done", *_cells(total), style="bold")
    return table


def _cells(p: PortalProgress) -> list[str]:
    return [str(p.listing_pages), str(p.articles), str(p.records), str(p.dropped), str(p.errors)]


class ProgressTracker:
    """Per-portal counters of the portals still crawling (a closed portal leaves the view)."""

    def __init__(self) -> None:
        self.active: dict[str, PortalProgress] = {}
        self.done = PortalProgress()  # counts of the portals already finished
        self.finished = 0

    def of(self, portal: str) -> PortalProgress:
        return self.active.setdefault(portal, PortalProgress())

    def close(self, portal: str) -> None:
        progress = self.active.pop(portal, None)
        if progress is not None:
            self.done.add(progress)
            self.finished += 1

    def lines(self) -> list[str]:
        return [summary_line(portal, p) for portal, p in sorted(self.active.items())]


class DemoteSettingsDumps(logging.Filter):
    """Scrapy's INFO dumps of overridden settings and enabled components → DEBUG (handlers
    at INFO then drop them; `--log-level DEBUG` still shows them)."""

    PREFIXES = ("Overridden settings", "Enabled ")

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.INFO and str(record.msg).startswith(self.PREFIXES):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return True


def demote_settings_dumps() -> None:
    for name in ("scrapy.crawler", "scrapy.middleware", "scrapy.addons"):
        target = logging.getLogger(name)
        if not any(isinstance(f, DemoteSettingsDumps) for f in target.filters):
            target.addFilter(DemoteSettingsDumps())


class _Display:
    """The process's one view: `govcrawl crawl` may run a crawler per portal in one process,
    and a terminal has room for one live table (rich allows one `Live` at a time). The first
    crawler to open starts it, the last to close stops it."""

    def __init__(self) -> None:
        self.tracker = ProgressTracker()
        self.users = 0
        self.loop: Any = None
        self.live: Live | None = None
        self.handler: logging.StreamHandler[Any] | None = None
        self.stream: Any = None

    def open(self, mode: str, interval: float) -> None:
        self.users += 1
        if self.users > 1:
            return
        if mode == "live":
            self.live = Live(
                render_table(self.tracker.active), console=Console(stderr=True), auto_refresh=False
            )
            self.live.start()
            self._log_above_the_view()
            self.loop = create_looping_call(self.redraw)
            self.loop.start(LIVE_REFRESH, now=False)
        else:
            self.loop = create_looping_call(self.log_lines)
            self.loop.start(interval, now=False)

    def _log_above_the_view(self) -> None:
        """Scrapy's log handler keeps the stderr it found; while the view is live, it writes
        through rich's proxy of stderr instead, so log lines scroll above the table."""
        handler = get_scrapy_root_handler()
        if isinstance(handler, logging.StreamHandler):
            self.handler, self.stream = handler, handler.setStream(sys.stderr)

    def redraw(self) -> None:
        if self.live is not None:
            tracker = self.tracker
            view = render_table(tracker.active, tracker.finished, tracker.done)
            self.live.update(view, refresh=True)

    def log_lines(self) -> None:
        for line in self.tracker.lines():
            logger.info("Progress %s", line)

    def close(self) -> None:
        self.users -= 1
        if self.users > 0:
            return
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        if self.live is not None:
            self.redraw()
            self.live.stop()
            self.live = None
        if self.handler is not None and self.stream is not None:
            self.handler.setStream(self.stream)
            self.handler = self.stream = None
        self.tracker = ProgressTracker()


_DISPLAY = _Display()


class Progress:
    """Extension: feed the process's progress view from signals.

    `GOVCRAWL_PROGRESS`: `auto` (a live view when stderr is a terminal, else lines), `live`,
    `lines`, `off`. `GOVCRAWL_PROGRESS_INTERVAL`: seconds between summary lines.
    """

    def __init__(
        self, crawler: Crawler, mode: str, interval: float, display: _Display | None = None
    ) -> None:
        self.mode = mode
        self.interval = interval
        self.display = display or _Display()
        self._downloaded: set[int] = set()
        connect = crawler.signals.connect
        connect(self.response_received, signal=signals.response_received)
        connect(self.response_downloaded, signal=signals.response_downloaded)
        connect(self.request_left_downloader, signal=signals.request_left_downloader)
        connect(self.item_scraped, signal=signals.item_scraped)
        connect(self.item_dropped, signal=signals.item_dropped)
        connect(self.portal_closed, signal=PORTAL_CLOSED)
        connect(self.spider_opened, signal=signals.spider_opened)
        connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Progress:
        demote_settings_dumps()
        mode = str(crawler.settings.get("GOVCRAWL_PROGRESS", "auto")).lower()
        if mode == "off":
            raise NotConfigured("GOVCRAWL_PROGRESS is off")
        if mode == "auto":
            mode = "live" if sys.stderr.isatty() else "lines"
        interval = crawler.settings.getfloat("GOVCRAWL_PROGRESS_INTERVAL", 30.0)
        return cls(crawler, mode, interval, _DISPLAY)

    @property
    def tracker(self) -> ProgressTracker:
        return self.display.tracker

    def _portal(self, request: Request, spider: Spider | None) -> str:
        return request.meta.get(PORTAL_META) or (spider.name if spider else "?")

    # --- counting ------------------------------------------------------------------------------

    def response_received(self, response: Response, request: Request, spider: Spider) -> None:
        progress = self.tracker.of(self._portal(request, spider))
        if response.status >= 400:
            progress.errors += 1
        elif LISTING_META in request.meta:
            progress.listing_pages += 1
        elif request.meta.get(ARTICLE_META):
            progress.articles += 1

    def response_downloaded(self, response: Response, request: Request, spider: Spider) -> None:
        self._downloaded.add(id(request))

    def request_left_downloader(self, request: Request, spider: Spider) -> None:
        """A request that leaves the downloader without a response failed (timeout, DNS …)."""
        if id(request) in self._downloaded:
            self._downloaded.discard(id(request))
        elif LISTING_META in request.meta or request.meta.get(ARTICLE_META):
            self.tracker.of(self._portal(request, spider)).errors += 1

    def item_scraped(self, item: Any, spider: Spider) -> None:
        self.tracker.of(str(item.get("portal") or spider.name)).records += 1

    def item_dropped(self, item: Any, spider: Spider) -> None:
        self.tracker.of(str(item.get("portal") or spider.name)).dropped += 1

    def portal_closed(self, portal_run: PortalRun) -> None:
        self.tracker.close(portal_run.portal)

    # --- showing -------------------------------------------------------------------------------

    def spider_opened(self, spider: Spider) -> None:
        self.display.open(self.mode, self.interval)

    def spider_closed(self, spider: Spider) -> None:
        self.display.close()
