"""The cluster end to end: real `govcrawl worker` processes running real crawls of the
bundled replicas (loopback replay), sharing a real redis-server's queue and seen-store.

Checks the issue's promises on the union of the workers' outputs: every article of every
replica exactly once; a worker SIGKILLed mid-job loses nothing (its job is redelivered to
the other worker and finished, and what the dead one wrote and remembered is not written
again — only a line the kill caught between its write and its hash's store, on another
machine than the heir's, can come out twice: RELIABILITY.md). Waits poll for a state with a
failsafe; nothing is asserted on time.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from tests import redisserver
from tests.conftest import PORTALS, expected_records

redis_server = redisserver.redis_server
ROOT = Path(__file__).resolve().parents[1]
FAILSAFE = 240.0  # seconds: only to end a hung test


def govcrawl(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "govcrawl.cli", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=FAILSAFE)


STARTED: list[subprocess.Popen] = []


def start_worker(server, prefix: str, output: Path, name: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "govcrawl.cli", "worker", "--redis", server.url,
               "--prefix", prefix, "--output", str(output), "--worker-id", name,
               "--claim-after", "3"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    STARTED.append(process)
    return process


def written(output: Path) -> Counter[str]:
    """URL → how many lines of every worker's dumps hold it."""
    return Counter(json.loads(line)["url"] for path in output.glob("*/*/*.jsonl")
                   for line in path.read_text("utf-8").splitlines())


def every_expected_url() -> Counter[str]:
    return Counter(record["url"] for portal in PORTALS for record in expected_records(portal))


def wait(process: subprocess.Popen) -> None:
    _, stderr = process.communicate(timeout=FAILSAFE)
    assert process.returncode == 0, stderr[-3000:]


def enqueue(server, prefix: str, *crawl_args: str) -> None:
    done = govcrawl("enqueue", "--status", "tested", "--replay", "--redis", server.url,
                    "--prefix", prefix, *crawl_args)
    assert done.returncode == 0, done.stderr[-2000:]


def test_two_workers_write_every_article_exactly_once(redis_server, tmp_path):
    prefix, output = f"e2e-{os.getpid()}", tmp_path / "out"
    enqueue(redis_server, prefix)
    workers = [start_worker(redis_server, prefix, output, name) for name in ("w1", "w2")]
    for worker in workers:
        wait(worker)
    assert written(output) == every_expected_url()
    # A second round finds everything in the shared seen-store: nothing written again.
    enqueue(redis_server, prefix)
    wait(start_worker(redis_server, prefix, output, "w3"))
    assert written(output) == every_expected_url()
    assert not list((output / "w3").glob("*/*.jsonl"))


def test_a_killed_workers_job_is_finished_by_another_and_nothing_is_written_twice(
    redis_server, tmp_path
):
    prefix, output = f"kill-{os.getpid()}", tmp_path / "out"
    # Slow crawls (a delay per request), so that the kill lands mid-job.
    enqueue(redis_server, prefix, "-s", "DOWNLOAD_DELAY=0.3")
    victim = start_worker(redis_server, prefix, output, "victim")
    deadline = time.monotonic() + FAILSAFE
    while not list((output / "victim").glob("*/*.jsonl")):  # a job is under way
        assert victim.poll() is None and time.monotonic() < deadline
        time.sleep(0.1)
    os.killpg(victim.pid, signal.SIGKILL)
    victim.wait()
    wait(start_worker(redis_server, prefix, output, "heir"))
    lines = written(output)
    assert set(lines) == set(every_expected_url())  # nothing lost
    assert sum(lines.values()) - len(lines) <= 1  # at most the one line the kill caught
    assert list((output / "heir").glob("*/*.jsonl"))  # the heir finished the dead one's work


@pytest.fixture(autouse=True)
def _no_stray_workers():
    """A failed test leaves no worker behind: each is stopped by its process group id."""
    yield
    while STARTED:
        process = STARTED.pop()
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
