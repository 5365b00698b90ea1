"""Re-visits: a young article is fetched again on later runs, so that an edit is seen.

The policy: a written record stays its URL's `Latest` (version, content hash, the
response's validator) for `GOVCRAWL_REVISIT_DAYS` days after its published date (after
its crawl when it shows none). While it does, a listing page that shows the URL requests
it again, conditionally — `If-None-Match` with the ETag its last response carried, else
`If-Modified-Since` with its Last-Modified. A 304, or a page whose content hash is
unchanged, writes nothing; changed content is written as version n + 1, `replaces`
naming version n (`govcrawl.record.next_version`, applied by the dedupe pipeline).

The cost, in requests: every run re-requests the window's articles that the listing
pages it walks show — at most one listing page's worth per column on an incremental run
that finds nothing new (the walk stops there), so ≤ ~20 requests a column a run, most of
them answered 304 (no body) by servers that keep validators. `GOVCRAWL_REVISIT_DAYS = 0`
turns re-visits off.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from scrapy.http import Response

from govcrawl.stores.seen import Latest, today

_EPOCH = date(1970, 1, 1).toordinal()


def _day(iso: str) -> int:
    return date.fromisoformat(iso[:10]).toordinal() - _EPOCH


def revisit_until(record: Mapping[str, Any], days: int) -> int | None:
    """The last day (`today()` units) a record's URL is re-visited; None when that day
    has already passed, or re-visits are off."""
    if days <= 0:
        return None
    now = today()
    shown = record.get("published_date") or record.get("crawled_at")
    until = min(_day(shown) if shown else now, now) + days  # a future date does not stretch it
    return until if until >= now else None


def latest_entries(
    records: Iterable[Mapping[str, Any]], days: int, validators: Mapping[str, str] | None = None
) -> list[tuple[str, Latest]]:
    """`(url_hash, Latest)` of the records still inside their re-visit window."""
    entries = []
    for record in records:
        until = revisit_until(record, days)
        if until is not None:
            key = record["url_hash"]
            validator = (validators or {}).get(key)
            latest = Latest(record.get("version") or 1, record["content_hash"], validator, until)
            entries.append((key, latest))
    return entries


def response_validator(response: Response) -> str | None:
    """The ETag of a response, else its Last-Modified date (None: neither)."""
    for header in (b"ETag", b"Last-Modified"):
        value = response.headers.get(header)
        if value:
            return value.decode("latin-1")
    return None


def conditional_headers(latest: Latest) -> dict[str, str]:
    """Headers that let the server answer 304 when the page did not change. An entity
    tag is quoted (`"…"` or `W/"…"`); anything else is an HTTP date."""
    validator = latest.validator
    if not validator:
        return {}
    if validator.startswith(('"', 'W/"')):
        return {"If-None-Match": validator}
    return {"If-Modified-Since": validator}
