"""Every replica's registry row, crawled page by page without the engine: listings,
pagination, articles, arguments."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

import pytest

from govcrawl.extraction.listing import ListingContext
from govcrawl.record import schema_errors
from govcrawl.registry.portals import registry
from govcrawl.registry.spiderloader import spider_class
from govcrawl.spiders.base import LISTING_META
from pipelines.clean import clean_article
from tests.conftest import (
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


def portal_spider(name: str, **kwargs):
    return make_spider(spider_class(registry()[name]), **kwargs)


def test_every_tested_row_has_a_replica_of_every_column_and_expected_records():
    tested = [portal for portal in registry().values() if portal.status == "tested"]
    assert sorted(portal.name for portal in tested) == PORTALS
    for portal in tested:
        assert expected_records(portal.name), f"{portal.name}: expected.jsonl is empty"
        for column in portal.columns:
            assert recorded_path(portal.name, column.url).is_file(), f"{column.url} not in replica"


def crawl_listings(spider):
    """Follow listing pages from the replica; return the article requests, in order."""
    hosts = spider.portal.domains
    pending = [
        (c.url, {LISTING_META: ListingContext(hosts, c.label, c.platform)})
        for c in spider.portal.columns
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
    spider = portal_spider(portal)
    requested = [request.url for request in crawl_listings(spider)]
    assert sorted(requested) == sorted(r["url"] for r in expected_records(portal))
    hosts = {urlsplit(url).hostname for url in requested}
    assert hosts <= set(spider.allowed_domains)  # WeChat reposts and off-site links not followed


@pytest.mark.parametrize("portal", PORTALS)
def test_article_pages_give_the_expected_records(portal):
    spider = portal_spider(portal)
    listed = {request.url: request.meta for request in crawl_listings(portal_spider(portal))}
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
    spider = portal_spider(portal, max_pages="1")
    requests = crawl_listings(spider)
    first_pages = spider.portal.columns
    assert len(requests) < len(expected_records(portal))
    assert spider.crawler.stats.get_value("govcrawl/listing_pages") == len(first_pages)


@pytest.mark.parametrize("portal", PORTALS)
def test_since_skips_older_articles_and_stops_paginating(portal):
    records = sorted(expected_records(portal), key=lambda r: r["published_date"])
    cutoff = records[len(records) // 2]["published_date"]
    spider = portal_spider(portal, since=cutoff)
    requested = {request.url for request in crawl_listings(spider)}
    newer = {r["url"] for r in records if r["published_date"] >= cutoff}
    assert requested == newer
    assert spider.since == date.fromisoformat(cutoff)
    assert spider.crawler.stats.get_value("govcrawl/links_not_followed/older_than_since") >= 1


@pytest.mark.parametrize(
    ("argument", "value"), [("since", "yesterday-ish"), ("max_pages", "0"), ("max_pages", "many")]
)
def test_bad_crawl_arguments_are_refused_clearly(argument, value):
    spider_cls = spider_class(registry()["gd_zijin"])
    with pytest.raises(ValueError, match=argument):
        make_spider(spider_cls, **{argument: value})
