"""RedisSeenStore against a real redis-server: batched membership, portals apart, forgetting."""

from __future__ import annotations

import hashlib

import pytest
from scrapy.utils.test import get_crawler

from govcrawl.stores.redis import RedisSeenStore
from tests import redisserver

redis_server = redisserver.redis_server


def hashes(*names: str) -> list[str]:
    return [hashlib.sha1(name.encode()).hexdigest() for name in names]


@pytest.fixture
def store(redis_server: redisserver.RedisServer, request: pytest.FixtureRequest):
    """A store under a prefix of its own, so tests sharing the server do not meet."""
    store = RedisSeenStore.from_url(redis_server.url, prefix=f"t-{request.node.name}")
    yield store
    store.close()


def test_stored_answers_each_hash_in_order_after_add(store):
    a, b, c = hashes("a", "b", "c")
    assert store.stored("gd_zijin", [a, b, c]) == [False, False, False]
    store.add("gd_zijin", [a, c])
    assert store.stored("gd_zijin", [a, b, c]) == [True, False, True]
    assert store.stored("gd_zijin", []) == []
    assert store.count("gd_zijin") == 2


def test_a_batch_is_one_round_trip(store, monkeypatch):
    store.add("gd_zijin", hashes("warm"))  # the portal's layout is read once, then cached
    sent = []
    real = store.redis.connection_pool.get_connection

    def counting(*args, **kwargs):
        sent.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(store.redis.connection_pool, "get_connection", counting)
    store.stored("gd_zijin", hashes(*map(str, range(500))))
    store.add("gd_zijin", hashes(*map(str, range(500))))
    assert len(sent) == 2


def test_raw_bytes_in_listpack_buckets(store):
    (h,) = hashes("x")
    store.add("gd_zijin", [h])
    bucket = f"{store.prefix}:seen:gd_zijin:{int(h[:3], 16):x}"
    assert store.redis.hkeys(bucket) == [bytes.fromhex(h)[1:]]
    assert store.redis.object("encoding", bucket) == b"listpack"


def test_portals_are_kept_apart_and_one_can_be_forgotten(store):
    zijin, guangnan = hashes("zijin"), hashes("guangnan")
    store.add("gd_zijin", zijin)
    store.add("yn_guangnan", guangnan)
    assert store.stored("gd_zijin", zijin + guangnan) == [True, False]
    assert store.stored("yn_guangnan", zijin + guangnan) == [False, True]

    store.forget("gd_zijin")
    assert store.redis.keys(f"{store.prefix}:seen:gd_zijin*") == []
    assert store.stored("gd_zijin", zijin) == [False]
    assert store.stored("yn_guangnan", guangnan) == [True]


def test_memory_survives_a_new_store_and_keeps_its_layout(store, redis_server):
    (h,) = hashes("kept")
    store.add("gd_zijin", [h])
    other = RedisSeenStore.from_url(redis_server.url, prefix=store.prefix, bucket_bits=8)
    try:
        assert other.stored("gd_zijin", [h]) == [True]  # written with 12 bits: read with 12
    finally:
        other.close()


def test_bad_input_is_refused(store):
    with pytest.raises(ValueError):
        store.stored("gd_zijin", ["abc"])
    with pytest.raises(ValueError):
        store.add("gd:*", hashes("a"))


def test_from_crawler_reads_url_and_prefix(redis_server):
    settings = {
        "GOVCRAWL_REDIS_URL": redis_server.url,
        "GOVCRAWL_REDIS_PREFIX": "cr",
        "GOVCRAWL_REDIS_SEEN_BUCKET_BITS": "10",
    }
    store = RedisSeenStore.from_crawler(get_crawler(settings_dict=settings))
    try:
        store.add("gd_zijin", hashes("a"))
        assert store.redis.hget("cr:seen:gd_zijin", "bucket_bits") == b"10"
        assert store.redis.connection_pool.connection_kwargs["port"] == redis_server.port
    finally:
        store.close()


def test_latest_versions_keep_the_highest_and_end_with_their_window(store, redis_server,
                                                                    monkeypatch):
    from govcrawl.stores import seen
    from govcrawl.stores.seen import Latest, today

    a, b = hashes("a", "b")
    day = today()
    first = Latest(1, "c1", 'W/"x|y"', day + 2)  # a validator may hold the separator
    second = Latest(2, "c2", None, day + 2)
    store.keep_latest("gd_zijin", [(a, second), (b, Latest(1, "c3", None, day))])
    store.keep_latest("gd_zijin", [(a, first)])  # a late writer of version 1 loses
    assert store.latest("gd_zijin", [a, b]) == [second, Latest(1, "c3", None, day)]
    assert store.latest("yn_guangnan", [a]) == [None]
    store.keep_latest("yn_guangnan", [(a, first)])
    assert store.latest("yn_guangnan", [a]) == [first]
    monkeypatch.setattr(seen.time, "time", lambda: (day + 1) * 86_400.0)
    assert store.latest("gd_zijin", [a, b]) == [second, None]  # b's window ended
    other = RedisSeenStore.from_url(redis_server.url, prefix=store.prefix)
    try:  # a new store drops expired entries the first time it reads a portal
        assert other.latest("gd_zijin", [a]) == [second]
        assert store.redis.hlen(f"{store.prefix}:latest:gd_zijin") == 1
    finally:
        other.close()
    store.forget("gd_zijin")
    assert store.redis.exists(f"{store.prefix}:latest:gd_zijin") == 0
