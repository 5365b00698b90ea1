"""Tests for govcrawl.replay.server: recording lookup, the loopback proxy, and a real Scrapy crawl."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import textwrap
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from govcrawl.replay.server import (
    STATS_KEY,
    RecordedSites,
    ReplayProxyMiddleware,
    ReplayServer,
    content_type_for,
    parse_sidecar,
)

PROJECT = Path(__file__).resolve().parent.parent

ZIJIN = "www.zijin.gov.cn"
YNGN = "www.yngn.gov.cn"
ZIJIN_INDEX = '<html><head><meta charset="utf-8"></head><body>紫金县 政务动态</body></html>\n'
GBK_TEXT = '<html><head><meta charset="gbk"></head><body>贡山县人民政府 通知公告</body></html>\n'
GBK_BYTES = GBK_TEXT.encode("gbk")


def _write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """Two portals' recordings under one root."""
    base = tmp_path / "fixtures"
    zijin = base / "gd_zijin" / "pages" / ZIJIN
    _write(zijin / "index.html", "<html><body>首页</body></html>")
    _write(zijin / "xw" / "zwdt" / "index.html", ZIJIN_INDEX)
    _write(zijin / "xw" / "zwdt" / "content_1.html", "<html>第一篇</html>")
    _write(zijin / "list.jsp@page=2&cat=7", "<html>第二页</html>")
    _write(zijin / "search" / "index.html@q=%E6%94%BF%E5%BA%9C", "<html>搜索</html>")
    _write(zijin / "api" / "list.json", '{"total": 3}')
    _write(zijin / "robots.txt", "User-agent: *\n")
    _write(zijin / "新闻" / "index.html", "<html>中文目录</html>")
    _write(zijin / "waf.html", "<html>$_ts=...</html>")
    _write(
        zijin / "waf.html.headers",
        "# 瑞数 challenge\nStatus: 412\nSet-Cookie: FSSBBIl1UgzbN7N80S=abc; path=/\n"
        "Content-Length: 999\n",
    )
    _write(zijin / "old.html.headers", "Status: 302\nLocation: /xw/zwdt/\n")

    yngn = base / "yn_gongshan" / "pages" / YNGN
    _write(yngn / "index.html", "<html>贡山 https 首页</html>")
    _write(yngn / "tzgg" / "index.shtml", GBK_BYTES)
    _write(yngn / "tzgg" / "gbk_header.html", GBK_BYTES)
    _write(yngn / "tzgg" / "gbk_header.html.headers", "Content-Type: text/html; charset=gbk\n")
    _write(yngn / "missing.html", "<html>您访问的页面不存在</html>")
    _write(yngn / "missing.html.headers", "Status: 404\n")
    return base


@pytest.fixture
def server(root: Path):
    with ReplayServer(root) as srv:
        yield srv


def _unverified() -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


# --------------------------------------------------------------------------------------------
# resolve()
# --------------------------------------------------------------------------------------------


def test_index_of_hosts(root: Path) -> None:
    sites = RecordedSites(root)
    assert sites.hosts == [YNGN, ZIJIN]
    assert "WWW.ZIJIN.GOV.CN:8080" in sites
    assert "www.example.gov.cn" not in sites
    assert sites.host_dirs(ZIJIN) == [root / "gd_zijin" / "pages" / ZIJIN]


def test_slash_maps_to_index_html(root: Path) -> None:
    sites = RecordedSites(root)
    status, headers, body = sites.resolve(ZIJIN, "/xw/zwdt/")
    assert status == 200
    assert body == ZIJIN_INDEX.encode("utf-8")
    assert dict(headers)["Content-Type"] == "text/html"  # no charset: meta decides
    assert sites.resolve(ZIJIN, "/").body == "<html><body>首页</body></html>".encode()
    assert sites.resolve(ZIJIN, "").body == "<html><body>首页</body></html>".encode()


def test_host_is_case_insensitive_and_ignores_port(root: Path) -> None:
    sites = RecordedSites(root)
    assert sites.resolve("WWW.Zijin.GOV.cn:443", "/xw/zwdt/").body == ZIJIN_INDEX.encode()


def test_folder_without_slash_redirects(root: Path) -> None:
    status, headers, _ = RecordedSites(root).resolve(ZIJIN, "/xw/zwdt")
    assert status == 301
    assert dict(headers)["Location"] == "/xw/zwdt/"


def test_query_maps_to_at_file_exact_then_sorted(root: Path) -> None:
    sites = RecordedSites(root)
    assert sites.resolve(ZIJIN, "/list.jsp?page=2&cat=7").body == "<html>第二页</html>".encode()
    # Recorded with sorted parameters, requested in another order: found via the sorted form.
    _write(sites.host_dirs(ZIJIN)[0] / "list.jsp@cat=1&page=3", "<html>排序</html>")
    assert sites.resolve(ZIJIN, "/list.jsp?page=3&cat=1").body == "<html>排序</html>".encode()
    assert sites.resolve(ZIJIN, "/list.jsp?page=9").status == 404
    assert sites.resolve(ZIJIN, "/list.jsp").status == 404  # no fallback to query-less file
    found = sites.resolve(ZIJIN, "/search/?q=%E6%94%BF%E5%BA%9C")
    assert (found.status, found.body) == (200, "<html>搜索</html>".encode())
    assert found.header("content-type") == "text/html"  # type from the URL path, not the '@'


def test_percent_encoded_path_falls_back_to_decoded_name(root: Path) -> None:
    found = RecordedSites(root).resolve(ZIJIN, "/%E6%96%B0%E9%97%BB/")
    assert (found.status, found.body) == (200, "<html>中文目录</html>".encode())


def test_sidecar_sets_status_and_headers(root: Path) -> None:
    sites = RecordedSites(root)
    waf = sites.resolve(ZIJIN, "/waf.html")
    assert waf.status == 412
    assert waf.body == b"<html>$_ts=...</html>"
    assert waf.header("Set-Cookie") == "FSSBBIl1UgzbN7N80S=abc; path=/"
    assert waf.header("Content-Length") is None  # the server computes it
    assert waf.header("Content-Type") == "text/html"

    redirect = sites.resolve(ZIJIN, "/old.html")  # sidecar only: empty body
    assert (redirect.status, redirect.body) == (302, b"")
    assert redirect.header("Location") == "/xw/zwdt/"

    soft404 = sites.resolve(YNGN, "/missing.html")
    assert soft404.status == 404
    assert soft404.body == "<html>您访问的页面不存在</html>".encode()


def test_gbk_bytes_unchanged_and_charset_header_from_sidecar(root: Path) -> None:
    sites = RecordedSites(root)
    plain = sites.resolve(YNGN, "/tzgg/index.shtml")
    assert plain.body == GBK_BYTES
    assert plain.header("Content-Type") == "text/html"
    with_header = sites.resolve(YNGN, "/tzgg/gbk_header.html")
    assert with_header.body == GBK_BYTES
    assert with_header.header("Content-Type") == "text/html; charset=gbk"
    # No validator in the sidecar: an ETag of the bytes, for conditional re-visits.
    etag = with_header.header("ETag")
    assert etag and etag == plain.header("ETag")  # same bytes, same tag


def test_unknown_path_is_404_and_unknown_host_is_502(root: Path) -> None:
    sites = RecordedSites(root)
    status, headers, body = sites.resolve(ZIJIN, "/no/such/page.html")
    assert status == 404
    assert b"404" in body
    assert b"/no/such/page.html" in body
    assert dict(headers)["Content-Type"].startswith("text/html")

    status, headers, body = sites.resolve("www.example.gov.cn", "/")
    assert status == 502
    assert body == b"govcrawl replay: host www.example.gov.cn is not recorded\n"
    assert body.count(b"\n") == 1


def test_no_escape_from_host_folder(root: Path) -> None:
    _write(root / "secret.html", "secret")
    sites = RecordedSites(root)
    assert sites.resolve(ZIJIN, "/../../../secret.html").status == 404
    assert sites.resolve(ZIJIN, "/%2E%2E/%2E%2E/%2E%2E/secret.html").status == 404
    assert sites.resolve(ZIJIN, "/waf.html.headers").status == 404


def test_default_content_types() -> None:
    assert content_type_for("/a/b.htm", b"") == "text/html"
    assert content_type_for("/a/list.aspx", b"") == "text/html"
    assert content_type_for("/api/list.json", b"{}") == "application/json"
    assert content_type_for("/sitemap.xml", b"") == "application/xml"
    assert content_type_for("/robots.txt", b"") == "text/plain"
    assert content_type_for("/img/logo.png", b"") == "image/png"
    assert content_type_for("/api/list", b'  {"a": 1}') == "application/json"
    assert content_type_for("/page", b"<!DOCTYPE html><html>") == "text/html"
    assert content_type_for("/blob", b"\x00\x01") == "application/octet-stream"


def test_parse_sidecar() -> None:
    status, headers = parse_sidecar(
        "# comment\n\nStatus: 412 Precondition Failed\nServer: 瑞数\nConnection: close\n"
    )
    assert status == 412
    assert headers == [("Server", "瑞数")]


# --------------------------------------------------------------------------------------------
# The proxy, with stdlib clients
# --------------------------------------------------------------------------------------------


def test_refuses_non_loopback_bind(root: Path) -> None:
    with pytest.raises(ValueError, match=r"127\.0\.0\.1"):
        ReplayServer(root, host="0.0.0.0")


def test_proxy_url_and_cert_lifecycle(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The key never outlives the start on disk: a server killed with SIGKILL (the crash
    tests do) leaves nothing in the temporary folder."""
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    server = ReplayServer(root)
    with pytest.raises(RuntimeError):
        _ = server.proxy_url
    server.start()
    try:
        assert server.proxy_url == f"http://127.0.0.1:{server.port}"
        assert server.port > 0
        assert server.cert_pem is not None
        assert server.cert_pem.startswith(b"-----BEGIN CERTIFICATE-----")
        assert list(temporary.iterdir()) == []
    finally:
        server.stop()
    assert server.cert_pem is None
    assert not server.running


def test_plain_http_through_proxy(server: ReplayServer) -> None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": server.proxy_url}))
    with opener.open(f"http://{ZIJIN}/xw/zwdt/", timeout=5) as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"] == "text/html"
        assert resp.read() == ZIJIN_INDEX.encode("utf-8")
    with pytest.raises(urllib.error.HTTPError) as info:
        opener.open(f"http://{ZIJIN}/waf.html", timeout=5)
    assert info.value.code == 412
    assert info.value.headers["Set-Cookie"] == "FSSBBIl1UgzbN7N80S=abc; path=/"
    assert info.value.read() == b"<html>$_ts=...</html>"
    info.value.close()
    with pytest.raises(urllib.error.HTTPError) as info:
        opener.open("http://www.example.gov.cn/", timeout=5)
    assert info.value.code == 502
    assert info.value.read() == b"govcrawl replay: host www.example.gov.cn is not recorded\n"
    info.value.close()
    assert server.requests == [
        ("GET", f"http://{ZIJIN}/xw/zwdt/", 200),
        ("GET", f"http://{ZIJIN}/waf.html", 412),
        ("GET", "http://www.example.gov.cn/", 502),
    ]


def test_https_through_connect_tunnel_with_keep_alive(server: ReplayServer) -> None:
    conn = http.client.HTTPSConnection("127.0.0.1", server.port, context=_unverified(), timeout=5)
    conn.set_tunnel(YNGN, 443)
    try:
        conn.request("GET", "/tzgg/gbk_header.html")
        first = conn.getresponse()
        assert first.status == 200
        assert first.getheader("Content-Type") == "text/html; charset=gbk"
        assert first.read() == GBK_BYTES
        sock = conn.sock
        conn.request("GET", "/missing.html")  # same TLS connection (keep-alive)
        second = conn.getresponse()
        assert second.status == 404
        assert second.read() == "<html>您访问的页面不存在</html>".encode()
        assert conn.sock is sock
        conn.request("HEAD", "/")
        head = conn.getresponse()
        assert head.status == 200
        assert int(head.getheader("Content-Length")) == len("<html>贡山 https 首页</html>".encode())
        assert head.read() == b""
    finally:
        conn.close()
    assert server.tunnels == [f"{YNGN}:443"]
    assert server.requests == [
        ("GET", f"https://{YNGN}/tzgg/gbk_header.html", 200),
        ("GET", f"https://{YNGN}/missing.html", 404),
        ("HEAD", f"https://{YNGN}/", 200),
    ]
    assert server.count(f"https://{YNGN}/missing.html") == 1


def test_origin_form_keep_alive_and_405(server: ReplayServer) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    try:
        for _ in range(2):
            conn.request("GET", "/xw/zwdt/content_1.html", headers={"Host": ZIJIN})
            resp = conn.getresponse()
            assert resp.status == 200
            assert resp.read() == "<html>第一篇</html>".encode()
        sock = conn.sock
        conn.request("POST", "/xw/zwdt/", body=b"a=1", headers={"Host": ZIJIN})
        resp = conn.getresponse()
        assert resp.status == 405
        assert resp.getheader("Allow") == "GET, HEAD"
        resp.read()
        conn.request("GET", "/api/list.json", headers={"Host": ZIJIN})
        resp = conn.getresponse()
        assert resp.getheader("Content-Type") == "application/json"
        assert json.loads(resp.read()) == {"total": 3}
        assert conn.sock is sock  # four requests, one connection
    finally:
        conn.close()
    url = f"http://{ZIJIN}/xw/zwdt/content_1.html"
    assert server.count(url) == 2
    assert server.requests[2] == ("POST", f"http://{ZIJIN}/xw/zwdt/", 405)
    server.reset_log()
    assert server.requests == []
    assert server.tunnels == []


def test_stop_closes_idle_keep_alive_connections(root: Path) -> None:
    server = ReplayServer(root).start()
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    try:
        sock.sendall(f"GET http://{ZIJIN}/robots.txt HTTP/1.1\r\nHost: {ZIJIN}\r\n\r\n".encode())
        reply = b""
        while not reply.endswith(b"User-agent: *\n"):
            reply += sock.recv(4096)
        assert reply.startswith(b"HTTP/1.1 200 OK\r\n")
        assert b"\r\nContent-Type: text/plain\r\n" in reply
        assert b"\r\nContent-Length: 14\r\n" in reply
        server.stop()
        assert sock.recv(4096) == b""  # the server hung up
    finally:
        sock.close()
        server.stop()


# --------------------------------------------------------------------------------------------
# Scrapy middleware
# --------------------------------------------------------------------------------------------


def test_middleware_not_configured_without_setting() -> None:
    with pytest.raises(NotConfigured):
        ReplayProxyMiddleware.from_crawler(get_crawler())
    with pytest.raises(NotConfigured):
        ReplayProxyMiddleware.from_crawler(get_crawler(settings_dict={"GOVCRAWL_REPLAY_PROXY": ""}))


@pytest.mark.parametrize(
    "proxy", ["http://10.0.0.8:8123", "http://proxy.example.com:8080", "https://127.0.0.1:1"]
)
def test_middleware_refuses_non_loopback_proxy(proxy: str) -> None:
    crawler = get_crawler(settings_dict={"GOVCRAWL_REPLAY_PROXY": proxy})
    with pytest.raises(ValueError, match="GOVCRAWL_REPLAY_PROXY"):
        ReplayProxyMiddleware.from_crawler(crawler)


def test_middleware_sets_proxy_and_counts() -> None:
    crawler = get_crawler(settings_dict={"GOVCRAWL_REPLAY_PROXY": "http://127.0.0.1:8123"})
    mw = ReplayProxyMiddleware.from_crawler(crawler)
    request = Request(f"https://{YNGN}/")
    assert mw.process_request(request) is None
    assert request.meta["proxy"] == "http://127.0.0.1:8123"
    disabled = Request(f"http://{ZIJIN}/", meta={"proxy": None})  # "no proxy" = real internet
    mw.process_request(disabled)
    assert disabled.meta["proxy"] == "http://127.0.0.1:8123"
    own = Request(f"http://{ZIJIN}/", meta={"proxy": "http://127.0.0.1:9999"})
    mw.process_request(own)
    assert own.meta["proxy"] == "http://127.0.0.1:9999"
    assert crawler.stats.get_value(STATS_KEY) == 2


SPIDER_SCRIPT = textwrap.dedent(
    """
    import json, sys
    import scrapy
    from scrapy.crawler import CrawlerProcess

    proxy, out, *urls = sys.argv[1:]
    results = []

    class ReplaySpider(scrapy.Spider):
        name = "replay"
        start_urls = urls
        handle_httpstatus_list = [412]

        def parse(self, response):
            results.append({
                "url": response.url,
                "status": response.status,
                "text": response.text,
                "content_type": response.headers.get("Content-Type", b"").decode(),
                "proxy": response.meta.get("proxy"),
            })

        def closed(self, reason):
            stats = self.crawler.stats.get_stats()
            with open(out, "w", encoding="utf-8") as fh:
                json.dump({
                    "results": results,
                    "replay_requests": stats.get("govcrawl/replay/requests"),
                    "finish_reason": reason,
                }, fh, ensure_ascii=False)

    process = CrawlerProcess(settings={
        "DOWNLOADER_MIDDLEWARES": {"govcrawl.replay.server.ReplayProxyMiddleware": 740},
        "GOVCRAWL_REPLAY_PROXY": proxy,
        "ROBOTSTXT_OBEY": False,
        "RETRY_ENABLED": False,
        "DOWNLOAD_TIMEOUT": 10,
        "LOG_LEVEL": "WARNING",
        "TELNETCONSOLE_ENABLED": False,
    })
    process.crawl(ReplaySpider)
    process.start()
    """
)


def test_real_scrapy_crawl_through_middleware(server: ReplayServer, tmp_path: Path) -> None:
    script = tmp_path / "crawl.py"
    script.write_text(SPIDER_SCRIPT, encoding="utf-8")
    out = tmp_path / "out.json"
    urls = [
        f"http://{ZIJIN}/xw/zwdt/",
        f"https://{YNGN}/tzgg/index.shtml",
        f"http://{ZIJIN}/waf.html",
    ]
    proc = subprocess.run(
        [sys.executable, str(script), server.proxy_url, str(out), *urls],
        cwd=PROJECT,
        env={**os.environ, "PYTHONPATH": str(PROJECT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    # CrawlerProcess exits 0 even when the crawl never starts: the JSON file is the real check.
    assert proc.returncode == 0, proc.stderr
    assert out.exists(), proc.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["finish_reason"] == "finished"
    assert data["replay_requests"] == 3
    by_url = {r["url"]: r for r in data["results"]}
    assert set(by_url) == set(urls)

    zijin = by_url[urls[0]]
    assert (zijin["status"], zijin["text"]) == (200, ZIJIN_INDEX)
    assert zijin["proxy"] == server.proxy_url

    yngn = by_url[urls[1]]  # over the CONNECT tunnel; GBK decoded from the page's meta charset
    assert (yngn["status"], yngn["content_type"]) == (200, "text/html")
    assert "贡山县人民政府 通知公告" in yngn["text"]

    assert by_url[urls[2]]["status"] == 412

    assert sorted(server.requests) == sorted(
        [
            ("GET", f"http://{ZIJIN}/xw/zwdt/", 200),
            ("GET", f"https://{YNGN}/tzgg/index.shtml", 200),
            ("GET", f"http://{ZIJIN}/waf.html", 412),
        ]
    )
    assert server.tunnels == [f"{YNGN}:443"]


def test_command_line_serves_until_ctrl_c(root: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "govcrawl.replay.server", "--root", str(root), "--port", "0"],
        cwd=PROJECT,
        env={**os.environ, "PYTHONPATH": str(PROJECT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        assert f"2 recorded host(s): {YNGN}, {ZIJIN}" in line
        proxy = line.split()[3]
        assert proxy.startswith("http://127.0.0.1:")
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": proxy}))
        with opener.open(f"http://{ZIJIN}/xw/zwdt/", timeout=5) as resp:
            assert resp.read() == ZIJIN_INDEX.encode()
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
        assert proc.stderr.read() == "stopped\n"  # no access log without -v
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
