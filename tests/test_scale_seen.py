"""The seen-store protocol at national scale, and the incremental walk it drives (no engine).

One SQLite table serves every portal: batched membership, first/last-seen days, the latest
versions of URLs still re-visited, forgetting a portal, and the migration of stores written
in the two earlier layouts (a table per portal; 20-byte keys with second times).
"""

from __future__ import annotations

import sqlite3

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse

from govcrawl.record import url_hash
from govcrawl.registry.portals import Portal
from govcrawl.registry.spiderloader import spider_class
from govcrawl.stores import seen
from govcrawl.stores.seen import OldLayoutError, SQLiteSeenStore
from tests.conftest import listing_meta, make_spider

A, B, C = (url_hash(f"http://www.zijin.gov.cn/content/post_{n}.html") for n in (1, 2, 3))


@pytest.fixture
def store(tmp_path):
    opened = SQLiteSeenStore(tmp_path / "seen.sqlite3")
    yield opened
    opened.close()


def test_stored_answers_a_batch_in_order_and_per_portal(store):
    assert store.stored("gd_zijin", [A, B, C]) == [False, False, False]
    store.add("gd_zijin", [A, C])
    assert store.stored("gd_zijin", [A, B, C]) == [True, False, True]
    assert store.stored("yn_guangnan", [A, B, C]) == [False, False, False]
    assert store.stored("gd_zijin", []) == []
    assert store.count() == 2 and store.count("gd_zijin") == 2


def test_a_large_batch_is_answered_whole(store):
    keys = [url_hash(f"http://x.gov.cn/{n}.html") for n in range(1200)]
    store.add("p", keys[::2])
    assert store.stored("p", keys) == [n % 2 == 0 for n in range(1200)]


def test_first_seen_stays_and_last_seen_moves(store, monkeypatch):
    monkeypatch.setattr(seen.time, "time", lambda: 1_700_000_000.0)
    store.add("gd_zijin", [A])
    monkeypatch.setattr(seen.time, "time", lambda: 1_700_086_400.0)
    store.add("gd_zijin", [A])  # seen again on a listing page
    assert store.days("gd_zijin", A) == (19_675, 19_676)  # 2023-11-14, the day after
    assert store.days("gd_zijin", B) is None


def test_a_row_of_the_seen_table_stays_small(store):
    """Each byte of a row is ~10 MB at 10M URLs: 64-bit integer keys, 2-byte day numbers."""
    store.add("gd_zijin", [A])
    key_type, first_seen = store._db.execute("SELECT typeof(url_key), first_seen FROM seen").fetchone()
    assert key_type == "integer" and first_seen < 2**15  # SQLite stores the day in 2 bytes


def test_latest_keeps_the_highest_version_until_its_window_ends(store, monkeypatch):
    day = seen.today()
    first = seen.Latest(1, "a" * 64, '"etag-1"', day + 3)
    second = seen.Latest(2, "b" * 64, None, day + 3)
    store.keep_latest("gd_zijin", [(A, first)])
    assert store.latest("gd_zijin", [A, B]) == [first, None]
    store.keep_latest("gd_zijin", [(A, second)])
    store.keep_latest("gd_zijin", [(A, first)])  # a late writer of version 1 loses
    assert store.latest("gd_zijin", [A]) == [second]
    assert store.latest("yn_guangnan", [A]) == [None]
    monkeypatch.setattr(seen.time, "time", lambda: (day + 4) * 86_400.0)
    assert store.latest("gd_zijin", [A]) == [None]  # past its window
    store.close()
    again = SQLiteSeenStore(store.path)  # expired rows are dropped on open
    assert again._db.execute("SELECT count(*) FROM latest").fetchone()[0] == 0
    again.close()


def test_a_store_with_digest_keys_and_second_times_is_rewritten_on_open(tmp_path):
    path = tmp_path / "seen.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(
        "CREATE TABLE portals (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
        "CREATE TABLE seen (portal INTEGER NOT NULL, url_hash BLOB NOT NULL, first_seen "
        "INTEGER NOT NULL, last_seen INTEGER NOT NULL, PRIMARY KEY (portal, url_hash)) "
        "WITHOUT ROWID; INSERT INTO portals VALUES (1, 'gd_zijin'), (2, 'yn_guangnan');"
    )
    db.executemany("INSERT INTO seen VALUES (?, ?, ?, ?)", [
        (1, bytes.fromhex(A), 1_700_000_000, 1_700_086_400),
        (1, bytes.fromhex(B), 1_700_000_000, 1_700_000_000),
        (2, bytes.fromhex(C), 1_700_000_000, 1_700_000_000)])
    db.commit()
    db.close()
    store = SQLiteSeenStore(path)
    assert store.stored("gd_zijin", [A, B, C]) == [True, True, False]
    assert store.stored("yn_guangnan", [A, C]) == [False, True]
    assert store.days("gd_zijin", A) == (19_675, 19_676)
    store.close()
    columns = [row[1] for row in sqlite3.connect(path).execute("PRAGMA table_info(seen)")]
    assert columns == ["portal", "url_key", "first_seen", "last_seen"]


def test_forgetting_a_portal_leaves_the_others(store):
    store.add("gd_zijin", [A, B])
    store.add("yn_guangnan", [A])
    assert store.forget("gd_zijin") == 2
    assert store.stored("gd_zijin", [A, B]) == [False, False]
    assert store.stored("yn_guangnan", [A]) == [True]
    assert store.forget("nowhere") == 0


def test_the_store_is_on_disk(tmp_path):
    first = SQLiteSeenStore(tmp_path / "seen.sqlite3")
    first.add("gd_zijin", [A])
    first.close()
    again = SQLiteSeenStore(tmp_path / "seen.sqlite3")
    assert again.stored("gd_zijin", [A, B]) == [True, False]
    again.close()


def old_layout(path, tables: dict[str, list[str]], columns: str = "url_hash BLOB PRIMARY KEY"):
    db = sqlite3.connect(path)
    for table, keys in tables.items():
        db.execute(f"CREATE TABLE {table} ({columns}) WITHOUT ROWID")
        db.executemany(f"INSERT INTO {table} (url_hash) VALUES (?)",
                       [(bytes.fromhex(k),) for k in keys])
    db.commit()
    db.close()


def test_a_per_portal_table_store_is_migrated_on_open(tmp_path):
    path = tmp_path / "seen.sqlite3"
    old_layout(path, {"seen_gd_zijin": [A, B], "seen_yn_guangnan": [C]})
    store = SQLiteSeenStore(path)
    assert store.stored("gd_zijin", [A, B, C]) == [True, True, False]
    assert store.stored("yn_guangnan", [C]) == [True]
    first, last = store.days("gd_zijin", A) or (0, 0)
    assert first == last > 0  # unknown before: the migration time stands in
    store.close()
    tables = {row[0] for row in sqlite3.connect(path).execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == {"seen", "latest", "portals"}  # the old tables are gone: migrated once


def test_a_file_that_is_no_seen_store_is_refused_clearly(tmp_path):
    path = tmp_path / "seen.sqlite3"
    old_layout(path, {"seen_things": []}, columns="url_hash BLOB PRIMARY KEY, size INTEGER")
    with pytest.raises(OldLayoutError, match="not a govcrawl seen-store"):
        SQLiteSeenStore(path)
    tables = {row[0] for row in sqlite3.connect(path).execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "seen_things" in tables  # left as it was


# --- the incremental walk, page by page ------------------------------------------------------

LISTING = "http://www.example.gov.cn/xw/zwdt/index.html"


def listing(n: int = 3) -> bytes:
    items = "".join(
        f'<li><a href="/xw/zwdt/content/post_{k}.html">第{k}条新闻标题</a><span>2024-03-0{k}</span></li>'
        for k in range(1, n + 1))
    pager = '<div id="pagination"><a href="index_2.html" class="next">下一页</a></div>'
    return (f'<html><head><meta charset="utf-8"></head><body><ul class="news-list">{items}</ul>'
            f"{pager}</body></html>").encode()


def walk(spider, body: bytes) -> list[Request]:
    meta = listing_meta("gd_jyh", host="www.example.gov.cn")
    response = HtmlResponse(url=LISTING, body=body, request=Request(LISTING, meta=meta))
    return list(spider.parse_listing(response))


def article_url(n: int) -> str:
    return f"http://www.example.gov.cn/xw/zwdt/content/post_{n}.html"


def portal_spider(platform: str, **kwargs):
    """The spider of a one-host row on `platform` (no columns: the tests feed pages)."""
    row = Portal(name=f"{platform}_test", region=None, domains=("www.example.gov.cn",),
                 platform=platform, columns=())
    return make_spider(spider_class(row), **kwargs)


def spider_with_store(store, **kwargs):
    spider = portal_spider("gd_jyh", **kwargs)
    spider.store = store
    return spider


def test_stored_articles_are_not_requested_and_a_page_with_something_new_goes_on(store):
    spider = spider_with_store(store)
    store.add(spider.portals[0].name, [url_hash(article_url(1))])
    requests = walk(spider, listing())
    assert [r.url for r in requests] == [article_url(2), article_url(3),
                                          "http://www.example.gov.cn/xw/zwdt/index_2.html"]
    stats = spider.crawler.stats
    assert stats.get_value("govcrawl/requests_skipped/stored_before") == 1
    assert stats.get_value("govcrawl/pagination_stopped/nothing_new") is None


def test_a_page_with_nothing_new_ends_the_walk(store):
    spider = spider_with_store(store)
    store.add(spider.portals[0].name, [url_hash(article_url(n)) for n in (1, 2, 3)])
    assert walk(spider, listing()) == []
    stats = spider.crawler.stats
    assert stats.get_value("govcrawl/requests_skipped/stored_before") == 3
    assert stats.get_value("govcrawl/pagination_stopped/nothing_new") == 1
    assert spider.runs.get(spider.portals[0].name).counters["pagination_stopped/nothing_new"] == 1


def test_full_walks_on_past_a_page_with_nothing_new(store):
    spider = spider_with_store(store, full="true")
    store.add(spider.portals[0].name, [url_hash(article_url(n)) for n in (1, 2, 3)])
    assert [r.url for r in walk(spider, listing())] == [
        "http://www.example.gov.cn/xw/zwdt/index_2.html"]


def test_every_request_carries_its_portal():
    spider = portal_spider("gd_jyh")
    requests = walk(spider, listing())
    assert {r.meta["govcrawl_portal"] for r in requests} == {spider.portals[0].name}


@pytest.mark.parametrize("value", ["maybe", "2"])
def test_a_bad_full_argument_is_refused(value):
    with pytest.raises(ValueError, match="full"):
        portal_spider("gd_jyh", full=value)


# --- off-site, per portal ---------------------------------------------------------------------


def test_offsite_is_decided_by_the_requests_portal_and_heard_by_the_spider():
    from scrapy.exceptions import IgnoreRequest

    from govcrawl.middlewares import PortalOffsiteMiddleware
    from govcrawl.spiders.base import PORTAL_META

    spider = portal_spider("gd_jyh")
    name = spider.portals[0].name
    spider.crawler.spider = spider
    spider._state({PORTAL_META: name})  # the portal is open
    middleware = PortalOffsiteMiddleware.from_crawler(spider.crawler)
    middleware.spider_opened(spider)
    mine = Request("http://news.www.example.gov.cn/a.html", meta={PORTAL_META: name})
    assert middleware.should_follow(mine, spider)
    away = Request("http://www.elsewhere.gov.cn/a.html",
                   meta={PORTAL_META: name, "govcrawl_ticket": 7})
    spider._states[name].pending.add(7)
    assert not middleware.should_follow(away, spider)
    with pytest.raises(IgnoreRequest):
        middleware.request_scheduled(away, spider)  # a redirect off the site, say
    assert spider.runs.open == {}  # nothing pending any more: the portal was closed
    assert spider.crawler.stats.get_value("govcrawl/requests_dropped/offsite") == 1


def test_idle_keep_alive_connections_do_not_outlive_their_sites_turn(monkeypatch):
    from types import SimpleNamespace

    from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
    from scrapy.utils.test import get_crawler

    from govcrawl import settings
    from govcrawl.downloader import ShortIdleHTTPDownloadHandler

    def scrapy_init(self, crawler):  # Scrapy's needs a running reactor; its pool is all we set
        self._pool = SimpleNamespace(cachedConnectionTimeout=240)

    monkeypatch.setattr(HTTP11DownloadHandler, "__init__", scrapy_init)
    crawler = get_crawler(settings_dict={"GOVCRAWL_IDLE_CONNECTION_SECONDS": 7})
    assert ShortIdleHTTPDownloadHandler(crawler)._pool.cachedConnectionTimeout == 7
    assert settings.DOWNLOAD_HANDLERS["https"].endswith("ShortIdleHTTPDownloadHandler")


# --- a portal is done when each of its requests and items is answered, whatever the path ------


def open_portal_with(spider, *requests):
    """The spider's portal open, with `requests` given to the engine (tracked as pending)."""
    from govcrawl.spiders.base import PORTAL_META

    name = spider.portals[0].name
    spider.crawler.spider = spider
    state = spider._state({PORTAL_META: name})
    for request in requests:
        request.meta[PORTAL_META] = name
        spider.track(request, {})
    return state


def failure_of(request, error):
    from twisted.python.failure import Failure

    failure = Failure(error)
    failure.request = request
    return failure


def test_each_way_a_request_ends_answers_it_and_the_last_one_closes_the_portal():
    from scrapy.exceptions import IgnoreRequest
    from scrapy.http import Response
    from scrapy.spidermiddlewares.httperror import HttpError

    spider = portal_spider("gd_jyh")
    requests = [Request(f"http://www.example.gov.cn/{n}.html") for n in range(5)]
    state = open_portal_with(spider, *requests)
    run = state.run
    spider._request_dropped(requests[0])  # the dupefilter
    spider.on_request_error(failure_of(requests[1], IgnoreRequest("robots.txt")))
    not_found = Response(requests[2].url, status=404, request=requests[2])
    spider.on_request_error(failure_of(requests[2], HttpError(not_found, "404")))
    server_error = Response(requests[3].url, status=503, request=requests[3])
    spider.on_request_error(failure_of(requests[3], HttpError(server_error, "503")))
    assert spider.runs.get(state.name) is run  # one request still pending
    spider.on_request_error(failure_of(requests[4], ConnectionRefusedError()))
    assert spider.runs.get(state.name) is None and run.finish_reason == "finished"
    assert run.counters["requests_dropped/scheduler"] == 1
    assert run.counters["request_errors/IgnoreRequest"] == 1  # policy, not a loss
    assert run.counters["request_errors/HttpError"] == 2
    assert run.counters["pages_lost"] == 2  # the 503 and the refused connection


def test_items_are_pending_until_written_or_dropped():
    from scrapy.exceptions import DropItem

    from govcrawl.runs.portalrun import PORTAL_CLOSED

    spider = portal_spider("gd_jyh")
    state = open_portal_with(spider)
    at_close = []  # what the manifest writer sees when the run closes
    spider.crawler.signals.connect(
        lambda portal_run: at_close.append(dict(portal_run.counters)), signal=PORTAL_CLOSED,
        weak=False)
    state.starting = False
    item = {"portal": state.name, "url": "http://www.example.gov.cn/1.html"}
    spider.track(item, {"govcrawl_portal": state.name})
    spider.track(dict(item), {"govcrawl_portal": state.name})
    spider._item_done(item)  # written
    assert spider.runs.get(state.name) is state.run
    drop = DropItem("no_text: http://www.example.gov.cn/2.html")
    spider._item_dropped(dict(item), drop)
    assert spider.runs.get(state.name) is None
    assert state.run.counters["dropped/no_text"] == 1 and state.run.counters["dropped"] == 1
    # The last item's drop closed the run: it was counted before, so the manifest has it.
    assert [(c["dropped/no_text"], c["dropped"]) for c in at_close] == [(1, 1)]
