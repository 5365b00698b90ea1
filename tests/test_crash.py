"""SIGKILL at random points, then run again: every article once, the seen-store = the output.

A chain of `govcrawl crawl --replay` runs of the bundled replicas into one output
directory, each killed at a seeded random moment (from start-up to the end of a run, so
kills land while pages are fetched, lines written and hashes stored), each followed by the
next run, which resumes. After every kill: every line parses, no `url_hash` twice. After a
last run left to finish: every article there exactly once, none missing, and the
seen-store holds exactly the hashes of the output, portal by portal.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from scrapy.exceptions import DropItem

from govcrawl.stores.seen import SQLiteSeenStore
from tests.conftest import PORTALS

ROOT = Path(__file__).resolve().parents[1]
KILLS = 20
SEED = 11


def command(output: Path) -> list[str]:
    # Slowed a little (one request at a time, 10 ms apart) so a run lasts long enough for
    # kills to land in every phase.
    return [sys.executable, "-m", "govcrawl.cli", "crawl", *PORTALS, "--replay",
            "--output", str(output), "--log-level", "ERROR",
            "--set", "DOWNLOAD_DELAY=0.01", "--set", "CONCURRENT_REQUESTS_PER_DOMAIN=1"]


def lines(output: Path) -> dict[str, list[dict]]:
    """Portal → its records, every line parsed (a broken line fails here)."""
    found: dict[str, list[dict]] = {}
    for path in sorted(output.glob("*/*.jsonl")):
        text = path.read_text("utf-8")
        assert not text or text.endswith("\n"), f"{path}: a partial last line"
        found.setdefault(path.parent.name, []).extend(json.loads(x) for x in text.splitlines())
    return found


def duplicates(records: dict[str, list[dict]]) -> list[str]:
    counts = Counter(r["url_hash"] for portal in records.values() for r in portal)
    return [h for h, n in counts.items() if n > 1]


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory) -> tuple[dict[str, set[str]], float]:
    """What a run that is never killed writes, and how long it takes."""
    output = tmp_path_factory.mktemp("clean")
    started = time.monotonic()
    done = subprocess.run(command(output), cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    urls = {portal: {r["url"] for r in records} for portal, records in lines(output).items()}
    return urls, time.monotonic() - started


def test_killed_runs_resume_to_every_article_exactly_once(clean_run, tmp_path):
    expected, duration = clean_run
    rng = random.Random(SEED)
    for kill in range(KILLS):
        crawl = subprocess.Popen(command(tmp_path), cwd=ROOT, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        try:
            crawl.wait(timeout=rng.uniform(0.2, duration))
        except subprocess.TimeoutExpired:
            crawl.send_signal(signal.SIGKILL)
        crawl.wait(timeout=60)
        so_far = lines(tmp_path)
        assert duplicates(so_far) == [], f"after kill {kill + 1}"
    done = subprocess.run(command(tmp_path), cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    final = lines(tmp_path)
    assert duplicates(final) == []
    assert {p: {r["url"] for r in records} for p, records in final.items()} == expected
    store = SQLiteSeenStore(tmp_path / "seen.sqlite3")
    try:
        for portal, records in final.items():
            assert store.count(portal) == len(records), portal
            assert all(store.stored(portal, [r["url_hash"] for r in records])), portal
    finally:
        store.close()


# --- the pieces: whole lines, torn tails, reconciliation, the lock ---------------------------

WRITER = """
import os, resource, signal, sys
from govcrawl.stores.log import append_line
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # past the limit: EFBIG, as on a full disk
resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[2]), int(sys.argv[2])))
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
written = 0
try:
    while True:
        append_line(fd, b'{"n": %d, "pad": "%s"}\\n' % (written, b"x" * 300))
        written += 1
except OSError as error:
    print(written, error.errno)
"""


def test_a_write_the_disk_cannot_take_leaves_no_half_line(tmp_path):
    dump = tmp_path / "run.jsonl"
    done = subprocess.run([sys.executable, "-c", WRITER, str(dump), "10000"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    written, errno = map(int, done.stdout.split())
    data = dump.read_bytes()
    assert errno == 27 and written == 10000 // 315  # EFBIG after the last whole line
    assert data.endswith(b"\n") and data.count(b"\n") == written
    assert [json.loads(line)["n"] for line in data.splitlines()] == list(range(written))


def test_repair_cuts_a_torn_tail_and_reconcile_remembers_each_unclosed_run_once(tmp_path):
    from govcrawl.stores.log import reconcile

    portal = tmp_path / "gd_zijin"
    portal.mkdir()
    good = [json.dumps({"url_hash": f"{n:040x}", "n": n}) for n in range(3)]
    (portal / "1-closed.jsonl").write_text(good[0] + "\n")
    (portal / "1-closed.manifest.json").write_text("{}")
    torn = (portal / "2-killed.jsonl")
    torn.write_bytes(("\n".join(good[1:]) + "\n").encode() + b'{"url_hash": "ab' + b"\0" * 9)
    remembered, manifests = [], []

    def remember(name, records):
        remembered.append((name, [record["url_hash"] for record in records]))

    def write_manifest(name, run_id, dump, records):
        manifests.append((name, run_id, len(records)))
        dump.with_name(f"{run_id}.manifest.json").write_text(
            json.dumps({"counters": {"written": len(records), "remembered": len(records)}}))

    assert reconcile(tmp_path, remember, write_manifest) == {"gd_zijin": 2}
    assert remembered == [("gd_zijin", [f"{1:040x}", f"{2:040x}"])]
    assert manifests == [("gd_zijin", "2-killed", 2)]
    assert torn.read_text() == "\n".join(good[1:]) + "\n"
    assert reconcile(tmp_path, remember, write_manifest) == {}  # done once
    (portal / "3-store-failed.jsonl").write_text(good[0] + "\n")
    (portal / "3-store-failed.manifest.json").write_text(
        json.dumps({"stats": {"govcrawl/written": 1}}))
    assert reconcile(tmp_path, remember, write_manifest) == {"gd_zijin": 1}


def test_one_run_per_output_directory_and_run_ids_that_cannot_collide(tmp_path):
    from govcrawl.stores.lock import OutputLock, OutputLocked, new_run_id

    with OutputLock(tmp_path):
        with pytest.raises(OutputLocked, match=rf"in use by another govcrawl run \(pid {os.getpid()}\)"):
            OutputLock(tmp_path).acquire()
        holder = subprocess.run(
            [sys.executable, "-c", "import sys; from govcrawl.stores.lock import OutputLock; "
             "OutputLock(sys.argv[1]).acquire()", str(tmp_path)],
            cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert "OutputLocked" in holder.stderr
    OutputLock(tmp_path).acquire().release()  # free again once released
    with OutputLock(tmp_path):
        ids = [new_run_id(tmp_path) for _ in range(5)]  # five runs within a second
    assert len(set(ids)) == len(ids) and ids == sorted(ids)
    assert all(re.fullmatch(r"[0-9]{8}T[0-9]{6}Z", run_id) for run_id in ids)  # schema


FULL_DISK = """
import errno, os, sys
from govcrawl.cli import main

room = [20_000]  # bytes the disk takes into the dumps, then: a short write, then ENOSPC
real_write = os.write


def write(fd, data):
    if not os.readlink(f"/proc/self/fd/{fd}").endswith(".jsonl"):
        return real_write(fd, data)
    if room[0] <= 0:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    count = real_write(fd, bytes(data[: room[0]]))
    room[0] -= count
    return count


os.write = write
sys.exit(main(sys.argv[1:]))
"""


def test_a_full_disk_stops_the_run_cleanly_and_the_next_run_completes_it(clean_run, tmp_path):
    """The disk takes 20 KB of dumps, then a short write, then ENOSPC. The run stops with
    `disk_full`, leaves whole lines only and remembers nothing half-written; a run with
    room completes the output exactly once."""
    expected, _ = clean_run
    full = subprocess.run([sys.executable, "-c", FULL_DISK, *command(tmp_path)[3:]], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert full.returncode == 1, full.stderr[-3000:]
    assert "stopped (disk_full)" in full.stderr and "Traceback" not in full.stderr
    partial = lines(tmp_path)
    assert 0 < sum(map(len, partial.values())) < sum(map(len, expected.values()))
    store = SQLiteSeenStore(tmp_path / "seen.sqlite3")
    for portal, records in partial.items():  # what was written whole, nothing else
        assert store.count(portal) == len(records), portal
        assert all(store.stored(portal, [r["url_hash"] for r in records])), portal
    store.close()
    done = subprocess.run(command(tmp_path), cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    final = lines(tmp_path)
    assert duplicates(final) == []
    assert {p: {r["url"] for r in records} for p, records in final.items()} == expected


def test_a_second_run_into_the_same_output_directory_is_refused(tmp_path):
    """While one run holds the output directory, a second one stops at once with a clear
    error; the first is not disturbed."""
    slow = [*command(tmp_path), "--set", "DOWNLOAD_DELAY=0.5"]
    first = subprocess.Popen(slow, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        lock = tmp_path / ".lock"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (
                lock.exists() and lock.read_text().strip() == str(first.pid)):
            time.sleep(0.05)
        second = subprocess.run(command(tmp_path), cwd=ROOT, capture_output=True, text=True,
                                timeout=120)
        assert first.poll() is None, "the first run ended before the second started"
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=60)
    assert second.returncode == 1
    assert f"in use by another govcrawl run (pid {first.pid})" in second.stderr
    assert "Traceback" not in second.stderr


def test_a_jobdir_left_by_a_killed_run_still_crawls_its_columns(tmp_path):
    """What a SIGKILL leaves in JOBDIR: the start URL in requests.seen (once its buffer was
    flushed), no queue state (Scrapy writes it only at a clean close). The resumed run used
    to filter the start URL and do nothing; now it walks the column again, articles
    already stored are skipped before they are requested."""
    from scrapy import Request
    from scrapy.utils.request import fingerprint

    column = "http://www.zijin.gov.cn/xw/zwdt/index.html"
    jobdir = tmp_path / "job"
    jobdir.mkdir()
    seen = fingerprint(Request(column))  # stored as 2-byte big-endian length + bytes
    (jobdir / "requests.seen").write_bytes(len(seen).to_bytes(2, "big") + seen)
    done = subprocess.run(
        [sys.executable, "-m", "govcrawl.cli", "crawl", "--url", column, "--replay",
         "--output", str(tmp_path / "out"), "--set", f"JOBDIR={jobdir}"],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    assert sum(map(len, lines(tmp_path / "out").values())) >= 10


@pytest.mark.parametrize("durable", [True, False])
def test_lines_reach_the_disk_before_their_hashes_are_remembered(tmp_path, monkeypatch, durable):
    """Power cuts: with GOVCRAWL_DURABLE_LINES each group of lines is flushed (one
    fdatasync) before the seen-store hears of it, so no remembered hash can outlive its
    line; a group is committed every GOVCRAWL_COMMIT_LINES lines, the rest at close."""
    from scrapy.utils.test import get_crawler

    from govcrawl.stores import log
    from pipelines.jsonl import JsonLinesPipeline

    events: list[str | list[str]] = []

    class Store:
        def add(self, portal, hashes):
            events.append([h[0] for h in hashes])

        def keep_latest(self, portal, entries):
            pass

    real = os.fdatasync
    monkeypatch.setattr(log.os, "fdatasync", lambda fd: (events.append("flush"), real(fd)))
    monkeypatch.setattr(log.os, "fsync", lambda fd: (events.append("fsync"), real(fd)))
    crawler = get_crawler(settings_dict={"GOVCRAWL_OUTPUT_DIR": str(tmp_path),
                                         "GOVCRAWL_DURABLE_LINES": durable,
                                         "GOVCRAWL_COMMIT_LINES": 2,
                                         "GOVCRAWL_SEEN_STORE": ""})
    pipeline = JsonLinesPipeline.from_crawler(crawler)
    pipeline.store = Store()
    record = {"portal": "gd_zijin", "url": "http://www.zijin.gov.cn/a.html",
              "url_hash": "0" * 40, "schema_version": 2}
    pipeline.process_item(record)
    dump = tmp_path / "gd_zijin" / f"{pipeline.run_id}.jsonl"
    assert dump.read_bytes().count(b"\n") == 1
    new_name = ["fsync"] if durable else []  # the new dump's folder entry, once
    assert events == new_name  # written, not yet committed: nothing remembered
    for digit in "123":
        pipeline.process_item({**record, "url_hash": digit * 40})
    commit = ["flush"] if durable else []
    assert events == [*new_name, *commit, ["0", "1"], *commit, ["2", "3"]]
    pipeline.process_item({**record, "url_hash": "4" * 40})
    pipeline.close_spider()  # fsync of file and folder, then the last group
    assert events[-3:] == ["fsync", "fsync", ["4"]]


def test_a_failed_flush_is_never_remembered_and_stops_the_crawl(tmp_path, monkeypatch):
    from scrapy.utils.test import get_crawler
    from twisted.internet.defer import succeed

    from govcrawl.stores import log
    from pipelines.jsonl import JsonLinesPipeline

    remembered: list[str] = []

    class Store:
        def add(self, portal, hashes):
            remembered.extend(hashes)

        def keep_latest(self, portal, entries):
            pass

    def broken(fd):
        raise OSError(5, "Input/output error")

    closed: list[str] = []

    class Engine:
        def close_spider_async(self, reason):
            closed.append(reason)
            return succeed(None)

    crawler = get_crawler(settings_dict={"GOVCRAWL_OUTPUT_DIR": str(tmp_path),
                                         "GOVCRAWL_COMMIT_LINES": 2, "GOVCRAWL_SEEN_STORE": ""})
    crawler.engine = Engine()
    pipeline = JsonLinesPipeline.from_crawler(crawler)
    pipeline.store = Store()
    record = {"portal": "gd_zijin", "url": "http://www.zijin.gov.cn/a.html", "schema_version": 2}
    pipeline.process_item({**record, "url_hash": "0" * 40})
    monkeypatch.setattr(log.os, "fdatasync", broken)
    pipeline.process_item({**record, "url_hash": "1" * 40})
    assert remembered == [] and crawler.stats.get_value("govcrawl/errors/disk_full") == 1
    assert closed == ["disk_full"]
    with pytest.raises(DropItem, match="disk_full"):
        pipeline.process_item({**record, "url_hash": "2" * 40})
    dump = pipeline.dumps["gd_zijin"]
    assert (dump.remembered, dump.unremembered) == (0, 2)
    with pytest.raises(OSError):
        dump.close()  # never durable: the manifest will not say remembered, reconciled next run
    assert remembered == []


@pytest.mark.parametrize(("settings", "expected"), [
    ({"GOVCRAWL_COMMIT_LINES": "1000", "GOVCRAWL_COMMIT_INTERVAL": "3600"}, lambda n: n == 1),
    ({"GOVCRAWL_COMMIT_LINES": "4", "GOVCRAWL_COMMIT_INTERVAL": "3600"}, lambda n: n >= 4),
    ({"GOVCRAWL_COMMIT_LINES": "1000", "GOVCRAWL_COMMIT_INTERVAL": "0.05",
      "DOWNLOAD_DELAY": "0.05"}, lambda n: n >= 4),
], ids=["at-close", "every-4-lines", "every-50-ms"])
def test_a_crawl_commits_in_groups_by_lines_or_by_time(tmp_path, settings, expected):
    """A real crawl of the gd_zijin replica: the manifest counts the groups its lines
    were committed in — one at close when neither bound is reached, one every 4 of its
    ≥ 16 lines, several when 50 ms pass between groups of a slowed crawl."""
    sets = [arg for name, value in settings.items() for arg in ("--set", f"{name}={value}")]
    done = subprocess.run(
        [sys.executable, "-m", "govcrawl.cli", "crawl", "gd_zijin", "--replay",
         "--output", str(tmp_path), "--log-level", "ERROR", *sets],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    manifest = json.loads(next((tmp_path / "gd_zijin").glob("*.manifest.json")).read_text())
    counters = manifest["counters"]
    assert counters["written"] >= 16 and counters["remembered"] == counters["written"]
    assert expected(counters["commits"]), counters
    store = SQLiteSeenStore(tmp_path / "seen.sqlite3")
    assert store.count("gd_zijin") == counters["written"]
    store.close()
