"""Dates as Chinese government portals write them.

Generic extractors fail on these pages: dates come behind labels (``发布时间：``), in Chinese
numerals (``二〇二〇年四月二十二日``), without a year (``04-22`` in listings), in full-width
digits, or only in the URL (``t20200422_123.html``). dateparser misreads ``05-01`` (as 2005) and
costs 150-450 µs a call against ~1 µs for a regex, so this module tries anchored regexes first
and calls dateparser only as a last resort, on the label-stripped string.

Everything here is pure (no I/O, no clock unless ``today`` is omitted) and never raises on a
``str`` input: an unreadable or impossible date is ``None``, never a guess.

All times are Asia/Shanghai. China has had no DST since 1991, so a fixed +08:00 offset is exact
for every date this crawler meets and avoids a tz database lookup.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from functools import lru_cache
from urllib.parse import urlsplit

__all__ = [
    "CHINA_TZ",
    "PUBLICATION_LABELS",
    "SIGNING_LABELS",
    "ParsedDate",
    "date_from_url",
    "find_labelled_date",
    "find_unlabelled_date",
    "parse_date",
    "strip_date_prefix",
]

CHINA_TZ: tzinfo = timezone(timedelta(hours=8), "Asia/Shanghai")

# The People's Republic's first year: anything earlier on a county portal is a misread number
# (an article id, a phone number), not a publication date.
MIN_YEAR = 1949

# Labels whose date is the publication date, in order of trust. The specific labels come
# first; the generic 日期 / 时间 after them; 更新时间 (a later edit, not the publication) last.
# A label is never matched inside a longer known label (时间 inside 发布时间 or 会议时间), so
# the order only decides which of several labelled dates on one info line wins.
PUBLICATION_LABELS: tuple[str, ...] = (
    "发布时间",
    "发布日期",
    "发文日期",
    "发表时间",
    "公开日期",
    "公开时间",
    "生成日期",
    "信息时间",
    "发布于",
    "日期",
    "时间",
    "更新时间",
)

# 成文日期 is the date a document was signed, often weeks before it was published: kept apart
# so it is never taken for the publication date.
SIGNING_LABELS: tuple[str, ...] = ("成文日期", "成文时间", "签署日期")

# Labels that end in 日期 / 时间 but date something else (a meeting, a deadline, entry into
# force). Only used so that 日期 / 时间 never match inside them.
_OTHER_LABELS: tuple[str, ...] = (
    "会议时间",
    "活动时间",
    "开始时间",
    "结束时间",
    "截止时间",
    "截止日期",
    "报名时间",
    "办理时间",
    "受理时间",
    "办公时间",
    "咨询时间",
    "答复时间",
    "申请时间",
    "开标时间",
    "实施日期",
    "施行日期",
    "生效日期",
    "失效日期",
    "废止日期",
    "印发日期",
    "有效日期",
    "出生日期",
)

_KNOWN_LABELS: tuple[str, ...] = tuple(
    dict.fromkeys(PUBLICATION_LABELS + SIGNING_LABELS + _OTHER_LABELS)
)

# The text sent to dateparser is capped: a date string is short, and dateparser's cost grows
# with the input (a 10 kB blob would take milliseconds for nothing).
_DATEPARSER_MAX_CHARS = 64


@dataclass(frozen=True, slots=True)
class ParsedDate:
    """A calendar date in China, with the wall-clock time only when the source gave one.

    ``time`` is ``None`` rather than midnight when no time was written, so that a missing time
    is never recorded as a real 00:00.
    """

    date: date
    time: time | None

    def iso_date(self) -> str:
        """``"2020-04-22"``."""
        return self.date.isoformat()

    def iso_datetime(self) -> str | None:
        """``"2020-04-22T10:30:00+08:00"``, or ``None`` when the source gave no time."""
        if self.time is None:
            return None
        return datetime.combine(self.date, self.time, tzinfo=CHINA_TZ).isoformat()


# --- normalisation -------------------------------------------------------------------------

# A length-preserving translation (unlike NFKC) so that offsets found in the normalised text
# are valid in the raw text: find_labelled_date and strip_date_prefix return raw slices.
_FULLWIDTH: dict[int, str | int | None] = {
    cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)
}  # ！..～ → !..~
_NORMALISE: dict[int, str | int | None] = str.maketrans(
    {
        **_FULLWIDTH,
        0x3000: " ",  # ideographic space
        0x00A0: " ",  # no-break space (&nbsp;)
        0x2010: "-",
        0x2011: "-",
        0x2012: "-",
        0x2013: "-",
        0x2014: "-",
        0x2015: "-",
        0x2212: "-",
        0xFE58: "-",
        0xFE63: "-",
        0x2236: ":",  # ∶ ratio sign, used as a colon
        0xFE55: ":",
        0x2215: "/",
    }
)


def _normalise(text: str) -> str:
    return text.translate(_NORMALISE)


# --- Chinese numerals -----------------------------------------------------------------------

_CN_DIGITS = {
    "〇": 0,
    "零": 0,
    "○": 0,
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_DIGIT_CLASS = "〇零○一二三四五六七八九"
_CN_TENS = re.compile(r"([一二三四五六七八九]?)十([一二三四五六七八九]?)|廿([一二三四五六七八九]?)")


def _to_int(token: str, *, positional: bool = False) -> int | None:
    """Arabic digits, positional Chinese digits (years: 二〇二〇) or 十-numbers (二十二)."""
    if token.isascii():
        return int(token) if token.isdigit() else None
    if all(ch in _CN_DIGITS for ch in token):
        if len(token) == 1 or positional:
            value = 0
            for ch in token:
                value = value * 10 + _CN_DIGITS[ch]
            return value
        return None
    match = _CN_TENS.fullmatch(token)
    if match is None:
        return None
    tens, ones, twenty_ones = match.groups()
    if twenty_ones is not None:  # 廿 = 20
        return 20 + (_CN_DIGITS[twenty_ones] if twenty_ones else 0)
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)


# --- regexes --------------------------------------------------------------------------------

_NUM = f"[0-9{_CN_DIGIT_CLASS}十廿]"
_CN_YEAR = f"(?P<y>[0-9]{{4}}|[{_CN_DIGIT_CLASS}]{{4}})"

# A weekday (星期三 / 周三) and a time may follow a date. Never two adjacent \s*: on a long run
# of spaces they backtrack quadratically.
_TIME = (
    r"(?:\s*[(]?(?:星期|周)[一二三四五六日天][)]?)?"
    r"(?:\s*(?:T\s*)?"
    r"(?:(?P<H>[0-9]{1,2}):(?P<M>[0-9]{2})(?::(?P<S>[0-9]{2})(?:\.[0-9]+)?)?(?![0-9])"
    r"(?:\s*(?P<tz>Z|[+-][0-9]{2}:?[0-9]{2})(?![0-9A-Za-z]))?"
    r"|(?P<cH>[0-9]{1,2})\s*[时点]\s*"
    r"(?:(?P<cM>[0-9]{1,2})\s*分(?:\s*(?P<cS>[0-9]{1,2})\s*秒)?)?))?"
)

# Year-less numbers must not be the start of a longer number, range or count: 1-10月, 3.5万.
_YEARLESS_END = r"(?![0-9]|[-/.][0-9]|\s*[年月日号%])"

# Each pattern is anchored by .match() at the position where a date must start.
_DATE_PATTERNS: tuple[tuple[re.Pattern[str], bool], ...] = tuple(
    (re.compile(pattern + _TIME), has_year)
    for pattern, has_year in (
        # 2020-04-22, 2020-4-22, 2020/4/22, 2020.04.22 (one separator throughout)
        (r"(?P<y>[0-9]{4})(?P<sep>[-/.])(?P<m>[0-9]{1,2})(?P=sep)(?P<d>[0-9]{1,2})(?![0-9])", True),
        # 2020年4月22日, 二〇二〇年四月二十二日, 2020 年 04 月 22 日
        (_CN_YEAR + rf"\s*年\s*(?P<m>{_NUM}{{1,3}})\s*月\s*(?P<d>{_NUM}{{1,3}})\s*[日号號]", True),
        # 20200422
        (r"(?P<y>(?:19|20)[0-9]{2})(?P<m>[0-9]{2})(?P<d>[0-9]{2})(?![0-9])", True),
        # 04-22, 4/22 (year from the URL or the listing)
        (r"(?P<m>[0-9]{1,2})(?P<sep>[-/])(?P<d>[0-9]{1,2})" + _YEARLESS_END, False),
        # 03.05: two digits each, so that decimals (3.5亿) are not dates
        (r"(?P<m>[0-9]{2})(?P<sep>\.)(?P<d>[0-9]{2})" + _YEARLESS_END, False),
        # 4月22日, 四月二十二日
        (rf"(?P<m>{_NUM}{{1,3}})\s*月\s*(?P<d>{_NUM}{{1,3}})\s*[日号號]", False),
    )
)

_OPEN_BRACKETS = "([【〔［「"
_CLOSE_BRACKETS = ")]】〕］」"


def _spaced(label: str) -> str:
    """A label regex tolerant of padding inside the label: 日　　期, 发布 时间."""
    return r"\s*".join(re.escape(ch) for ch in label)


_PREFIX_RE = re.compile(
    rf"[\s{re.escape(_OPEN_BRACKETS)}]*"
    rf"(?:(?:{'|'.join(_spaced(lb) for lb in sorted(_KNOWN_LABELS, key=len, reverse=True))})"
    rf"\s*:?)?"
    rf"[\s{re.escape(_OPEN_BRACKETS)}]*"
)

_CLOCK_RE = re.compile(r"[0-9]{1,2}\s*(?::\s*[0-9]{2}|[时点])|[0-9]\s*[ap]\.?m\b", re.IGNORECASE)
_DIGIT_RE = re.compile(r"[0-9]")


# --- core ----------------------------------------------------------------------------------


class _Invalid(Exception):
    """A date shape matched but its values are impossible: the answer is None, not a guess."""


def _match_at(
    s: str, pos: int, default_year: int | None, max_year: int
) -> tuple[ParsedDate | None, int, bool] | None:
    """Try the date regexes at ``s[pos]``.

    Returns None when no shape matches there; otherwise (parsed date or None when the values
    are impossible or the year is missing, end offset, whether the string had a year).
    """
    for pattern, has_year in _DATE_PATTERNS:
        m = pattern.match(s, pos)
        if m is None:
            continue
        try:
            parsed = _build(m, has_year, default_year, max_year)
        except _Invalid:
            parsed = None
        return parsed, m.end(), has_year
    return None


def _build(
    m: re.Match[str], has_year: bool, default_year: int | None, max_year: int
) -> ParsedDate | None:
    if has_year:
        year = _to_int(m["y"], positional=True)
    elif default_year is None:
        return None
    else:
        year = default_year
    month, day = _to_int(m["m"]), _to_int(m["d"])
    if year is None or month is None or day is None or not MIN_YEAR <= year <= max_year:
        raise _Invalid
    try:
        the_date = date(year, month, day)
    except ValueError:
        raise _Invalid from None

    hour, minute, second = m["H"] or m["cH"], m["M"] or m["cM"], m["S"] or m["cS"]
    if hour is None:
        return ParsedDate(the_date, None)
    try:
        the_time = time(int(hour), int(minute or 0), int(second or 0))
    except ValueError:
        raise _Invalid from None
    if m["tz"]:  # an explicit offset (ISO strings in meta tags): convert to China time
        offset = m["tz"].replace(":", "")
        delta = timedelta(0)
        if offset != "Z":
            sign = -1 if offset[0] == "-" else 1
            delta = sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5]))
        if delta > timedelta(hours=14) or delta < timedelta(hours=-14):
            raise _Invalid
        local = datetime.combine(the_date, the_time, tzinfo=timezone(delta)).astimezone(CHINA_TZ)
        if not MIN_YEAR <= local.year <= max_year:
            raise _Invalid
        return ParsedDate(local.date(), local.time().replace(tzinfo=None))
    return ParsedDate(the_date, the_time)


def _today() -> date:
    return datetime.now(CHINA_TZ).date()


def parse_date(
    text: str, *, default_year: int | None = None, today: date | None = None
) -> ParsedDate | None:
    """Parse the date at the start of ``text`` (after an optional label and brackets).

    Text after the date is ignored (``2020-04-22 来源：本网``), but the date must come first:
    searching a blob is find_labelled_date's job. A year-less date (``04-22``, ``4月22日``)
    needs ``default_year`` (from the URL or the listing). Impossible dates, and years outside
    1949..today.year+1, give None. ``today`` pins the clock (tests, replays).
    """
    if not isinstance(text, str):
        return None
    try:
        reference = today or _today()
        s = _normalise(text)
        start = _PREFIX_RE.match(s).end()  # type: ignore[union-attr]  # always matches
        found = _match_at(s, start, default_year, reference.year + 1)
        if found is not None:
            return found[0]  # a date shape with impossible values is None, not dateparser's
        rest = s[start:].strip().rstrip(_CLOSE_BRACKETS).strip()
        if not rest or len(rest) > _DATEPARSER_MAX_CHARS or not _DIGIT_RE.search(rest):
            return None
        return _dateparser_fallback(rest, today)
    except Exception:  # never let one odd page stop a crawl
        return None


def _dateparser_fallback(text: str, today: date | None) -> ParsedDate | None:
    """The slow, lenient last resort (English months, relative dates like 3天前)."""
    import dateparser  # lazy: importing it costs ~0.3 s and most strings never need it

    # Relative dates (3天前) count from noon of ``today`` when it is pinned, else from now.
    base = datetime.combine(today, time(12)) if today else datetime.now(CHINA_TZ)
    today = base.date()
    result = dateparser.parse(
        text,
        languages=["zh", "en"],
        settings={
            "DATE_ORDER": "YMD",
            "PREFER_DAY_OF_MONTH": "first",
            "RETURN_AS_TIMEZONE_AWARE": False,
            # A month alone (2020年4月, April 2020) is not a publication date.
            "REQUIRE_PARTS": ["day", "month", "year"],
            "TIMEZONE": "Asia/Shanghai",
            "TO_TIMEZONE": "Asia/Shanghai",
            "RELATIVE_BASE": base.replace(tzinfo=None),
        },
    )
    if result is None or not MIN_YEAR <= result.year <= today.year + 1:
        return None
    # dateparser fills 00:00 when no time was written: keep its time only if there was a clock.
    the_time = result.time().replace(microsecond=0) if _CLOCK_RE.search(text) else None
    return ParsedDate(result.date(), the_time)


# --- URLs -----------------------------------------------------------------------------------

_URL_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p)
    for p in (
        # TRS: /202004/t20200422_123.html
        r"/t(?P<y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})_[0-9]",
        # Hanweb / generic: /art/2020/4/22/art_1_2.html, /2020/04/22/
        r"/(?P<y>[0-9]{4})/(?P<m>[0-9]{1,2})/(?P<d>[0-9]{1,2})/",
        # /2020-04/22/
        r"/(?P<y>[0-9]{4})-(?P<m>[0-9]{1,2})/(?P<d>[0-9]{1,2})/",
        # /20200422/<hex>.html
        r"/(?P<y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})/",
        # WebPlus: /2020/0422/c123a456/page.htm
        r"/(?P<y>[0-9]{4})/(?P<m>[0-9]{2})(?P<d>[0-9]{2})/",
    )
)


def date_from_url(url: str, *, today: date | None = None) -> ParsedDate | None:
    """The publication date CMSs write into article paths; ``time`` is always None.

    A month alone (``/202004/``) is not enough: None rather than an invented day. Only the
    path is read: ids in query strings look like dates too often.
    """
    if not isinstance(url, str):
        return None
    try:
        path = urlsplit(url.strip()).path
        max_year = (today or _today()).year + 1
        for pattern in _URL_PATTERNS:
            for m in pattern.finditer(path):
                year, month, day = int(m["y"]), int(m["m"]), int(m["d"])
                if not MIN_YEAR <= year <= max_year:
                    continue
                try:
                    return ParsedDate(date(year, month, day), None)
                except ValueError:
                    continue
        return None
    except Exception:
        return None


# --- labelled dates in a blob ---------------------------------------------------------------


@lru_cache(maxsize=32)
def _label_patterns(
    labels: tuple[str, ...],
) -> tuple[tuple[re.Pattern[str], re.Pattern[str] | None], ...]:
    """Per label: its regex (up to where the date starts) and a guard against longer labels."""
    known = set(_KNOWN_LABELS) | set(labels)
    result = []
    for label in labels:
        if not label:
            continue
        pattern = re.compile(_spaced(label) + rf"\s*:?[\s{re.escape(_OPEN_BRACKETS)}]*")
        # 时间 right after 发布 / 会议 is not the label 时间 but part of 发布时间 / 会议时间.
        heads = sorted(
            (other[: -len(label)] for other in known if other != label and other.endswith(label)),
            key=len,
            reverse=True,
        )
        guard = re.compile(f"(?:{'|'.join(_spaced(h) for h in heads)})\\s*$") if heads else None
        result.append((pattern, guard))
    return tuple(result)


def find_labelled_date(text: str, labels: Sequence[str] = PUBLICATION_LABELS) -> str | None:
    """The raw date string after the first label (in ``labels`` order) that carries a date.

    For info lines such as ``发布时间：2020-04-22 10:30 来源：本网 阅读人次：-``: returns
    ``"2020-04-22 10:30"``, to be passed to parse_date (with a default_year from the URL when
    it is year-less: a valid ``04-22`` is returned too). A label inside a longer known label
    never matches (日期 in 成文日期, 时间 in 发布时间), so 成文日期 is only found when asked for
    with SIGNING_LABELS.
    """
    if not isinstance(text, str) or not text:
        return None
    try:
        if isinstance(labels, str):
            labels = (labels,)
        s = _normalise(text)
        max_year = _today().year + 1
        for pattern, guard in _label_patterns(tuple(labels)):
            for m in pattern.finditer(s):
                if guard is not None and guard.search(s, max(0, m.start() - 40), m.start()):
                    continue
                found = _match_at(s, m.end(), 2000, max_year)  # 2000: a leap year, for 02-29
                if found is not None and found[0] is not None:
                    return text[m.end() : found[1]].strip()
        return None
    except Exception:
        return None


# A full date with its year (and time), as a detail line shows it without a label.
_FULL_DATE = re.compile(
    r"(?<!\d)(?:19|20)\d{2}\s*(?:[-/.]\s*\d{1,2}\s*[-/.]\s*\d{1,2}(?!\d)|年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)"
    r"(?:\s*\d{1,2}\s*[:：时]\s*\d{1,2}(?:\s*[:：分]\s*\d{1,2})?)?"
)
# A label and its colon right before a date: that date is labelled (成文日期：, 有效期至：).
_LABEL_BEFORE = re.compile(r"[\u4e00-\u9fff]\s*[:：]\s*[(（\[【]?\s*$")


def find_unlabelled_date(text: str) -> str | None:
    """The first full date (year, month, day, maybe a time) in ``text`` that follows no
    label, as a detail line by a headline shows it (``2018-04-19 17:32:17  浏览次数：``).

    Why: some templates print the publication date by the headline with no label at all.
    Only meant for those few lines: a labelled date (成文日期：…) is never taken here, and
    year-less dates are not dates without a label.
    """
    if not isinstance(text, str) or not text:
        return None
    normalised = _normalise(text)
    for match in _FULL_DATE.finditer(normalised):
        if not _LABEL_BEFORE.search(normalised, max(0, match.start() - 12), match.start()):
            return text[match.start() : match.end()].strip()
    return None


# --- titles ---------------------------------------------------------------------------------

_TITLE_SEPARATORS = re.compile(r"[\s|｜·•:\-_,，、]*")


def strip_date_prefix(title: str) -> str:
    """Remove a leading date from a listing title: ``03.05 廣南縣…`` → ``廣南縣…``.

    Only a real, valid date followed by a bracket, a space or a separator is removed (a full
    ``2020-04-22`` may also run straight into the title). Titles that merely start with
    numbers stay as they are: ``2020年全县经济运行情况``, ``1-10月德清县…``, ``12345热线…``,
    ``2020年4月22日县政府召开…`` (a date that is part of the sentence).
    """
    if not isinstance(title, str):
        return title
    try:
        s = _normalise(title)
        pos = len(s) - len(s.lstrip())
        bracketed = pos < len(s) and s[pos] in _OPEN_BRACKETS
        if bracketed:
            pos += 1
            pos += len(s[pos:]) - len(s[pos:].lstrip())
        found = _match_at(s, pos, 2000, _today().year + 1)
        if found is None or found[0] is None:
            return title
        end = found[1]
        if bracketed:
            while end < len(s) and s[end].isspace():
                end += 1
            if end >= len(s) or s[end] not in _CLOSE_BRACKETS:
                return title
            end += 1
        elif (
            end < len(s)
            and not (s[end].isspace() or s[end] in "|｜·•:-_,，、")
            # Only 2020-04-22 / 2020/4/22 / 2020.04.22 may run straight into the title.
            and not re.match(r"[0-9]{4}[-/.]", s[pos:end])
        ):
            return title
        end = _TITLE_SEPARATORS.match(s, end).end()  # type: ignore[union-attr]
        rest = title[end:]
        return rest if rest.strip() else title
    except Exception:
        return title
