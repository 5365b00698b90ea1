"""Shared test helpers: recorded pages as Scrapy responses, the shipped schema, the corpus."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from scrapy import Request
from scrapy.http import Response
from scrapy.responsetypes import responsetypes
from scrapy.utils.test import get_crawler

from govcrawl.replay.server import RecordedSites

FIXTURES = Path(__file__).resolve().parents[1] / "govcrawl" / "replay" / "replicas"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
PORTALS = sorted(p.name for p in FIXTURES.iterdir() if (p / "expected.jsonl").is_file())


def recorded_path(portal: str, url: str) -> Path:
    """File of a recorded page (the replay server's mapping for plain paths and for a query
    kept as sent: `/list.jsp?id=5` → `list.jsp@id=5`)."""
    parts = urlsplit(url)
    path = parts.path if not parts.path.endswith("/") else parts.path + "index.html"
    if parts.query:
        path += "@" + parts.query.replace("/", "%2F")
    return FIXTURES / portal / "pages" / parts.hostname / path.lstrip("/")


def recorded_response(portal: str, url: str, **meta) -> Response:
    """The response the replay server gives for `url`, as the engine hands it to a callback
    (same URL → file mapping, headers and status; JSON and XML get their response types)."""
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    status, headers, body = _recorded_sites().resolve(parts.netloc, target)
    assert status == 200, f"{portal}: {url} is not recorded (replay status {status})"
    response_class = responsetypes.from_args(headers=dict(headers), url=url, body=body)
    return response_class(url=url, body=body, headers=dict(headers), status=status,
                          request=Request(url, meta=meta))


@cache
def _recorded_sites() -> RecordedSites:
    return RecordedSites(FIXTURES)


def expected_records(portal: str) -> list[dict]:
    lines = (FIXTURES / portal / "expected.jsonl").read_text("utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def make_spider(spider_cls, **kwargs):
    """A spider bound to a test crawler, so that it has stats and settings."""
    crawler = get_crawler(spider_cls)
    return spider_cls.from_crawler(crawler, **kwargs)


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not present")
    return CORPUS


def portal_spider(platform: str, host: str = "www.example.gov.cn", region=None):
    """The spider of a one-host registry row on `platform` (no columns: tests feed pages)."""
    from govcrawl.registry.portals import Portal
    from govcrawl.registry.spiderloader import spider_class

    portal = Portal(name=f"{platform}_test", region=region, domains=(host,), platform=platform,
                    columns=())
    return make_spider(spider_class(portal))


def listing_meta(platform: str, *, column: str | None = "栏目", page_number: int = 1,
                 carried: dict | None = None, host: str = "www.example.gov.cn") -> dict:
    """Request meta of a listing page, as the spider sends it."""
    from govcrawl.extraction.listing import ListingContext
    from govcrawl.spiders.base import LISTING_META

    context = ListingContext(site_hosts=(host,), column=column, platform=platform,
                             page_number=page_number, carried=carried or {})
    return {LISTING_META: context}
