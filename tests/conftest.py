"""Shared test helpers: recorded pages as Scrapy responses, the shipped schema, the corpus."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

FIXTURES = Path(__file__).parent / "fixtures"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
PORTALS = sorted(p.name for p in FIXTURES.iterdir() if (p / "expected.jsonl").is_file())


def recorded_path(portal: str, url: str) -> Path:
    """File of a recorded page (same mapping as the replay server for plain paths)."""
    parts = urlsplit(url)
    path = parts.path if not parts.path.endswith("/") else parts.path + "index.html"
    return FIXTURES / portal / "pages" / parts.hostname / path.lstrip("/")


def recorded_response(portal: str, url: str, **meta) -> HtmlResponse:
    """A response for a recorded page, as the engine would hand it to a callback."""
    body = recorded_path(portal, url).read_bytes()
    return HtmlResponse(url=url, body=body, request=Request(url, meta=meta))


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
