"""Shared by the performance benchmarks: machine facts, statistics, BENCHMARKS.md sections.

Every figure in BENCHMARKS.md carries the command, machine and date that produced it, and a
script rewrites only its own marked section (read fresh, replaced atomically), so several
benchmarks (and the quality benchmark's section) can share the file.
"""

from __future__ import annotations

import fcntl
import gc
import os
import platform
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS_MD = ROOT / "BENCHMARKS.md"
CORPUS = ROOT.parent / "shared" / "corpus"
# The run id of benchmark crawls, in the schema's form: with any other (it was "bench"),
# validate drops every record as schema_invalid and the crawl measures error logging.
BENCH_RUN_ID = "20260101T000000Z"
PERF_BEGIN, PERF_END = "<!-- perf:begin -->", "<!-- perf:end -->"
# Order of the scripts' sections inside the perf block.
SECTIONS = (
    "throughput",
    "extraction",
    "seenstore",
    "portals",
    "cluster_crawl",
    "memory",
    "startup",
    "notes",
)


def time_call(call: Callable[[], Any]) -> float:
    """Milliseconds `call()` takes with the cyclic garbage collector paused (as `timeit`
    does), so a collection of garbage other code left behind is not charged to it."""
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        call()
        return (time.perf_counter() - start) * 1000
    finally:
        gc.enable()


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (`share` in 0..1): robust for the few dozen samples we have."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def machine() -> str:
    """One line: CPU model, cores, memory, Python and Scrapy versions."""
    model = "unknown CPU"
    with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    free = subprocess.run(["free", "-h"], capture_output=True, text=True).stdout.split("\n")
    memory = free[1].split()[1] if len(free) > 1 else "?"
    import scrapy

    return (
        f"{model}, `nproc` {os.cpu_count()}, `free -h` total {memory}, "
        f"Python {platform.python_version()}, Scrapy {scrapy.__version__}, {platform.system()}"
    )


def provenance() -> str:
    """Markdown lines: the command that produced a section, the machine and the date."""
    command = " ".join(shlex.quote(arg) for arg in [Path(sys.executable).name, *sys.argv])
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"- Command: `{command}` (from the project root)\n- Machine: {machine()}\n"
        f"- Date: {now}; code: {code_version()}; load average at the end: {load}\n"
    )


def code_version() -> str:
    """The commit measured, and whether the working tree had uncommitted changes (other
    than BENCHMARKS.md itself, which the sections measured before this one have filled)."""
    git = ["git", "-C", str(ROOT)]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(
        [*git, "status", "--porcelain", "--", ".", ":!BENCHMARKS.md"],
        capture_output=True,
        text=True,
    )
    state = " + uncommitted changes" if dirty.stdout.strip() else ""
    return f"`{head.stdout.strip() or 'unknown'}`{state}"


def _blank_perf_block() -> str:
    return f"{PERF_BEGIN}\n## Performance\n\n{PERF_END}\n"


def write_section(name: str, markdown: str, path: Path = BENCHMARKS_MD) -> None:
    """Replace (or insert, in `SECTIONS` order) section `name` of the perf block of `path`.

    The file is read fresh under an exclusive lock and replaced atomically; text outside the
    perf block (another engineer's quality section) is kept byte for byte.
    """
    begin, end = f"<!-- perf:{name}:begin -->", f"<!-- perf:{name}:end -->"
    block = f"{begin}\n{markdown.rstrip()}\n{end}"
    with open(Path(tempfile.gettempdir()) / "govcrawl-benchmarks-md.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        text = path.read_text("utf-8") if path.exists() else "# Benchmarks\n\n"
        if PERF_BEGIN not in text:
            text = text.rstrip("\n") + "\n\n" + _blank_perf_block()
        head, rest = text.split(PERF_BEGIN, 1)
        perf, tail = rest.split(PERF_END, 1)
        existing = re.search(re.escape(begin) + r".*?" + re.escape(end), perf, re.S)
        if existing:
            perf = perf[: existing.start()] + block + perf[existing.end() :]
        else:
            later = [f"<!-- perf:{s}:begin -->" for s in SECTIONS[SECTIONS.index(name) + 1 :]]
            positions = [perf.index(marker) for marker in later if marker in perf]
            at = min(positions) if positions else len(perf.rstrip("\n")) + 1
            perf = perf[:at].rstrip("\n") + "\n\n" + block + "\n\n" + perf[at:].lstrip("\n")
        new = head + PERF_BEGIN + perf + PERF_END + tail
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(new, "utf-8")
        os.replace(tmp, path)
