"""Every portal spider against its recorded pages: listings, pagination, articles, arguments."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

import pytest
from scrapy.spiderloader import SpiderLoader
from scrapy.utils.project import get_project_settings

from govcrawl.record import schema_errors
from pipelines.clean import clean_article
from tests.conftest import (
    FIXTURES,
    PORTALS,
    expected_records,
    make_spider,
    recorded_path,
    recorded_response,
)

COMPARED = (
    "url",
    "title",
    "published_date",
    "published_at",
    "source",
    "contributors",
    "channel",
    "breadcrumb",
    "text",
    "images",
    "attachments",
)


def portal_spiders() -> dict[str, type]:
    loader = SpiderLoader.from_settings(get_project_settings())
    return {
        name: loader.load(name)
        for name in loader.list()
        if getattr(loader.load(name), "region", None)
    }


def test_every_portal_has_recorded_pages_and_expected_records():
    for name in portal_spiders():
        assert (FIXTURES / name / "expected.jsonl").is_file(), f"{name}: no expected.jsonl"
        assert expected_records(name), f"{name}: expected.jsonl is empty"
        for url in portal_spiders()[name].channels.values():
            assert recorded_path(name, url).is_file(), f"{name}: {url} is not recorded"


def crawl_listings(spider, start_urls=None):
    """Follow listing pages from the recording; return the article requests, in order."""
    pending = [
        (url, {"channel": channel, "page_number": 1}) for channel, url in spider.channels.items()
    ]
    articles = []
    while pending:
        url, meta = pending.pop(0)
        for request in spider.parse_listing(recorded_response(spider.name, url, **meta)):
            if request.callback == spider.parse_listing:
                pending.append((request.url, request.meta))
            else:
                articles.append(request)
    return articles


@pytest.mark.parametrize("portal", PORTALS)
def test_listings_lead_to_every_recorded_article_and_nothing_else(portal):
    spider = make_spider(portal_spiders()[portal])
    requested = [request.url for request in crawl_listings(spider)]
    assert sorted(requested) == sorted(r["url"] for r in expected_records(portal))
    hosts = {urlsplit(url).hostname for url in requested}
    assert hosts <= set(spider.allowed_domains)  # WeChat reposts and off-site links not followed


@pytest.mark.parametrize("portal", PORTALS)
def test_article_pages_give_the_expected_records(portal):
    spider = make_spider(portal_spiders()[portal])
    listed = {request.url: request.meta for request in crawl_listings(make_spider(type(spider)))}
    for expected in expected_records(portal):
        response = recorded_response(portal, expected["url"], **listed[expected["url"]])
        (item,) = spider.parse_article(response)
        record = clean_article(dict(item))
        assert schema_errors(record) == []
        assert record["portal"] == portal
        assert record["region"] == spider.region.as_record()
        for key in COMPARED:
            assert record[key] == expected[key], f"{expected['url']}: {key}"


@pytest.mark.parametrize("portal", PORTALS)
def test_max_pages_stops_pagination(portal):
    spider = make_spider(portal_spiders()[portal], max_pages="1")
    requests = crawl_listings(spider)
    first_pages = [recorded_response(portal, url) for url in spider.channels.values()]
    assert len(requests) < len(expected_records(portal))
    assert spider.crawler.stats.get_value("govcrawl/listing_pages") == len(first_pages)


@pytest.mark.parametrize("portal", PORTALS)
def test_since_skips_older_articles_and_stops_paginating(portal):
    records = sorted(expected_records(portal), key=lambda r: r["published_date"])
    cutoff = records[len(records) // 2]["published_date"]
    spider = make_spider(portal_spiders()[portal], since=cutoff)
    requested = {request.url for request in crawl_listings(spider)}
    newer = {r["url"] for r in records if r["published_date"] >= cutoff}
    assert requested == newer
    assert spider.since == date.fromisoformat(cutoff)
    assert spider.crawler.stats.get_value("govcrawl/links_not_followed/older_than_since") >= 1


@pytest.mark.parametrize(
    ("argument", "value"), [("since", "yesterday-ish"), ("max_pages", "0"), ("max_pages", "many")]
)
def test_bad_crawl_arguments_are_refused_clearly(argument, value):
    spider_cls = next(iter(portal_spiders().values()))
    with pytest.raises(ValueError, match=argument):
        make_spider(spider_cls, **{argument: value})
