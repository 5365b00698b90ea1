"""The portal registry as data: lint of the shipped CSVs, and the rules that build them."""

from __future__ import annotations

import csv
import re
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from govcrawl.maintain.build_registry import (
    COUNTY_SUFFIXES,
    PREFECTURE_SUFFIXES,
    TESTED,
    Place,
    build,
    classify_kind,
    main,
    place_stem,
    portal_names,
    to_pinyin,
)
from govcrawl.registry.divisions import division_names

REGISTRY = Path(__file__).resolve().parents[1] / "govcrawl" / "registry"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "portals"
NAME = re.compile(r"^[a-z]{2}_[a-z0-9_]+$")
PLATFORMS = {"gd_jyh", "gkmlpt", "ucap", "trs", "hanweb", "generic", "auto"}
# Names portal modules, fixtures and records already use.
EXISTING = {
    "gd_zijin": "441621", "yn_guangnan": "532627", "ah_zongyang": "340722",
    "gd_boluo": "441322", "gd_conghua": "440117", "gd_deqing": "441226",
    "gd_lianping": "441623", "gd_raoping": "445122", "gd_wuhua": "441424",
    "gd_xinxing": "445321", "gd_yingde": "441881", "ha_lankao": "410225",
    "hb_yunxi": "420322", "jx_zhangshu": "360982", "sc_anyue": "512021",
    "sc_linshui": "511623", "sd_lijin": "370522", "sn_zhenan": "611025",
    "yn_jianchuan": "532931", "yn_maguan": "532625", "yn_nanjian": "532926",
    "zj_tiantai": "331023",
}  # fmt: skip
HANWEB_PATH = re.compile(r"/col/col\d+/|/art/\d{4}/")
ARTICLE_PATH = re.compile(r"/content/post_\d+|/t\d{8}_\d+|/art/\d{4}/")


def _gd_jyh_shape(path: str, portal: dict[str, str]) -> bool:
    """A directory or a `.html` listing (index.html, gkmlzl.html), never an article."""
    last = path.rsplit("/", 1)[-1]
    return ("." not in last or last.endswith(".html")) and not ARTICLE_PATH.search(path)


# URL shapes of the platforms whose listings have one (README of shared/portals). A hanweb
# column has its shape unless its portal is declared hanweb (the guess then rests on the
# host's article URLs). TRS and auto have no listing shape.
SHAPES = {
    "gkmlpt": lambda path, portal: "/gkmlpt/" in path,
    "ucap": lambda path, portal: path.endswith("/pc/list.html"),
    "hanweb": lambda path, portal: bool(HANWEB_PATH.search(path)) or portal["platform"] == "hanweb",
    "gd_jyh": _gd_jyh_shape,
}


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@cache
def portals() -> list[dict[str, str]]:
    return read(REGISTRY / "portals.csv")


@cache
def columns() -> list[dict[str, str]]:
    return read(REGISTRY / "columns.csv")


def by_name() -> dict[str, dict[str, str]]:
    return {row["name"]: row for row in portals()}


# --- lint of the shipped registry ---------------------------------------------------------


def test_headers_are_the_declared_ones():
    heads = [
        (REGISTRY / f).read_text(encoding="utf-8").split("\n", 1)[0]
        for f in ("portals.csv", "columns.csv")
    ]
    assert heads == [
        "name,region_code,domains,platform,status,home_url,access,source,override",
        "portal,label,url,kind,platform,source",
    ]


def test_every_county_portal_has_one_uniquely_named_row():
    names = [row["name"] for row in portals()]
    assert len(names) >= 2800
    assert len(set(names)) == len(names)
    assert [n for n in names if not NAME.match(n)] == []
    assert names == sorted(names)
    codes = [row["region_code"] for row in portals()]
    assert len(set(codes)) == len(codes)


def test_region_codes_are_county_level_codes_of_the_division_table():
    names = division_names()
    codes = {row["region_code"] for row in portals()}
    assert all(len(c) == 6 and c.isdigit() and not c.endswith("00") for c in codes)
    assert codes <= names.keys()


def test_existing_names_keep_their_codes():
    assert {name: by_name()[name]["region_code"] for name in EXISTING} == EXISTING


def test_portal_fields_take_declared_values():
    for row in portals():
        assert row["platform"] in PLATFORMS, row
        assert row["status"] == ("tested" if row["name"] in TESTED else "declared"), row
        assert row["source"] and row["home_url"].startswith(("http://", "https://")), row
        assert row["domains"].split()[0] == urlsplit(row["home_url"]).hostname, row
    assert {row["name"] for row in portals() if row["status"] == "tested"} == TESTED


def test_columns_belong_to_their_portal_hosts():
    portal = by_name()
    for column in columns():
        row = portal[column["portal"]]
        parts = urlsplit(column["url"])
        assert parts.scheme in ("http", "https"), column
        assert parts.hostname in row["domains"].split(), column
        assert column["source"], column
        assert column["kind"] in ("news", "policy", "disclosure", "budget", "other"), column
        assert column["platform"] in PLATFORMS | {""}, column
        assert column["platform"] != row["platform"], column  # given only where it differs


def test_column_urls_have_their_platform_shape():
    portal = by_name()
    wrong = []
    for column in columns():
        row = portal[column["portal"]]
        shape = SHAPES.get(column["platform"] or row["platform"])
        if shape and not shape(urlsplit(column["url"]).path, row):
            wrong.append(column["url"])
    assert wrong == []


def test_labels_are_unique_within_a_portal():
    pairs = [(c["portal"], c["label"]) for c in columns()]
    assert all(label for _, label in pairs)
    assert len(set(pairs)) == len(pairs)


def test_columns_follow_portal_order_and_news_first():
    order = {row["name"]: i for i, row in enumerate(portals())}
    kinds = ("news", "policy", "disclosure", "budget", "other")
    keys = [(order[c["portal"]], kinds.index(c["kind"])) for c in columns()]
    assert keys == sorted(keys)


# --- the naming rules -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "stem"),
    [
        ("紫金县", "紫金"),
        ("从化区", "从化"),
        ("英德市", "英德"),
        ("扎鲁特旗", "扎鲁特"),
        ("梅县区", "梅县"),  # one suffix only
        ("津市市", "津市"),
        ("浦东新区", "浦东"),
        ("六枝特区", "六枝"),
        ("清新区", "清新"),  # 新区 would leave one character, so only 区 goes
        ("城区", "城区"),  # one-character guard
        ("矿区", "矿区"),
        ("郊区", "郊区"),
        ("忠县", "忠县"),
    ],
)
def test_county_suffix_is_stripped(name, stem):
    assert place_stem(name, COUNTY_SUFFIXES) == stem


@pytest.mark.parametrize(
    ("name", "stem"),
    [
        ("南涧彝族自治县", "南涧"),
        ("峨边彝族自治县", "峨边"),
        ("大厂回族自治县", "大厂"),
        ("长阳土家族自治县", "长阳"),
        ("双江拉祜族佤族布朗族傣族自治县", "双江"),
        ("白沙黎族自治县", "白沙"),  # 白 is also a nationality, but not followed by 族
        ("察布查尔锡伯自治县", "察布查尔"),  # no 族 in the name
        ("龙胜各族自治县", "龙胜"),
        ("东乡族自治县", "东乡"),  # the nationality is the whole name
        ("鄂伦春自治旗", "鄂伦春"),
        ("鄂温克族自治旗", "鄂温克"),
        ("管城回族区", "管城"),
    ],
)
def test_ethnic_suffix_is_stripped(name, stem):
    assert place_stem(name, COUNTY_SUFFIXES) == stem


@pytest.mark.parametrize(
    ("name", "stem"),
    [
        ("河源市", "河源"),
        ("和田地区", "和田"),
        ("锡林郭勒盟", "锡林郭勒"),
        ("大理白族自治州", "大理"),
        ("伊犁哈萨克自治州", "伊犁"),
        ("新疆生产建设兵团", "新疆生产建设兵团"),
    ],
)
def test_prefecture_suffix_is_stripped(name, stem):
    assert place_stem(name, PREFECTURE_SUFFIXES) == stem


@pytest.mark.parametrize(
    ("text", "pinyin"),
    [
        ("南涧", "nanjian"),
        ("绿春", "lvchun"),  # ü is written v
        ("城区", "chengqu"),
        ("长阳", "changyang"),  # place readings: 长 cháng, not zhǎng
        ("长子", "zhangzi"),  # …but 长子 is Zhǎngzǐ, as pypinyin has it
        ("朝阳", "chaoyang"),
        ("三都", "sandu"),
        ("库尔勒", "kuerle"),
        ("枞阳", "zongyang"),
    ],
)
def test_pinyin_reads_place_names(text, pinyin):
    assert to_pinyin(text) == pinyin


def test_names_are_province_and_county_pinyin():
    places = [
        Place("532926", "南涧彝族自治县", "大理白族自治州"),
        Place("532531", "绿春县", "红河哈尼族彝族自治州"),
        Place("140302", "城区", "阳泉市"),
        Place("110105", "朝阳区", ""),
    ]
    assert portal_names(places) == {
        "532926": "yn_nanjian",
        "532531": "yn_lvchun",
        "140302": "sx_chengqu",
        "110105": "bj_chaoyang",
    }


def test_colliding_names_get_the_prefecture_then_the_code():
    places = [
        Place("320106", "鼓楼区", "南京市"),
        Place("320302", "鼓楼区", "徐州市"),
        Place("653201", "和田市", "和田地区"),
        Place("653221", "和田县", "和田地区"),
        Place("110101", "东城区", ""),  # hypothetical twin without a prefecture
        Place("110199", "东城区", ""),
        Place("320115", "江宁区", "南京市"),
    ]
    assert portal_names(places) == {
        "320106": "js_gulou_nanjing",
        "320302": "js_gulou_xuzhou",
        "653201": "xj_hetian_hetian_653201",
        "653221": "xj_hetian_hetian_653221",
        "110101": "bj_dongcheng_bj_110101",
        "110199": "bj_dongcheng_bj_110199",
        "320115": "js_jiangning",
    }


@pytest.mark.parametrize(
    ("source", "kind"),
    [
        (
            "a@1:scripts/website_management/news-probe-results.json [tier A; score=100; anchor; validated]",
            "news",
        ),
        ("a@1:data/website-policy.ts [policy-column; score=40]", "policy"),
        ("a@1:data/website-policy.ts [template-enum]", "policy"),
        (
            "a@1:scripts/website_management/policy-probe-results.json [homepage-anchor probe pick; score=60]",
            "policy",
        ),
        ("a@1:data/website-policy.ts [disclosure-fallback; score=55]", "disclosure"),
        (
            "a@1:data/website-budget.ts [budget-disclosure nav; data/website-budget.xlsx diagnosis]",
            "budget",
        ),
        ("hulelan/china-governance@c7329c22d7bc:crawlers/gkmlpt.py (szft; crawled)", "disclosure"),
        ("DIYgod/RSSHub@0842c15a0384:lib/routes/gov/maonan/maonan.ts", "news"),
        ("somebody/else@1:list.json", "other"),
    ],
)
def test_kind_comes_from_the_source_notes(source, kind):
    assert classify_kind(source) == kind


def _column(code: str, url: str, name: str, guess: str, note: str) -> dict[str, str]:
    return {
        "region_code": code,
        "column_url": url,
        "column_name": name,
        "platform_guess": guess,
        "source": note,
    }


def test_build_orders_columns_and_fills_labels_and_platforms():
    domain_rows = [
        {"province": p, "prefecture": f, "county": c, "region_code": code, "domain": d,
         "home_url": f"http://{d}/", "access_2026_04_26": "direct", "source": "gov-flat"}
        for p, f, c, code, d in [
            ("广东省", "河源市", "紫金县", "441621", "www.zijin.gov.cn"),
            ("广东省", "河源市", "连平县", "441623", "www.lianping.gov.cn"),
        ]
    ]  # fmt: skip
    column_rows = [
        _column("441621", "http://www.zijin.gov.cn/gkmlpt/index", "", "gkmlpt", "[policy-column]"),
        _column(
            "441621", "http://xxgk.zijin.gov.cn/zwgk/", "要闻", "gd-jyh", "[disclosure-fallback]"
        ),
        _column("441621", "http://www.zijin.gov.cn/xw/", "要闻", "gd-jyh", "news-probe-results"),
    ]
    portal_rows, columns_out = build(domain_rows, column_rows)
    assert [(r["name"], r["platform"], r["domains"], r["status"]) for r in portal_rows] == [
        ("gd_lianping", "auto", "www.lianping.gov.cn", "tested"),  # no columns: still a row
        ("gd_zijin", "gd_jyh", "www.zijin.gov.cn xxgk.zijin.gov.cn", "tested"),
    ]
    assert [(c["label"], c["kind"], c["platform"]) for c in columns_out] == [
        ("要闻", "news", ""),
        ("政策文件", "policy", "gkmlpt"),
        ("要闻（2）", "disclosure", ""),
    ]


# --- the shipped files are the builder's output -----------------------------------------


def test_builder_reproduces_the_shipped_registry(tmp_path):
    if not (SHARED / "county_domains.csv").is_file():
        pytest.skip("../shared/portals is not present")
    assert main(["--shared", str(SHARED), "--out", str(tmp_path)]) == 0
    for name in ("portals.csv", "columns.csv"):
        assert (tmp_path / name).read_bytes() == (REGISTRY / name).read_bytes(), name


def test_an_operators_own_registry_folder_replaces_the_bundled_one(tmp_path, monkeypatch):
    from govcrawl.registry import portals

    bundled = Path(portals.__file__).parent
    header, zijin = (bundled / "portals.csv").read_text("utf-8").splitlines()[:1], [
        line for line in (bundled / "portals.csv").read_text("utf-8").splitlines()
        if line.startswith("gd_zijin,")]
    (tmp_path / "portals.csv").write_text("\n".join(header + zijin) + "\n", "utf-8")
    columns = (bundled / "columns.csv").read_text("utf-8").splitlines()
    (tmp_path / "columns.csv").write_text(
        "\n".join([columns[0]] + [c for c in columns if c.startswith("gd_zijin,")]) + "\n")
    monkeypatch.setenv("GOVCRAWL_REGISTRY", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # its index: not the user's
    portals.registry.cache_clear()
    try:
        assert list(portals.registry()) == ["gd_zijin"]
        assert portals.registry()["gd_zijin"].columns[0].label == "政务动态"
    finally:
        monkeypatch.delenv("GOVCRAWL_REGISTRY")
        portals.registry.cache_clear()
    assert len(portals.registry()) > 2800
