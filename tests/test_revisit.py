"""Edits seen at crawl time: young articles are re-visited, conditionally, and a changed one
is written again as its next version (`govcrawl.runs.revisit`).

Three real crawls (subprocesses, the replay server on loopback) of a copy of the gd_zijin
replica, with a re-visit window wide enough to cover its 2020 articles: the first writes
version 1 of each; then one article is edited and another re-rendered (new bytes, same
words) — the second run writes exactly one record, version 2 replacing version 1; a third
writes nothing. Unit tests cover the policy (windows, validators) on its own.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse

from govcrawl.maintain import crawl_in_subprocess, written_records
from govcrawl.runs.revisit import (
    conditional_headers,
    latest_entries,
    response_validator,
    revisit_until,
)
from govcrawl.stores.seen import Latest, today
from tests.conftest import FIXTURES

# Both on the first page of 政务动态, which an incremental walk reads (and stops at).
EDITED = "xw/zwdt/content/post_692533.html"  # 紫金县召开2020年三防工作会议
RERENDERED = "xw/zwdt/content/post_691870.html"
BEFORE, AFTER = "紫金县召开2020年三防工作会议，总结", "紫金县召开2020年三防工作会议，认真总结"
PAGES = Path("gd_zijin/pages/www.zijin.gov.cn")
WINDOW = ["-s", "GOVCRAWL_REVISIT_DAYS=36500"]


def crawl(root: Path, output: Path, *extra: str) -> dict:
    """Crawl gd_zijin from the replicas under `root`; the run's manifest."""
    done = crawl_in_subprocess(
        ["gd_zijin", "--replay", "--replay-root", str(root), *WINDOW, *extra], output, 300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    return json.loads(sorted((output / "gd_zijin").glob("*.manifest.json"))[-1].read_text())


@pytest.fixture(scope="module")
def three_runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("replicas")
    shutil.copytree(FIXTURES / "gd_zijin", root / "gd_zijin")
    output = tmp_path_factory.mktemp("output")
    first = crawl(root, output)
    first_records = written_records(output)
    edited = root / PAGES / EDITED
    page = edited.read_text("utf-8")
    assert BEFORE in page
    edited.write_text(page.replace(BEFORE, AFTER), "utf-8")
    rerendered = root / PAGES / RERENDERED
    rerendered.write_text(rerendered.read_text("utf-8") + "<!-- rendered again -->", "utf-8")
    second = crawl(root, output)
    second_records = written_records(output)[len(first_records) :]
    third = crawl(root, output)
    third_records = written_records(output)[len(first_records) + len(second_records) :]
    return first, first_records, second, second_records, third, third_records


def test_an_edited_article_is_written_again_as_its_next_version(three_runs):
    _, first_records, _, second_records, _, _ = three_runs
    assert len(first_records) >= 10 and {r["version"] for r in first_records} == {1}
    assert [r["url"].removeprefix("http://www.zijin.gov.cn/") for r in second_records] == [EDITED]
    edit = second_records[0]
    before = next(r for r in first_records if r["url"] == edit["url"])
    assert edit["version"] == 2 and edit["replaces"] == f"{before['url_hash']}:1"
    assert AFTER in edit["text"] and BEFORE in before["text"]
    assert edit["content_hash"] != before["content_hash"]


def test_unchanged_articles_are_not_written_and_cost_a_304_or_a_hash(three_runs):
    first, _, second, _, third, third_records = three_runs
    assert first["counters"].get("revisits/requested") is None  # nothing stored yet
    counters = second["counters"]
    revisited = counters["revisits/requested"]
    assert revisited >= 10  # every stored article the walked listing pages show
    # Everything else answered 304 (the server kept its ETag), but the two changed files.
    assert counters["revisits/not_modified"] == revisited - 2
    assert counters["dropped/unchanged"] == 1  # new bytes, same words: no new version
    assert second["records_written"] == 1 and counters["new_versions"] == 1
    assert second["health"]["verdict"] == "green"
    assert third_records == [] and third["records_written"] == 0
    assert third["counters"]["revisits/not_modified"] == third["counters"]["revisits/requested"]


def test_without_a_window_stored_articles_are_skipped_as_before(tmp_path):
    output = tmp_path / "output"
    crawl(FIXTURES, output)
    again = crawl(FIXTURES, output, "-s", "GOVCRAWL_REVISIT_DAYS=0")
    assert again["records_written"] == 0
    assert "revisits/requested" not in again["counters"]
    assert again["counters"]["requests_skipped/stored_before"] >= 10


# --- the policy ----------------------------------------------------------------------------


def test_the_window_runs_from_the_published_date_or_else_the_crawl():
    day = today()
    assert revisit_until({"published_date": None, "crawled_at": None}, 14) == day + 14
    assert revisit_until({"published_date": "1999-01-01"}, 14) is None  # long past
    assert revisit_until({"published_date": "2999-01-01"}, 14) == day + 14  # not stretched
    assert revisit_until({"published_date": None}, 0) is None  # re-visits off


def test_only_records_inside_their_window_are_kept_with_their_validator():
    young = {"url_hash": "a" * 40, "published_date": None, "version": 2, "content_hash": "c"}
    old = {"url_hash": "b" * 40, "published_date": "2001-01-01", "content_hash": "d"}
    entries = latest_entries([young, old], 14, {"a" * 40: '"tag"'})
    assert entries == [("a" * 40, Latest(2, "c", '"tag"', today() + 14))]


@pytest.mark.parametrize(
    ("headers", "validator", "sent"),
    [
        ({"ETag": '"5f1a"', "Last-Modified": "Wed, 22 Apr 2020 08:00:00 GMT"}, '"5f1a"',
         {"If-None-Match": '"5f1a"'}),
        ({"ETag": 'W/"5f1a"'}, 'W/"5f1a"', {"If-None-Match": 'W/"5f1a"'}),
        ({"Last-Modified": "Wed, 22 Apr 2020 08:00:00 GMT"}, "Wed, 22 Apr 2020 08:00:00 GMT",
         {"If-Modified-Since": "Wed, 22 Apr 2020 08:00:00 GMT"}),
        ({}, None, {}),
    ],
)
def test_a_revisit_asks_the_server_with_the_validator_it_gave(headers, validator, sent):
    response = HtmlResponse("http://www.zijin.gov.cn/a.html", body=b"<p>x</p>", headers=headers)
    assert response_validator(response) == validator
    assert conditional_headers(Latest(1, "c", validator, today())) == sent
