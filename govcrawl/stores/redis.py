"""Seen-store on Redis, shared by every worker of a cluster.

Layout (measured against one SET per portal in `benchmarks/cluster_bench.py`, figures in
BENCHMARKS.md): each portal's 20-byte URL hashes are spread over 2**bucket_bits small hashes,

    <prefix>:seen:<portal>:<bucket hex>  field = the hash minus its first byte, value ''
    <prefix>:seen:<portal>               meta: the bucket_bits this portal was written with
    <prefix>:latest:<portal>             field = the raw hash, value = its `Latest`,
                                         "<version>|<until>|<content hash>|<validator>"

so that every bucket stays in Redis's compact listpack encoding (≈ 25 bytes a URL at 1M
URLs, against ≈ 72 for a SET of raw hashes, whose every member costs a dict entry and an
allocation). Only URLs inside their re-visit window have a `latest` field (expired ones
are dropped the first time a store reads the portal's). A portal's memory is its own key
space: `forget(portal)` drops it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from govcrawl.stores.seen import Latest, today

if TYPE_CHECKING:  # redis-py is imported when a store is opened: the CLI starts without it
    import redis
    from scrapy.crawler import Crawler

DEFAULT_URL = "redis://127.0.0.1:6379/0"
DEFAULT_PREFIX = "govcrawl"
# 4096 buckets: ~245 hashes a bucket at 1M URLs; within Redis's default
# `hash-max-listpack-entries 512` up to ~1.9M URLs a portal (see docs/cluster.md). Fewer
# buckets cost less per small portal but overflow sooner (1024: past ~450k URLs); the
# GOVCRAWL_REDIS_SEEN_BUCKET_BITS setting applies to portals not stored yet.
DEFAULT_BUCKET_BITS = 12
# Commands per pipeline flush: bounds the client's buffer on a huge batch.
CHUNK = 10_000
_PORTAL = re.compile(r"^[A-Za-z0-9_.-]+$")
# Sets each field of KEYS[1] (ARGV: field, value, version, …) unless it holds a higher
# version: two workers re-visiting one URL never step a version back.
_KEEP_HIGHEST = """
for i = 1, #ARGV, 3 do
  local old = redis.call('HGET', KEYS[1], ARGV[i])
  if (not old) or tonumber(string.match(old, '^(%d+)')) <= tonumber(ARGV[i + 2]) then
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  end
end
return 0
"""


def _checked(portal: str) -> str:
    if not _PORTAL.match(portal):
        raise ValueError(f"portal name {portal!r} is not [A-Za-z0-9_.-]+")
    return portal


def portal_key(prefix: str, portal: str) -> str:
    """The portal's meta key; its buckets are this key plus `:<bucket hex>`."""
    return f"{prefix}:seen:{_checked(portal)}"


def latest_key(prefix: str, portal: str) -> str:
    """The portal's hash of `Latest` entries (URLs inside their re-visit window)."""
    return f"{prefix}:latest:{_checked(portal)}"


def connect(url: str, retries: int = 3) -> redis.Redis:
    """A client that retries a failed command `retries` times with backoff (≤ 2 s apart)."""
    import redis

    return redis.Redis.from_url(
        url,
        health_check_interval=30,
        retry=redis.retry.Retry(redis.backoff.ExponentialBackoff(cap=2.0), retries),
        retry_on_error=[redis.exceptions.ConnectionError, redis.exceptions.TimeoutError],
    )


class RedisSeenStore:
    """`SeenStore` on Redis: batched membership (one round trip), pipelined writes."""

    def __init__(
        self,
        client: redis.Redis,
        prefix: str = DEFAULT_PREFIX,
        bucket_bits: int = DEFAULT_BUCKET_BITS,
    ) -> None:
        if not 1 <= bucket_bits <= 16:
            raise ValueError("bucket_bits must be within 1..16")
        self.redis = client
        self.prefix = prefix
        self.bucket_bits = bucket_bits
        self._layouts: dict[str, tuple[str, int]] = {}
        self._pruned: set[str] = set()
        self._keep_highest = client.register_script(_KEEP_HIGHEST)

    @classmethod
    def from_url(cls, url: str = DEFAULT_URL, **kwargs: Any) -> RedisSeenStore:
        # Retries ride out a Redis restart or failover of a few seconds (docs/cluster.md).
        return cls(connect(url, retries=5), **kwargs)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisSeenStore:
        settings = crawler.settings
        return cls.from_url(
            settings.get("GOVCRAWL_REDIS_URL") or DEFAULT_URL,
            prefix=settings.get("GOVCRAWL_REDIS_PREFIX") or DEFAULT_PREFIX,
            bucket_bits=settings.getint("GOVCRAWL_REDIS_SEEN_BUCKET_BITS", DEFAULT_BUCKET_BITS),
        )

    def _layout(self, portal: str) -> tuple[str, int]:
        """Key prefix and bucket bits of `portal`: those it was first written with win,
        so changing `bucket_bits` never makes a stored portal look empty."""
        if portal not in self._layouts:
            key = portal_key(self.prefix, portal)
            pipe = self.redis.pipeline(transaction=True)
            pipe.hsetnx(key, "bucket_bits", self.bucket_bits)
            pipe.hget(key, "bucket_bits")
            bits = int(pipe.execute()[1])
            self._layouts[portal] = (key + ":", bits)
        return self._layouts[portal]

    @staticmethod
    def _split(base: str, bits: int, url_hash: str) -> tuple[str, bytes]:
        """Bucket key and field of a 40-hex hash: the bucket is its first `bits` bits, the
        field the raw bytes after the whole bytes those bits cover."""
        raw = _field(url_hash)
        bucket = int.from_bytes(raw[:2], "big") >> (16 - bits)
        return f"{base}{bucket:x}", raw[bits // 8 :]

    def stored(self, portal: str, url_hashes: Sequence[str]) -> list[bool]:
        """Which of `url_hashes` were added for `portal` (order kept), in one round trip."""
        if not url_hashes:
            return []
        base, bits = self._layout(portal)
        pipe = self.redis.pipeline(transaction=False)
        for url_hash in url_hashes:
            key, field = self._split(base, bits, url_hash)
            pipe.hexists(key, field)
        return [bool(found) for found in pipe.execute()]

    def add(self, portal: str, url_hashes: Sequence[str]) -> None:
        """Remember `url_hashes` for `portal`: pipelined, flushed every CHUNK commands."""
        if not url_hashes:
            return
        base, bits = self._layout(portal)
        pipe = self.redis.pipeline(transaction=False)
        for start in range(0, len(url_hashes), CHUNK):
            for url_hash in url_hashes[start : start + CHUNK]:
                key, field = self._split(base, bits, url_hash)
                pipe.hset(key, field, b"")
            pipe.execute()

    def _latest_key(self, portal: str) -> str:
        """The portal's `latest` hash, its expired fields dropped once per store."""
        key = latest_key(self.prefix, portal)
        if portal not in self._pruned:
            self._pruned.add(portal)
            day = today()
            expired = [
                field
                for field, value in self.redis.hscan_iter(key, count=1000)
                if _parse_latest(value).until < day
            ]
            for start in range(0, len(expired), CHUNK):
                self.redis.hdel(key, *expired[start : start + CHUNK])
        return key

    def latest(self, portal: str, url_hashes: Sequence[str]) -> list[Latest | None]:
        """The newest version of each of `url_hashes` still in its re-visit window."""
        if not url_hashes:
            return []
        values = self.redis.hmget(self._latest_key(portal), [_field(h) for h in url_hashes])
        day = today()
        entries = [None if value is None else _parse_latest(value) for value in values]
        return [entry if entry and entry.until >= day else None for entry in entries]

    def keep_latest(self, portal: str, entries: Sequence[tuple[str, Latest]]) -> None:
        """Keep each entry unless a higher version of its URL is kept (one script call)."""
        if not entries:
            return
        args: list[Any] = []
        for url_hash, entry in entries:
            value = f"{entry.version}|{entry.until}|{entry.content_hash}|{entry.validator or ''}"
            args += [_field(url_hash), value, entry.version]
        self._keep_highest(keys=[self._latest_key(portal)], args=args)

    def count(self, portal: str) -> int:
        """URL hashes stored for `portal` (one HLEN per bucket: for tools, not the crawl)."""
        base, bits = self._layout(portal)
        pipe = self.redis.pipeline(transaction=False)
        for bucket in range(1 << bits):
            pipe.hlen(f"{base}{bucket:x}")
        return sum(pipe.execute())

    def forget(self, portal: str) -> None:
        """Drop `portal`'s memory: its next crawl fetches and writes every article again.

        Bucket names are known, so no SCAN of the whole key space: UNLINK frees them in
        the background.
        """
        base, bits = self._layout(portal)
        names = [f"{base}{bucket:x}" for bucket in range(1 << bits)]
        pipe = self.redis.pipeline(transaction=False)
        for start in range(0, len(names), 1024):
            pipe.unlink(*names[start : start + 1024])
        pipe.unlink(base[:-1], self._latest_key(portal))
        pipe.execute()
        self._layouts.pop(portal, None)

    def close(self) -> None:
        self.redis.close()


def _field(url_hash: str) -> bytes:
    """The raw 20 bytes of a 40-hex URL hash (ValueError for anything else)."""
    raw = bytes.fromhex(url_hash)
    if len(raw) != 20:
        raise ValueError(f"not a SHA-1 hex digest: {url_hash!r}")
    return raw


def _parse_latest(value: bytes | str) -> Latest:
    text = value.decode() if isinstance(value, bytes) else value
    version, until, digest, validator = text.split("|", 3)
    return Latest(int(version), digest, validator or None, int(until))
