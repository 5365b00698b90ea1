"""Pagination traps: listing pages that never end.

A calendar widget, a search form or a CMS that answers any page number can make "next
page" endless (a calendar trap ran 34,000 listing pages in 150 s). Besides the plain bound
on pages per column (`GOVCRAWL_MAX_LISTING_PAGES`), a column stops as soon as its pages
show they are a trap. Pure, so the spider calls it with what it already has.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from urllib.parse import parse_qsl, urlsplit

MAX_QUERY_CHARS = 512  # real pagination queries are short: ?page=3&columnId=123
MAX_REPEATED_PARAMETER = 2  # …and name a parameter once (twice at most)
MAX_REPEATED_SEGMENT = 3  # /a/b/a/b/a/b/…: relative links resolved against themselves


def url_trap_reason(url: str) -> str | None:
    """`growing_query` or `repeating_path` for a URL that only a trap produces."""
    parts = urlsplit(url)
    if len(parts.query) > MAX_QUERY_CHARS:
        return "growing_query"
    names = Counter(name for name, _ in parse_qsl(parts.query, keep_blank_values=True))
    if names and max(names.values()) > MAX_REPEATED_PARAMETER:
        return "growing_query"
    segments = Counter(s for s in parts.path.split("/") if s)
    if segments and max(segments.values()) > MAX_REPEATED_SEGMENT:
        return "repeating_path"
    return None


def listing_trap_reason(
    previous_links: Collection[str] | None, links: Collection[str], url: str
) -> str | None:
    """Why the column should stop at this listing page, or None to go on.

    `previous_links`: the article URLs of the previous listing page of the column (None on
    the first page); `links`: this page's; `url`: this page's URL. Reasons: `repeated_page`
    (every link was on the previous page: the CMS serves the last page for any number),
    `empty_pages` (two pages in a row without links: a calendar of empty months),
    `growing_query` / `repeating_path` (see `url_trap_reason`).
    """
    reason = url_trap_reason(url)
    if reason or previous_links is None:
        return reason
    if not links:
        return "empty_pages" if not previous_links else None
    if set(links) <= set(previous_links):
        return "repeated_page"
    return None
