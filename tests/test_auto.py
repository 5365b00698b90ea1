"""Auto mode: one column URL, the platform detected from the page, no registry row.

End to end through the real engine and the replay proxy, for the bundled replica of every
platform; then the spider's decisions (region, platform override, errors) on single pages.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse

from govcrawl.platforms.detect import detect_platform
from govcrawl.record import schema_errors
from govcrawl.registry.portals import registry
from govcrawl.replay.server import RecordedSites, ReplayServer
from govcrawl.spiders.auto import AutoSpider
from tests.conftest import FIXTURES, PORTALS, expected_records, listing_meta, make_spider

ROOT = Path(__file__).resolve().parents[1]
COMPARED = ("title", "published_date", "published_at", "source", "contributors", "text",
            "images", "attachments", "breadcrumb")


def declared_platform(column) -> str:
    """The platform a replica's column declares (`auto` rows are served generic pages); a
    column may differ from its portal (gd_lianping: gd_jyh news, a gkmlpt policy column)."""
    return "generic" if column.platform == "auto" else column.platform


@pytest.fixture(scope="module")
def proxy():
    with ReplayServer([FIXTURES]) as server:
        yield server


def crawl_auto(proxy, url: str, output: Path) -> subprocess.CompletedProcess:
    """`scrapy crawl auto`: a row made from the URL alone, no registry row can help."""
    command = [sys.executable, "-m", "scrapy", "crawl", "auto", "-a", f"url={url}",
               "-s", f"GOVCRAWL_REPLAY_PROXY={proxy.proxy_url}",
               "-s", f"GOVCRAWL_OUTPUT_DIR={output}", "-s", "DOWNLOAD_DELAY=0",
               "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "GOVCRAWL_SEEN_STORE="]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("portal", PORTALS)
def test_auto_crawls_each_column_into_the_expected_records(proxy, tmp_path, portal):
    row = registry()[portal]
    records = []
    for column in row.columns:
        url, platform = column.url, declared_platform(column)
        output = tmp_path / str(len(records))
        done = crawl_auto(proxy, url, output)
        assert done.returncode == 0, done.stderr[-3000:]
        assert "Traceback" not in done.stderr
        assert f"platform {platform} " in done.stderr  # detected, not declared
        manifest = json.loads(next((output / "auto").glob("*.manifest.json")).read_text())
        assert manifest["arguments"]["detected_platform"] == platform
        assert " ERROR: " not in done.stderr
        records += [json.loads(line) for path in (output / "auto").glob("*.jsonl")
                    for line in path.read_text("utf-8").splitlines()]
    expected = {record["url"]: record for record in expected_records(portal)}
    assert sorted(r["url"] for r in records) == sorted(expected)  # all, once, nothing else
    first_page = RecordedSites(FIXTURES).resolve(*split_host(row.columns[0].url))
    region_code = detect_platform("http://x/", first_page.body).region_code
    for record in records:
        assert schema_errors(record) == []
        assert record["portal"] == "auto"
        assert record["region"] == (row.region.as_record() if region_code else None)
        for key in COMPARED:
            assert record[key] == expected[record["url"]][key], f"{record['url']}: {key}"


def split_host(url: str) -> tuple[str, str]:
    rest = url.split("://", 1)[1]
    host, _, path = rest.partition("/")
    return host, "/" + path


def test_govcrawl_crawl_url_runs_auto_mode_through_replay(tmp_path):
    url = registry()["yn_guangnan"].columns[0].url  # 政务要闻: the other columns are not crawled
    column_folder = url.rsplit("/pc/", 1)[0] + "/pc/content/"
    done = subprocess.run([sys.executable, "-m", "govcrawl.cli", "crawl", "--url", url,
                           "--replay", "--output", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    written = [json.loads(line) for path in (tmp_path / "auto").glob("*.jsonl")
               for line in path.read_text("utf-8").splitlines()]
    assert sorted(r["url"] for r in written) == sorted(
        r["url"] for r in expected_records("yn_guangnan") if r["url"].startswith(column_folder))
    assert {r["region"]["code"] for r in written} == {"532627"}


# --- single pages, no engine ----------------------------------------------------------------

COLUMN = "http://www.example.gov.cn/xw/zwdt/index.html"


def listing_page(site_id: str | None) -> bytes:
    meta = f'<meta name="SiteIDCode" content="{site_id}">' if site_id else ""
    items = "".join(
        f'<li><a href="/xw/zwdt/content/post_{n}.html">第{n}条新闻标题</a><span>2024-03-0{n}</span></li>'
        for n in range(1, 4))
    return (f'<html><head><meta charset="utf-8">{meta}<meta name="ColumnName" content="要闻">'
            f'</head><body><ul class="news-list">{items}</ul></body></html>').encode()


def run_column(spider: AutoSpider, body: bytes) -> list:
    """The requests the spider makes of the column's first page, sent as `start` sends it."""
    column = spider.portal.columns[0]
    meta = listing_meta(column.platform, column=column.label, host="www.example.gov.cn")
    response = HtmlResponse(url=COLUMN, body=body, request=Request(COLUMN, meta=meta))
    return list(spider.parse_listing(response))


def test_region_comes_from_site_id_code_and_the_column_page_is_not_fetched_again():
    spider = make_spider(AutoSpider, url=COLUMN)
    requests = run_column(spider, listing_page("4416210001"))
    assert [r.url.rsplit("/", 1)[1] for r in requests] == [
        "post_1.html", "post_2.html", "post_3.html"]  # articles only: no second column fetch
    assert {r.meta["platform"] for r in requests} == {"gd_jyh"}
    assert spider.region.as_record()["county"] == "紫金县"
    assert requests[0].meta["channel"] == "要闻"


def test_region_argument_wins_and_unknown_region_is_null_and_counted():
    spider = make_spider(AutoSpider, url=COLUMN, region="532627")
    run_column(spider, listing_page("4416210001"))
    assert spider.region.as_record()["code"] == "532627"
    unknown = make_spider(AutoSpider, url=COLUMN)
    run_column(unknown, listing_page(None))
    assert unknown.region is None
    assert unknown.crawler.stats.get_value("govcrawl/auto/region_unknown") == 1


def test_platform_argument_skips_detection():
    spider = make_spider(AutoSpider, url=COLUMN, platform="generic")
    requests = run_column(spider, listing_page("4416210001"))
    assert {r.meta["platform"] for r in requests} == {"generic"}
    assert spider.crawler.stats.get_value("govcrawl/auto/platform") is None
    assert spider.region.code == "441621"  # the region is still read from the page


@pytest.mark.parametrize(("kwargs", "fragment"), [
    ({}, "url"), ({"url": "ftp://x.gov.cn/"}, "url"),
    ({"url": COLUMN, "platform": "drupal"}, "platform"),
    ({"url": COLUMN, "region": "12"}, "region"), ({"url": COLUMN, "max_pages": "0"}, "max_pages"),
])
def test_bad_arguments_are_refused_clearly(kwargs, fragment):
    with pytest.raises(ValueError, match=fragment):
        make_spider(AutoSpider, **kwargs)


def test_auto_is_not_a_portal():
    assert "auto" not in registry()
