"""Seen-store at scale: `SQLiteSeenStore` holding 1M and 10M URL hashes of 2,842 portals.

Each size runs in its own subprocess (so RSS is the store's process alone) on a fresh file,
the keys spread over 2,842 portals as a national crawl spreads them (one table, keyed
`(portal, url_key)`, with first- and last-seen days):

1. build the table with batched inserts (one transaction per 10,000 hashes, on a connection
   with a 256 MB page cache), timed per URL;
2. time 20,000 more records remembered one by one, exactly as the JSONL writer does for a
   young record: `store.add(portal, [hash])` then `store.keep_latest(portal, [(hash,
   Latest)])` (its version for re-visits), each its own transaction — so the file also
   holds 20,000 re-visit rows, the window's articles;
3. time 100,000 single lookups `store.stored(portal, [hash])` that hit and 100,000 that
   miss (median, p90), as the dedupe pipeline asks; and batches of 20 (a listing page, as the
   spider asks), per URL;
4. time opening the store at that size (what each crawl pays once);
5. RSS: the store's own (process RSS after the run minus RSS before the store was opened:
   interpreter, imports — `govcrawl.stores.seen` imports Scrapy — and the key lists) and the
   process's; bytes on disk per URL after `close()`
   (WAL checkpointed), and after `VACUUM` with `--vacuum`.

Hashes are SHA-1 of a counter, so keys arrive in random order as real URL hashes do. The
database file stays in the OS page cache (a warm store, as on a crawl host between runs).

    python benchmarks/seenstore_scale.py --sizes 1000000,10000000
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from perfkit import ROOT, median, percentile, provenance, write_section

from govcrawl.stores.seen import Latest, SQLiteSeenStore, today, url_key

BATCH = 10_000
BUILD_CACHE_KB = 262_144
SINGLE_ADDS = 20_000
LOOKUPS = 100_000
LISTING = 20  # links on a listing page: one batched lookup
PORTALS = 2_842


def url_hash(i: int) -> str:
    return hashlib.sha1(i.to_bytes(8, "little")).hexdigest()


def portal(i: int) -> str:
    return f"p{i % PORTALS:04d}"


def _rows(start: int, stop: int, day: int) -> Iterator[tuple[int, int, int, int]]:
    for i in range(start, stop):
        yield (i % PORTALS + 1, url_key(url_hash(i)), day, day)


def build_batched(path: Path, size: int) -> float:
    """Insert `size` hashes, BATCH per transaction, into the store's table; µs per URL."""
    store = SQLiteSeenStore(path)  # the store creates its tables and pragmas
    for n in range(PORTALS):  # portal numbers 1 … PORTALS, as the store assigns them
        store._portal_id(portal(n), create=True)
    store.close()
    day = today()
    db = sqlite3.connect(path, isolation_level=None)
    # A 10,000-row transaction of random keys dirties more pages than SQLite's default 2 MB
    # cache holds and spills them to the WAL mid-transaction (measured: ~77 µs a row at 1M);
    # the bulk build gets a 256 MB cache. The store's own connection keeps its defaults.
    db.execute(f"PRAGMA cache_size=-{BUILD_CACHE_KB}")
    start = time.perf_counter()
    for first in range(0, size, BATCH):
        db.execute("BEGIN")
        db.executemany(
            "INSERT OR IGNORE INTO seen VALUES (?, ?, ?, ?)",
            _rows(first, min(size, first + BATCH), day),
        )
        db.execute("COMMIT")
    elapsed = time.perf_counter() - start
    db.close()
    return elapsed / size * 1e6


def _timed_us(calls: Iterator[Any]) -> list[float]:
    """Per-call µs of a generator that performs one operation per step."""
    timings = []
    while True:
        start = time.perf_counter_ns()
        try:
            next(calls)
        except StopIteration:
            return timings
        timings.append((time.perf_counter_ns() - start) / 1000)


def remember(store: SQLiteSeenStore, portal: str, key: str, young: Latest) -> None:
    """What the JSONL writer does once a young record's line is on disk."""
    store.add(portal, [key])
    store.keep_latest(portal, [(key, young)])


def run_child(size: int, path: Path, vacuum: bool) -> dict[str, Any]:
    import psutil

    total = size + SINGLE_ADDS
    new = [(portal(i), url_hash(i)) for i in range(size, total)]
    step = max(1, total // LOOKUPS)
    present = [(portal(i), url_hash(i)) for i in range(0, total, step)]
    absent = [(portal(i), url_hash(i)) for i in range(total, total + LOOKUPS)]
    pages = [  # a listing page: LISTING keys of one portal, half of them stored
        (portal(i), [url_hash(i + k * PORTALS) for k in range(LISTING)])
        for i in range(size - LISTING * PORTALS // 2, size - LISTING * PORTALS // 2 + 2_000)
    ]
    baseline = psutil.Process().memory_info().rss / 2**20  # interpreter, imports, key lists
    batched_us = build_batched(path, size)
    start = time.perf_counter()
    store = SQLiteSeenStore(path)
    open_ms = (time.perf_counter() - start) * 1000
    young = Latest(1, "0" * 64, '"5f1a2b3c4d5e6f70"', today() + 14)
    adds = _timed_us(remember(store, name, key, young) for name, key in new)
    hits = _timed_us(store.stored(name, [key]) for name, key in present)
    misses = _timed_us(store.stored(name, [key]) for name, key in absent)
    listings = [t / LISTING for t in _timed_us(store.stored(name, keys) for name, keys in pages)]
    rss = psutil.Process().memory_info().rss / 2**20
    store.close()
    result = {
        "size": total,
        "open_ms": open_ms,
        "listing_us_per_url_median": median(listings),
        "batched_insert_us": batched_us,
        "add_us_median": median(adds),
        "add_us_p90": percentile(adds, 0.9),
        "hit_us_median": median(hits),
        "hit_us_p90": percentile(hits, 0.9),
        "miss_us_median": median(misses),
        "miss_us_p90": percentile(misses, 0.9),
        "rss_mb": rss,
        "store_rss_mb": rss - baseline,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "bytes_per_url": path.stat().st_size / total,
    }
    if vacuum:
        db = sqlite3.connect(path, isolation_level=None)
        db.execute("VACUUM")
        db.close()
        result["bytes_per_url_vacuumed"] = path.stat().st_size / total
    return result


def _in_subprocess(size: int, vacuum: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="govcrawl-seen-") as tmp:
        command = [sys.executable, __file__, "--child", str(size), "--path", f"{tmp}/seen.sqlite3"]
        done = subprocess.run(
            command + (["--vacuum"] if vacuum else []), capture_output=True, text=True, cwd=ROOT
        )
    if done.returncode:
        raise RuntimeError(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def _report(results: list[dict[str, Any]]) -> str:
    lines = [
        "### Seen-store scale (issue 5 §3)",
        "",
        provenance().rstrip(),
        "- `SQLiteSeenStore` (WAL, synchronous=NORMAL, one table `seen(portal, url_key, "
        "first_seen, last_seen)` keyed `(portal, url_key)` WITHOUT ROWID, 64-bit integer keys, "
        f"day numbers, 16 MB page cache) holding the keys of {PORTALS:,} portals; each "
        f"size in its own process; {SINGLE_ADDS:,} single records remembered (`add` + "
        f"`keep_latest`: the file holds {SINGLE_ADDS:,} re-visit rows), {LOOKUPS:,} + {LOOKUPS:,} "
        f"single lookups and 2,000 listing-page lookups of {LISTING} keys per size; file in "
        "the OS page cache",
        "",
        "| URLs | open ms | remember µs, one per record (median / p90) | batched insert µs per URL "
        "| lookup hit µs (median / p90) | lookup miss µs (median / p90) "
        f"| listing lookup µs per URL ({LISTING} a batch) | store RSS MB "
        "| process RSS MB (peak) | disk bytes/URL | after VACUUM |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        vacuumed = r.get("bytes_per_url_vacuumed")
        lines.append(
            f"| {r['size']:,} | {r['open_ms']:.1f} "
            f"| {r['add_us_median']:.1f} / {r['add_us_p90']:.1f} "
            f"| {r['batched_insert_us']:.1f} | {r['hit_us_median']:.1f} / {r['hit_us_p90']:.1f} "
            f"| {r['miss_us_median']:.1f} / {r['miss_us_p90']:.1f} "
            f"| {r['listing_us_per_url_median']:.1f} "
            f"| {r['store_rss_mb']:.1f} | {r['rss_mb']:.0f} ({r['peak_rss_mb']:.0f}) "
            f"| {r['bytes_per_url']:.1f} "
            f"| {f'{vacuumed:.1f}' if vacuumed else '—'} |"
        )
    largest = max(results, key=lambda r: r["size"])
    checks = [
        ("lookup ≤ 10 µs median", max(largest["hit_us_median"], largest["miss_us_median"]), 10),
        ("listing lookup ≤ 10 µs per URL", largest["listing_us_per_url_median"], 10),
        ("≤ 30 bytes on disk per URL", largest["bytes_per_url"], 30),
        (
            "≤ 50 MB RSS (the store's own, over the interpreter with Scrapy imported)",
            largest["store_rss_mb"],
            50,
        ),
    ]
    lines += ["", f"Goals at {largest['size']:,} URLs:"]
    for goal, value, limit in checks:
        verdict = "met" if value <= limit else f"missed by {value / limit - 1:.0%}"
        lines.append(f"- {goal}: {value:.1f} → **{verdict}**")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000,10000000")
    parser.add_argument("--vacuum", action="store_true", help="also measure size after VACUUM")
    parser.add_argument("--no-write", action="store_true", help="do not update BENCHMARKS.md")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--path", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(run_child(args.child, args.path, args.vacuum)))
        return
    results = []
    for size in map(int, args.sizes.split(",")):
        results.append(_in_subprocess(size, args.vacuum))
        print(json.dumps(results[-1]), file=sys.stderr)
    report = _report(results)
    print(report)
    if not args.no_write:
        write_section("seenstore", report)


if __name__ == "__main__":
    main()
