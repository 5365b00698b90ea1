"""Log lines an operator can read: drops by URL and reason, network errors on one line."""

from __future__ import annotations

import logging
from typing import Any

from itemadapter import ItemAdapter
from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.logformatter import LogFormatter, LogFormatterResult
from twisted.python.failure import Failure


class GovcrawlLogFormatter(LogFormatter):
    def dropped(
        self,
        item: Any,
        exception: BaseException,
        response: Response | Failure | None,
        spider: Spider,
    ) -> LogFormatterResult:
        level = getattr(exception, "log_level", None) or logging.WARNING
        if isinstance(level, str):
            level = getattr(logging, level)
        return {
            "level": level,
            "msg": "Dropped %(url)s: %(reason)s",
            "args": {"url": ItemAdapter(item).get("url"), "reason": exception},
        }


# Network failures are an operator's everyday weather, not a bug: one line each, no traceback.
_NETWORK_ERROR_MODULES = ("twisted.internet.error", "twisted.web._newclient")
_NETWORK_ERROR_PREFIXES = ("Download", "CannotResolveHost", "ResponseDataLoss")


def _is_network_error(error: BaseException | None) -> bool:
    kind = type(error)
    return kind.__module__ in _NETWORK_ERROR_MODULES or (
        kind.__module__ == "scrapy.exceptions" and kind.__name__.startswith(_NETWORK_ERROR_PREFIXES)
    )


class OneLineNetworkErrors(logging.Filter):
    """Log filter turning a network-failure traceback into the end of its log line."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if error is not None and _is_network_error(error):
            record.msg = f"{record.getMessage()} [{type(error).__name__}]"
            record.args = ()
            record.exc_info = None
            record.exc_text = None
        return True


class QuietNetworkErrors:
    """Extension: Scrapy components that log network failures with tracebacks log one line.

    Spider requests carry an errback of their own (see `PortalSpider.on_request_error`);
    this covers the robots.txt middleware, whose failures are logged by Scrapy itself.
    """

    LOGGERS = ("scrapy.downloadermiddlewares.robotstxt", "scrapy.core.scraper")

    def __init__(self) -> None:
        for name in self.LOGGERS:
            target = logging.getLogger(name)
            if not any(isinstance(f, OneLineNetworkErrors) for f in target.filters):
                target.addFilter(OneLineNetworkErrors())

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> QuietNetworkErrors:
        return cls()


class StartupToDebug(logging.Filter):
    """Log filter demoting Scrapy's start-up dumps (overridden settings, enabled components)
    to DEBUG: an operator's terminal shows what the crawl does, not its configuration."""

    MESSAGES = ("Overridden settings:", "Enabled %(componentname)ss:")

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.INFO and str(record.msg).startswith(self.MESSAGES):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return True  # handlers drop it below their level, and LogCount counts it as DEBUG


class QuietStartup:
    """Extension installing `StartupToDebug` on the loggers of those dumps. Extensions are
    built before Scrapy logs the settings, so the filter is in place in time."""

    LOGGERS = ("scrapy.crawler", "scrapy.middleware")

    def __init__(self) -> None:
        for name in self.LOGGERS:
            target = logging.getLogger(name)
            if not any(isinstance(f, StartupToDebug) for f in target.filters):
                target.addFilter(StartupToDebug())

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> QuietStartup:
        return cls()
