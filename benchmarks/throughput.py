"""Crawl throughput, side by side in one run: our full pipeline vs plain Scrapy spiders.

On the same generated portal (benchmarks/generate_portal.py), served by nginx on loopback,
each crawl runs in its own subprocess, in rotating order, `--runs` times:

- `full`: a gd-jyh portal spider (`BenchXinxingSpider`, declared here) with govcrawl's
  settings: page objects, clean, validate, dedupe with the SQLite seen-store, JSONL, manifest;
- `spider`: the same crawl with no item pipelines (page objects, guards, scheduling, manifest):
  splits full's cost into extraction in a crawl and the pipelines (full − spider);
- `minimal`: a Scrapy spider following the same links, parsel XPath for title, date, source and
  body text, JSONL through Scrapy's feed exporter;
- `trafilatura`: the same crawl calling `trafilatura.extract` on each article page;
- `bare`: the same crawl extracting nothing (what Scrapy itself costs).

All four share the download settings (16 concurrent requests, no delay, robots.txt obeyed,
govcrawl's CONCURRENT_ITEMS = 8 and WARN_ON_GENERATOR_RETURN_VALUE = False) and the route
(our replay proxy middleware → nginx).
Measured inside each child: wall time and process CPU (getrusage) from spider_opened to
spider_closed, article pages received, records written, peak RSS. Reported: medians over
runs; ratios per run, then their median. `-s NAME=VALUE` sets a Scrapy setting in every crawl
(for A/B runs of one setting; the command line in the report shows it).

    python benchmarks/throughput.py --runs 3 --max-pages 100
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import scrapy
from generate_portal import CHANNEL, HOST, LISTING_URL, PORTAL, generate
from perfkit import BENCH_RUN_ID, ROOT, median, provenance, write_section
from scrapy.settings import Settings
from serve import serve, server_name

from govcrawl.registry.divisions import region_for_code
from govcrawl.registry.portals import Column, Portal
from govcrawl.registry.spiderloader import spider_class

MODES = ("full", "spider", "minimal", "trafilatura", "bare")
DEFAULT_SITE = Path("/tmp/govcrawl-bench/site")
COMMON_SETTINGS: dict[str, Any] = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    # govcrawl's engine settings, given to every crawl alike
    "CONCURRENT_ITEMS": 8,
    "WARN_ON_GENERATOR_RETURN_VALUE": False,
    "ROBOTSTXT_OBEY": True,
    "TELNETCONSOLE_ENABLED": False,
    "LOG_LEVEL": "INFO",
    "USER_AGENT": "Mozilla/5.0 (compatible; govcrawl-benchmark)",
}


# 新兴县's news column on the generated portal (facts: see generate_portal.py).
BenchXinxingSpider = spider_class(
    Portal(
        name=PORTAL,
        region=region_for_code("445321"),
        domains=(HOST,),
        platform="gd_jyh",
        columns=(Column(CHANNEL, LISTING_URL, "gd_jyh"),),
    )
)


class FollowSpider(scrapy.Spider):
    """Listing → `ul.news-list` links + the pager's 下一页, as a hand-written Scrapy spider."""

    name = "bare"
    start_urls: ClassVar[list[str]] = [LISTING_URL]

    def __init__(self, max_pages: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.max_pages = max_pages

    def parse(self, response: Any, page: int = 1) -> Iterator[scrapy.Request]:
        for href in response.xpath('//ul[@class="news-list"]/li/a/@href').getall():
            yield response.follow(href, self.parse_article)
        following = response.xpath('//div[@id="pagination"]/a[@class="next"]/@href').get()
        if following and (self.max_pages is None or page < self.max_pages):
            yield response.follow(following, self.parse, cb_kwargs={"page": page + 1})

    def parse_article(self, response: Any) -> Iterator[dict[str, Any]]:
        yield from ()


class MinimalSpider(FollowSpider):
    """parsel XPath on the platform's known containers, JSONL by the feed exporter."""

    name = "minimal"

    def parse_article(self, response: Any) -> Iterator[dict[str, Any]]:
        paragraphs = response.xpath('//div[@id="zoomcon"]//p//text()').getall()
        yield {
            "url": response.url,
            "title": response.xpath('normalize-space(//h1[@id="ScDetailTitle"])').get(),
            "date": response.xpath('string(//div[@class="desc"]/span[@class="time"])').get(),
            "source": response.xpath('string(//div[@class="desc"]/span[@class="source"])').get(),
            "text": "\n".join(t.strip() for t in paragraphs if t.strip()),
        }


class TrafilaturaSpider(FollowSpider):
    """What a generic-extractor crawl costs: trafilatura on every article page."""

    name = "trafilatura"

    def parse_article(self, response: Any) -> Iterator[dict[str, Any]]:
        import trafilatura

        extracted = trafilatura.extract(
            response.text, url=response.url, output_format="json", with_metadata=True
        )
        yield {"url": response.url, **json.loads(extracted or "{}")}


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def crawl_settings(
    mode: str, proxy: str, out: Path, extra: dict[str, str]
) -> tuple[Settings, type[scrapy.Spider]]:
    """The settings and spider class of one mode's crawl; `extra` goes to every mode."""
    if mode in ("full", "spider"):
        os.environ["SCRAPY_SETTINGS_MODULE"] = "govcrawl.settings"
        from scrapy.utils.project import get_project_settings

        settings = get_project_settings()
        settings.setdict(
            {"GOVCRAWL_OUTPUT_DIR": str(out), "GOVCRAWL_RUN_ID": BENCH_RUN_ID}, "cmdline"
        )
        if mode == "spider":
            settings.set("ITEM_PIPELINES", {}, "cmdline")
        spider_cls: type[scrapy.Spider] = BenchXinxingSpider
    else:
        settings = Settings()
        middleware = "govcrawl.replay.server.ReplayProxyMiddleware"
        settings.set("DOWNLOADER_MIDDLEWARES", {middleware: 740})
        if mode != "bare":
            feeds = {str(out / f"{mode}.jsonl"): {"format": "jsonlines", "encoding": "utf-8"}}
            settings.set("FEEDS", feeds)
        spider_cls = {"minimal": MinimalSpider, "trafilatura": TrafilaturaSpider}.get(
            mode, FollowSpider
        )
    settings.setdict({**COMMON_SETTINGS, "GOVCRAWL_REPLAY_PROXY": proxy, **extra}, "cmdline")
    return settings, spider_cls


def run_child(
    mode: str, proxy: str, out: Path, max_pages: int | None, extra: dict[str, str], profile: str
) -> dict[str, Any]:
    """One crawl in this process; returns its measurements."""
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess

    settings, spider_cls = crawl_settings(mode, proxy, out, extra)
    marks: dict[str, Any] = {"article_pages": 0}
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()

    def opened() -> None:
        marks["t0"], marks["cpu0"] = time.perf_counter(), _cpu_seconds()
        if profiler:
            profiler.enable()

    def closed() -> None:
        if profiler:
            profiler.disable()
        marks["t1"], marks["cpu1"] = time.perf_counter(), _cpu_seconds()

    def received(response: Any) -> None:
        if "/content/post_" in response.url and response.status == 200:
            marks["article_pages"] += 1

    process = CrawlerProcess(settings, install_root_handler=True)
    crawler = process.create_crawler(spider_cls)
    crawler.signals.connect(opened, signal=signals.spider_opened)
    crawler.signals.connect(closed, signal=signals.spider_closed)
    crawler.signals.connect(received, signal=signals.response_received)
    process.crawl(crawler, max_pages=max_pages)
    process.start()
    if profiler:
        profiler.dump_stats(profile)
    stats = crawler.stats.get_stats()
    pages = marks["article_pages"]
    wall, cpu = marks["t1"] - marks["t0"], marks["cpu1"] - marks["cpu0"]
    return {
        "mode": mode,
        "article_pages": pages,
        "records": stats.get("govcrawl/written", stats.get("item_scraped_count", 0)),
        "dropped": stats.get("govcrawl/dropped", 0),
        "wall_s": wall,
        "cpu_s": cpu,
        "process_cpu_s": _cpu_seconds(),
        "pages_per_min": pages / wall * 60 if wall else 0.0,
        "cpu_ms_per_page": cpu / pages * 1000 if pages else float("nan"),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "finish_reason": stats.get("finish_reason"),
    }


def crawl_in_subprocess(
    mode: str,
    proxy: str,
    max_pages: int | None,
    extra: dict[str, str] | None = None,
    profile: str = "",
    timeout: float = 3600,
) -> dict[str, Any]:
    """Run `run_child` in a fresh interpreter (a Twisted reactor cannot restart)."""
    with tempfile.TemporaryDirectory(prefix=f"govcrawl-bench-{mode}-") as out:
        command = [sys.executable, __file__, "--child", mode, "--proxy", proxy, "--out", out]
        if max_pages:
            command += ["--max-pages", str(max_pages)]
        for name, value in (extra or {}).items():
            command += ["-s", f"{name}={value}"]
        if profile:
            command += ["--profile", profile]
        env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, env=env, cwd=ROOT
        )
    if done.returncode != 0 or not done.stdout.strip():
        raise RuntimeError(f"{mode} crawl failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def ensure_site(root: Path, articles: int) -> None:
    """Generate the portal unless `root` already holds one at least this large."""
    info = root / PORTAL / "site.json"
    if info.exists() and json.loads(info.read_text("utf-8"))["articles"] >= articles:
        return
    print(f"generating {articles} articles under {root} …", file=sys.stderr)
    generate(root, articles)


def _report(results: list[list[dict[str, Any]]], args: argparse.Namespace, server: str) -> str:
    by_run = [{r["mode"]: r for r in run} for run in results]

    def med(mode: str, key: str) -> float:
        return median([run[mode][key] for run in by_run])

    def cpu_ratio_to(mode: str, base: str) -> float:
        return median(
            [run[mode]["cpu_ms_per_page"] / run[base]["cpu_ms_per_page"] for run in by_run]
        )

    cpu_ratio = cpu_ratio_to("full", "minimal")
    pipelines_ms = median(
        [run["full"]["cpu_ms_per_page"] - run["spider"]["cpu_ms_per_page"] for run in by_run]
    )
    speedup = median(
        [run["full"]["pages_per_min"] / run["trafilatura"]["pages_per_min"] for run in by_run]
    )
    pages = {run[m]["article_pages"] for run in by_run for m in MODES}
    lines = [
        "### Crawl throughput (issue 5 §1)",
        "",
        provenance().rstrip(),
        f"- Site: generated 新兴县 portal (gd-jyh template), {args.max_pages} listing pages "
        f"× 20 = {'/'.join(map(str, sorted(pages)))} article pages of 30–55 KB per crawl; "
        f"served by {server} on 127.0.0.1 through `GOVCRAWL_REPLAY_PROXY`; "
        "16 concurrent requests, 8 concurrent items per response, no delay, robots.txt obeyed, "
        "no generator-return check",
        f"- {len(results)} runs, modes in rotating order, each crawl in its own subprocess; "
        "CPU and wall from spider_opened to spider_closed; peak RSS of the whole process",
        "",
        "| crawl | pages/min | CPU ms per article page | peak RSS MB | records |",
        "|---|---|---|---|---|",
    ]
    for mode in MODES:
        lines.append(
            f"| {mode} | {med(mode, 'pages_per_min'):,.0f} | {med(mode, 'cpu_ms_per_page'):.2f} "
            f"| {med(mode, 'peak_rss_mb'):.0f} | {med(mode, 'records'):.0f} |"
        )
    lines += [
        "",
        f"- **Full / minimal CPU per page: {cpu_ratio:.2f}×** (goal ≤ 1.3×: "
        f"{'met' if cpu_ratio <= 1.3 else f'missed by {cpu_ratio / 1.3 - 1:.0%}'}); "
        f"full / bare: {cpu_ratio_to('full', 'bare'):.2f}×",
        f"- Full without item pipelines (`spider`) / minimal: "
        f"{cpu_ratio_to('spider', 'minimal'):.2f}×; the item pipelines (clean, text bound, "
        f"validate, dedupe, JSONL) cost {pipelines_ms:.2f} ms a page (full − spider, per run)",
        f"- **Full vs trafilatura throughput: {speedup:.2f}×** (goal ≥ 3×: "
        f"{'met' if speedup >= 3 else 'missed'})",
        f"- Per run ({', '.join(MODES)} CPU ms/page): "
        + "; ".join(", ".join(f"{run[m]['cpu_ms_per_page']:.2f}" for m in MODES) for run in by_run),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=DEFAULT_SITE)
    parser.add_argument("--articles", type=int, default=10_000, help="size to generate")
    parser.add_argument("--max-pages", type=int, default=100, help="listing pages per crawl")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--replay", action="store_true", help="ReplayServer instead of nginx")
    parser.add_argument("--no-write", action="store_true", help="do not update BENCHMARKS.md")
    parser.add_argument("--child", choices=MODES, help=argparse.SUPPRESS)
    parser.add_argument("--proxy", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--profile", default="", help="(child) write cProfile stats here")
    parser.add_argument("-s", dest="settings", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args(argv)
    extra = dict(item.split("=", 1) for item in args.settings)
    if args.child:
        result = run_child(args.child, args.proxy, args.out, args.max_pages, extra, args.profile)
        print(json.dumps(result))
        return
    ensure_site(args.site, args.articles)
    modes = args.modes.split(",")
    results = []
    with serve(args.site, PORTAL, prefer_nginx=not args.replay) as proxy:
        for run in range(args.runs):
            order = modes[run % len(modes) :] + modes[: run % len(modes)]
            results.append([])
            for mode in order:
                result = crawl_in_subprocess(mode, proxy, args.max_pages, extra)
                print(json.dumps(result), file=sys.stderr)
                if mode != "bare" and result["records"] < result["article_pages"]:
                    # A crawl that drops its records measures something else (a run id
                    # the schema refused once made the full crawl log errors for a page).
                    sys.exit(
                        f"{mode} crawl wrote {result['records']} records for "
                        f"{result['article_pages']} article pages: figures refused"
                    )
                results[-1].append(result)
    if set(MODES) <= set(modes) and not args.no_write:
        write_section("throughput", _report(results, args, server_name(not args.replay)))


if __name__ == "__main__":
    main()
