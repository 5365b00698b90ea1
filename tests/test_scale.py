"""Many portals in one crawl, through the real engine and the replay server (issue 15).

One `govcrawl crawl` of the bundled replicas writes what one-portal crawls write, one
manifest per portal matching its dump; the active-portal cap holds (checked from recorded
download events, not from timing); a second run fetches no stored article and stops each
walk at the first page with nothing new; `--full` walks every page again.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from govcrawl import settings as project_settings
from govcrawl.replay.server import ReplayServer
from tests.conftest import FIXTURES, PORTALS

ROOT = Path(__file__).resolve().parents[1]
VOLATILE = ("crawled_at", "run_id")


def crawl(*args: str, proxy: str | None = None) -> subprocess.CompletedProcess:
    """`govcrawl crawl` in a subprocess (a reactor runs once per process)."""
    extra = ["--set", f"GOVCRAWL_REPLAY_PROXY={proxy}", "--set", "DOWNLOAD_DELAY=0",
             "--set", "AUTOTHROTTLE_ENABLED=False"] if proxy else ["--replay"]
    command = [sys.executable, "-m", "govcrawl.cli", "crawl", *args, *extra]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)


def dumps(output: Path) -> dict[str, dict[str, dict]]:
    """Portal → URL → record (without the crawl time) of every JSONL under `output`."""
    found: dict[str, dict[str, dict]] = {}
    for path in sorted(output.glob("*/*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            record = json.loads(line)
            for key in VOLATILE:
                record.pop(key)
            found.setdefault(path.parent.name, {})[record["url"]] = record
    return found


def latest_manifests(output: Path) -> dict[str, dict]:
    found = {}
    for path in sorted(output.glob("*/*.manifest.json")):  # sorted by run id: last wins
        manifest = json.loads(path.read_text("utf-8"))
        found[manifest["portal"]] = manifest
    return found


@pytest.fixture(scope="module")
def together(tmp_path_factory):
    """Every replica portal in one crawl, with the cap at 2 and the probe recording."""
    output = tmp_path_factory.mktemp("together")
    probe = output / "probe.json"
    extensions = {**project_settings.EXTENSIONS, "tests.scale_probe.PortalProbe": 0}
    done = crawl(*PORTALS, "--output", str(output), "--set", "GOVCRAWL_ACTIVE_PORTALS=2",
                 "--set", f"EXTENSIONS={json.dumps(extensions)}",
                 "--set", f"GOVCRAWL_PROBE_FILE={probe}")
    return output, done, json.loads(probe.read_text())


def test_one_crawl_writes_what_one_portal_crawls_write(together, tmp_path):
    output, done, _ = together
    assert done.returncode == 0, done.stderr[-3000:]
    separately = {}
    for portal in PORTALS:
        alone = crawl(portal, "--output", str(tmp_path / portal))
        assert alone.returncode == 0, alone.stderr[-3000:]
        separately.update(dumps(tmp_path / portal))
    assert dumps(output) == separately
    assert sorted(separately) == PORTALS


def test_one_manifest_per_portal_counts_its_dump(together):
    output, done, _ = together
    records = dumps(output)
    manifests = latest_manifests(output)
    assert sorted(manifests) == PORTALS
    for portal, manifest in manifests.items():
        assert manifest["finish_reason"] == "finished"
        assert manifest["records_written"] == manifest["counters"]["written"]
        assert manifest["records_written"] == len(records[portal])
        assert manifest["output_file"].endswith(f"{portal}/{manifest['run_id']}.jsonl")
        assert sum(n for k, n in manifest["counters"].items() if k.startswith("responses/")) > 0
    assert f"{len(PORTALS)} portals: {sum(map(len, records.values()))} new records" in done.stderr
    assert "Overridden settings" not in done.stderr  # Scrapy's dumps are DEBUG lines now
    assert "Enabled item pipelines" not in done.stderr


def test_never_more_portals_in_flight_than_the_cap(together):
    _, _, probe = together
    assert probe["max_open"] == 2  # the cap was reached, and never passed
    assert probe["max_downloading"] <= 2
    assert sorted(probe["closed"]) == PORTALS  # every portal started, finished, closed once
    assert probe["after_close"] == []  # no request of a portal after its run closed


@pytest.fixture(scope="module")
def three_runs(tmp_path_factory):
    """gd_zijin three times into one output: first, incremental, then `--full`."""
    output = tmp_path_factory.mktemp("incremental")
    runs = []
    with ReplayServer([FIXTURES]) as server:
        for extra in ((), (), ("--full",)):
            server.reset_log()
            done = crawl("gd_zijin", "--output", str(output), *extra, proxy=server.proxy_url)
            assert done.returncode == 0, done.stderr[-3000:]
            runs.append(([url for _, url, _ in server.requests], latest_manifests(output)))
    return runs


def article(url: str) -> bool:
    return "/content/" in url


def listing_pages(urls: list[str]) -> set[str]:
    return {url for url in urls if not article(url) and not url.endswith("robots.txt")}


def test_a_second_run_fetches_no_stored_article_and_counts_skips_as_skipped(three_runs):
    _, (second_urls, second), _ = three_runs
    assert [url for url in second_urls if article(url)] == []
    counters = second["gd_zijin"]["counters"]
    assert second["gd_zijin"]["records_written"] == 0
    assert counters["requests_skipped/stored_before"] >= 1
    assert "request_errors/IgnoreRequest" not in counters
    assert not any(key.startswith("dropped") for key in counters)


def test_a_listing_page_with_nothing_new_ends_the_walk(three_runs):
    (first_urls, _), (second_urls, second), _ = three_runs
    counters = second["gd_zijin"]["counters"]
    assert counters["pagination_stopped/nothing_new"] >= 1
    assert listing_pages(second_urls) < listing_pages(first_urls)  # page 2 and on not fetched


def test_full_walks_every_listing_page_and_still_fetches_no_stored_article(three_runs):
    (first_urls, first), _, (full_urls, full) = three_runs
    assert listing_pages(full_urls) == listing_pages(first_urls)
    assert [url for url in full_urls if article(url)] == []
    counters = full["gd_zijin"]["counters"]
    assert "pagination_stopped/nothing_new" not in counters
    assert counters["requests_skipped/stored_before"] == first["gd_zijin"]["records_written"]
    assert full["gd_zijin"]["arguments"]["full"] is True


def test_a_new_article_on_the_first_page_is_all_a_later_run_fetches(tmp_path):
    """The replica before its newest article was published, then as it is: the second
    run fetches that one article and the listing pages up to the first with nothing new."""
    import shutil

    replicas, output = tmp_path / "replicas", tmp_path / "out"
    shutil.copytree(FIXTURES / "gd_zijin", replicas / "gd_zijin")
    first_page = replicas / "gd_zijin/pages/www.zijin.gov.cn/xw/zwdt/index.html"
    published = first_page.read_text("utf-8")
    newest = '<li><a href="./content/post_692533.html"'
    line = next(line for line in published.splitlines() if line.startswith(newest))
    first_page.write_text(published.replace(line + "\n", ""), "utf-8")
    runs = []
    with ReplayServer([replicas]) as server:
        for _ in range(2):
            server.reset_log()
            done = crawl("gd_zijin", "--output", str(output), proxy=server.proxy_url)
            assert done.returncode == 0, done.stderr[-3000:]
            runs.append(([url for _, url, _ in server.requests], latest_manifests(output)))
            first_page.write_text(published, "utf-8")  # the newest article appears
    (first_urls, _), (second_urls, second) = runs
    assert [url for url in second_urls if article(url)] == [
        "http://www.zijin.gov.cn/xw/zwdt/content/post_692533.html"
    ]
    assert second["gd_zijin"]["records_written"] == 1
    assert listing_pages(second_urls) < listing_pages(first_urls)
    assert "http://www.zijin.gov.cn/xw/zwdt/index_3.html" not in second_urls
