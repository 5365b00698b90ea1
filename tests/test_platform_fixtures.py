"""Every platform's fixture cases (`govcrawl/platforms/<id>/fixtures/<case>/`): a page as
served (`page.html`, raw bytes) and what its platform's page object must make of it
(`expected.json`), checked field by field — web-poet's fixture layout, one test for all.

The cases are pages the project wrote on each platform's template for portals it no longer
ships replicas of (the name-swapped replicas of wave 1), with their hand-checked records.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from govcrawl.extraction.listing import ListingContext
from govcrawl.extraction.parse import parse_response, saved_response
from govcrawl.platforms import platform_for
from govcrawl.record import schema_errors
from pipelines.clean import clean_article

PLATFORMS = Path(__file__).resolve().parents[1] / "govcrawl" / "platforms"
CASES = sorted(PLATFORMS.glob("*/fixtures/*/expected.json"))


def case_id(path: Path) -> str:
    return f"{path.parts[-4]}/{path.parts[-2]}"


def test_every_crawling_platform_with_a_template_has_fixture_cases():
    with_cases = {path.parts[-4] for path in CASES}
    assert {"gd_jyh", "ucap", "hanweb"} <= with_cases


@pytest.mark.parametrize("expected_file", CASES, ids=case_id)
def test_fixture_case(expected_file: Path):
    case = json.loads(expected_file.read_text("utf-8"))
    platform = platform_for(expected_file.parts[-4])
    body = (expected_file.parent / "page.html").read_bytes()
    selector = parse_response(saved_response(body, case["url"]))
    if case["kind"] == "article":
        page = platform.article_page(case["url"], selector)
        assert page.not_article_reason() is None
        fields = page.fields()
        record = clean_article({**fields, "portal": None, "region": None})
        assert schema_errors(record) == []
        assert record["extractor"] == platform.id
        for key, value in case["record"].items():
            assert record[key] == value, key
    else:
        context = ListingContext(site_hosts=tuple(case["site_hosts"]))
        listing = platform.listing_page(case["url"], selector, context)
        assert [link.url for link in listing.article_links if not link.offsite] == case["links"]
        assert [link.url for link in listing.article_links if link.offsite] == case["offsite"]
        assert listing.next_page() == case["next_page"]
