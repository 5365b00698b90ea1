"""Listing replies of JSON/JSONP list APIs whose URL a column page's script shows.

Why: a column whose list a script fetches (`$.ajax({url: "/api/list?…&page=" + page,
dataType: "jsonp"})`) has no links in its HTML; its pages are the API's replies. Such a
reply holds its records as the longest array of objects that carry a link; a record's
title and date sit under the usual names. The next reply is the same URL with its
page-number field one higher, while replies hold records.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from govcrawl.extraction.listitems import DATE_IN_TEXT
from govcrawl.extraction.scriptpager import is_page_name, script_page_count

_JSONP = re.compile(r"^\s*[\w$.]+\s*\(\s*(?P<json>[\[{].*[\]}])\s*\)\s*;?\s*$", re.S)
_URL_KEYS = ("url", "link", "href", "linkurl", "docurl", "articleurl", "pubUrl", "post_url")
_TITLE_KEYS = ("title", "doctitle", "articletitle", "name", "subject")
_PAGE_FILE = re.compile(r"(?:\.s?html?|\.jsp|\.aspx?|\.php)$|^https?://|^/")


@dataclass(frozen=True, slots=True)
class JsonRecord:
    url: str
    title: str
    date: str | None


def parse_json_reply(text: str | None) -> Any | None:
    """The JSON of a JSON or JSONP reply; None for anything else (an HTML page)."""
    if not text:
        return None
    stripped = text.lstrip()
    if not stripped.startswith(("{", "[")):
        if stripped.startswith("<"):
            return None
        match = _JSONP.match(stripped)
        if match is None:
            return None
        stripped = match["json"]
    try:
        return json.loads(stripped)
    except ValueError:
        return None


def _field(record: dict[str, Any], names: tuple[str, ...]) -> str | None:
    lowered = {str(key).lower(): value for key, value in record.items()}
    for name in names:
        value = lowered.get(name.lower())
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _record(record: dict[str, Any]) -> JsonRecord | None:
    url = _field(record, _URL_KEYS)
    if url is None or not _PAGE_FILE.search(url):
        return None
    date = next(
        (
            match.group(0)
            for key, value in record.items()
            if isinstance(value, str)
            and ("date" in str(key).lower() or "time" in str(key).lower())
            and (match := DATE_IN_TEXT.search(value))
        ),
        None,
    )
    return JsonRecord(url, _field(record, _TITLE_KEYS) or "", date)


def json_records(data: Any) -> list[JsonRecord]:
    """The reply's records: its longest array of objects that carry a link."""
    best: list[JsonRecord] = []
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            records = [r for r in (_record(x) for x in node if isinstance(x, dict)) if r]
            if len(records) > len(best):
                best = records
            stack.extend(node)
    return best


def next_api_page(url: str, text: str, has_records: bool) -> str | None:
    """The reply after this one: the page-number field one higher, while replies hold
    records and the reply's page count (when it gives one) is not reached."""
    if not has_records:
        return None
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    for i, (key, value) in enumerate(query):
        if is_page_name(key) and value.isdigit():
            total = script_page_count(text)
            if total is not None and int(value) >= total:
                return None
            query[i] = (key, str(int(value) + 1))
            return urlunsplit(parts._replace(query=urlencode(query)))
    return None
