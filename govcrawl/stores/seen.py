"""Persistent memory of the articles already written, shared by every component of a crawl.

The spider asks the store, once per listing page, which of the page's article URLs an
earlier run already wrote (`stored`, batched), and requests only the others — and, of
those, the ones still in their re-visit window (`latest`), so that an edit is seen; the
dedupe pipeline checks each record once more, and the JSONL writer adds its URL hash
(`add`) and, while the record is young, its version (`keep_latest`) once it is written.
The embedded default is SQLite in the output directory (`--output DIR` selects the dumps
and their memory together); another backend (Redis, for several machines) only has to
implement `SeenStore`. One store serves every portal of a crawl: one connection, one page
cache, however many portals run.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol
from weakref import WeakKeyDictionary

if TYPE_CHECKING:  # Scrapy is imported when a crawl opens a store: `Latest` and `today`
    from scrapy.crawler import Crawler  # serve the Redis store, which the CLI imports

logger = logging.getLogger(__name__)


def today() -> int:
    """Days since 1970-01-01 (UTC): the unit of every time the seen-stores keep."""
    return int(time.time() // 86_400)


@dataclass(frozen=True, slots=True)
class Latest:
    """The newest written version of a URL, kept while the URL is re-visited.

    `validator` is the ETag (or else the Last-Modified date) its response carried, for a
    conditional re-visit; `until` the last day (`today()` units) it is re-visited.
    """

    version: int
    content_hash: str
    validator: str | None
    until: int


class SeenStore(Protocol):
    """What the crawl needs of a seen-store.

    Keys are URL hashes (40 hex digits, `govcrawl.record.url_hash`) within one portal.
    `add` of a key already stored refreshes its last-seen day. `latest` answers only for
    keys whose re-visit window (`Latest.until`) has not passed; `keep_latest` keeps the
    highest version given for a key.
    """

    def stored(self, portal: str, url_hashes: Sequence[str]) -> list[bool]: ...

    def add(self, portal: str, url_hashes: Sequence[str]) -> None: ...

    def latest(self, portal: str, url_hashes: Sequence[str]) -> list[Latest | None]: ...

    def keep_latest(self, portal: str, entries: Sequence[tuple[str, Latest]]) -> None: ...

    def close(self) -> None: ...


class OldLayoutError(RuntimeError):
    """A seen-store file in a layout this version cannot migrate."""


# `seen` holds every key for good, so each byte of a row is ~10 MB at 10M URLs: the key is
# the URL hash's first 64 bits as an integer (8 bytes, not the 20 of the whole digest;
# a collision within one portal at 10M URLs has odds of ~3 in a million) and both times
# are day numbers (2 bytes each). `latest` holds only URLs inside their re-visit window.
_SCHEMA = """
CREATE TABLE IF NOT EXISTS portals (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS seen (
    portal INTEGER NOT NULL,
    url_key INTEGER NOT NULL,
    first_seen INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    PRIMARY KEY (portal, url_key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS latest (
    portal INTEGER NOT NULL,
    url_key INTEGER NOT NULL,
    version INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    validator TEXT,
    until INTEGER NOT NULL,
    PRIMARY KEY (portal, url_key)
) WITHOUT ROWID;
"""
# `PRAGMA user_version` of the current layout; 0 is a file of an earlier layout (or new).
_LAYOUT = 3
# The layout before one table served every portal: `seen_<portal>(url_hash BLOB PK)`.
_OLD_TABLE_PREFIX = "seen_"
# Host parameters per `IN (…)` query: a listing page holds ~20 links, SQLite allows 32,766.
_CHUNK = 500


def url_key(url_hash: str) -> int:
    """The stored key of a URL hash: its first 64 bits, as SQLite's signed integer."""
    return int.from_bytes(bytes.fromhex(url_hash[:16]), "big", signed=True)


class SQLiteSeenStore:
    """One table of `(portal, url_key)` keys, WITHOUT ROWID, with first- and last-seen days.

    Why one table and not one per portal: SQLite parses the whole schema on open, so 2,842
    tables cost every connection that opens the file; a portal's keys stay together anyway
    because the primary key starts with the portal's number (a small `portals` table maps
    names to numbers), so a listing page's batched lookup reads one or two leaf pages, and
    forgetting a portal is one range delete (`forget`, or the SQL in the README).

    WAL with synchronous=NORMAL makes each commit cheap while a crash of the process loses
    nothing committed, so a record is never written twice across runs. A 16 MB page cache
    holds the upper levels of the key index at a bounded memory cost, for the whole crawl;
    no memory-mapping, whose pages would count against the crawl's RSS. Files of the two
    earlier layouts (a table per portal; 20-byte keys with UNIX-second times) are migrated
    when opened; expired re-visit rows are dropped then too.
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
        with self._transaction():
            self._migrate_digest_keys()
            self._create_tables()
            self._db.execute(f"PRAGMA user_version = {_LAYOUT}")
        self._portal_ids: dict[str, int] = dict(
            (name, pid) for pid, name in self._db.execute("SELECT id, name FROM portals")
        )
        self._migrate_per_portal_tables()
        with self._transaction():
            self._db.execute("DELETE FROM latest WHERE until < ?", (today(),))

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

    def _select(self, sql: str, pid: int, keys: list[int]) -> Iterator[tuple]:
        """Rows of `sql` (`… WHERE portal = ? AND url_key IN ({marks})`), in chunks."""
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start : start + _CHUNK]
            yield from self._db.execute(sql.format(marks=",".join("?" * len(chunk))), (pid, *chunk))

    def stored(self, portal: str, url_hashes: Sequence[str]) -> list[bool]:
        pid = self._portal_id(portal, create=False)
        if pid is None or not url_hashes:
            return [False] * len(url_hashes)
        keys = [url_key(h) for h in url_hashes]
        sql = "SELECT url_key FROM seen WHERE portal = ? AND url_key IN ({marks})"
        found = {row[0] for row in self._select(sql, pid, keys)}
        return [key in found for key in keys]

    def add(self, portal: str, url_hashes: Sequence[str]) -> None:
        if not url_hashes:
            return
        day = today()
        pid = self._portal_id(portal, create=True)
        with self._transaction():
            self._db.executemany(
                "INSERT INTO seen VALUES (?, ?, ?, ?) ON CONFLICT (portal, url_key) "
                "DO UPDATE SET last_seen = excluded.last_seen",
                [(pid, url_key(h), day, day) for h in url_hashes],
            )

    def latest(self, portal: str, url_hashes: Sequence[str]) -> list[Latest | None]:
        pid = self._portal_id(portal, create=False)
        if pid is None or not url_hashes:
            return [None] * len(url_hashes)
        keys = [url_key(h) for h in url_hashes]
        sql = (
            "SELECT url_key, version, content_hash, validator, until FROM latest "
            "WHERE portal = ? AND url_key IN ({marks})"
        )
        day = today()
        found = {row[0]: Latest(*row[1:]) for row in self._select(sql, pid, keys)}
        return [entry if (entry := found.get(key)) and entry.until >= day else None for key in keys]

    def keep_latest(self, portal: str, entries: Sequence[tuple[str, Latest]]) -> None:
        if not entries:
            return
        pid = self._portal_id(portal, create=True)
        rows = [
            (pid, url_key(h), e.version, e.content_hash, e.validator, e.until) for h, e in entries
        ]
        with self._transaction():
            self._db.executemany(
                "INSERT INTO latest VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (portal, url_key) "
                "DO UPDATE SET version = excluded.version, content_hash = excluded.content_hash,"
                " validator = excluded.validator, until = excluded.until "
                "WHERE excluded.version >= latest.version",
                rows,
            )

    def forget(self, portal: str) -> int:
        """Drop every key of `portal` (its next run fetches and writes everything again)."""
        pid = self._portal_id(portal, create=False)
        if pid is None:
            return 0
        with self._transaction():
            self._db.execute("DELETE FROM latest WHERE portal = ?", (pid,))
            return self._db.execute("DELETE FROM seen WHERE portal = ?", (pid,)).rowcount

    def days(self, portal: str, url_hash: str) -> tuple[int, int] | None:
        """`(first_seen, last_seen)` of a key, as `today()` day numbers (None: not stored)."""
        pid = self._portal_id(portal, create=False)
        row = self._db.execute(
            "SELECT first_seen, last_seen FROM seen WHERE portal = ? AND url_key = ?",
            (pid, url_key(url_hash)),
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

    def _create_tables(self) -> None:
        # One statement at a time: `executescript` would commit the open transaction.
        for statement in _SCHEMA.split(";"):
            if statement.strip():
                self._db.execute(statement)

    def _insert_digests(self, pid: int, rows: Iterable[tuple[bytes, int, int]]) -> None:
        """Keys of an earlier layout (20-byte digests, UNIX-second times) into `seen`."""
        self._db.executemany(
            "INSERT OR IGNORE INTO seen VALUES (?, ?, ?, ?)",
            (
                (
                    pid,
                    int.from_bytes(digest[:8], "big", signed=True),
                    first // 86_400,
                    last // 86_400,
                )
                for digest, first, last in rows
            ),
        )

    def _migrate_digest_keys(self) -> None:
        """Rewrite a layout-2 `seen` table (BLOB digests, UNIX seconds) into this layout."""
        if self._db.execute("PRAGMA user_version").fetchone()[0] >= _LAYOUT:
            return
        columns = [row[1] for row in self._db.execute("PRAGMA table_info(seen)")]
        if "url_hash" not in columns:
            return
        logger.warning("Seen-store %s: rewriting its keys as 64-bit integers (once)", self.path)
        self._db.execute("ALTER TABLE seen RENAME TO digest_keys")
        self._create_tables()
        for (pid,) in self._db.execute("SELECT DISTINCT portal FROM digest_keys").fetchall():
            rows = self._db.execute(
                "SELECT url_hash, first_seen, last_seen FROM digest_keys WHERE portal = ?", (pid,)
            )
            self._insert_digests(pid, rows)
        self._db.execute("DROP TABLE digest_keys")

    def _migrate_per_portal_tables(self) -> None:
        """Move the keys of an older file's `seen_<portal>` tables into `seen`, then drop
        them. Their first- and last-seen days are unknown: the migration day stands in."""
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
                assert pid is not None
                digests = self._db.execute(f'SELECT url_hash FROM "{table}"').fetchall()
                self._insert_digests(pid, ((digest, now, now) for (digest,) in digests))
                self._db.execute(f'DROP TABLE "{table}"')


_stores: WeakKeyDictionary[Crawler, SeenStore] = WeakKeyDictionary()


def seen_store_for(crawler: Crawler) -> SeenStore:
    """The crawl's one seen-store, opened on first use and closed when the spider closes.

    Raises NotConfigured when `GOVCRAWL_SEEN_STORE` is empty (memory across runs off).
    """
    from scrapy import signals
    from scrapy.exceptions import NotConfigured
    from scrapy.utils.misc import load_object

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
