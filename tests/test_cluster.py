"""The cluster on a real redis-server, with real worker processes running a fake crawl.

The fake crawl (written to a tmp dir) logs a `start` and an `end` event per run with its
portal, pid and worker, and writes three "records" under the worker's output dir. From the
events: every job ran to its end exactly once, and no host was crawled by two processes at
overlapping times. Waits poll for a state with a generous failsafe; no assertion is on time.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import pytest
import redis

from govcrawl.cluster.__main__ import main as cluster_main
from govcrawl.cluster.queue import GROUP, JobQueue, enqueue
from govcrawl.cluster.worker import DEFAULT_COMMAND, Worker, crawl_arguments, run_worker
from tests import redisserver

redis_server = redisserver.redis_server
ROOT = Path(__file__).resolve().parent.parent
FAILSAFE = 90.0  # seconds: only to end a hung test, never a measured bound

FAKE_CRAWL = """
import argparse, json, os, sys, time
from pathlib import Path

parser = argparse.ArgumentParser()
parser.add_argument("portal")
parser.add_argument("--output")
parser.add_argument("--events")
parser.add_argument("--sleep", type=float, default=0.0)
parser.add_argument("--fail", action="append", default=[])
parser.add_argument("--hold", action="append", default=[])
args = parser.parse_args()


def event(kind):
    line = {"portal": args.portal, "kind": kind, "pid": os.getpid(),
            "worker": Path(args.output).name, "t": time.time()}
    with open(args.events, "a") as events:  # one short append: atomic across processes
        events.write(json.dumps(line) + "\\n")


event("start")
if args.portal in args.fail:
    print("simulated failure", file=sys.stderr)
    sys.exit(3)
if args.portal in args.hold:  # until the test says go
    while not os.path.exists(args.events + ".go"):
        time.sleep(0.02)
time.sleep(args.sleep)
out = Path(args.output) / args.portal
out.mkdir(parents=True, exist_ok=True)
with open(out / f"{os.getpid()}.jsonl", "w") as records:
    for n in range(3):
        records.write(json.dumps({"portal": args.portal, "n": n}) + "\\n")
event("end")
"""


class Cluster:
    """A queue under its own prefix, a hosts file, the fake crawl and its events."""

    _ids = itertools.count()

    def __init__(self, server: redisserver.RedisServer, tmp: Path, hosts: dict[str, list[str]]):
        self.server = server
        self.prefix = f"cluster{next(self._ids)}-{os.getpid()}"
        self.client = redis.Redis.from_url(server.url, decode_responses=True)
        self.queue = JobQueue(self.client, self.prefix)
        self.tmp = tmp
        self.hosts = hosts
        self.hosts_file = tmp / "hosts.json"
        self.hosts_file.write_text(json.dumps(hosts))
        self.fake = tmp / "fake_crawl.py"
        self.fake.write_text(FAKE_CRAWL)
        self.events_file = tmp / "events.jsonl"
        self.output = tmp / "out"

    def enqueue(self, portals: list[str], **crawl_args) -> None:
        enqueue(self.client, portals, crawl_args, prefix=self.prefix)

    def worker(self, worker_id: str, *, claim_after=1.0, max_tries=3) -> subprocess.Popen:
        command = [sys.executable, str(self.fake), "{portal}", "--output", "{output}",
                   "--events", str(self.events_file)]  # fmt: skip
        argv = [
            sys.executable, "-m", "govcrawl.cluster", "worker",
            "--redis", self.server.url, "--prefix", self.prefix,
            "--output", str(self.output), "--hosts", str(self.hosts_file),
            "--crawl-command", json.dumps(command), "--worker-id", worker_id,
            "--claim-after", str(claim_after), "--max-tries", str(max_tries),
        ]  # fmt: skip
        log = open(self.tmp / f"{worker_id}.log", "wb")  # noqa: SIM115  (closed with the process)
        return subprocess.Popen(argv, cwd=ROOT, stdout=log, stderr=log)

    def events(self) -> list[dict]:
        if not self.events_file.exists():
            return []
        return [json.loads(line) for line in self.events_file.read_text().splitlines()]

    def runs(self, kind: str) -> Counter:
        return Counter(e["portal"] for e in self.events() if e["kind"] == kind)

    def records(self) -> Counter:
        """Portal → number of record files over every worker's output."""
        return Counter(path.parent.name for path in self.output.glob("*/*/*.jsonl"))

    def stream(self, suffix: str) -> list[dict]:
        return [fields for _id, fields in self.client.xrange(f"{self.prefix}:jobs{suffix}")]

    def intervals(self, dead: dict[int, float] | None = None) -> list[tuple[str, float, float]]:
        """(portal, start, end) of every run; a killed run ends when it was seen dead."""
        starts = {e["pid"]: e for e in self.events() if e["kind"] == "start"}
        ends = {e["pid"]: e["t"] for e in self.events() if e["kind"] == "end"}
        dead = dead or {}
        return [
            (e["portal"], e["t"], ends.get(pid, dead.get(pid, float("inf"))))
            for pid, e in starts.items()
        ]

    def assert_no_host_crawled_twice_at_once(self, dead: dict[int, float] | None = None) -> None:
        by_host = defaultdict(list)
        for portal, start, end in self.intervals(dead):
            for host in self.hosts[portal]:
                by_host[host.lower()].append((start, end, portal))
        for host, spans in by_host.items():
            spans.sort()
            for (_s1, end1, p1), (start2, _e2, p2) in itertools.pairwise(spans):
                assert end1 <= start2, f"{host} crawled by {p1} and {p2} at once"


def wait_until(predicate, what: str) -> None:
    deadline = time.monotonic() + FAILSAFE
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting for {what}")
        time.sleep(0.05)


def finish(process: subprocess.Popen) -> int:
    return process.wait(FAILSAFE)


def gone(pid: int) -> bool:
    """The process has exited (a zombie counts). It may vanish between opening its /proc
    file and reading it: ProcessLookupError, as good as FileNotFoundError here."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z")
    except (OSError, IndexError):
        return True


@pytest.fixture
def cluster_factory(redis_server, tmp_path):
    made = []

    def make(hosts):
        made.append(Cluster(redis_server, tmp_path, hosts))
        return made[-1]

    yield make
    for cluster in made:
        (cluster.tmp / "events.jsonl.go").touch()  # a held fake crawl left by a failure ends
        cluster.client.close()


HOSTS = {
    "p0": ["a.gov.cn"],
    "p1": ["a.gov.cn", "b.gov.cn"],
    "p2": ["b.gov.cn"],
    "p3": ["c.gov.cn"],
    "p4": ["C.gov.cn", "d.gov.cn"],  # same host as p3, other case
    "p5": ["d.gov.cn"],
    "p6": ["e.gov.cn"],
    "p7": [],
    "long": ["e.gov.cn"],
}


def test_two_workers_run_every_job_exactly_once_and_never_share_a_host(cluster_factory):
    cluster = cluster_factory(HOSTS)
    # Longer than claim_after: heartbeats must keep it from being reclaimed and run twice.
    # (claim_after is 2 s, not less, so that a loaded test machine's stalls do not expire
    # a lock between two heartbeats.)
    cluster.enqueue(["long"], sleep=3.0)
    cluster.enqueue([f"p{n}" for n in range(8)], sleep=0.3)
    workers = [cluster.worker("w1", claim_after=2.0), cluster.worker("w2", claim_after=2.0)]
    assert [finish(w) for w in workers] == [0, 0]

    portals = list(HOSTS)
    assert cluster.runs("start") == Counter(portals)
    assert cluster.runs("end") == Counter(portals)
    assert cluster.records() == Counter(portals)
    assert {e["worker"] for e in cluster.events()} == {"w1", "w2"}
    cluster.assert_no_host_crawled_twice_at_once()
    assert cluster.queue.backlog() == 0
    assert sorted(job["portal"] for job in cluster.stream(":done")) == sorted(portals)
    assert cluster.stream(":dead") == []
    assert cluster.client.keys(f"{cluster.prefix}:host:*") == []  # every lock released


def test_a_killed_workers_job_is_reclaimed_and_finished_nothing_lost(cluster_factory):
    cluster = cluster_factory({"slow": ["s.gov.cn"], "q1": ["s.gov.cn"], "q2": ["t.gov.cn"]})
    cluster.enqueue(["slow"], hold=["slow"])
    cluster.enqueue(["q1", "q2"])
    first = cluster.worker("w1", claim_after=1.5)
    wait_until(lambda: cluster.runs("start")["slow"] == 1, "slow to start")
    (crawl,) = [e["pid"] for e in cluster.events()]
    first.send_signal(signal.SIGKILL)
    finish(first)
    wait_until(lambda: gone(crawl), "the killed worker's crawl to die with it")
    dead_at = {crawl: time.time()}
    (cluster.tmp / "events.jsonl.go").touch()

    second = cluster.worker("w2", claim_after=1.5)
    assert finish(second) == 0
    assert cluster.runs("start") == Counter({"slow": 2, "q1": 1, "q2": 1})
    assert cluster.runs("end") == Counter({"slow": 1, "q1": 1, "q2": 1})
    assert {e["worker"] for e in cluster.events() if e["kind"] == "end"} == {"w2"}
    assert cluster.records() == Counter({"slow": 1, "q1": 1, "q2": 1})
    cluster.assert_no_host_crawled_twice_at_once(dead_at)
    assert cluster.queue.backlog() == 0
    assert sorted(job["portal"] for job in cluster.stream(":done")) == ["q1", "q2", "slow"]


def test_a_failing_job_is_retried_then_dead_lettered_with_its_reason(cluster_factory):
    cluster = cluster_factory({"broken": ["x.gov.cn"], "fine": ["y.gov.cn"]})
    cluster.enqueue(["broken"], fail=["broken"])
    cluster.enqueue(["fine"])
    worker = cluster.worker("w1", claim_after=0.5, max_tries=2)
    assert finish(worker) == 1  # a dead-lettered job: the worker's exit says so
    assert cluster.runs("start") == Counter({"broken": 2, "fine": 1})
    (dead,) = cluster.stream(":dead")
    assert dead["portal"] == "broken" and dead["tries"] == "2"
    assert "exit status 3" in dead["reason"] and "simulated failure" in dead["reason"]
    assert [job["portal"] for job in cluster.stream(":done")] == ["fine"]
    assert cluster.queue.backlog() == 0


def test_a_stopped_worker_puts_its_job_back_at_once(cluster_factory):
    cluster = cluster_factory({"slow": ["s.gov.cn"]})
    cluster.enqueue(["slow"], hold=["slow"])
    worker = cluster.worker("w1", claim_after=30)
    wait_until(lambda: cluster.runs("start")["slow"] == 1, "slow to start")
    worker.send_signal(signal.SIGTERM)
    assert finish(worker) == 0
    (job,) = cluster.stream("")
    assert job["portal"] == "slow" and job["attempts"] == "0"  # an interruption is no try
    assert cluster.client.xpending(cluster.queue.stream, GROUP)["pending"] == 0
    assert cluster.client.keys(f"{cluster.prefix}:host:*") == []


# --- the queue's pieces, in process -------------------------------------------------------


def test_locks_are_all_or_nothing_and_freed_only_by_their_holder(cluster_factory):
    queue = cluster_factory({}).queue
    a, b, c = (queue.host_key(h) for h in ("a", "b", "c"))
    assert queue.acquire([a, b], "w1", 10_000) is None
    assert queue.acquire([c, b], "w2", 10_000) == (b, "w1")
    assert queue.redis.get(c) is None  # w2 took nothing
    assert queue.release([a, b], "w2") == 0
    assert queue.acquire([a], "w1", 10_000) is None  # its own lock: renewed
    assert queue.release([a, b], "w1") == 2
    assert queue.acquire([c, b], "w2", 10_000) is None


def test_heartbeat_keeps_the_job_and_stops_when_another_worker_took_it(cluster_factory):
    cluster = cluster_factory({})
    cluster.enqueue(["p"])
    mine = JobQueue(cluster.client, cluster.prefix, consumer="w1")
    other = JobQueue(cluster.client, cluster.prefix, consumer="w2")
    job = mine.take(claim_after_ms=60_000, block_ms=10)
    lock = mine.host_key("a")
    assert mine.acquire([lock], "w1", 10_000) is None
    assert mine.heartbeat(job, [lock], 10_000) == 1
    assert other.take(claim_after_ms=60_000, block_ms=10) is None  # not idle: not stolen
    cluster.client.delete(lock)
    assert mine.heartbeat(job, [lock], 10_000) == -1  # lock lost
    cluster.client.xclaim(mine.stream, GROUP, "w2", 0, [job.id])
    assert mine.heartbeat(job, [], 10_000) == 0  # job lost


def test_a_crawl_that_cannot_start_is_a_failed_run(cluster_factory, tmp_path):
    cluster = cluster_factory({"p": ["p.gov.cn"]})
    cluster.enqueue(["p"])
    client = redis.Redis.from_url(cluster.server.url)
    summary = run_worker(
        client, output_dir=tmp_path / "w", hosts_for=cluster.hosts.__getitem__,
        prefix=cluster.prefix, command=[str(tmp_path / "no-such-crawl")], max_tries=1,
    )  # fmt: skip
    client.close()
    assert (summary.failed, summary.buried) == (1, 1)
    (dead,) = cluster.stream(":dead")
    assert dead["reason"].startswith("cannot start the crawl")


def test_a_worker_without_redis_says_so(tmp_path, capsys):
    hosts = tmp_path / "hosts.json"
    hosts.write_text("{}")
    status = cluster_main(
        ["worker", "--redis", "redis://127.0.0.1:1/0", "--hosts", str(hosts),
         "--output", str(tmp_path)]
    )  # fmt: skip
    assert status == 1
    assert "error: cannot reach Redis at redis://127.0.0.1:1/0" in capsys.readouterr().err


@pytest.mark.parametrize("protocol", [2, 3])
def test_jobs_are_taken_over_either_protocol(cluster_factory, protocol):
    cluster = cluster_factory({})
    cluster.enqueue(["p"], max_pages="1")
    client = redis.Redis.from_url(cluster.server.url, protocol=protocol)
    job = JobQueue(client, cluster.prefix, consumer="w1").take(claim_after_ms=1000, block_ms=10)
    client.close()
    assert (job.portal, job.crawl_args, job.deliveries) == ("p", {"max_pages": "1"}, 1)


def test_enqueue_command_carries_the_crawl_arguments(cluster_factory):
    cluster = cluster_factory({})
    common = ["--redis", cluster.server.url, "--prefix", cluster.prefix]
    status = cluster_main(
        ["enqueue", "gd_zijin", "yn_guangnan", *common, "--max-pages", "3", "--replay",
         "-s", "DOWNLOAD_DELAY=2"]
    )  # fmt: skip
    assert status == 0
    jobs = cluster.stream("")
    assert [job["portal"] for job in jobs] == ["gd_zijin", "yn_guangnan"]
    args = json.loads(jobs[0]["args"])
    assert args == {"max_pages": "3", "replay": True, "set": ["DOWNLOAD_DELAY=2"]}
    assert crawl_arguments(args) == ["--max-pages", "3", "--replay", "--set", "DOWNLOAD_DELAY=2"]
    assert cluster_main(["enqueue", "gd_zijin", *common, "--since", "yesterday"]) == 2
    assert cluster.queue.backlog() == 2


def test_the_crawl_command_shares_the_redis_seen_store(cluster_factory, tmp_path):
    cluster = cluster_factory({})
    cluster.enqueue(["gd_zijin"], max_pages="2", replay=True)
    worker = Worker(
        cluster.client, output_dir=tmp_path / "w1", hosts_for=lambda portal: [],
        prefix=cluster.prefix, worker_id="w1",
    )  # fmt: skip
    job = worker.queue.take(claim_after_ms=60_000, block_ms=10)
    argv = worker.argv(job)
    assert argv[:5] == [sys.executable, "-m", "govcrawl.cli", "crawl", "gd_zijin"]
    assert argv[5:7] == ["--output", str(tmp_path / "w1")]
    assert "GOVCRAWL_SEEN_STORE=govcrawl.stores.redis.RedisSeenStore" in argv
    assert f"GOVCRAWL_REDIS_URL={cluster.server.url}" in argv
    assert f"GOVCRAWL_REDIS_PREFIX={cluster.prefix}" in argv
    assert argv[len(DEFAULT_COMMAND) :] == ["--max-pages", "2", "--replay"]


def test_a_worker_outlives_a_redis_restart_and_loses_nothing_acked(tmp_path):
    """Redis stops mid-job: the worker stops that crawl (its locks can no longer be kept),
    waits for Redis, and the job, still pending in the AOF, is reclaimed and finished."""
    server = redisserver.start_redis("--appendonly", "yes", "--appendfsync", "always")
    try:
        cluster = Cluster(server, tmp_path, {"slow": ["s.gov.cn"], "quick": ["q.gov.cn"]})
        cluster.enqueue(["quick"])
        cluster.enqueue(["slow"], hold=["slow"])
        worker = cluster.worker("w1", claim_after=1.0)
        wait_until(lambda: cluster.runs("start")["slow"] == 1, "slow to start")
        cluster.client.close()
        server.stop(keep_files=True)
        (crawl,) = [e["pid"] for e in cluster.events() if e["portal"] == "slow"]
        wait_until(lambda: gone(crawl), "the worker to stop the crawl it cannot keep")
        (tmp_path / "events.jsonl.go").touch()
        server = redisserver.start_redis(
            "--appendonly", "yes", port=server.port, directory=server.directory
        )
        assert finish(worker) == 0
        assert cluster.runs("end") == Counter({"quick": 1, "slow": 1})
        assert cluster.runs("start") == Counter({"quick": 1, "slow": 2})
        assert cluster.queue.backlog() == 0
        assert sorted(job["portal"] for job in cluster.stream(":done")) == ["quick", "slow"]
        cluster.client.close()
    finally:
        server.stop()


def test_an_idle_worker_with_default_timings_leaves_cleanly(cluster_factory, tmp_path, caplog):
    """With nothing queued it exits; its blocking reads stay within the client's socket
    timeout (a read blocking past it looked like a Redis outage)."""
    cluster = cluster_factory({})
    client = redis.Redis.from_url(cluster.server.url)
    summary = run_worker(
        client, output_dir=tmp_path / "w", hosts_for=cluster.hosts.__getitem__,
        prefix=cluster.prefix, worker_id="idle",
    )  # fmt: skip
    client.close()
    assert summary.done == 0
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_the_cli_can_build_its_parser_without_importing_redis():
    """`govcrawl list` starts in ~0.1 s; redis-py alone would add ~0.1 s."""
    code = (
        "import argparse, sys\n"
        "from govcrawl.cluster.commands import add_enqueue_arguments, add_worker_arguments\n"
        "add_enqueue_arguments(argparse.ArgumentParser())\n"
        "add_worker_arguments(argparse.ArgumentParser())\n"
        "print('redis' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr
