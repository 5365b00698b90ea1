"""End to end through the real Scrapy engine over loopback: the recorded portals → JSONL.

Crawls run in subprocesses (a Twisted reactor cannot restart in one process), exactly as
an operator runs them: `govcrawl crawl --status tested --replay` (the rows with replicas)
and `scrapy crawl`.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from govcrawl.record import schema_errors
from govcrawl.replay.server import ReplayServer
from tests.conftest import FIXTURES, PORTALS, expected_records

ROOT = Path(__file__).resolve().parents[1]
COMPARED = ("title", "published_date", "published_at", "source", "contributors", "channel",
            "breadcrumb", "text", "images", "attachments")


def govcrawl(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "govcrawl.cli", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def dumps(output: Path) -> dict[str, list[dict]]:
    records: dict[str, list[dict]] = {}
    for path in sorted(output.glob("*/*.jsonl")):
        lines = path.read_text("utf-8").splitlines()
        records.setdefault(path.parent.name, []).extend(json.loads(line) for line in lines)
    return records


def manifests(output: Path) -> list[dict]:
    return [json.loads(p.read_text("utf-8")) for p in sorted(output.glob("*/*.manifest.json"))]


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """Two replay crawls of every portal into the same output directory."""
    output = tmp_path_factory.mktemp("output")
    first = govcrawl("crawl", "--status", "tested", "--replay", "--output", str(output))
    first_records = dumps(output)
    first_manifests = manifests(output)
    second = govcrawl("crawl", "--status", "tested", "--replay", "--output", str(output))
    return output, first, first_records, first_manifests, second


def test_first_run_writes_one_valid_record_per_recorded_article(two_runs):
    _, first, records, _, _ = two_runs
    assert first.returncode == 0, first.stderr[-3000:]
    assert "Traceback" not in first.stderr
    assert sorted(records) == PORTALS
    for portal in PORTALS:
        by_url = {record["url"]: record for record in records[portal]}
        expected = {record["url"]: record for record in expected_records(portal)}
        assert sorted(by_url) == sorted(expected)  # one record each, none missing, no extras
        for url, record in by_url.items():
            assert schema_errors(record) == []
            assert record["portal"] == portal
            for key in COMPARED:
                assert record[key] == expected[url][key], f"{url}: {key}"


def test_seed_articles_come_out_as_on_the_page(two_runs):
    _, _, records, _, _ = two_runs
    zijin = {r["title"]: r for r in records["gd_zijin"]}["紫金开足马力抓生产,凝心聚力促发展"]
    assert (zijin["published_date"], zijin["source"]) == ("2020-04-22", "本网")
    assert zijin["region"]["code"] == "441621"
    guangnan = {r["title"]: r for r in records["yn_guangnan"]}[
        "廣南縣戰疫“四雙”機制:不停腳步 逆勢而上!"]
    assert guangnan["script"] == "zh-Hant"
    assert guangnan["title_simplified"] == "广南县战疫“四双”机制:不停脚步 逆势而上!"
    assert "广南县" in guangnan["text_simplified"] and "廣南縣" not in guangnan["text_simplified"]


def test_first_run_manifest_counts_what_happened(two_runs):
    _, first, records, first_manifests, _ = two_runs
    by_portal = {m["portal"]: m for m in first_manifests}
    for portal in PORTALS:
        manifest = by_portal[portal]
        assert manifest["finish_reason"] == "finished"
        assert manifest["records_written"] == len(records[portal])
        assert manifest["counters"]["written"] == len(records[portal])
    assert " ERROR: " not in first.stderr
    wechat = sum(m["counters"].get("links_not_followed/wechat", 0) for m in by_portal.values())
    assert wechat >= 1  # WeChat reposts in the recorded lists are counted, never followed


def test_second_run_writes_nothing_and_refetches_no_article(two_runs):
    output, _, first_records, _, second = two_runs
    assert second.returncode == 0, second.stderr[-3000:]
    assert dumps(output) == first_records  # no new dump, no changed line
    latest = {}
    for manifest in manifests(output):
        latest[manifest["portal"]] = manifest  # sorted by run id: the last one wins
    for portal in PORTALS:
        counters = latest[portal]["counters"]
        assert latest[portal]["records_written"] == 0
        # Skipped at listing time, counted as skipped (not as IgnoreRequest errors); each
        # column's walk ends at its first page, which brings nothing new.
        assert counters["requests_skipped/stored_before"] >= 1
        assert "request_errors/IgnoreRequest" not in counters
        assert counters["listing_pages"] >= 1  # listings are refetched, articles not
        assert counters["pagination_stopped/nothing_new"] >= 1
        assert "written" not in counters


def test_scrapy_crawl_works_and_the_proxy_log_shows_no_article_refetch(tmp_path):
    """`scrapy crawl gd_zijin` with a replay proxy started by hand, as an operator would."""
    output = tmp_path / "out"
    with ReplayServer([FIXTURES]) as server:
        command = [sys.executable, "-m", "scrapy", "crawl", "gd_zijin",
                   "-s", f"GOVCRAWL_REPLAY_PROXY={server.proxy_url}",
                   "-s", f"GOVCRAWL_OUTPUT_DIR={output}", "-s", "DOWNLOAD_DELAY=0",
                   "-s", "AUTOTHROTTLE_ENABLED=False", "-a", "max_pages=2"]
        first = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert first.returncode == 0, first.stderr[-3000:]
        first_articles = [url for _, url, _ in server.requests if "/content/" in url]
        server.reset_log()
        second = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert second.returncode == 0, second.stderr[-3000:]
        second_urls = [url for _, url, _ in server.requests]
    assert len(first_articles) == len(set(first_articles)) > 0  # each article fetched once
    assert not [url for url in second_urls if "/content/" in url]
    assert any(url.endswith("/xw/zwdt/index.html") for url in second_urls)
    written = [line for path in output.glob("gd_zijin/*.jsonl")
               for line in path.read_text("utf-8").splitlines()]
    assert len(written) == len(first_articles) == 15  # 2 pages of 政务动态 + 政策法规 + 财政预决算


def test_a_crawl_killed_mid_run_leaves_whole_lines_and_the_next_run_completes_it(tmp_path):
    """SIGKILL while records are being written, then run again: every line parses, every
    recorded article is there exactly once."""
    command = [sys.executable, "-m", "govcrawl.cli", "crawl", "gd_zijin", "--replay",
               "--output", str(tmp_path), "--set", "DOWNLOAD_DELAY=0.1",
               "--set", "CONCURRENT_REQUESTS_PER_DOMAIN=1", "--log-level", "ERROR"]
    crawl = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and crawl.poll() is None:
            written = sum(p.read_bytes().count(b"\n") for p in tmp_path.glob("gd_zijin/*.jsonl"))
            if written >= 3:
                break
            time.sleep(0.05)
        assert crawl.poll() is None, "the crawl ended before it could be killed"
        crawl.send_signal(signal.SIGKILL)
    finally:
        crawl.wait(timeout=30)
    killed = dumps(tmp_path)["gd_zijin"]  # json.loads of every line: none is broken
    expected = {record["url"] for record in expected_records("gd_zijin")}
    assert 3 <= len(killed) < len(expected)
    rerun = govcrawl("crawl", "gd_zijin", "--replay", "--output", str(tmp_path))
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    urls = [record["url"] for record in dumps(tmp_path)["gd_zijin"]]
    assert sorted(urls) == sorted(expected)  # all of them, none twice
