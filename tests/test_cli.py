"""The `govcrawl` command: list, extract, and clear one-line errors instead of tracebacks."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from govcrawl.record import schema_errors
from tests.conftest import PORTALS, expected_records, recorded_path

ROOT = Path(__file__).resolve().parents[1]


def govcrawl(*args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "govcrawl.cli", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


def assert_one_line_error(result: subprocess.CompletedProcess, fragment: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and fragment in errors[0], result.stderr[-2000:]


def test_list_shows_each_portal_with_region_and_platform():
    result = govcrawl("list")
    assert result.returncode == 0
    zijin = next(line for line in result.stdout.splitlines() if line.startswith("gd_zijin"))
    assert "441621" in zijin and "gd-jyh" in zijin and "政务动态" in zijin


def test_list_json_is_machine_readable():
    rows = json.loads(govcrawl("list", "--json").stdout)
    by_name = {row["name"]: row for row in rows}
    assert sorted(by_name) == PORTALS
    assert by_name["yn_guangnan"]["region"]["code"] == "532627"
    assert by_name["yn_guangnan"]["platform"] == "yn-pc"
    assert by_name["yn_guangnan"]["channels"]["政务要闻"].endswith("/zwyw/pc/list.html")


def test_extract_prints_the_record_a_crawl_would_write():
    expected = expected_records("gd_zijin")[0]
    page = recorded_path("gd_zijin", expected["url"])
    result = govcrawl("extract", str(page), "--url", expected["url"])
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert schema_errors(record) == []
    assert (record["title"], record["text"]) == (expected["title"], expected["text"])
    assert record["portal"] == "gd_zijin" and record["extractor"] == "gd-jyh"


def test_extract_without_url_uses_the_generic_extractor(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        "<html><head><title>县政府召开常务会议_某某县人民政府</title></head><body>"
        "<div class=nav><a href=/>首页</a></div><div class=info>发布日期：2021-06-01 来源：县政府办</div>"
        "<div class=text><p>会议研究了多项工作，强调要抓好落实。</p><p>会议还部署了防汛工作，要求各地压实责任。</p></div>"
        "</body></html>", encoding="utf-8")
    record = json.loads(govcrawl("extract", str(page)).stdout)
    assert record["title"] == "县政府召开常务会议"
    assert record["published_date"] == "2021-06-01" and record["source"] == "县政府办"
    assert record["extractor"] == "generic" and record["portal"] is None
    assert record["text"] == "会议研究了多项工作，强调要抓好落实。\n会议还部署了防汛工作，要求各地压实责任。"


@pytest.mark.parametrize(
    ("content", "fragment"),
    [(b"", "not an article"), (b"\x00\xff\xfe binary \x89PNG", "not an article"),
     (b"<html><body><div><p>truncated", "not an article"),
     (b"<div>" * 200_000, "not an article")],
    ids=["empty", "binary", "truncated", "deeply-nested"],
)
def test_extract_refuses_garbage_with_one_line(tmp_path, content, fragment):
    page = tmp_path / "bad.html"
    page.write_bytes(content)
    assert_one_line_error(govcrawl("extract", str(page)), fragment)


def test_extract_unreadable_file():
    assert_one_line_error(govcrawl("extract", "/nonexistent/page.html"), "cannot read")


@pytest.mark.parametrize(
    ("args", "fragment"),
    [(["crawl", "nowhere_county"], "unknown portal nowhere_county"),
     (["crawl"], "--all"),
     (["crawl", "gd_zijin", "--since", "2020-13-45"], "since"),
     (["crawl", "gd_zijin", "--max-pages", "0"], "max_pages"),
     (["crawl", "gd_zijin", "--set", "NOEQUALS"], "NAME=VALUE")],
)
def test_crawl_argument_errors(args, fragment):
    assert_one_line_error(govcrawl(*args), fragment)


def test_crawl_without_network_says_so_in_one_line(tmp_path):
    """A proxy port nobody listens on stands in for a machine with no network."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    result = govcrawl("crawl", "gd_zijin", "--output", str(tmp_path), "--set",
                      f"GOVCRAWL_REPLAY_PROXY=http://127.0.0.1:{closed_port}",
                      "--set", "RETRY_TIMES=0", "--log-level", "ERROR")
    assert_one_line_error(result, "gd_zijin: no page could be fetched")
    assert not list(tmp_path.glob("gd_zijin/*.jsonl"))


def test_extract_listing_prints_links_and_pagination():
    url = "http://www.zijin.gov.cn/xw/zwdt/index_2.html"
    result = govcrawl("extract", "--listing", str(recorded_path("gd_zijin", url)), "--url", url)
    listing = json.loads(result.stdout)
    links = listing["article_links"]
    assert [link["wechat"] for link in links].count(True) == 1
    assert all(link["url"].startswith("http") for link in links)
    assert listing["next_page"] == "http://www.zijin.gov.cn/xw/zwdt/index_3.html"
    assert listing["total_pages"] == 3


def test_portal_list_is_cached_until_a_spider_source_changes(tmp_path, monkeypatch):
    from govcrawl import portals

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    real = portals.portal_rows()
    cache = tmp_path / "govcrawl" / "portals.json"
    key = json.loads(cache.read_text("utf-8"))["key"]
    cache.write_text(json.dumps({"key": key, "portals": [{"name": "from_cache"}]}), "utf-8")
    assert portals.portal_rows() == [{"name": "from_cache"}]  # no import of the spiders
    monkeypatch.setattr(portals, "_sources_key", lambda: "a spider file changed")
    assert portals.portal_rows() == real
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # a cache that cannot be written
    assert portals.portal_rows() == real  # is skipped, not an error


def test_list_into_a_closed_pipe_is_not_an_error():
    result = subprocess.run(f"{sys.executable} -m govcrawl.cli list | head -1", shell=True,
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.stdout.count("\n") == 1 and "Traceback" not in result.stderr
