"""Persistent memory of the articles already written, shared by every component of a crawl.

The spider asks the store, once per listing page, which of the page's article URLs an
earlier run already wrote (`stored`, batched), and requests only the others; the dedupe
pipeline checks each record once more and adds its URL hash once the record is written.
The embedded default is SQLite in the output directory (`--output DIR` selects the dumps
and their memory together); another backend (Redis, for several machines) only has to
implement `SeenStore`. One store serves every portal of a crawl: one connection, one page
cache, however many portals run.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol
from weakref import WeakKeyDictionary

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.misc import load_object

logger = logging.getLogger(__name__)


class SeenStore(Protocol):
    """What the crawl needs of a seen-store: batched membership, insertion, closing.

    Keys are URL hashes (40 hex digits, `govcrawl.record.url_hash`) within one portal.
    `add` of a key already stored refreshes its last-seen time.
    """

    def stored(self, portal: str, url_hashes: Sequence[str]) -> list[bool]: ...

    def add(self, portal: str, url_hashes: Sequence[str]) -> None: ...

    def close(self) -> None: ...


class OldLayoutError(RuntimeError):
    """A seen-store file in a layout this version cannot migrate."""


_SCHEMA = """
CREATE TABLE IF NOT EXISTS portals (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS seen (
    portal INTEGER NOT NULL,
    url_hash BLOB NOT NULL,
    first_seen INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    PRIMARY KEY (portal, url_hash)
) WITHOUT ROWID;
"""
# The layout before one table served every portal: `seen_<portal>(url_hash BLOB PK)`.
_OLD_TABLE_PREFIX = "seen_"
# Host parameters per `IN (…)` query: a listing page holds ~20 links, SQLite allows 32,766.
_CHUNK = 500


class SQLiteSeenStore:
    """One table of `(portal, url_hash)` keys, WITHOUT ROWID, with first- and last-seen times.

    Why one table and not one per portal: SQLite parses the whole schema on open, so 2,842
    tables cost every connection that opens the file; a portal's keys stay together anyway
    because the primary key starts with the portal's number (a small `portals` table maps
    names to numbers), so a listing page's batched lookup reads one or two leaf pages, and
    forgetting a portal is one range delete (`forget`, or the SQL in the README).

    WAL with synchronous=NORMAL makes each commit cheap while a crash of the process loses
    nothing committed, so a record is never written twice across runs. A 16 MB page cache
    holds the upper levels of the key index at a bounded memory cost, for the whole crawl;
    no memory-mapping, whose pages would count against the crawl's RSS. Times are UNIX
    seconds. A file in the older per-portal-table layout is migrated when opened.
    """

    CACHE_KIB = 16 * 1024

    def __init__(self, path: str | Path) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(f"PRAGMA cache_size=-{self.CACHE_KIB}")
        self._db.executescript(_SCHEMA)
        self._portal_ids: dict[str, int] = dict(
            (name, pid) for pid, name in self._db.execute("SELECT id, name FROM portals")
        )
        self._migrate_per_portal_tables()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SQLiteSeenStore:
        settings = crawler.settings
        path = settings.get("GOVCRAWL_SEEN_STORE_PATH") or (
            Path(settings.get("GOVCRAWL_OUTPUT_DIR", "output")) / "seen.sqlite3"
        )
        return cls(path)

    def _portal_id(self, portal: str, create: bool) -> int | None:
        pid = self._portal_ids.get(portal)
        if pid is None and create:
            pid = self._db.execute(
                "INSERT INTO portals (name) VALUES (?) RETURNING id", (portal,)
            ).fetchone()[0]
            self._portal_ids[portal] = pid
        return pid

    def stored(self, portal: str, url_hashes: Sequence[str]) -> list[bool]:
        pid = self._portal_id(portal, create=False)
        if pid is None or not url_hashes:
            return [False] * len(url_hashes)
        keys = [bytes.fromhex(h) for h in url_hashes]
        found: set[bytes] = set()
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT url_hash FROM seen WHERE portal = ? AND url_hash IN ({marks})",
                (pid, *chunk),
            )
            found.update(row[0] for row in rows)
        return [key in found for key in keys]

    def add(self, portal: str, url_hashes: Sequence[str]) -> None:
        if not url_hashes:
            return
        now = int(time.time())
        pid = self._portal_id(portal, create=True)
        rows = [(pid, bytes.fromhex(h), now, now) for h in url_hashes]
        with self._transaction():
            self._db.executemany(
                "INSERT INTO seen VALUES (?, ?, ?, ?) ON CONFLICT (portal, url_hash) "
                "DO UPDATE SET last_seen = excluded.last_seen",
                rows,
            )

    def forget(self, portal: str) -> int:
        """Drop every key of `portal` (its next run fetches and writes everything again)."""
        pid = self._portal_id(portal, create=False)
        if pid is None:
            return 0
        with self._transaction():
            return self._db.execute("DELETE FROM seen WHERE portal = ?", (pid,)).rowcount

    def times(self, portal: str, url_hash: str) -> tuple[int, int] | None:
        """`(first_seen, last_seen)` of a key, in UNIX seconds (None: not stored)."""
        pid = self._portal_id(portal, create=False)
        row = self._db.execute(
            "SELECT first_seen, last_seen FROM seen WHERE portal = ? AND url_hash = ?",
            (pid, bytes.fromhex(url_hash)),
        ).fetchone()
        return (row[0], row[1]) if row else None

    def count(self, portal: str | None = None) -> int:
        """Keys stored for `portal` (every portal's when None)."""
        if portal is None:
            return self._db.execute("SELECT count(*) FROM seen").fetchone()[0]
        pid = self._portal_id(portal, create=False)
        return self._db.execute("SELECT count(*) FROM seen WHERE portal = ?", (pid,)).fetchone()[0]

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """One transaction: a batch of keys costs one commit, not one each."""
        self._db.execute("BEGIN")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _migrate_per_portal_tables(self) -> None:
        """Move the keys of an older file's `seen_<portal>` tables into `seen`, then drop
        them. Their first- and last-seen times are unknown: the migration time stands in."""
        old = [
            name
            for (name,) in self._db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'seen\\_%' "
                "ESCAPE '\\'"
            )
        ]
        if not old:
            return
        now = int(time.time())
        logger.warning(
            "Seen-store %s: moving %d per-portal tables into one table (once)",
            self.path,
            len(old),
        )
        with self._transaction():
            for table in old:
                columns = [row[1] for row in self._db.execute(f'PRAGMA table_info("{table}")')]
                if columns != ["url_hash"]:
                    raise OldLayoutError(
                        f"{self.path}: table {table} has columns {columns}, not (url_hash): "
                        "not a govcrawl seen-store; use another --output or "
                        "GOVCRAWL_SEEN_STORE_PATH"
                    )
                portal = table.removeprefix(_OLD_TABLE_PREFIX)
                pid = self._portal_id(portal, create=True)
                self._db.execute(
                    f'INSERT OR IGNORE INTO seen SELECT ?, url_hash, ?, ? FROM "{table}"',
                    (pid, now, now),
                )
                self._db.execute(f'DROP TABLE "{table}"')


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
