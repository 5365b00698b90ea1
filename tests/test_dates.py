"""Tests for govcrawl.extraction.dates: every format, the rejections, labels, URLs and title prefixes."""

from __future__ import annotations

import time as clock
from datetime import date, datetime, time, timedelta

import pytest

from govcrawl.extraction.dates import (
    CHINA_TZ,
    PUBLICATION_LABELS,
    SIGNING_LABELS,
    ParsedDate,
    date_from_url,
    find_labelled_date,
    parse_date,
    strip_date_prefix,
)

TODAY = date(2024, 6, 1)
APRIL_22 = date(2020, 4, 22)


def parse(text: str, **kwargs: object) -> ParsedDate | None:
    return parse_date(text, today=TODAY, **kwargs)


# --- ParsedDate and the time zone -------------------------------------------------------------


def test_china_tz_is_fixed_plus_eight() -> None:
    assert CHINA_TZ.utcoffset(datetime(1990, 7, 1)) == timedelta(hours=8)
    assert CHINA_TZ.utcoffset(datetime(2024, 1, 1)) == timedelta(hours=8)
    assert CHINA_TZ.tzname(None) == "Asia/Shanghai"


def test_iso_datetime_has_china_offset() -> None:
    parsed = ParsedDate(APRIL_22, time(10, 30))
    assert parsed.iso_date() == "2020-04-22"
    assert parsed.iso_datetime() == "2020-04-22T10:30:00+08:00"


def test_iso_datetime_is_none_without_time() -> None:
    parsed = ParsedDate(APRIL_22, None)
    assert parsed.iso_date() == "2020-04-22"
    assert parsed.iso_datetime() is None


def test_parsed_date_is_frozen() -> None:
    parsed = ParsedDate(APRIL_22, None)
    with pytest.raises(AttributeError):
        parsed.time = time(1, 2)  # type: ignore[misc]


# --- parse_date: numeric formats ------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["2020-04-22", "2020-4-22", "2020/4/22", "2020/04/22", "2020.04.22", "2020.4.22", "20200422"],
)
def test_numeric_dates(text: str) -> None:
    assert parse(text) == ParsedDate(APRIL_22, None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2020-04-22 10:30", time(10, 30)),
        ("2020-04-22 10:30:15", time(10, 30, 15)),
        ("2020/4/22 9:05", time(9, 5)),
        ("2020-04-22T10:30:00", time(10, 30)),
        ("2020-04-22 10时30分", time(10, 30)),
        ("20200422 10:30", time(10, 30)),
    ],
)
def test_numeric_dates_with_time(text: str, expected: time) -> None:
    assert parse(text) == ParsedDate(APRIL_22, expected)


def test_time_gives_iso_datetime() -> None:
    parsed = parse("2020-04-22 10:30")
    assert parsed is not None
    assert parsed.iso_datetime() == "2020-04-22T10:30:00+08:00"


def test_date_without_time_has_no_time() -> None:
    parsed = parse("2020-04-22")
    assert parsed is not None
    assert parsed.time is None
    assert parsed.iso_datetime() is None


def test_explicit_utc_offset_is_converted_to_china_time() -> None:
    assert parse("2020-04-22T20:30:00Z") == ParsedDate(date(2020, 4, 23), time(4, 30))
    assert parse("2020-04-22T10:30:00+08:00") == ParsedDate(APRIL_22, time(10, 30))


# --- parse_date: Chinese formats ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2020年4月22日", ParsedDate(APRIL_22, None)),
        ("2020年04月22日", ParsedDate(APRIL_22, None)),
        ("2020 年 4 月 22 日", ParsedDate(APRIL_22, None)),
        ("2020年04月22日 10时30分", ParsedDate(APRIL_22, time(10, 30))),
        ("2020年04月22日10时30分15秒", ParsedDate(APRIL_22, time(10, 30, 15))),
        ("2020年4月22日 10:30", ParsedDate(APRIL_22, time(10, 30))),
        ("2020年4月22日 星期三", ParsedDate(APRIL_22, None)),
        ("2020年4月22日（星期三） 10:30", ParsedDate(APRIL_22, time(10, 30))),
    ],
)
def test_chinese_dates(text: str, expected: ParsedDate) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("二〇二〇年四月二十二日", APRIL_22),
        ("二零二零年四月二十二日", APRIL_22),
        ("二〇二〇年十二月三十一日", date(2020, 12, 31)),
        ("二〇二〇年十月十日", date(2020, 10, 10)),
        ("二〇一九年一月十五日", date(2019, 1, 15)),
        ("二〇二〇年十一月二十日", date(2020, 11, 20)),
        ("一九九九年二月三日", date(1999, 2, 3)),
    ],
)
def test_chinese_numeral_dates(text: str, expected: date) -> None:
    assert parse(text) == ParsedDate(expected, None)


def test_chinese_numeral_impossible_day_is_rejected() -> None:
    assert parse("二〇二〇年二月三十日") is None
    assert parse("二〇二〇年十三月一日") is None


def test_full_width_digits_and_colon() -> None:
    assert parse("２０２０－０４－２２　１０：３０") == ParsedDate(APRIL_22, time(10, 30))
    assert parse("２０２０年４月２２日") == ParsedDate(APRIL_22, None)
    assert parse("２０２０／４／２２") == ParsedDate(APRIL_22, None)


# --- parse_date: labels, brackets, trailing text --------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "发布时间：2020-04-22 10:30",
        "发布时间:2020-04-22 10:30",
        "发布日期： 2020-04-22 10:30",
        "时间：2020-04-22 10:30",
        "日　　期：2020-04-22 10:30",
        "发布于 2020-04-22 10:30",
        "【发布时间：2020-04-22 10:30】",
        "[2020-04-22 10:30]",
        "（2020-04-22 10:30）",
        "  2020-04-22 10:30  ",
    ],
)
def test_label_and_brackets_are_stripped(text: str) -> None:
    assert parse(text) == ParsedDate(APRIL_22, time(10, 30))


def test_signing_label_is_stripped_too() -> None:
    assert parse("成文日期：2020-04-01") == ParsedDate(date(2020, 4, 1), None)


def test_text_after_the_date_is_ignored() -> None:
    assert parse("2020-04-22 来源：本网") == ParsedDate(APRIL_22, None)
    assert parse("发布时间：2020-04-22 10:30 来源：本网 阅读人次：-") == ParsedDate(
        APRIL_22, time(10, 30)
    )


def test_date_must_be_at_the_start() -> None:
    assert parse("本网讯 2020-04-22 县政府召开会议") is None
    assert parse("来源：本网 发布时间：2020-04-22") is None


# --- parse_date: year-less dates --------------------------------------------------------------


@pytest.mark.parametrize("text", ["04-22", "4/22", "4月22日", "四月二十二日", "[04-22]"])
def test_yearless_needs_default_year(text: str) -> None:
    assert parse(text) is None
    assert parse(text, default_year=2020) == ParsedDate(APRIL_22, None)


def test_yearless_dotted() -> None:
    assert parse("03.05") is None
    assert parse("03.05", default_year=2021) == ParsedDate(date(2021, 3, 5), None)


def test_05_01_is_may_first_not_2005() -> None:
    assert parse("05-01", default_year=2020) == ParsedDate(date(2020, 5, 1), None)
    assert parse("05-01") is None  # never handed to dateparser, which reads 2005


def test_yearless_with_time() -> None:
    assert parse("04-22 10:30", default_year=2020) == ParsedDate(APRIL_22, time(10, 30))


def test_yearless_feb_29_depends_on_default_year() -> None:
    assert parse("02-29", default_year=2020) == ParsedDate(date(2020, 2, 29), None)
    assert parse("02-29", default_year=2021) is None


def test_default_year_does_not_override_a_written_year() -> None:
    assert parse("2019-04-22", default_year=2020) == ParsedDate(date(2019, 4, 22), None)


# --- parse_date: rejections ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "2020-02-30",
        "2021-02-29",
        "2020-13-01",
        "2020-00-10",
        "2020-04-00",
        "2020-04-31",
        "2020年13月1日",
        "20201301",
        "2020-04-22 25:00",
        "2020-04-22 10:61",
        "2020年4月22日 24时30分",
    ],
)
def test_impossible_dates_are_rejected(text: str) -> None:
    assert parse(text) is None


def test_year_range_1949_to_next_year() -> None:
    assert parse("1949-10-01") == ParsedDate(date(1949, 10, 1), None)
    assert parse("1948-12-31") is None
    assert parse("2025-12-31") == ParsedDate(date(2025, 12, 31), None)  # today.year + 1
    assert parse("2026-01-01") is None


def test_month_only_is_not_a_date() -> None:
    assert parse("2020年4月") is None
    assert parse("2020-04") is None


@pytest.mark.parametrize(
    "text",
    ["", "   ", "abc", "发布时间：", "阅读人次：-", "第12345号", "\x00\ud800", "【】", "：：："],
)
def test_garbage_is_none(text: str) -> None:
    assert parse(text) is None


def test_non_string_is_none() -> None:
    assert parse_date(None) is None  # type: ignore[arg-type]
    assert parse_date(20200422) is None  # type: ignore[arg-type]


def test_huge_input_is_fast_and_safe() -> None:
    started = clock.perf_counter()
    assert parse("x" * 10_000) is None
    assert parse("2020-04-22" + " " * 10_000 + "x") == ParsedDate(APRIL_22, None)
    assert parse("1" * 10_000) is None
    assert parse("时间" * 5_000) is None
    assert clock.perf_counter() - started < 1.0


# --- parse_date: dateparser fallback ------------------------------------------------------------


def test_dateparser_fallback_for_english_dates() -> None:
    assert parse("April 22, 2020") == ParsedDate(APRIL_22, None)


def test_dateparser_fallback_keeps_only_a_written_time() -> None:
    assert parse("22 Apr 2020 10:30") == ParsedDate(APRIL_22, time(10, 30))
    assert parse("22 Apr 2020") == ParsedDate(APRIL_22, None)  # not a fake 00:00


def test_dateparser_fallback_relative_to_today() -> None:
    assert parse("3天前") == ParsedDate(date(2024, 5, 29), None)


def test_dateparser_fallback_rejects_partial_dates() -> None:
    assert parse("April 2020") is None


# --- date_from_url ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://www.example.gov.cn/xxgk/202004/t20200422_3456789.html",
        "https://www.example.gov.cn/art/2020/4/22/art_1229_2.html",
        "http://www.example.gov.cn/news/2020-04/22/content_123.htm",
        "http://www.example.gov.cn/zwdt/20200422/8a8f3c2e71b7a4f40171a0c3.html",
        "http://www.example.gov.cn/2020/0422/c1234a56789/page.htm",
    ],
)
def test_url_dates(url: str) -> None:
    assert date_from_url(url, today=TODAY) == ParsedDate(APRIL_22, None)


def test_url_date_has_no_time() -> None:
    parsed = date_from_url("http://x.gov.cn/202004/t20200422_1.html", today=TODAY)
    assert parsed is not None
    assert parsed.time is None
    assert parsed.iso_datetime() is None


@pytest.mark.parametrize(
    "url",
    [
        "http://www.example.gov.cn/xxgk/202004/",
        "http://www.example.gov.cn/xxgk/202004/index.html",
        "http://www.example.gov.cn/xxgk/t20201322_1.html",  # month 13
        "http://www.example.gov.cn/art/2020/2/30/art_1_2.html",  # Feb 30
        "http://www.example.gov.cn/xxgk/t18990422_1.html",  # before 1949
        "http://www.example.gov.cn/detail.jsp?date=20200422",  # query, not path
        "http://www.example.gov.cn/col/col1229/index.html",
        "",
        "not a url",
    ],
)
def test_url_without_a_full_date(url: str) -> None:
    assert date_from_url(url, today=TODAY) is None


# --- find_labelled_date ---------------------------------------------------------------------


def test_info_line_with_several_labels() -> None:
    line = "发布时间：2020-04-22 10:30 来源：本网 阅读人次：-"
    raw = find_labelled_date(line)
    assert raw == "2020-04-22 10:30"
    assert parse(raw) == ParsedDate(APRIL_22, time(10, 30))


def test_label_order_decides() -> None:
    line = "时间：2020-04-20 发布日期：2020-04-22"
    assert find_labelled_date(line) == "2020-04-22"  # 发布日期 is trusted before 时间
    assert find_labelled_date(line, ("时间",)) == "2020-04-20"


def test_chinese_date_after_generic_label() -> None:
    assert (
        find_labelled_date("信息来源：县政府办 日期：2020年4月22日 浏览次数：") == "2020年4月22日"
    )


def test_signing_date_is_kept_apart() -> None:
    table = "索引号：123 成文日期：2020-04-01 发文日期：2020-04-22 发布机构：县政府办"
    assert find_labelled_date(table) == "2020-04-22"
    assert find_labelled_date(table, SIGNING_LABELS) == "2020-04-01"
    assert find_labelled_date("成文日期：2020-04-01") is None


def test_generic_label_not_matched_inside_longer_label() -> None:
    # 时间 inside 发布时间 is not the label 时间; 时间 inside 会议时间 is not a publication date.
    assert find_labelled_date("发布时间：2020-04-22", ("时间",)) is None
    assert find_labelled_date("会议时间：2020-05-01 时间：2020-04-22") == "2020-04-22"
    assert find_labelled_date("会议时间：2020-05-01") is None


def test_labels_without_separating_spaces() -> None:
    # Text nodes joined with no space: 本网发布时间 must still be found.
    assert find_labelled_date("来源：本网发布时间：2020-04-22 10:30") == "2020-04-22 10:30"


def test_label_with_padding_and_full_width_text() -> None:
    assert find_labelled_date("日　　期：２０２０－０４－２２") == "２０２０－０４－２２"
    assert parse(find_labelled_date("日　　期：２０２０－０４－２２") or "") == ParsedDate(
        APRIL_22, None
    )


def test_label_followed_by_nothing_is_skipped() -> None:
    assert find_labelled_date("发布时间： 来源：本网 日期：2020-04-22") == "2020-04-22"
    assert find_labelled_date("发布时间：-- 来源：本网") is None
    assert find_labelled_date("发布时间：2020-02-30") is None


def test_yearless_labelled_date_is_returned_for_default_year() -> None:
    raw = find_labelled_date("日期：04-22")
    assert raw == "04-22"
    assert parse(raw, default_year=2020) == ParsedDate(APRIL_22, None)


def test_find_labelled_date_on_nothing() -> None:
    assert find_labelled_date("") is None
    assert find_labelled_date("县政府召开常务会议 2020-04-22") is None
    assert find_labelled_date("x" * 10_000 + "发布时间：2020-04-22") == "2020-04-22"


def test_publication_and_signing_labels() -> None:
    for label in ("发布时间", "发布日期", "发表时间", "时间", "日期", "发文日期", "生成日期"):
        assert label in PUBLICATION_LABELS
    assert "成文日期" not in PUBLICATION_LABELS
    assert "成文日期" in SIGNING_LABELS
    assert PUBLICATION_LABELS.index("发布时间") < PUBLICATION_LABELS.index("时间")


# --- strip_date_prefix ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("03.05 廣南縣人民政府召开常务会议", "廣南縣人民政府召开常务会议"),
        ("2020-04-22 县政府召开常务会议", "县政府召开常务会议"),
        ("2020-04-22县政府召开常务会议", "县政府召开常务会议"),
        ("[04-22]县政府召开常务会议", "县政府召开常务会议"),
        ("【2020-04-22】 县政府召开常务会议", "县政府召开常务会议"),
        ("2020年4月22日 县政府召开常务会议", "县政府召开常务会议"),
        ("2020-04-22 10:30 县政府召开常务会议", "县政府召开常务会议"),
        ("2020/04/22 | 县政府召开常务会议", "县政府召开常务会议"),
        ("０４－２２　县政府召开常务会议", "县政府召开常务会议"),
    ],
)
def test_strip_date_prefix_removes_dates(title: str, expected: str) -> None:
    assert strip_date_prefix(title) == expected


@pytest.mark.parametrize(
    "title",
    [
        "2020年全县经济运行情况",
        "1-10月德清县经济运行情况",
        "12345热线办理情况通报",
        "3.5 亿元项目开工",
        "13.05 不是日期",
        "2020年4月22日县政府召开常务会议",  # the date is part of the sentence
        "12-15岁儿童接种通知",
        "县政府召开常务会议 2020-04-22",
        "2020-04-22",  # nothing but a date: left alone
        "",
    ],
)
def test_strip_date_prefix_leaves_other_titles(title: str) -> None:
    assert strip_date_prefix(title) == title
