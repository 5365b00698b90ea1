"""Thousands of portals in one crawl: wall, CPU per page, peak RSS and descriptors for K portals.

One replica portal is generated (benchmarks/generate_portal.py, the gd-jyh template: one
listing page of `--articles` articles) and served under K host names
(`www.bench0000.gov.cn` …, one symlink each to the same pages), so each portal is its own site
with its own download slot, robots.txt and seen-store keys. The loopback replay server
(`govcrawl.replay.server.ReplayServer`, in this process) serves them through
`GOVCRAWL_REPLAY_PROXY`; no politeness delay, so the machine, not the sleep, is measured.

Each K runs as ONE crawl in a child process, built as `govcrawl crawl` builds it (one crawler,
the `portals` spider, govcrawl's settings, the same summary and exit status), with K rows
made here instead of read from the registry. Measured: wall and CPU of the child from
spider_opened to spider_closed (getrusage, inside the child), article pages received, records
written (JSONL lines) against expected, manifests, peak RSS and peak open descriptors
(psutil, sampled every 0.1 s from this process), exit status.

    python benchmarks/portals_scale.py --sizes 1,100,1000,2842 --nofile 1024
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from generate_portal import COLUMN_PATH, HOST, PORTAL, generate
from perfkit import BENCH_RUN_ID, ROOT, provenance, write_section

DEFAULT_SITE = Path("/tmp/govcrawl-bench/portals")
SETTINGS = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "LOG_LEVEL": "WARNING",
}


def host(i: int) -> str:
    return f"www.bench{i:04d}.gov.cn"


def ensure_site(root: Path, articles: int, portals: int) -> None:
    """The generated portal, plus a host folder (symlink) per replica portal."""
    info = root / PORTAL / "site.json"
    if not info.exists() or json.loads(info.read_text("utf-8"))["articles"] != articles:
        print(f"generating a {articles}-article portal under {root} …", file=sys.stderr)
        generate(root, articles, workers=1)
    pages = root / PORTAL / "pages"
    for i in range(portals):
        link = pages / host(i)
        if not link.exists():
            link.symlink_to(HOST, target_is_directory=True)


def run_child(portals: int, proxy: str, out: Path, settings: dict[str, str]) -> dict[str, Any]:
    """One `govcrawl crawl` of `portals` replica rows in this process; its measurements."""
    os.environ["SCRAPY_SETTINGS_MODULE"] = "govcrawl.settings"
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    from govcrawl.cli import _outcome, _summarize
    from govcrawl.registry.divisions import region_for_code
    from govcrawl.registry.portals import Column, Portal
    from govcrawl.runs.portalrun import PORTAL_CLOSED

    region = region_for_code("445321")
    rows = [
        Portal(
            name=f"bench{i:04d}",
            region=region,
            domains=(host(i),),
            platform="gd_jyh",
            columns=(Column("新兴要闻", f"http://{host(i)}{COLUMN_PATH}index.html", "gd_jyh"),),
        )
        for i in range(portals)
    ]
    project = get_project_settings()
    project.setdict(
        {
            "GOVCRAWL_OUTPUT_DIR": str(out),
            "GOVCRAWL_RUN_ID": BENCH_RUN_ID,
            "GOVCRAWL_REPLAY_PROXY": proxy,
            **settings,
        },
        "cmdline",
    )
    marks: dict[str, Any] = {"article_pages": 0}

    def cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    def opened() -> None:
        marks["t0"], marks["cpu0"] = time.perf_counter(), cpu()

    def closed() -> None:
        marks["t1"], marks["cpu1"] = time.perf_counter(), cpu()

    def received(response: Any) -> None:
        if "/content/post_" in response.url and response.status == 200:
            marks["article_pages"] += 1

    outcomes: list[dict[str, Any]] = []
    process = CrawlerProcess(project)
    crawler = process.create_crawler("portals")
    crawler.signals.connect(opened, signal=signals.spider_opened)
    crawler.signals.connect(closed, signal=signals.spider_closed)
    crawler.signals.connect(received, signal=signals.response_received)
    crawler.signals.connect(
        lambda portal_run: outcomes.append(_outcome(portal_run)), signal=PORTAL_CLOSED, weak=False
    )
    process.crawl(crawler, portals=rows)
    process.start()
    status = _summarize([row.name for row in rows], outcomes)
    stats = crawler.stats.get_stats()
    pages = marks["article_pages"]
    return {
        "portals": portals,
        "exit_status": status,
        "article_pages": pages,
        "records": stats.get("govcrawl/written", 0),
        "wall_s": marks["t1"] - marks["t0"],
        "cpu_s": marks["cpu1"] - marks["cpu0"],
        "cpu_ms_per_page": (marks["cpu1"] - marks["cpu0"]) / pages * 1000 if pages else None,
        "log_lines": sum(v for k, v in stats.items() if k.startswith("log_count/")),
        "finish_reason": stats.get("finish_reason"),
    }


class Sampler(threading.Thread):
    """Peak RSS and open descriptors of a process, sampled every 0.1 s."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        import psutil

        self.process = psutil.Process(pid)
        self.peak_rss = 0
        self.peak_fds = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            try:
                self.peak_rss = max(self.peak_rss, self.process.memory_info().rss)
                self.peak_fds = max(self.peak_fds, self.process.num_fds())
            except Exception:  # the process has ended
                return
            time.sleep(0.1)


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def crawl(portals: int, proxy: str, articles: int, nofile: int | None) -> dict[str, Any]:
    """Run the child for `portals` portals and sample it; check what it wrote."""
    with tempfile.TemporaryDirectory(prefix="govcrawl-portals-") as out:
        command = [
            sys.executable,
            __file__,
            "--child",
            str(portals),
            "--proxy",
            proxy,
            "--out",
            out,
        ]
        env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}

        def limit() -> None:
            if nofile:
                resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

        child = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=ROOT,
            preexec_fn=limit,
        )
        sampler = Sampler(child.pid)
        sampler.start()
        stdout, stderr = child.communicate()
        sampler.done.set()
        sampler.join()
        if child.returncode not in (0, 1) or not stdout.strip():
            raise RuntimeError(f"crawl of {portals} portals failed:\n{stderr[-3000:]}")
        result = json.loads(stdout.strip().splitlines()[-1])
        lines = sum(p.read_bytes().count(b"\n") for p in Path(out).glob("*/*.jsonl"))
        result.update(
            nofile=nofile,
            expected=portals * articles,
            lines_written=lines,
            manifests=len(list(Path(out).glob("*/*.manifest.json"))),
            peak_rss_mb=sampler.peak_rss / 2**20,
            peak_fds=sampler.peak_fds,
            summary_tail=stderr.strip().splitlines()[-1:] if stderr.strip() else [],
        )
    return result


def _report(results: list[dict[str, Any]], args: argparse.Namespace) -> str:
    def base(size: int) -> dict[str, Any] | None:
        return next((r for r in results if r["portals"] == size and not r["nofile"]), None)

    def ratio(r: dict[str, Any], to: dict[str, Any] | None) -> str:
        if not (to and r["cpu_ms_per_page"] and to["cpu_ms_per_page"]):
            return "—"
        return f"{r['cpu_ms_per_page'] / to['cpu_ms_per_page']:.2f}×"

    lines = [
        "### Portals at scale: one crawl for K portals (issue 15)",
        "",
        provenance().rstrip(),
        f"- Site: one generated gd-jyh portal ({args.articles} articles of 30–55 KB on one "
        "listing page) served under K host names, one portal row each, by the loopback replay "
        "server (Python, threaded, in the benchmark's process) through "
        "`GOVCRAWL_REPLAY_PROXY`; govcrawl's settings with no delay and no AutoThrottle "
        "(16 concurrent requests, 2 per site, robots.txt obeyed), GOVCRAWL_ACTIVE_PORTALS "
        f"{args.active or 'default (64)'}",
        "- Each K is one crawl (one crawler, the `portals` spider, `govcrawl crawl`'s summary "
        "and exit status) in its own process; wall and CPU from spider_opened to "
        "spider_closed; peak RSS and open descriptors of the crawl process sampled every "
        "0.1 s with psutil; records = JSONL lines on disk",
        "",
        "| portals K | `ulimit -n` | wall s | CPU s | CPU ms per article page | vs K=1 "
        "| vs K=100 | replay server CPU ms per page | peak RSS MB | peak open fds "
        "| records written / expected | manifests | exit |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['portals']:,} | {r['nofile'] or 'default'} | {r['wall_s']:.1f} "
            f"| {r['cpu_s']:.1f} | {r['cpu_ms_per_page'] or float('nan'):.2f} "
            f"| {ratio(r, base(1))} | {ratio(r, base(100))} "
            f"| {r.get('server_cpu_ms_per_page', float('nan')):.2f} "
            f"| {r['peak_rss_mb']:.0f} | {r['peak_fds']} "
            f"| {r['lines_written']:,} / {r['expected']:,} | {r['manifests']:,} "
            f"| {r['exit_status']} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,100,1000,2842")
    parser.add_argument("--articles", type=int, default=10, help="articles per portal")
    parser.add_argument("--site", type=Path, default=DEFAULT_SITE)
    parser.add_argument(
        "--nofile", type=int, default=0, help="also run the largest K under this ulimit -n"
    )
    parser.add_argument("--active", type=int, default=0, help="GOVCRAWL_ACTIVE_PORTALS")
    parser.add_argument("--delay", type=float, default=0.0, help="DOWNLOAD_DELAY per site")
    parser.add_argument("--no-write", action="store_true", help="do not update BENCHMARKS.md")
    parser.add_argument(
        "--report-from",
        type=Path,
        help="write the section from earlier runs' JSON lines (this script's stderr)",
    )
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--proxy", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.active:
        SETTINGS["GOVCRAWL_ACTIVE_PORTALS"] = str(args.active)
    if args.child:
        extra = dict(SETTINGS)
        for name in ("GOVCRAWL_ACTIVE_PORTALS", "DOWNLOAD_DELAY"):
            if os.environ.get(f"BENCH_{name}"):
                extra[name] = os.environ[f"BENCH_{name}"]
        print(json.dumps(run_child(args.child, args.proxy, args.out, extra)))
        return
    if args.report_from:
        lines = args.report_from.read_text("utf-8").splitlines()
        write_section("portals", _report([json.loads(x) for x in lines if x.strip()], args))
        return
    if args.active:
        os.environ["BENCH_GOVCRAWL_ACTIVE_PORTALS"] = str(args.active)
    if args.delay:
        os.environ["BENCH_DOWNLOAD_DELAY"] = str(args.delay)
    sizes = [int(size) for size in args.sizes.split(",")]
    ensure_site(args.site, args.articles, max(sizes))
    from govcrawl.replay.server import ReplayServer

    results = []
    with ReplayServer([args.site]) as server:
        for size in sizes:
            for nofile in [None, args.nofile] if args.nofile and size == max(sizes) else [None]:
                before = _own_cpu()
                result = crawl(size, server.proxy_url, args.articles, nofile)
                # The replay server's threads (and the sampler) share this process and the
                # machine's two cores with the crawl: what they cost a page, for comparison.
                pages = result["article_pages"] or 1
                result["server_cpu_ms_per_page"] = (_own_cpu() - before) / pages * 1000
                print(json.dumps(result, ensure_ascii=False), file=sys.stderr, flush=True)
                results.append(result)
    report = _report(results, args)
    print(report)
    if not args.no_write:
        write_section("portals", report)


if __name__ == "__main__":
    main()
