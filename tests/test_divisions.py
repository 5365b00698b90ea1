"""Region names from the shipped NBS division table, looked up by code."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from govcrawl.registry.divisions import (
    GROUPINGS,
    UnknownRegionCode,
    division_names,
    region_for_code,
)
from govcrawl.registry.portals import registry
from govcrawl.registry.region import Region

SHARED_PORTALS = Path(__file__).resolve().parents[2] / "shared" / "portals" / "county_portals.csv"


@pytest.mark.parametrize(("code", "region"), [
    ("441621", Region("441621", "广东省", "河源市", "紫金县")),
    ("532627", Region("532627", "云南省", "文山壮族苗族自治州", "广南县")),
    ("110108", Region("110108", "北京市", None, "海淀区")),  # 直辖市 district
    ("500229", Region("500229", "重庆市", None, "城口县")),  # 重庆 "县" grouping
    ("469021", Region("469021", "海南省", None, "定安县")),  # 省直辖县级单位
    ("441600", Region("441600", "广东省", "河源市", None)),  # a prefecture
    ("530000", Region("530000", "云南省", None, None)),  # a province
])
def test_codes_give_names_with_prefecture_null_where_there_is_none(code, region):
    assert region_for_code(code) == region


@pytest.mark.parametrize("code", ["12345", "4416210", "44162x", ""])
def test_malformed_codes_are_refused(code):
    with pytest.raises(ValueError, match="6 digits"):
        region_for_code(code)


@pytest.mark.parametrize("code", ["999999", "441699", "110100"])
def test_codes_not_in_the_table_are_refused(code):
    with pytest.raises(UnknownRegionCode, match=code):
        region_for_code(code)


def test_table_is_a_consistent_tree():
    names = division_names()
    counties = [code for code in names if len(code) == 6]
    assert len(counties) > 2800
    for code in counties:
        assert code[:2] in names and code[:4] in names, code
    assert not GROUPINGS & {names[code] for code in names if len(code) == 2}


def test_every_registry_row_region_matches_the_table():
    for name, portal in registry().items():
        assert portal.region == region_for_code(portal.region.code), name


def test_table_agrees_with_the_shared_portal_table():
    if not SHARED_PORTALS.is_file():
        pytest.skip("../shared/portals is not present")
    with SHARED_PORTALS.open(encoding="utf-8") as rows:
        for row in csv.DictReader(rows):
            region = region_for_code(row["region_code"])
            assert (region.province, region.county) == (row["province"], row["county"]), row
            if region.prefecture:  # 兵团 cities: the shared table names 新疆生产建设兵团
                assert region.prefecture == row["prefecture"], row
