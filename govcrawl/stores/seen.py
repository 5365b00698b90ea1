"""Persistent memory of the articles already written, shared by every component of a crawl.

The dedupe pipeline records a URL hash once its record is written; the
`SkipStoredArticlesMiddleware` consults the same store before an article is requested, so a
re-run neither writes nor refetches what an earlier run stored. The embedded default is
SQLite in the output directory (`--output DIR` selects the dumps and their memory together);
another backend (Redis, for several machines) only has to implement `SeenStore`.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Protocol
from weakref import WeakKeyDictionary

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.misc import load_object


class SeenStore(Protocol):
    """What the crawl needs of a seen-store: membership, insertion, closing."""

    def __contains__(self, url_hash: str) -> bool: ...

    def add(self, url_hash: str) -> None: ...

    def close(self) -> None: ...


class SQLiteSeenStore:
    """One table per portal of 20-byte BLOB keys, WITHOUT ROWID: the key is the row.

    A portal's memory is its own table (`seen_<portal>`), so forgetting one portal is a
    `DROP TABLE` and lookups stay small. WAL with synchronous=NORMAL makes each commit
    cheap while a crash of the process loses nothing committed, so a record is never
    written twice across runs. A 16 MB page cache holds the upper levels of the key index
    (a lookup then reads one leaf page) at a bounded memory cost; no memory-mapping, whose
    pages would count against the crawl's RSS.
    """

    CACHE_KIB = 16 * 1024

    def __init__(self, path: str | Path, portal: str = "default") -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.table = "seen_" + re.sub(r"[^a-z0-9_]", "_", portal.lower())
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(f"PRAGMA cache_size=-{self.CACHE_KIB}")
        self._db.execute(
            f"CREATE TABLE IF NOT EXISTS {self.table} (url_hash BLOB PRIMARY KEY) WITHOUT ROWID"
        )
        self._lookup = f"SELECT 1 FROM {self.table} WHERE url_hash = ?"
        self._insert = f"INSERT OR IGNORE INTO {self.table} VALUES (?)"
        self._cursor = self._db.cursor()  # reused: a lookup is a few µs, a new cursor one more

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SQLiteSeenStore:
        settings = crawler.settings
        path = settings.get("GOVCRAWL_SEEN_STORE_PATH") or (
            Path(settings.get("GOVCRAWL_OUTPUT_DIR", "output")) / "seen.sqlite3"
        )
        return cls(path, crawler.spidercls.name)

    def __contains__(self, url_hash: str) -> bool:
        return self._cursor.execute(self._lookup, (bytes.fromhex(url_hash),)).fetchone() is not None

    def add(self, url_hash: str) -> None:
        self._cursor.execute(self._insert, (bytes.fromhex(url_hash),))

    def __len__(self) -> int:
        return self._db.execute(f"SELECT count(*) FROM {self.table}").fetchone()[0]

    def close(self) -> None:
        self._db.close()


_stores: WeakKeyDictionary[Crawler, SeenStore] = WeakKeyDictionary()


def seen_store_for(crawler: Crawler) -> SeenStore:
    """The crawl's one seen-store, opened on first use and closed when the spider closes.

    Raises NotConfigured when `GOVCRAWL_SEEN_STORE` is empty (memory across runs off).
    """
    if crawler in _stores:
        return _stores[crawler]
    backend = crawler.settings.get("GOVCRAWL_SEEN_STORE")
    if not backend:
        raise NotConfigured("GOVCRAWL_SEEN_STORE is empty: no memory across runs")
    store = load_object(backend).from_crawler(crawler)
    _stores[crawler] = store

    def close_store() -> None:
        _stores.pop(crawler, None)
        store.close()

    crawler.signals.connect(close_store, signal=signals.spider_closed, weak=False)
    return store
