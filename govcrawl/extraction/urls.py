"""Links read from hostile or broken pages, made absolute without raising.

`urljoin` raises ValueError for `http://[`, a full-width colon in a host (NFKC makes it a
`:`), a port out of range; one such link must not cost the rest of its page. Extractors
call `join_url` and skip (count) the links it refuses.
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

# Tabs and newlines inside an href are dropped, as browsers do; other controls refuse it.
_DROPPED = str.maketrans("", "", "\t\n\r")


def join_url(base: str, href: str) -> str | None:
    """`href` made absolute against `base`, or None when it names no fetchable address
    (malformed host or port, control characters)."""
    href = href.strip().translate(_DROPPED)
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in href):
        return None
    try:
        url = urljoin(base, href)
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        return None
    if parts.scheme in ("http", "https") and not parts.hostname:
        return None
    return url
