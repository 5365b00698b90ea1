"""Pagers whose page URLs a script assembles by string concatenation.

Why: on templates no one here has seen, page links often exist only as an expression
(`location.href = 'index_' + i + '.html'`, `"index" + "_" + nextPage + "." + "shtml"`,
`window.location = base + page + ext` with `var base = "list_"`, a JSON/JSONP list API's
`url: "/api/list?col=12&page=" + pageNo`). Reading such an expression with a pattern that
does not resolve its variables gave URLs with empty parts (`…/_1.`). Here the expression is
evaluated: string literals and the variables the scripts assign to strings are joined, and
the one page-number variable becomes the slot. An expression that leaves another variable
unknown, or would give a URL with an empty part, is unresolved: the listing then gives no
next page and says why (`ListingPage.pager_unresolved`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from math import ceil
from urllib.parse import quote, urlsplit

_IDENT = r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*"
_TERM = rf"""(?:"[^"\n]*"|'[^'\n]*'|\(\s*{_IDENT}\s*(?:[-+]\s*\d+\s*)?\)|{_IDENT})"""
_CONCAT = re.compile(rf"{_TERM}(?:\s*\+\s*{_TERM})+")
_TERM_PARTS = re.compile(
    rf"""\s*(?:"(?P<dq>[^"\n]*)"|'(?P<sq>[^'\n]*)'|\(?\s*(?P<name>{_IDENT})\s*"""
    r"""(?:[-+]\s*\d+\s*)?\)?)\s*"""
)
_ASSIGNMENT = re.compile(
    rf"""(?<![\w$.])({_IDENT})\s*=(?!=)\s*({_CONCAT.pattern}|{_TERM}|\d+)\s*(?=[;,\n}}]|$)"""
)
# Names a script gives the page number (currPage, pageNo, nextPage, pageIndex, p, i, n …).
_PAGE_NAME = re.compile(r"(?i)page|^(?:p|pg|pn|i|n|no|num|idx|index|cur\w*)$")
# Where an expression is a URL: location, href, window.open, a request (url, $.getJSON …).
_URL_CONTEXT = ("location", "href", "url", "open(", "getJSON", "ajax", ".get(", ".post(")
# Text before the page number ends in a separator: index_3, list.jsp?page=3, /3/, list-3.
_BEFORE_NUMBER = ("_", "=", "/", "-")
# A concatenation that is a list request's URL: `url: "…" + page`, `$.getJSON("…" + page`.
_API_BEFORE = re.compile(r"(?:\burl\s*[:=]|\.(?:getJSON|get|post|ajax)\s*\()\s*\Z")
# A list request with its fields: `url: "/api/list", …, data: {columnId: 12, pageNo: 1}`.
_API_CALL = re.compile(
    r"""\burl\s*:\s*["'](?P<url>[^"'\s]+)["'][^{}]{0,300}?\bdata\s*:\s*\{(?P<data>[^{}]*)\}"""
)
_DATA_FIELD = re.compile(r"""(\w+|"\w+"|'\w+')\s*:\s*("[^"]*"|'[^']*'|\d+|[A-Za-z_$][\w$]*)""")
_PAGE_SIZE_NAME = re.compile(r"(?i)size|per|rows|limit|count|total")
_NOT_IN_URL = re.compile(r"[\s<>\"']")
_EMPTY_PART = re.compile(r"(?:^|/)[_.-]|[_.-](?:$|[_.-]|\?)|\.\.(?!/)")

_PAGE_COUNT_NAMES = r"(?:totalPages?|countPage|pageCount|pageTotal|totalPageCount|pages)"
_PAGE_COUNT_SETTING = re.compile(
    rf"""(?<![\w$]){_PAGE_COUNT_NAMES}["']?\s*[:=]\s*["']?(\d+)""", re.I
)
_RECORD_COUNT = re.compile(
    r"""(?<![\w$])(?:recordCount|totalRecords?|totalCount|rowCount|totalRows)["']?\s*[:=]\s*["']?(\d+)""",
    re.I,
)
_PAGE_SIZE = re.compile(
    r"""(?<![\w$])(?:pageSize|perPage|pageRecord|rowsPerPage)["']?\s*[:=]\s*["']?(\d+)""", re.I
)


@dataclass(frozen=True, slots=True)
class ScriptUrl:
    """A page URL as a script builds it: text before and after the page number; `api` when
    it is the URL of a JSON/JSONP list request (the page shows what its first reply holds),
    `start` the page number the script requests first, when it says."""

    before: str
    after: str
    variable: str
    api: bool = False
    start: int | None = None

    def page(self, number: int) -> str:
        return f"{self.before}{number}{self.after}"


@dataclass(frozen=True, slots=True)
class ScriptPager:
    """What the scripts say of the next page: its URL pattern, or why it cannot be read."""

    url: ScriptUrl | None
    unresolved: str | None = None


def is_page_name(name: str) -> bool:
    """A page number's name (pageNo, currPage, i), not a page size or count's (pageSize)."""
    return bool(_PAGE_NAME.search(name)) and not _PAGE_SIZE_NAME.search(name)


def _variables(source: str) -> tuple[dict[str, str], dict[str, int]]:
    """String and number values the scripts assign (the first assignment that resolves)."""
    raw: dict[str, str] = {}
    for name, value in _ASSIGNMENT.findall(source):
        raw.setdefault(name, value)
    strings: dict[str, str] = {}
    numbers: dict[str, int] = {}
    for name, value in raw.items():
        if value.isdigit():
            numbers[name] = int(value)
    for _ in range(3):  # variables built from other variables, a few levels deep
        for name, value in raw.items():
            if name not in strings and not value.isdigit():
                parts = _resolve(value, strings)
                if parts is not None and not any(isinstance(p, _Unknown) for p in parts):
                    strings[name] = "".join(str(p) for p in parts)
    return strings, numbers


class _Unknown(str):
    """A variable name the scripts give no string value."""


def _resolve(expression: str, strings: dict[str, str]) -> list[str | _Unknown] | None:
    """The expression's parts, literals and known variables as text, others as `_Unknown`."""
    parts: list[str | _Unknown] = []
    for term in re.split(r"\+(?![^()]*\))", expression):
        match = _TERM_PARTS.fullmatch(term)
        if not match:
            return None
        if match["name"] is not None:
            name = match["name"]
            parts.append(strings[name] if name in strings else _Unknown(name))
        else:
            parts.append(match["dq"] if match["dq"] is not None else match["sq"])
    return parts


def _script_url(parts: list[str | _Unknown], api: bool = False) -> ScriptUrl | str | None:
    """The page-URL pattern of resolved parts; a reason when it cannot be one; None when
    the expression is no page URL (no page-number variable in it)."""
    unknown = [i for i, part in enumerate(parts) if isinstance(part, _Unknown)]
    slots = [i for i in unknown if is_page_name(parts[i])]
    if len(slots) != 1:
        return None
    if len(unknown) > 1:
        return "unresolved_variable"
    slot = slots[0]
    before, after = "".join(parts[:slot]), "".join(parts[slot + 1 :])
    if not before.endswith(_BEFORE_NUMBER) or _NOT_IN_URL.search(before + after):
        return None  # no page URL: markup written by a script ('<a href="x_' + i + '">')
    path = re.sub(r"^(?:\.\.?/)+", "", urlsplit(before + "1" + after).path)
    if _EMPTY_PART.search(path):
        return "empty_part"
    return ScriptUrl(before, after, str(parts[slot]), api)


def parse_script_pager(scripts: list[str]) -> ScriptPager | None:
    """The first page-URL expression of the scripts that resolves; else why the one found
    cannot be read; None when the scripts build no page URL."""
    useful = [s for s in scripts if any(word in s for word in _URL_CONTEXT)]
    if not useful:
        return None
    strings, numbers = _variables("\n".join(scripts))
    reason = None
    for script in useful:
        for match in _CONCAT.finditer(script):
            api = bool(_API_BEFORE.search(script, 0, match.start()))
            parts = _resolve(match.group(0), strings)
            found = _script_url(parts, api) if parts else None
            if isinstance(found, ScriptUrl):
                return ScriptPager(found)
            reason = reason or found
        for call in _API_CALL.finditer(script):
            found = _api_url(call["url"], call["data"], strings, numbers)
            if isinstance(found, ScriptUrl):
                return ScriptPager(found)
            reason = reason or found
    return ScriptPager(None, reason) if reason else None


def _api_url(
    url: str, data: str, strings: dict[str, str], numbers: dict[str, int]
) -> ScriptUrl | str | None:
    """The list API's page URL from a request's `url` and `data: {…}`: the other fields as
    query, the page-number field last (None when the request has no page field)."""
    query, page_key, start = [], None, None
    for key, value in _DATA_FIELD.findall(data):
        key = key.strip("\"'")
        literal = value[1:-1] if value[:1] in "\"'" else None
        if page_key is None and is_page_name(key):
            page_key = key
            start = int(value) if value.isdigit() else numbers.get(value)
        elif literal is not None or value.isdigit():
            query.append((key, literal if literal is not None else value))
        elif value in strings or value in numbers:
            query.append((key, strings.get(value) or str(numbers[value])))
        else:
            return "unresolved_variable"
    if page_key is None:
        return None
    joined = "&".join(f"{k}={quote(v)}" for k, v in [*query, (page_key, "")])
    return ScriptUrl(f"{url}{'&' if '?' in url else '?'}{joined}", "", page_key, True, start)


def script_number(scripts: list[str], name: str) -> int | None:
    """The number a script assigns to `name` (`var nextPage = 3`), if it assigns one."""
    return _variables("\n".join(scripts))[1].get(name)


def script_page_count(text: str) -> int | None:
    """Page count in script settings: `countPage = 6`, `pageCount: "12"`, `totalPage: 54`,
    else `recordCount` / `pageSize` rounded up."""
    match = _PAGE_COUNT_SETTING.search(text)
    if match:
        return int(match.group(1))
    records, size = _RECORD_COUNT.search(text), _PAGE_SIZE.search(text)
    if records and size and int(size.group(1)) > 0:
        return max(1, ceil(int(records.group(1)) / int(size.group(1))))
    return None
