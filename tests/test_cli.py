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
    assert "441621" in zijin and "gd_jyh" in zijin and "政务动态" in zijin


def test_list_json_is_machine_readable():
    rows = json.loads(govcrawl("list", "--json").stdout)
    by_name = {row["name"]: row for row in rows}
    assert set(PORTALS) <= set(by_name)
    assert by_name["yn_guangnan"]["region"]["code"] == "532627"
    assert by_name["yn_guangnan"]["platform"] == "ucap"
    (news,) = [c for c in by_name["yn_guangnan"]["columns"] if c["label"] == "政务要闻"]
    assert news["url"].endswith("/zwyw/pc/list.html") and news["kind"] == "news"


def test_list_selects_by_province_region_platform_and_status():
    def names(*selectors: str) -> set[str]:
        rows = json.loads(govcrawl("list", "--json", *selectors).stdout)
        return {row["name"] for row in rows}

    assert "yn_guangnan" in names("--province", "云南省")
    assert names("--province", "云南") == names("--region", "53")
    assert all(name.startswith("yn_") for name in names("--province", "云南"))
    assert "gd_zijin" in names("--region", "4416") and "yn_guangnan" not in names("--region", "44")
    assert "gd_lianping" in names("--platform", "gkmlpt")
    assert names("--status", "tested") == set(PORTALS)
    result = govcrawl("list", "--province", "火星")
    assert result.returncode == 2 and result.stderr.startswith("error: no portal matches")


def test_extract_prints_the_record_a_crawl_would_write():
    expected = expected_records("gd_zijin")[0]
    page = recorded_path("gd_zijin", expected["url"])
    result = govcrawl("extract", str(page), "--url", expected["url"])
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert schema_errors(record) == []
    assert (record["title"], record["text"]) == (expected["title"], expected["text"])
    assert record["portal"] == "gd_zijin" and record["extractor"] == "gd_jyh"


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


def test_list_into_a_closed_pipe_is_not_an_error():
    result = subprocess.run(f"{sys.executable} -m govcrawl.cli list | head -1", shell=True,
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.stdout.count("\n") == 1 and "Traceback" not in result.stderr


def test_replay_of_a_selection_crawls_the_portals_with_a_replica(tmp_path):
    result = govcrawl("crawl", "--province", "湖北省", "--replay", "--max-pages", "1",
                      "--output", str(tmp_path))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "replay: 1 of the" in result.stderr  # hb_yunxi, of every Hubei portal
    assert [path.name for path in tmp_path.iterdir() if path.is_dir()] == ["hb_yunxi"]
    missing = govcrawl("crawl", "gd_boluo", "--replay", "--output", str(tmp_path))
    assert missing.returncode == 2
    assert missing.stderr.startswith("error: none of the selected portals has a replica")


def test_replay_and_live_crawls_never_share_an_output_directory(tmp_path):
    live = tmp_path / "live"
    (live / "gd_zijin").mkdir(parents=True)
    (live / "gd_zijin" / "20261101T000000Z.jsonl").write_text("{}\n")  # a live crawl's dump
    mixed = govcrawl("crawl", "gd_zijin", "--replay", "--output", str(live))
    assert mixed.returncode == 2
    assert mixed.stderr.startswith(f"error: {live} holds live crawls")
    demo = tmp_path / "demo"
    assert govcrawl("crawl", "gd_zijin", "--replay", "--max-pages", "1",
                    "--output", str(demo)).returncode == 0
    assert (demo / ".govcrawl-mode").read_text() == "replay\n"
    manifest = json.loads(next(demo.glob("gd_zijin/*.manifest.json")).read_text())
    assert manifest["replay"] is True
    unusable = tmp_path / "a-file"
    unusable.write_text("")
    refused = govcrawl("crawl", "gd_zijin", "--replay", "--output", str(unusable / "x"))
    assert refused.returncode == 2 and "cannot use" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_govcrawl_list_imports_no_crawl_machinery():
    """`govcrawl list` answers in ~0.1 s: Scrapy (~0.3 s through any store module),
    Twisted, redis-py and pyarrow stay out of its process."""
    code = (
        "import contextlib, io, sys\n"
        "from govcrawl import cli\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        "        cli.main(['list'])\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print([m for m in ('scrapy', 'twisted', 'redis', 'pyarrow') if m in sys.modules])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.stdout.strip() == "[]", done.stderr[-2000:]
