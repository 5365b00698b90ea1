"""Persistent memory of the articles already written, shared by every component of a crawl.

The dedupe pipeline records a URL hash once its record is written; the
`SkipStoredArticlesMiddleware` consults the same store before an article is requested, so a
re-run neither writes nor refetches what an earlier run stored. The embedded default is
SQLite in the output directory (`--output DIR` selects the dumps and their memory together);
another backend (Redis, for several machines) only has to implement `SeenStore`.
"""

from __future__ import annotations

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

    def add(self, url_hash: str, portal: str) -> None: ...

    def close(self) -> None: ...


class SQLiteSeenStore:
    """URL hashes as 20-byte BLOB keys of a WITHOUT ROWID table (~27 bytes a URL on disk).

    WAL with synchronous=NORMAL makes each commit cheap while a crash of the process loses
    nothing committed, so a record is never written twice across runs.
    """

    def __init__(self, path: str | Path) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS seen ("
            " url_hash BLOB PRIMARY KEY, portal TEXT NOT NULL, first_seen INTEGER NOT NULL"
            ") WITHOUT ROWID"
        )

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SQLiteSeenStore:
        settings = crawler.settings
        path = settings.get("GOVCRAWL_SEEN_STORE_PATH") or (
            Path(settings.get("GOVCRAWL_OUTPUT_DIR", "output")) / "seen.sqlite3"
        )
        return cls(path)

    def __contains__(self, url_hash: str) -> bool:
        row = self._db.execute(
            "SELECT 1 FROM seen WHERE url_hash = ?", (bytes.fromhex(url_hash),)
        ).fetchone()
        return row is not None

    def add(self, url_hash: str, portal: str) -> None:
        self._db.execute(
            "INSERT OR IGNORE INTO seen VALUES (?, ?, strftime('%s', 'now'))",
            (bytes.fromhex(url_hash), portal),
        )

    def __len__(self) -> int:
        return self._db.execute("SELECT count(*) FROM seen").fetchone()[0]

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
