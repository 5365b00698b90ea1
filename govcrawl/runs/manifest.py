"""Run manifest: `<output>/<portal>/<run-id>.manifest.json`, the operator's record of a run.

Written when the spider closes: why it finished, what it wrote where, and every counter
(drops by reason, skipped requests, errors), so a cron job can be checked without its log.
"""

from __future__ import annotations

import json
from pathlib import Path

from scrapy import Spider, signals
from scrapy.crawler import Crawler


class RunManifest:
    """Extension writing the manifest of each run next to its dump."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.output_dir = Path(crawler.settings.get("GOVCRAWL_OUTPUT_DIR", "output"))
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunManifest:
        return cls(crawler)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        stats = self.crawler.stats.get_stats()
        run_id = stats.get("govcrawl/run_id")
        if not run_id:
            return
        manifest = {
            "portal": spider.name,
            "run_id": run_id,
            "finish_reason": reason,
            "arguments": getattr(spider, "arguments", {}),
            "output_file": stats.get("govcrawl/output_file")
            if stats.get("govcrawl/written")
            else None,
            "records_written": stats.get("govcrawl/written", 0),
            "stats": stats,
        }
        path = self.output_dir / spider.name / f"{run_id}.manifest.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2, default=str) + "\n")
