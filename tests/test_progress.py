"""Progress: per-portal counts from Scrapy signals, the summary lines and the terminal view."""

from __future__ import annotations

import logging

import pytest
from rich.console import Console
from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from govcrawl.runs.portalrun import PortalRun
from govcrawl.runs.progress import (
    PORTAL_META,
    DemoteSettingsDumps,
    PortalProgress,
    Progress,
    _Display,
    render_table,
    summary_line,
)
from govcrawl.spiders.base import ARTICLE_META, LISTING_META


class _Spider:
    name = "gd_zijin"


def _progress(mode: str = "lines") -> Progress:
    crawler = get_crawler(settings_dict={"GOVCRAWL_PROGRESS": mode})
    progress = Progress.from_crawler(crawler)
    progress.display = _Display()  # a fresh view per test, not the process's
    return progress


def _fetched(progress: Progress, meta: dict, status: int = 200) -> None:
    request = Request("http://www.zijin.gov.cn/a.html", meta=meta)
    response = HtmlResponse(request.url, status=status, request=request)
    progress.response_downloaded(response, request, _Spider())
    progress.response_received(response, request, _Spider())
    progress.request_left_downloader(request, _Spider())


def test_signals_feed_per_portal_counts():
    progress = _progress()
    _fetched(progress, {LISTING_META: object()})
    _fetched(progress, {ARTICLE_META: True})
    _fetched(progress, {ARTICLE_META: True, PORTAL_META: "yn_guangnan"})
    _fetched(progress, {ARTICLE_META: True}, status=404)
    failed = Request("http://www.zijin.gov.cn/b.html", meta={ARTICLE_META: True})
    progress.request_left_downloader(failed, _Spider())  # no response: a network error
    progress.item_scraped({"portal": "gd_zijin"}, _Spider())
    progress.item_dropped({"portal": "gd_zijin"}, _Spider())
    assert progress.tracker.active["gd_zijin"] == PortalProgress(
        listing_pages=1, articles=1, records=1, dropped=1, errors=2)
    assert progress.tracker.active["yn_guangnan"].articles == 1


def test_off_a_terminal_one_line_per_active_portal(caplog):
    progress = _progress()
    _fetched(progress, {LISTING_META: object()})
    _fetched(progress, {ARTICLE_META: True, PORTAL_META: "yn_guangnan"})
    progress.portal_closed(PortalRun("yn_guangnan", "r1"))
    with caplog.at_level(logging.INFO, logger="govcrawl.runs.progress"):
        progress.display.log_lines()
    assert [r.getMessage() for r in caplog.records] == [
        "Progress gd_zijin: 1 listing pages, 0 articles, 0 records, 0 dropped, 0 errors"]
    assert progress.tracker.finished == 1
    assert progress.tracker.done.articles == 1  # a finished portal still counts in the totals


def test_the_terminal_view_has_a_row_per_portal_and_the_totals():
    active = {"gd_zijin": PortalProgress(3, 40, 38, 1, 2), "yn_guangnan": PortalProgress(1, 5, 5)}
    console = Console(width=100, record=True, color_system=None)
    console.print(render_table(active, finished=4, done=PortalProgress(1, 1, 1, 0, 0)))
    text = console.export_text()
    assert "gd_zijin" in text and "yn_guangnan" in text
    [totals] = [line for line in text.splitlines() if "2 active, 4 done" in line]
    assert [cell.strip() for cell in totals.split("│")[2:7]] == ["5", "46", "44", "1", "2"]


def test_summary_line():
    assert summary_line("gd_zijin", PortalProgress(2, 3, 4, 5, 6)) == (
        "gd_zijin: 2 listing pages, 3 articles, 4 records, 5 dropped, 6 errors")


def test_modes():
    assert _progress("lines").mode == "lines"
    assert _progress("live").mode == "live"
    assert _progress("auto").mode == "lines"  # pytest's stderr is no terminal
    with pytest.raises(NotConfigured):
        _progress("off")


def test_settings_dumps_are_demoted_to_debug():
    record = logging.LogRecord("scrapy.crawler", logging.INFO, __file__, 1,
                               "Overridden settings:\n%(settings)s", None, None)
    other = logging.LogRecord("scrapy.crawler", logging.INFO, __file__, 1, "Crawled", None, None)
    DemoteSettingsDumps().filter(record)
    DemoteSettingsDumps().filter(other)
    assert (record.levelno, other.levelno) == (logging.DEBUG, logging.INFO)
