"""Peak RSS of a large crawl with our full pipeline, under three scheduler set-ups.

The generated portal's column is one chain of listing pages, each giving 20 article requests
and the next page. With Scrapy's default LIFO memory queue the next listing page (yielded last)
is always taken first, so the crawl runs down the whole chain while every article request
waits in memory: pending requests, and RSS, grow with the column's size. Variants measured:

- `default`: govcrawl's settings as they are (LIFO memory queue);
- `fifo`: `SCHEDULER_MEMORY_QUEUE = scrapy.squeues.FifoMemoryQueue` (articles of a listing
  page are fetched before the next page: a bounded number of pending requests);
- `jobdir`: `JOBDIR` set, so pending requests go to Scrapy's pickle LIFO disk queue.

Each crawl is a subprocess as in throughput.py (same spider, same nginx); its peak RSS is
`ru_maxrss`. The whole column is crawled unless `--max-pages` caps it.

    python benchmarks/memory.py --articles 100000 --site /tmp/govcrawl-bench/site-100k
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from generate_portal import PER_PAGE, PORTAL
from perfkit import provenance, write_section
from serve import serve, server_name
from throughput import crawl_in_subprocess, ensure_site

VARIANTS = {
    "default": {},
    "fifo": {"SCHEDULER_MEMORY_QUEUE": "scrapy.squeues.FifoMemoryQueue"},
    "jobdir": {"JOBDIR": "<tmp>"},
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=Path("/tmp/govcrawl-bench/site-100k"))
    parser.add_argument("--articles", type=int, default=100_000, help="size to generate")
    parser.add_argument("--max-pages", type=int, default=None, help="listing pages to crawl")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--no-write", action="store_true", help="do not update BENCHMARKS.md")
    args = parser.parse_args(argv)
    ensure_site(args.site, args.articles)
    results = {}
    with serve(args.site, PORTAL) as proxy, tempfile.TemporaryDirectory() as tmp:
        for name in args.variants.split(","):
            extra = {k: v.replace("<tmp>", f"{tmp}/{name}") for k, v in VARIANTS[name].items()}
            # The child crawl caps listing pages by default, and so does the trap guard
            # (GOVCRAWL_MAX_LISTING_PAGES, 500 = 10,000 articles): ask for the whole column.
            listing_pages = args.max_pages or -(-args.articles // PER_PAGE)
            extra["GOVCRAWL_MAX_LISTING_PAGES"] = str(listing_pages)
            results[name] = crawl_in_subprocess("full", proxy, listing_pages, extra)
            print(json.dumps({"variant": name, **results[name]}), file=sys.stderr)
            if results[name]["records"] < min(listing_pages * PER_PAGE, args.articles):
                sys.exit(f"{name}: {results[name]['records']} records, not the whole column")
    pages = args.max_pages * PER_PAGE if args.max_pages else args.articles
    lines = [
        "### Memory at scale (issue 5 §4)",
        "",
        provenance().rstrip(),
        f"- Full pipeline (throughput.py's `full` crawl) over a generated column of "
        f"{min(pages, args.articles):,} articles, served by {server_name()}",
        "",
        "| scheduler | article pages | records | peak RSS MB | CPU ms/page | pages/min |",
        "|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        lines.append(
            f"| {name} (`{json.dumps(VARIANTS[name]) if VARIANTS[name] else 'as shipped'}`) "
            f"| {r['article_pages']:,} | {r['records']:,} | {r['peak_rss_mb']:.0f} "
            f"| {r['cpu_ms_per_page']:.1f} | {r['pages_per_min']:,.0f} |"
        )
    best = min(results.values(), key=lambda r: r["peak_rss_mb"])
    verdict = "met" if best["peak_rss_mb"] <= 250 else "missed"
    lines += ["", f"Goal peak RSS ≤ 250 MB: **{verdict}** at this size (best set-up)."]
    report = "\n".join(lines)
    print(report)
    if not args.no_write:
        write_section("memory", report)


if __name__ == "__main__":
    main()
