"""Guards one by one: addresses, hosts, budgets, listing bounds, redirects, sizes, traps.

The crawl through the fault server (test_faults.py) shows them working together; here each
rule is pinned down, and the resolver is shown refusing loopback through the real engine.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from scrapy.http import HtmlResponse, Response
from scrapy.utils.test import get_crawler
from twisted.internet.address import IPv4Address, IPv6Address
from twisted.internet.error import DNSLookupError

from govcrawl.extraction.listing import ListingContext
from govcrawl.extraction.parse import UnparsablePage, parse_html
from govcrawl.guards import addresses
from govcrawl.guards.addresses import AddressPolicy, GuardedResolver, forbidden_reason
from govcrawl.guards.records import TextBoundPipeline
from govcrawl.guards.requests import (
    ListingPagesMiddleware,
    RequestBudgetMiddleware,
    StayInBoundsMiddleware,
    strip_credentials,
)
from govcrawl.guards.responses import (
    BoundedDecompressionMiddleware,
    RedirectGuardMiddleware,
    ResponseBoundsMiddleware,
)
from govcrawl.guards.traps import listing_trap_reason
from govcrawl.registry.portals import registry
from govcrawl.registry.spiderloader import spider_class
from govcrawl.replay.server import ReplayServer
from govcrawl.spiders.base import LISTING_META
from pipelines import Rejected
from tests.conftest import make_spider

ROOT = Path(__file__).resolve().parents[1]
ZIJIN = "http://www.zijin.gov.cn/xw/zwdt/content/post_689377.html"


def crawler_for(portal: str = "gd_zijin", **settings):
    spider = make_spider(spider_class(registry()[portal]))
    crawler = get_crawler(type(spider), settings_dict=settings)
    crawler.spider = spider
    return crawler


# --- addresses ------------------------------------------------------------------------------

@pytest.mark.parametrize(("address", "reason"), [
    ("127.0.0.1", "loopback"), ("127.8.9.10", "loopback"), ("::1", "loopback"),
    ("10.1.2.3", "private"), ("172.16.0.1", "private"), ("192.168.1.1", "private"),
    ("fd12:3456::1", "private"), ("169.254.169.254", "metadata"), ("fd00:ec2::254", "metadata"),
    ("100.100.100.200", "metadata"), ("169.254.1.1", "link_local"), ("fe80::1%eth0", "link_local"),
    ("100.64.0.1", "cgnat"), ("224.0.0.251", "multicast"), ("ff02::1", "multicast"),
    ("0.0.0.0", "reserved"), ("::", "reserved"), ("240.0.0.1", "reserved"), ("not an ip", "reserved"),
    ("::ffff:127.0.0.1", "loopback"), ("::ffff:10.0.0.1", "private"), ("64:ff9b::a00:1", "private"),
    ("2002:a9fe:a9fe::1", "metadata"),  # 6to4 of 169.254.169.254
    ("8.8.8.8", None), ("2400:3200::1", None), ("::ffff:1.2.3.4", None),
])
def test_forbidden_reason_names_every_non_public_range(address, reason):
    assert forbidden_reason(address) == reason


def test_the_replay_proxy_is_the_only_loopback_allowed():
    class Settings(dict):
        def getlist(self, name):
            return self.get(name) or []

    policy = AddressPolicy.from_settings(Settings(GOVCRAWL_REPLAY_PROXY="http://127.0.0.1:8123"))
    assert policy.refusal("127.0.0.1", 8123) is None
    assert policy.refusal("127.0.0.1", 0) is None  # reactor.resolve: no port known
    assert policy.refusal("127.0.0.1", 22) == "loopback"
    assert policy.refusal("127.0.0.2", 8123) == "loopback"
    assert policy.refusal("::1", 8123) == "loopback"
    operator = AddressPolicy.from_settings(Settings(GOVCRAWL_ALLOWED_NETWORKS=["10.9.0.0/16"]))
    assert operator.refusal("10.9.1.1", 3128) is None and operator.refusal("10.8.1.1", 80)


class FakeResolver:
    """An inner resolver answering with fixed addresses."""

    def __init__(self, answers):
        self.answers = answers

    def resolveHostName(self, receiver, host, port=0, types=None, semantics="TCP"):
        receiver.resolutionBegan(None)
        for address in self.answers[host]:
            kind = IPv6Address if ":" in address else IPv4Address
            receiver.addressResolved(kind("TCP", address, port))
        receiver.resolutionComplete()
        return receiver


class Receiver:
    def __init__(self):
        self.addresses, self.complete = [], False

    def resolutionBegan(self, resolution):
        pass

    def addressResolved(self, address):
        self.addresses.append(address.host)

    def resolutionComplete(self):
        self.complete = True


def test_the_resolver_passes_on_public_addresses_only_and_remembers_why():
    inner = FakeResolver({"mixed.gov.cn": ["10.0.0.5", "1.2.3.4", "::1"],
                          "evil.gov.cn": ["169.254.169.254", "fe80::1"]})
    resolver = GuardedResolver(inner, reactor=None, policy=AddressPolicy())
    mixed, evil = Receiver(), Receiver()
    resolver.resolveHostName(mixed, "mixed.gov.cn", 80)
    resolver.resolveHostName(evil, "evil.gov.cn", 80)
    assert (mixed.addresses, mixed.complete) == (["1.2.3.4"], True)
    assert (evil.addresses, evil.complete) == ([], True)  # → DNSLookupError in the endpoint
    assert addresses.refusal_reason("evil.gov.cn") == "metadata"
    assert addresses.refusal_reason("mixed.gov.cn") is None


def auto_crawl(url: str, output: Path, *settings: str) -> dict:
    command = [sys.executable, "-m", "scrapy", "crawl", "auto", "-a", f"url={url}",
               "-s", f"GOVCRAWL_OUTPUT_DIR={output}", "-s", "GOVCRAWL_SEEN_STORE=",
               "-s", "RETRY_TIMES=0", "-s", "DOWNLOAD_TIMEOUT=5", *settings]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    manifest = json.loads(next(output.glob("auto/*.manifest.json")).read_text("utf-8"))
    return manifest["counters"]


def test_through_the_engine_a_host_resolving_to_loopback_is_never_connected_to(tmp_path):
    """`localhost` passes every URL check; the resolver refuses its address at connection
    time. The loopback server proves it: with the network allowed it gets requests."""
    with ReplayServer() as server:
        url = f"http://localhost:{server.port}/col/index.html"
        stats = auto_crawl(url, tmp_path / "refused")
        refused_requests = server.requests
        auto_crawl(url, tmp_path / "allowed", "-s", "GOVCRAWL_ALLOWED_NETWORKS=127.0.0.0/8,::1/128")
        allowed_requests = server.requests
    assert refused_requests == []
    assert stats["refused/address/loopback"] >= 1
    assert len(allowed_requests) >= 1  # the control: the same crawl reaches it when allowed


# --- requests -------------------------------------------------------------------------------

def test_requests_stay_on_the_portals_exact_hosts():
    crawler = crawler_for()
    middleware = StayInBoundsMiddleware(crawler)
    assert middleware.process_request(Request(ZIJIN)) is None
    for url, reason in [("http://intranet.www.zijin.gov.cn/x.html", "host_not_allowed"),
                        ("http://zijin.gov.cn/x.html", "host_not_allowed"),
                        ("http://10.0.0.1/x.html", "address/private"),
                        ("http://[::ffff:169.254.169.254]/", "address/metadata"),
                        ("file:///etc/passwd", "scheme")]:
        with pytest.raises(IgnoreRequest):
            middleware.request_scheduled(Request(url), crawler.spider)
        assert crawler.stats.get_value(f"govcrawl/refused/{reason}") >= 1, url


def test_dont_filter_exempts_nothing_and_credentials_are_stripped():
    crawler = crawler_for()
    middleware = StayInBoundsMiddleware(crawler)
    with pytest.raises(IgnoreRequest):
        middleware.process_request(Request("http://intranet.www.zijin.gov.cn/", dont_filter=True))
    stripped = middleware.process_request(Request("http://u:secret@www.zijin.gov.cn/a.html"))
    assert stripped.url == "http://www.zijin.gov.cn/a.html"
    assert strip_credentials("https://a@b.gov.cn:8443/x?y=1") == "https://b.gov.cn:8443/x?y=1"


def test_a_resolver_refusal_is_counted_by_reason():
    crawler = crawler_for()
    addresses._remember_refusal("www.zijin.gov.cn", "private")
    try:
        StayInBoundsMiddleware(crawler).process_exception(Request(ZIJIN), DNSLookupError("x"))
    finally:
        addresses._REFUSED.pop("www.zijin.gov.cn")
    assert crawler.stats.get_value("govcrawl/refused/address/private") == 1


def test_each_portal_has_its_own_request_budget():
    crawler = crawler_for()
    budget = RequestBudgetMiddleware(crawler, 2)
    for _ in range(2):
        budget.process_request(Request(ZIJIN, meta={"portal": "gd_zijin"}))
        budget.process_request(Request(ZIJIN, meta={"portal": "gd_lianping"}))
    for _ in range(2):
        with pytest.raises(IgnoreRequest):
            budget.process_request(Request(ZIJIN, meta={"portal": "gd_zijin"}))
    with pytest.raises(IgnoreRequest):
        budget.process_request(Request(ZIJIN))  # no meta: the spider's name, gd_zijin
    assert crawler.stats.get_value("govcrawl/refused/request_budget") == 3


def test_listing_pages_per_column_are_bounded_by_default():
    crawler = crawler_for()
    assert crawler.settings.getint("GOVCRAWL_MAX_LISTING_PAGES") == 0  # test crawler: bare
    from govcrawl import settings as project

    middleware = ListingPagesMiddleware(crawler, project.GOVCRAWL_MAX_LISTING_PAGES)

    def page(number):
        context = ListingContext(site_hosts=("www.zijin.gov.cn",), page_number=number)
        return Request(f"http://www.zijin.gov.cn/xw/index_{number}.html",
                       meta={LISTING_META: context})

    assert middleware.process_request(page(500)) is None
    with pytest.raises(IgnoreRequest):
        middleware.process_request(page(501))
    assert crawler.stats.get_value("govcrawl/pagination_stopped/max_listing_pages") == 1


# --- responses ------------------------------------------------------------------------------

def redirect(url: str, location: str, **meta) -> tuple[Request, Response]:
    request = Request(url, meta=meta)
    return request, Response(url, status=302, headers={"Location": location}, request=request)


def test_a_self_redirect_is_followed_once_without_the_duplicate_filter():
    crawler = crawler_for()
    guard = RedirectGuardMiddleware(crawler, max_redirects=5)
    again = guard.process_response(*redirect(ZIJIN, ZIJIN + "#waf"))
    assert isinstance(again, Request) and again.dont_filter and again.url == ZIJIN
    second = redirect(ZIJIN, ZIJIN)
    assert guard.process_response(*second) is second[1]  # once per URL
    other = redirect(ZIJIN, "/elsewhere.html")
    assert guard.process_response(*other) is other[1]  # a real redirect: Scrapy's
    assert crawler.stats.get_value("govcrawl/waf/self_redirect") == 1


def test_a_redirect_past_the_bound_is_counted_as_a_loop():
    crawler = crawler_for()
    looping = redirect(ZIJIN, ZIJIN + "?loop=6", redirect_times=5)
    assert RedirectGuardMiddleware(crawler, 5).process_response(*looping) is looping[1]
    assert crawler.stats.get_value("govcrawl/refused/redirect_loop") == 1


def test_a_gzip_bomb_is_cut_at_the_download_bound_and_counted():
    crawler = crawler_for(DOWNLOAD_MAXSIZE=1024 * 1024)
    middleware = BoundedDecompressionMiddleware.from_crawler(crawler)
    bomb = gzip.compress(bytes(32 * 1024 * 1024), compresslevel=1)
    request = Request(ZIJIN)
    response = Response(ZIJIN, body=bomb, request=request,
                        headers={"Content-Encoding": "gzip", "Content-Type": "text/html"})
    with pytest.raises(IgnoreRequest):
        middleware.process_response(request, response)
    assert crawler.stats.get_value("govcrawl/refused/too_large") == 1


def test_pages_with_too_many_tags_and_bodies_over_the_size_bound_are_counted():
    crawler = crawler_for()
    bounds = ResponseBoundsMiddleware(crawler, max_tags=1000)
    request = Request(ZIJIN)
    huge = HtmlResponse(ZIJIN, body=b"<br>" * 1001, request=request)
    with pytest.raises(IgnoreRequest):
        bounds.process_response(request, huge)
    fine = HtmlResponse(ZIJIN, body=b"<br>" * 999, request=request)
    assert bounds.process_response(request, fine) is fine
    with pytest.raises(IgnoreRequest):  # a refusal by a bound, not a page lost
        bounds.process_exception(request, DownloadCancelledError(
            "Received 17825792 bytes which is larger than download max size (16777216)"))
    stats = crawler.stats
    assert stats.get_value("govcrawl/refused/too_many_elements") == 1
    assert stats.get_value("govcrawl/refused/too_large") == 1


def test_the_parser_refuses_what_it_cannot_read_whole_instead_of_losing_the_body():
    with pytest.raises(UnparsablePage) as deep:
        parse_html(b"<html><body>" + b"<div>" * 3000 + b"text" + b"</div>" * 3000)
    assert deep.value.reason == "too_deep"
    with pytest.raises(UnparsablePage) as huge:
        parse_html(b"<html><body>" + b"<br>" * 6_500_000)  # 26 MB: counted, never parsed
    assert huge.value.reason == "too_many_elements"
    assert parse_html(b"<div>" * 200 + b"<p>kept</p>").xpath("string(//p)").get() == "kept"


# --- traps and records ------------------------------------------------------------------

@pytest.mark.parametrize(("previous", "links", "url", "reason"), [
    (None, ["/a", "/b"], "http://x.gov.cn/list/index.html", None),
    (["/a", "/b"], ["/c", "/d"], "http://x.gov.cn/list/index_1.html", None),
    (["/a", "/b"], ["/b", "/a"], "http://x.gov.cn/list/index_9999.html", "repeated_page"),
    ([], [], "http://x.gov.cn/cal?month=2019-12", "empty_pages"),
    (["/a"], [], "http://x.gov.cn/cal?month=2019-11", None),  # one empty page may end a list
    (None, ["/a"], "http://x.gov.cn/s?" + "&".join(["p=1"] * 3), "growing_query"),
    (None, ["/a"], "http://x.gov.cn/s?q=" + "x" * 600, "growing_query"),
    (None, ["/a"], "http://x.gov.cn/a/b/a/b/a/b/a/b/list.html", "repeating_path"),
])
def test_listing_trap_reason(previous, links, url, reason):
    assert listing_trap_reason(previous, links, url) == reason


def test_a_record_with_too_much_text_is_dropped_and_counted():
    crawler = crawler_for()
    pipeline = TextBoundPipeline(crawler, limit=100)
    assert pipeline.process_item({"url": ZIJIN, "text": "字" * 100})
    with pytest.raises(Exception, match="text_too_long"):
        pipeline.process_item({"url": ZIJIN, "text": "字" * 101})
    assert crawler.stats.get_value("govcrawl/dropped/text_too_long") == 1


def test_saved_page_entry_points_reject_unparsable_pages_by_reason():
    from govcrawl.extraction.saved import extract_article, extract_listing

    deep = b"<html><body>" + b"<div>" * 3000 + "正文".encode() * 50
    for extract in (extract_article, extract_listing):
        with pytest.raises(Rejected) as rejected:
            extract(deep, ZIJIN)
        assert rejected.value.reason == "too_deep"


def test_a_page_whose_callback_raises_fails_alone_counted_by_reason():
    from scrapy.spidermiddlewares.httperror import HttpError

    from govcrawl.guards.pages import PageIsolationMiddleware, error_reason

    crawler = crawler_for()
    isolation = PageIsolationMiddleware(crawler)
    response = HtmlResponse(ZIJIN, body=b"<html></html>", request=Request(ZIJIN))
    assert isolation.process_spider_exception(response, ValueError("Invalid IPv6 URL")) == ()
    assert isolation.process_spider_exception(response, UnparsablePage("too_deep")) == ()
    assert isolation.process_spider_exception(response, HttpError(response, "404")) is None
    stats = crawler.stats
    assert stats.get_value("govcrawl/errors/value_error") == 1
    assert stats.get_value("govcrawl/errors/too_deep") == 1
    assert error_reason(LookupError("rot13")) == "lookup_error"


def test_the_spider_stops_a_column_whose_page_repeats_the_previous_one():
    from scrapy.http import HtmlResponse

    from govcrawl.spiders.base import PREVIOUS_LINKS_META
    from tests.conftest import listing_meta, portal_spider

    spider = portal_spider("generic")
    items = "".join(f'<li><a href="/xw/{n}.html">第{n}篇文章的标题在这里</a><span>2024-01-0{n}</span></li>'
                    for n in range(1, 6))
    body = f'<html><body><ul class=list>{items}</ul><a href="index_3.html">下一页</a></body></html>'
    url = "http://www.example.gov.cn/xw/index_2.html"
    links = {f"http://www.example.gov.cn/xw/{n}.html" for n in range(1, 6)}

    def follow(previous):
        meta = {**listing_meta("generic", page_number=2), PREVIOUS_LINKS_META: previous}
        response = HtmlResponse(url, body=body.encode(), encoding="utf-8",
                                request=Request(url, meta=meta))
        return [r.url for r in spider.parse_listing(response) if "index_" in r.url]

    assert follow(frozenset({"http://www.example.gov.cn/xw/0.html"})) == [
        "http://www.example.gov.cn/xw/index_3.html"]
    assert follow(frozenset(links)) == []  # the same links again: a trap, not page 3
    assert spider.crawler.stats.get_value("govcrawl/pagination_stopped/repeated_page") == 1
