"""Run manifest: `<output>/<portal>/<run-id>.manifest.json`, the operator's record of a run.

Written when a portal's run closes (`PORTAL_CLOSED`), from `PortalRun.manifest()`: why it
finished, what it wrote where, and every counter of that portal (drops by reason, skipped
requests, errors, responses by status), so a cron job can be checked without its log. In a
crawl of many portals each gets its own, as soon as it is done.
"""

from __future__ import annotations

import json
from pathlib import Path

from scrapy.crawler import Crawler

from govcrawl.runs.portalrun import PORTAL_CLOSED, PortalRun


def manifest_path(output_dir: Path, run: PortalRun) -> Path:
    return output_dir / run.portal / f"{run.run_id}.manifest.json"


class RunManifest:
    """Extension writing each portal's manifest next to its dump when its run closes."""

    def __init__(self, crawler: Crawler) -> None:
        self.output_dir = Path(crawler.settings.get("GOVCRAWL_OUTPUT_DIR", "output"))
        crawler.signals.connect(self.portal_closed, signal=PORTAL_CLOSED)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunManifest:
        return cls(crawler)

    def portal_closed(self, portal_run: PortalRun) -> None:
        path = manifest_path(self.output_dir, portal_run)
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(portal_run.manifest(), ensure_ascii=False, indent=2, default=str)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text + "\n", "utf-8")
        tmp.replace(path)  # a reader never sees half a manifest
