"""Build the portal registry (`portals.csv`, `columns.csv`) from the shared portal reference data.

Why: every county portal of China is declared as data, not as one module per portal, so the
registry is reviewed as a diff of two CSV files and regenerated whenever the reference data
(`shared/portals`, see its README) or a rule below changes. Only a portal that needs code
names a spider class in its `override` column.

How: `python -m govcrawl.maintain.build_registry [--shared PATH] [--out DIR]` reads
`county_domains.csv` (one row per county portal) and `county_portals.csv` (one row per
column URL), names each portal `<province>_<county pinyin>`, classifies each column by the
notes in its `source`, maps the platform guesses to the crawler's platforms and writes both
files sorted, so the same input gives byte-identical output (with the same pypinyin: a
release that reads a name differently shows up in the test that rebuilds the registry). The
rules are pure functions (`portal_names`, `classify_kind`, `build`) that the tests call on
small inputs.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from pypinyin import lazy_pinyin, load_phrases_dict, load_single_dict

REPO_ROOT = Path(__file__).resolve().parents[2]
DIVISIONS_CSV = REPO_ROOT / "govcrawl" / "registry" / "divisions.csv"
DEFAULT_SHARED = REPO_ROOT.parent / "shared" / "portals"
DEFAULT_OUT = REPO_ROOT / "govcrawl" / "registry"

PORTAL_FIELDS = (
    "name",
    "region_code",
    "domains",
    "platform",
    "status",
    "home_url",
    "access",
    "source",
    "override",
)
COLUMN_FIELDS = ("portal", "label", "url", "kind", "platform", "source")

# ISO 3166-2:CN province codes, by the first two digits of the region code.
PROVINCES = {
    "11": "bj", "12": "tj", "13": "he", "14": "sx", "15": "nm", "21": "ln", "22": "jl",
    "23": "hl", "31": "sh", "32": "js", "33": "zj", "34": "ah", "35": "fj", "36": "jx",
    "37": "sd", "41": "ha", "42": "hb", "43": "hn", "44": "gd", "45": "gx", "46": "hi",
    "50": "cq", "51": "sc", "52": "gz", "53": "yn", "54": "xz", "61": "sn", "62": "gs",
    "63": "qh", "64": "nx", "65": "xj",
}  # fmt: skip

# Portals a test crawls from a recorded replica; every other row is only declared.
TESTED = frozenset({"gd_zijin", "yn_guangnan", "gd_lianping", "hb_yunxi", "sd_lijin", "sn_zhenan"})

# China's 55 minority nationalities, as they appear in the names of autonomous units, plus
# 各 (各族自治县, "of all nationalities"). The place name is what precedes the first of them.
ETHNIC_GROUPS = (
    "蒙古", "回", "藏", "维吾尔", "苗", "彝", "壮", "布依", "朝鲜", "满", "侗", "瑶", "白",
    "土家", "哈尼", "哈萨克", "傣", "黎", "傈僳", "佤", "畲", "高山", "拉祜", "水", "东乡",
    "纳西", "景颇", "柯尔克孜", "土", "达斡尔", "仫佬", "羌", "布朗", "撒拉", "毛南", "仡佬",
    "锡伯", "阿昌", "普米", "塔吉克", "怒", "乌孜别克", "俄罗斯", "鄂温克", "德昂", "保安",
    "裕固", "京", "塔塔尔", "独龙", "鄂伦春", "赫哲", "门巴", "珞巴", "基诺", "各",
)  # fmt: skip
# Endings of a unit named after its nationalities (自治县/旗/州, and districts such as
# 管城回族区). Also the fallback when the group is the whole name: 东乡族自治县 → 东乡.
ETHNIC_ENDINGS = ("族自治县", "族自治旗", "族自治州", "自治县", "自治旗", "自治州", "族区")
# One of these is stripped, longest first, unless that would leave a single character
# (城区 stays 城区). 新区 and 特区 are unit types of their own: 浦东新区 → 浦东, 六枝特区 → 六枝.
COUNTY_SUFFIXES = ("新区", "特区", "县", "区", "市", "旗")
PREFECTURE_SUFFIXES = ("地区", "市", "盟", "州")

# Place-name readings pypinyin gets wrong, since it reads the common word (长 zhǎng, 都 dōu,
# 朝阳 zhāoyáng "morning sun"). Each was checked against the unit's official romanization;
# both tables are loaded into pypinyin before any naming. A character's reading in place
# names, where it differs from pypinyin's default (transliterations such as 库尔勒, 乌什):
PLACE_CHARACTER_READINGS = {"长": "cháng", "都": "dū", "勒": "lè", "什": "shí", "佛": "fó"}
# Place names whose reading is neither pypinyin's nor the character defaults above:
PLACE_READINGS = {
    "万柏林": "wàn bǎi lín",
    "伽师": "jiā shī",
    "六合": "lù hé",
    "单县": "shàn xiàn",
    "南乐": "nán lè",
    "召陵": "shào líng",
    "宕昌": "tàn chāng",
    "崆峒": "kōng tóng",
    "曾都": "zēng dū",
    "朝阳": "cháo yáng",
    "民乐": "mín lè",
    "泊头": "bó tóu",
    "洪洞": "hóng tóng",
    "浚县": "xùn xiàn",
    "浪卡子": "làng kǎ zǐ",
    "涡阳": "guō yáng",
    "珲春": "hún chūn",
    "筠连": "jūn lián",
    "繁峙": "fán shì",
    "红寺堡": "hóng sì bǔ",
    "荥经": "yíng jīng",
    "蚌山": "bèng shān",
    "覃塘": "qín táng",
    "闵行": "mǐn háng",
    "马尾": "mǎ wěi",
    "龙圩": "lóng xū",
}

# Platform guesses of shared/portals mapped to the crawler's platforms (auto: detected at
# run time).
PLATFORMS = {
    "gd-jyh": "gd_jyh",
    "gkmlpt": "gkmlpt",
    "yn-pc": "ucap",
    "trs": "trs",
    "hanweb": "hanweb",
    "other": "auto",
    "unknown": "auto",
}

# A column's kind from the notes in its `source`: the first rule whose substring occurs wins.
KIND_RULES = (
    ("news-probe-results", "news"),
    ("budget-disclosure nav", "budget"),
    ("disclosure-fallback", "disclosure"),
    ("policy-column", "policy"),
    ("template-enum", "policy"),
    ("policy-probe-results", "policy"),
    ("hulelan/china-governance", "disclosure"),  # Shenzhen gkmlpt catalogues
    ("DIYgod/RSSHub", "news"),
)
KINDS = ("news", "policy", "disclosure", "budget", "other")  # also the order within a portal
KIND_LABELS = {
    "news": "新闻",
    "policy": "政策文件",
    "disclosure": "信息公开",
    "budget": "财政预决算",
    "other": "栏目",
}


@dataclass(frozen=True)
class Place:
    """What a portal's name is made of."""

    code: str
    county: str
    prefecture: str  # empty for 直辖市 districts and 省直辖 units


def strip_suffix(name: str, suffixes: Iterable[str]) -> str:
    """`name` without its longest matching suffix, unless that would leave < 2 characters."""
    for suffix in sorted(suffixes, key=len, reverse=True):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def ethnic_cut(name: str) -> str:
    """The part before the first nationality (`彝族`, `锡伯自治`): 南涧彝族自治县 → 南涧."""
    markers = tuple(group + tail for group in ETHNIC_GROUPS for tail in ("族", "自治"))
    return next((name[:i] for i in range(len(name)) if name.startswith(markers, i)), "")


def place_stem(name: str, suffixes: Iterable[str]) -> str:
    """The proper name of a unit, without its administrative (and ethnic) suffix."""
    if name.endswith(ETHNIC_ENDINGS):
        return ethnic_cut(name) or strip_suffix(name, ETHNIC_ENDINGS)
    return strip_suffix(name, suffixes)


@cache
def _load_place_readings() -> None:
    load_single_dict({ord(char): reading for char, reading in PLACE_CHARACTER_READINGS.items()})
    load_phrases_dict(
        {name: [[s] for s in reading.split()] for name, reading in PLACE_READINGS.items()}
    )


def to_pinyin(text: str) -> str:
    """Toneless lower-case pinyin without separators; ü is written v."""
    _load_place_readings()
    letters = "".join(lazy_pinyin(text)).lower().replace("ü", "v")
    slug = "".join(c for c in letters if c.isascii() and c.isalnum())
    if not slug:
        raise ValueError(f"no pinyin for {text!r}")
    return slug


def province_prefix(code: str) -> str:
    return PROVINCES[code[:2]]


def base_name(place: Place) -> str:
    return f"{province_prefix(place.code)}_{to_pinyin(place_stem(place.county, COUNTY_SUFFIXES))}"


def prefecture_slug(place: Place) -> str:
    """Pinyin of the prefecture, or the province code where there is none."""
    if not place.prefecture:
        return province_prefix(place.code)
    return to_pinyin(place_stem(place.prefecture, PREFECTURE_SUFFIXES))


def portal_names(places: Sequence[Place]) -> dict[str, str]:
    """Region code → unique portal name.

    Every portal of a group sharing a name gets `_<prefecture>` appended, and those still
    sharing one `_<region code>`: a rule, so no name depends on which portal came first.
    """
    names = {place.code: base_name(place) for place in places}
    disambiguators: tuple[Callable[[Place], str], ...] = (prefecture_slug, lambda p: p.code)
    for disambiguator in disambiguators:
        counts = Counter(names.values())
        for place in places:
            if counts[names[place.code]] > 1:
                names[place.code] += "_" + disambiguator(place)
    if len(set(names.values())) != len(names):
        raise ValueError("region codes are not unique")
    return names


def classify_kind(source: str) -> str:
    """A column's kind (news, policy, disclosure, budget, other) from its source notes."""
    return next((kind for needle, kind in KIND_RULES if needle in source), "other")


def map_platform(guess: str) -> str:
    try:
        return PLATFORMS[guess]
    except KeyError:
        raise ValueError(f"unmapped platform guess {guess!r}") from None


def portal_platform(columns: Sequence[dict[str, str]]) -> str:
    """The platform of the first news column, else of the first column, else `auto`."""
    news = [c for c in columns if classify_kind(c["source"]) == "news"]
    first = next(iter(news or columns), None)
    return map_platform(first["platform_guess"]) if first else "auto"


def unique_label(label: str, seen: set[str]) -> str:
    """`label`, or `label（2）`, `label（3）`… if already used in the portal."""
    candidate, n = label, 1
    while candidate in seen:
        n += 1
        candidate = f"{label}（{n}）"
    seen.add(candidate)
    return candidate


def build(
    domain_rows: Sequence[dict[str, str]], column_rows: Sequence[dict[str, str]]
) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Rows of `portals.csv` and `columns.csv` from the two shared files' rows."""
    names = portal_names(
        [Place(r["region_code"], r["county"], r["prefecture"]) for r in domain_rows]
    )
    columns_of: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in column_rows:
        if row["region_code"] not in names:
            raise ValueError(f"column of unknown portal {row['region_code']}: {row['column_url']}")
        columns_of[row["region_code"]].append(row)

    portals, columns = [], []
    for row in sorted(domain_rows, key=lambda r: names[r["region_code"]]):
        name, own = names[row["region_code"]], columns_of[row["region_code"]]
        platform = portal_platform(own)
        hosts = {urlsplit(c["column_url"]).hostname or "" for c in own} - {row["domain"]}
        portals.append(
            {
                "name": name,
                "region_code": row["region_code"],
                "domains": " ".join([row["domain"], *sorted(hosts)]),
                "platform": platform,
                "status": "tested" if name in TESTED else "declared",
                "home_url": row["home_url"],
                "access": row["access_2026_04_26"],
                "source": row["source"],
                "override": "",
            }
        )
        seen: set[str] = set()
        ranked = sorted(
            ((classify_kind(c["source"]), c) for c in own), key=lambda kc: KINDS.index(kc[0])
        )
        for kind, column in ranked:
            own_platform = map_platform(column["platform_guess"])
            columns.append(
                {
                    "portal": name,
                    "label": unique_label(column["column_name"] or KIND_LABELS[kind], seen),
                    "url": column["column_url"],
                    "kind": kind,
                    "platform": own_platform if own_platform != platform else "",
                    "source": column["source"],
                }
            )
    return portals, columns


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def write_rows(path: Path, fields: Sequence[str], rows: Iterable[dict[str, str]]) -> None:
    """CSV with `\\n` line ends, so the output is byte-identical across platforms."""
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def division_codes(path: Path = DIVISIONS_CSV) -> set[str]:
    """Every code of the division table."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return {line.split(",", 1)[0] for line in lines if line[:1].isdigit()}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="shared/portals")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="registry directory")
    args = parser.parse_args(argv)

    domain_rows = read_rows(args.shared / "county_domains.csv")
    portals, columns = build(domain_rows, read_rows(args.shared / "county_portals.csv"))
    if missing := TESTED - {portal["name"] for portal in portals}:
        parser.error(f"tested portals not in the registry: {', '.join(sorted(missing))}")
    args.out.mkdir(parents=True, exist_ok=True)
    write_rows(args.out / "portals.csv", PORTAL_FIELDS, portals)
    write_rows(args.out / "columns.csv", COLUMN_FIELDS, columns)

    known = division_codes()  # the table may lag the shared data's edition: say so, keep the row
    for portal in portals:
        if portal["region_code"] not in known:
            code, name = portal["region_code"], portal["name"]
            print(f"note: {code} ({name}) is not in {DIVISIONS_CSV}", file=sys.stderr)
    print(f"{len(portals)} portals, {len(columns)} columns → {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
