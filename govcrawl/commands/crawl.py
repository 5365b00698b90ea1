"""`scrapy crawl` whose exit status says whether the crawl worked.

Scrapy's own `crawl` exits 1 only when the spider could not start; a crawl that fetched
nothing, was blocked by a WAF or failed its health checks exits 0. Scrapy offers no
extension hook for the exit status, but it does let a project replace a command
(`COMMANDS_MODULE`, also used under Scrapyd, whose runner is `scrapy crawl`): this one runs
Scrapy's and then returns the status the `HealthCheck` extension recorded, so cron and
Scrapyd see a failed run as a failed process.
"""

from __future__ import annotations

import argparse

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError

from govcrawl.runs.health import EXIT_CODE_STAT


class Command(ScrapyCrawl):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("name one spider: scrapy crawl <spider>")
        assert self.crawler_process
        crawler = self._create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
        else:
            self.exitcode = int(crawler.stats.get_value(EXIT_CODE_STAT, 0) or 0)
