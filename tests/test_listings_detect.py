"""Auto mode on column pages of no declared portal (issue 10 §5): Guangdong 集约化 column
pages recognised from what they show, and the region read from a SiteIDCode."""

from __future__ import annotations

import json

import pytest

from govcrawl.platforms.detect import detect_platform
from govcrawl.registry.divisions import region_from_site_code

COLUMN = "http://www.example.gov.cn/xxgk/zwyw/index.html"  # the directory shape of gd-jyh rows
GUANGDONG = '<meta name="SiteIDCode" content="4416210001">'


def page(body: str, head: str = "") -> str:
    return f"<html><head><meta charset=utf-8>{head}</head><body>{body}</body></html>"


def test_a_directory_style_column_url_on_a_guangdong_site_is_not_enough_alone():
    assert detect_platform(COLUMN, page("<ul></ul>", GUANGDONG)).platform == "generic"


def test_a_pager_numbering_page_two_index_2_on_a_guangdong_site_is_gd_jyh():
    pager = ("<div class=pagination><a href='index.html'>首页</a><a href='index_2.html'>2</a>"
             "<a href='index_3.html'>3</a><a href='index_2.html'>下一页</a></div>")
    detection = detect_platform(COLUMN, page(pager, GUANGDONG))
    assert detection.platform == "gd_jyh"
    assert detection.region_code == "441621"
    # TRS numbers page 2 index_1.html: that pager is no evidence
    trs = pager.replace("index_2", "index_1").replace("index_3", "index_2")
    assert detect_platform(COLUMN, page(trs, GUANGDONG)).platform == "generic"
    # nor is the same pager on a site of another province
    assert detect_platform(COLUMN, page(pager)).platform == "generic"


def test_post_links_in_the_json_a_script_fills_the_list_with_are_gd_jyh():
    records = [{"title": f"第{i}篇", "url": f"http://www.example.gov.cn/xxgk/zwyw/content/post_{i}.html"}
               for i in range(3)]
    escaped = json.dumps(records, ensure_ascii=False).replace("/", "\\/")  # as PHP/Java write it
    script = f"<script>var listData = {escaped};</script><ul id=list></ul>"
    detection = detect_platform(COLUMN, page(script))
    assert detection.platform == "gd_jyh"
    assert any("script's JSON" in line for line in detection.evidence)


@pytest.mark.parametrize(
    ("site_code", "region"),
    [
        ("4416210001", ("441621", "广东省", "河源市", "紫金县")),  # county
        ("4416000001", ("441600", "广东省", "河源市", None)),  # prefecture
        ("4400000001", ("440000", "广东省", None, None)),  # province
        ("1101050001", ("110105", "北京市", None, "朝阳区")),  # 直辖市 district: no prefecture
        ("441621", ("441621", "广东省", "河源市", "紫金县")),  # the code alone
    ],
)
def test_region_from_site_code(site_code, region):
    found = region_from_site_code(site_code)
    assert found is not None
    assert (found.code, found.province, found.prefecture, found.county) == region


@pytest.mark.parametrize(
    "site_code",
    [None, "", "bm01000001", "44162", "4499990001", "9900000001", "44a6210001"],
    ids=["none", "empty", "letters", "short", "unknown-county", "unknown-province", "not-digits"],
)
def test_region_from_site_code_is_none_for_codes_that_name_no_region(site_code):
    assert region_from_site_code(site_code) is None
