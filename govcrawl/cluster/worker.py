"""A worker: takes portal jobs from Redis and runs each as its own crawl process.

A fresh process per job, because Twisted's reactor cannot be restarted in a process and a
crash (or a leak) of one crawl must not take the worker or the next job with it. While the
crawl runs the worker heartbeats: the job's idle time is reset so that no other worker
reclaims it, and the portal's host locks are renewed. The job is acknowledged only when the
crawl exits 0; a failed run is left pending, so it is redelivered after `claim_after` (to any
worker) until `max_tries` runs failed, then it goes to the dead-letter stream with the reason.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import logging
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import quote

import redis

from govcrawl.cluster.defaults import DEFAULT_CLAIM_AFTER, DEFAULT_MAX_TRIES, DEFAULT_PREFIX
from govcrawl.cluster.queue import Job, JobQueue

log = logging.getLogger("govcrawl.cluster")

# `{name}` fields are filled per job; the job's crawl arguments are appended.
DEFAULT_COMMAND: tuple[str, ...] = (
    "{python}", "-m", "govcrawl.cli", "crawl", "{portal}", "--output", "{output}",
    "-s", "GOVCRAWL_SEEN_STORE=govcrawl.stores.redis.RedisSeenStore",
    "-s", "GOVCRAWL_REDIS_URL={redis_url}",
    "-s", "GOVCRAWL_REDIS_PREFIX={prefix}",
)  # fmt: skip
REDIS_ERRORS = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
HostsFor = Callable[[str], Sequence[str]]


def crawl_arguments(crawl_args: Mapping[str, Any]) -> list[str]:
    """`{"max_pages": 3, "replay": True, "set": ["A=1"]}` → `--max-pages 3 --replay --set A=1`."""
    argv: list[str] = []
    for name, value in sorted(crawl_args.items()):
        option = "--" + name.replace("_", "-")
        if value is None or value is False:
            continue
        if value is True:
            argv.append(option)
        elif isinstance(value, list | tuple):
            for item in value:
                argv += [option, str(item)]
        else:
            argv += [option, str(value)]
    return argv


def client_url(client: redis.Redis) -> str:
    """The URL a crawl process reaches the worker's Redis with."""
    kwargs = client.connection_pool.connection_kwargs
    db = kwargs.get("db", 0)
    if kwargs.get("path"):
        return f"unix://{kwargs['path']}?db={db}"
    auth = ""
    if kwargs.get("password"):
        auth = f"{quote(kwargs.get('username') or '', safe='')}:"
        auth += f"{quote(kwargs['password'], safe='')}@"
    scheme = "rediss" if kwargs.get("ssl") or "ssl_context" in kwargs else "redis"
    return f"{scheme}://{auth}{kwargs.get('host', '127.0.0.1')}:{kwargs.get('port', 6379)}/{db}"


def default_worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


def _die_with(worker_pid: int) -> None:
    """In the crawl process: be killed if the worker dies, even by SIGKILL (Linux), so an
    orphaned crawl never keeps hitting a host whose job another worker has reclaimed. A
    worker that died before this ran has already left the crawl an orphan: exit."""
    if sys.platform.startswith("linux"):
        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
        if os.getppid() != worker_pid:
            os._exit(1)


@dataclass
class Summary:
    """What a worker did, for its exit line and the tests."""

    done: int = 0
    failed: int = 0
    buried: int = 0
    deferred: int = 0
    lost: int = 0


@dataclass
class Outcome:
    status: str  # "done", "failed", "lost" (the job is no longer ours), "interrupted"
    returncode: int | None = None
    reason: str = ""
    report: dict[str, str] = field(default_factory=dict)


class Worker:
    """One worker process's loop; see `run_worker` for the parameters."""

    def __init__(
        self,
        client: redis.Redis,
        *,
        output_dir: str | Path,
        hosts_for: HostsFor,
        forever: bool = False,
        claim_after: float = DEFAULT_CLAIM_AFTER,
        worker_id: str | None = None,
        prefix: str = DEFAULT_PREFIX,
        redis_url: str | None = None,
        command: Sequence[str] = DEFAULT_COMMAND,
        max_tries: int = DEFAULT_MAX_TRIES,
    ) -> None:
        if claim_after <= 0 or max_tries < 1:
            raise ValueError("claim_after must be > 0 and max_tries >= 1")
        self.worker_id = worker_id or default_worker_id()
        self.queue = JobQueue(client, prefix, consumer=self.worker_id)
        self.output_dir = Path(output_dir)
        self.hosts_for = hosts_for
        self.forever = forever
        self.max_tries = max_tries
        self.command = list(command)
        self.redis_url = redis_url or client_url(client)
        # A lock or a registration lives as long as a job may stay idle before it is
        # reclaimed: when another worker reclaims a dead worker's job, its locks are gone.
        self.ttl_ms = max(100, int(claim_after * 1000))
        # Heartbeats well within a lock's life: a worker stalled (swapping, a loaded host)
        # for most of claim_after still keeps its job and its hosts.
        self.beat = min(claim_after / 3, 10.0)
        # How long a take blocks in Redis: well under redis-py's 5 s socket timeout.
        self.poll_ms = max(50, min(1000, self.ttl_ms // 2))
        self.token = f"{socket.gethostname()}:{os.getpid()}:{random.getrandbits(48):x}"
        self.stop = threading.Event()
        self.summary = Summary()
        self._deferrals = 0

    # --- the loop --------------------------------------------------------------------

    def run(self) -> Summary:
        """Take jobs until the queue holds none (or forever, or until SIGTERM/SIGINT)."""
        with self._signals():
            self._start()
            try:
                self._loop()
            finally:
                with contextlib.suppress(*REDIS_ERRORS):
                    self.queue.unregister(self.worker_id, self.token)
        return self.summary

    def _start(self) -> None:
        """Register and make sure the group exists. Redis down: a `forever` worker (a
        service) waits for it; a one-off run fails at once, with the error."""
        outage = 0
        while True:
            try:
                self._register()
                self.queue.ensure_group()
                return
            except REDIS_ERRORS as error:
                if not self.forever:
                    raise
                outage += 1
                self._wait_for_redis(outage, error)

    def _wait_for_redis(self, outage: int, error: Exception) -> None:
        pause = min(30.0, 0.5 * 2**outage)
        log.warning("%s: Redis unreachable (%s); retrying in %.0f s", self, error, pause)
        self.stop.wait(pause)

    def _loop(self) -> None:
        outage = 0
        while not self.stop.is_set():
            try:
                if not self.queue.renew(self.worker_id, self.token, self.ttl_ms):
                    raise RuntimeError(f"worker id {self.worker_id} taken by another process")
                if not self.forever and self.queue.backlog() == 0:
                    return
                job = self.queue.take(claim_after_ms=self.ttl_ms, block_ms=self.poll_ms)
                if job is not None:
                    self._handle(job)
                outage = 0
            except REDIS_ERRORS as error:
                outage += 1
                self._wait_for_redis(outage, error)

    def _register(self) -> None:
        """Claim the worker id; a previous process of the same id may hold it until its
        registration expires (a restart after a crash), a live one keeps it."""
        deadline = time.monotonic() + 2 * self.ttl_ms / 1000
        while not self.queue.register(self.worker_id, self.token, self.ttl_ms):
            if time.monotonic() > deadline or self.stop.is_set():
                raise RuntimeError(f"worker id {self.worker_id} is in use by a live worker")
            self.stop.wait(self.ttl_ms / 4000)

    def _handle(self, job: Job) -> None:
        if job.tries_before >= self.max_tries:
            reason = f"{job.tries_before} runs without success; the last one's worker was lost"
            self._bury(job, reason, job.tries_before)
            return
        try:
            hosts = sorted({host.lower() for host in self.hosts_for(job.portal)})
        except LookupError as error:
            self._bury(job, f"unknown portal: {error}", job.tries_before)
            return
        keys = [self.queue.host_key(host) for host in hosts]
        held = self.queue.acquire(keys, self.worker_id, self.ttl_ms)
        if held is not None:
            self._defer(job, f"{held[0]} is held by {held[1]}")
            return
        self._deferrals = 0
        try:
            outcome = self._crawl(job, keys)
        finally:
            with contextlib.suppress(*REDIS_ERRORS):  # if Redis is gone, they expire
                self.queue.release(keys, self.worker_id)
        self._settle(job, outcome)

    def _defer(self, job: Job, why: str) -> None:
        """Leave the job for later (at the tail) and back off: several blocked jobs in a
        row mean the free work is taken, so taking the next at once would spin."""
        self.queue.requeue(job)
        self.summary.deferred += 1
        self._deferrals += 1
        pause = min(self.ttl_ms / 1000, 0.1 * 2**self._deferrals) * random.uniform(0.5, 1.5)
        log.info("%s: %s deferred (%s); next job in %.1f s", self, job.portal, why, pause)
        self.stop.wait(pause)

    def _bury(self, job: Job, reason: str, tries: int) -> None:
        self.queue.bury(job, reason, tries)
        self.summary.buried += 1
        log.error("%s: %s given up after %d tries: %s", self, job.portal, tries, reason)

    def _settle(self, job: Job, outcome: Outcome) -> None:
        if outcome.status == "done":
            self.queue.complete(job, {"exit": 0, **outcome.report})
            self.summary.done += 1
            log.info("%s: %s done in %s s", self, job.portal, outcome.report["seconds"])
        elif outcome.status == "interrupted":
            self.queue.requeue(job)
        elif outcome.status == "lost":
            self.summary.lost += 1
            log.warning("%s: %s lost: %s", self, job.portal, outcome.reason)
        else:
            self.summary.failed += 1
            tries = job.tries_before + 1
            if tries >= self.max_tries:
                self._bury(job, outcome.reason, tries)
            else:  # pending and idle: redelivered after claim_after, to any worker
                log.warning(
                    "%s: %s failed (try %d of %d): %s",
                    *(self, job.portal, tries, self.max_tries, outcome.reason),
                )

    # --- one crawl process -----------------------------------------------------------

    def argv(self, job: Job) -> list[str]:
        values = {
            "python": sys.executable,
            "portal": job.portal,
            "output": str(self.output_dir),
            "redis_url": self.redis_url,
            "prefix": self.queue.prefix,
            "worker_id": self.worker_id,
            "job_id": job.id,
        }
        return [part.format(**values) for part in self.command] + crawl_arguments(job.crawl_args)

    def _crawl(self, job: Job, lock_keys: list[str]) -> Outcome:
        """Run the job's crawl to its end, heartbeating; stop it early if the job or a
        lock is no longer ours (Redis unreachable longer than a lock lives, included)."""
        logs = self.output_dir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        log_path = logs / f"{job.portal}.{job.id}.log"
        started, wall_start = time.monotonic(), time.time()
        log.info("%s: %s started (job %s, try %d)", self, job.portal, job.id, job.tries_before + 1)
        with open(log_path, "ab") as log_file:
            try:
                process = subprocess.Popen(
                    self.argv(job),
                    stdin=subprocess.DEVNULL,
                    stdout=log_file,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # the worker alone decides when it stops
                    preexec_fn=functools.partial(_die_with, os.getpid()),
                )
            except (OSError, subprocess.SubprocessError) as error:
                log_file.write(f"cannot start the crawl: {error}\n".encode())
                outcome = Outcome("failed")
            else:
                outcome = self._watch(process, job, lock_keys)
        outcome.report = {
            "output": str(self.output_dir),
            "log": str(log_path),
            "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(wall_start)),
            "seconds": f"{time.monotonic() - started:.1f}",
        }
        if outcome.status == "failed":
            status = "" if outcome.returncode is None else f"exit status {outcome.returncode}: "
            outcome.reason = status + _tail(log_path)
        return outcome

    def _watch(self, process: subprocess.Popen[bytes], job: Job, lock_keys: list[str]) -> Outcome:
        last_beat = next_beat = time.monotonic()
        while True:
            next_beat += self.beat
            # Waits in slices of at most a second, so that SIGTERM is seen at once.
            while (left := next_beat - time.monotonic()) > 0 and not self.stop.is_set():
                try:
                    code = process.wait(timeout=min(left, 1.0))
                    return Outcome("done" if code == 0 else "failed", code)
                except subprocess.TimeoutExpired:
                    pass
            if process.poll() is not None:
                code = process.returncode
                return Outcome("done" if code == 0 else "failed", code)
            if self.stop.is_set():
                _terminate(process)
                return Outcome("interrupted", process.returncode)
            try:
                state = self.queue.heartbeat(job, lock_keys, self.ttl_ms)
            except REDIS_ERRORS as error:
                if time.monotonic() - last_beat < self.ttl_ms / 1000:
                    continue
                state, why = -2, f"Redis unreachable ({error})"
            else:
                why = {0: "reclaimed by another worker", -1: "a host lock expired"}.get(state, "")
            if state == 1:
                last_beat = time.monotonic()
                continue
            _terminate(process)
            return Outcome("lost", process.returncode, why)

    @contextlib.contextmanager
    def _signals(self) -> Iterator[None]:
        """SIGTERM / SIGINT: stop the current crawl, put its job back, exit."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def stop(signum: int, frame: FrameType | None) -> None:
            log.info("%s: %s, stopping", self, signal.Signals(signum).name)
            self.stop.set()

        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def __str__(self) -> str:
        return f"worker {self.worker_id}"


def _terminate(process: subprocess.Popen[bytes], grace: float = 20.0) -> None:
    """SIGTERM the crawl's process group (Scrapy then closes the spider: manifest written),
    SIGKILL it after `grace` seconds."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _tail(path: Path, size: int = 400) -> str:
    """The end of a crawl's log, one line: the reason a dead-lettered job carries."""
    with open(path, "rb") as file:
        file.seek(max(0, path.stat().st_size - size))
        lines = file.read().decode("utf-8", "replace").strip().splitlines()
    return " | ".join(line.strip() for line in lines[-3:]) or "(no output)"


def run_worker(
    client: redis.Redis,
    *,
    output_dir: str | Path,
    hosts_for: HostsFor,
    forever: bool = False,
    claim_after: float = DEFAULT_CLAIM_AFTER,
    worker_id: str | None = None,
    prefix: str = DEFAULT_PREFIX,
    redis_url: str | None = None,
    command: Sequence[str] = DEFAULT_COMMAND,
    max_tries: int = DEFAULT_MAX_TRIES,
) -> Summary:
    """Run portal jobs from `client`'s queue until none is left (or `forever`).

    `hosts_for(portal)` names the hosts locked while the portal is crawled (LookupError:
    unknown portal, dead-lettered). `claim_after` seconds: how long a job may go without a
    heartbeat before another worker reclaims it (also the lifetime of a host lock).
    `command`: the crawl's argv template, `{portal}`, `{output}`, `{redis_url}`, `{prefix}`,
    `{worker_id}`, `{job_id}`, `{python}` filled in; the job's crawl arguments appended.
    """
    worker = Worker(
        client,
        output_dir=output_dir,
        hosts_for=hosts_for,
        forever=forever,
        claim_after=claim_after,
        worker_id=worker_id,
        prefix=prefix,
        redis_url=redis_url,
        command=command,
        max_tries=max_tries,
    )
    return worker.run()
