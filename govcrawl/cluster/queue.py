"""Portal jobs on a Redis stream with a consumer group, and per-host locks.

Keys (all under a prefix, `govcrawl` by default; every one readable with redis-cli):

    <prefix>:jobs          stream of jobs not finished yet (XLEN = waiting + running)
    <prefix>:jobs:done     finished jobs, newest ~10,000 kept (portal, worker, seconds)
    <prefix>:jobs:dead     jobs given up on, with the reason; drained by an operator
    <prefix>:host:<host>   lock: the worker id crawling <host>, expires unless renewed
    <prefix>:worker:<id>   a live worker's registration, expires unless renewed

Consumer group `workers` on `<prefix>:jobs`. A job is an entry `portal`, `args` (the crawl
arguments, JSON), `attempts` (failed runs carried over when it was put back), `enqueued`.
A finished, re-queued or dead job is acknowledged and deleted in one MULTI with the write
that replaces it, so no step can lose it or leave it twice.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import redis

from govcrawl.stores.redis import DEFAULT_PREFIX

GROUP = "workers"
DONE_KEEP = 10_000

# Heartbeat: still ours? Then reset the entry's idle time (XCLAIM JUSTID does not count a
# delivery) and renew every lock we hold. 1 = renewed, 0 = the job was taken by another
# worker, -1 = a lock expired and was taken: in both cases stop crawling.
_HEARTBEAT = """
local pending = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1)
if #pending == 0 or pending[1][2] ~= ARGV[2] then return 0 end
redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'JUSTID')
for i = 2, #KEYS do
  if redis.call('GET', KEYS[i]) ~= ARGV[2] then return -1 end
  redis.call('PEXPIRE', KEYS[i], ARGV[4])
end
return 1
"""

# All or nothing: take every lock, or none and name a holder. One script, so two workers
# can never each take half of a portal's hosts.
_ACQUIRE = """
for i, key in ipairs(KEYS) do
  local holder = redis.call('GET', key)
  if holder and holder ~= ARGV[1] then return {key, holder} end
end
for i, key in ipairs(KEYS) do redis.call('SET', key, ARGV[1], 'PX', ARGV[2]) end
return false
"""

# Compare-and-delete: never frees a lock that expired and was taken by another worker.
_RELEASE = """
local freed = 0
for i, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then freed = freed + redis.call('DEL', key) end
end
return freed
"""


def _entries(reply: Any) -> list[tuple[Any, Any]]:
    """Entries of an XREAD(GROUP) reply: RESP2 `[[stream, entries]]`, RESP3 (protocol=3
    clients) `{stream: [entries]}`."""
    if isinstance(reply, dict):
        return [entry for chunks in reply.values() for chunk in chunks for entry in chunk]
    return [entry for _stream, entries in reply or [] for entry in entries]


def text(value: bytes | str) -> str:
    """Redis replies as str, whether or not the client decodes responses."""
    return value.decode() if isinstance(value, bytes) else value


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Job:
    """One delivery of a portal job."""

    id: str
    portal: str
    crawl_args: dict[str, Any]
    attempts: int  # failed runs of earlier entries of this job
    deliveries: int  # deliveries of this entry, this one included
    fields: dict[str, str] = field(repr=False)

    @property
    def tries_before(self) -> int:
        """Runs of this job that started and did not succeed (failed, or worker lost)."""
        return self.attempts + self.deliveries - 1


class JobQueue:
    """The job stream seen by one consumer (a worker id; `enqueue` needs none)."""

    def __init__(
        self, client: redis.Redis, prefix: str = DEFAULT_PREFIX, consumer: str = ""
    ) -> None:
        self.redis = client
        self.prefix = prefix
        self.consumer = consumer
        self.stream = f"{prefix}:jobs"
        self.done = f"{prefix}:jobs:done"
        self.dead = f"{prefix}:jobs:dead"
        self._heartbeat = client.register_script(_HEARTBEAT)
        self._acquire = client.register_script(_ACQUIRE)
        self._release = client.register_script(_RELEASE)
        self._claim_cursor = "0-0"

    def host_key(self, host: str) -> str:
        return f"{self.prefix}:host:{host.lower()}"

    def worker_key(self, worker_id: str) -> str:
        return f"{self.prefix}:worker:{worker_id}"

    def ensure_group(self) -> None:
        """Create the stream and its group if missing (from the start: no job is skipped)."""
        try:
            self.redis.xgroup_create(self.stream, GROUP, id="0", mkstream=True)
        except redis.exceptions.ResponseError as error:
            if "BUSYGROUP" not in str(error):
                raise

    def enqueue(self, portals: Iterable[str], crawl_args: Mapping[str, Any]) -> int:
        self.ensure_group()
        args = json.dumps(dict(crawl_args), sort_keys=True)
        pipe = self.redis.pipeline(transaction=False)
        for portal in portals:
            pipe.xadd(
                self.stream, {"portal": portal, "args": args, "attempts": 0, "enqueued": now_iso()}
            )
        return len(pipe.execute())

    def backlog(self) -> int:
        """Jobs not finished: waiting, running, or failed and waiting for a retry."""
        return int(self.redis.xlen(self.stream))

    def take(self, *, claim_after_ms: int, block_ms: int) -> Job | None:
        """The next job for this consumer: first one a lost or failed run left idle for
        `claim_after_ms`, else a new one (waiting up to `block_ms` in Redis, not here)."""
        reply = self.redis.xautoclaim(
            self.stream, GROUP, self.consumer, claim_after_ms, self._claim_cursor, count=1
        )
        self._claim_cursor = text(reply[0])
        claimed = [entry for entry in reply[1] if entry and entry[1]]
        if claimed:
            entry_id, fields = claimed[0]
            info = self.redis.xpending_range(self.stream, GROUP, entry_id, entry_id, 1)
            deliveries = int(info[0]["times_delivered"]) if info else 1
            return self._job(entry_id, fields, deliveries)
        read: Any = self.redis.xreadgroup(
            GROUP, self.consumer, {self.stream: ">"}, count=1, block=block_ms
        )
        for entry_id, fields in _entries(read):
            return self._job(entry_id, fields, 1)
        return None

    @staticmethod
    def _job(entry_id: bytes | str, raw: Mapping[Any, Any], deliveries: int) -> Job:
        fields = {text(k): text(v) for k, v in raw.items()}
        return Job(
            id=text(entry_id),
            portal=fields.get("portal", ""),
            crawl_args=json.loads(fields.get("args") or "{}"),
            attempts=int(fields.get("attempts") or 0),
            deliveries=deliveries,
            fields=fields,
        )

    def heartbeat(self, job: Job, lock_keys: Sequence[str], ttl_ms: int) -> int:
        """Keep `job` and the locks ours for another `ttl_ms`; see _HEARTBEAT's result."""
        keys = [self.stream, *lock_keys]
        return int(self._heartbeat(keys=keys, args=[GROUP, self.consumer, job.id, ttl_ms]))

    def acquire(self, keys: Sequence[str], owner: str, ttl_ms: int) -> tuple[str, str] | None:
        """Take every lock in `keys` for `owner`, or none: returns (key, holder) if held."""
        if not keys:
            return None
        held = self._acquire(keys=list(keys), args=[owner, ttl_ms])
        return (text(held[0]), text(held[1])) if held else None

    def release(self, keys: Sequence[str], owner: str) -> int:
        return int(self._release(keys=list(keys), args=[owner])) if keys else 0

    def _settle(self, job: Job, then: Any) -> None:
        """Acknowledge and delete `job`'s entry, atomically with `then(pipe)`."""
        pipe = self.redis.pipeline(transaction=True)
        then(pipe)
        pipe.xack(self.stream, GROUP, job.id)
        pipe.xdel(self.stream, job.id)
        pipe.execute()

    def complete(self, job: Job, report: Mapping[str, Any]) -> None:
        fields = {"portal": job.portal, "job": job.id, "worker": self.consumer, **report}
        self._settle(job, lambda pipe: pipe.xadd(self.done, fields, maxlen=DONE_KEEP))

    def requeue(self, job: Job) -> None:
        """Put `job` back at the tail, this delivery not counted as a try: its tries so
        far are carried in `attempts`, since the new entry's delivery count starts again."""
        fields = {**job.fields, "attempts": job.tries_before}
        self._settle(job, lambda pipe: pipe.xadd(self.stream, fields))

    def bury(self, job: Job, reason: str, tries: int) -> None:
        """Move `job` to the dead-letter stream with the reason it is given up on."""
        fields = {
            **job.fields,
            "job": job.id,
            "reason": reason,
            "tries": tries,
            "worker": self.consumer,
            "buried": now_iso(),
        }
        self._settle(job, lambda pipe: pipe.xadd(self.dead, fields))

    def register(self, worker_id: str, token: str, ttl_ms: int) -> bool:
        """Claim `worker_id` for this process (False: a live process already uses it)."""
        key = self.worker_key(worker_id)
        return bool(self.redis.set(key, token, nx=True, px=ttl_ms)) or (
            self.acquire([key], token, ttl_ms) is None
        )

    def renew(self, worker_id: str, token: str, ttl_ms: int) -> bool:
        return self.acquire([self.worker_key(worker_id)], token, ttl_ms) is None

    def unregister(self, worker_id: str, token: str) -> None:
        self.release([self.worker_key(worker_id)], token)


def enqueue(
    client: redis.Redis,
    portals: list[str],
    crawl_args: dict[str, Any],
    *,
    prefix: str = DEFAULT_PREFIX,
) -> int:
    """Put one job per portal on the queue; returns the number of jobs added."""
    return JobQueue(client, prefix).enqueue(portals, crawl_args)
