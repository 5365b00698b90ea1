"""Alerts when a portal's run is red: a log line always, a webhook and a command if set.

The most common failure of public-sector scrapers is silence (a redesign, a WAF), so a red
run must reach someone: an ERROR line naming the portal and the reasons (what cron mails
and log collectors catch), the manifest's `health` (the `HealthCheck` extension puts it
there), and optionally `GOVCRAWL_ALERT_WEBHOOK` (the alert JSON POSTed) and
`GOVCRAWL_ALERT_COMMAND` (run with the alert JSON on stdin). Deliveries run in threads,
never in the reactor; the crawl waits for them (each bounded by `GOVCRAWL_ALERT_TIMEOUT`)
when the engine stops, so a cron run's alert is not lost when the process exits.
"""

from __future__ import annotations

import json
import logging
import subprocess
import urllib.request
from collections.abc import Mapping
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import run_in_thread
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from twisted.internet.defer import Deferred

from govcrawl.runs.health import AMBER, RED
from govcrawl.runs.portalrun import PORTAL_CLOSED, PortalRun

logger = logging.getLogger(__name__)
ALERT_VERSION = 1


def alert_payload(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """The alert JSON: what failed, why, and where to look (the full manifest included)."""
    health = manifest.get("health") or {}
    return {
        "alert_version": ALERT_VERSION,
        "portal": manifest.get("portal"),
        "run_id": manifest.get("run_id"),
        "verdict": health.get("verdict"),
        "reasons": list(health.get("reasons", [])),
        "finish_reason": manifest.get("finish_reason"),
        "finished_at": manifest.get("finished_at"),
        "records_written": manifest.get("records_written"),
        "newest_published_date": manifest.get("newest_published_date"),
        "manifest": dict(manifest),
    }


def alert_line(payload: Mapping[str, Any]) -> str:
    reasons = "; ".join(payload["reasons"]) or "no reason given"
    return (
        f"Portal {payload['portal']} is {str(payload['verdict']).upper()} "
        f"(run {payload['run_id']}, {payload['finish_reason']}): {reasons}"
    )


def post_webhook(url: str, payload: Mapping[str, Any], timeout: float) -> int:
    """POST the alert as JSON; the HTTP status (blocking: call it in a thread)."""
    request = urllib.request.Request(
        url,
        data=json.dumps(payload, ensure_ascii=False, default=str).encode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return int(response.status)


def run_alert_command(command: str, payload: Mapping[str, Any], timeout: float) -> int:
    """Run the command (shell syntax) with the alert JSON on stdin; its exit status
    (blocking: call it in a thread). Killed after `timeout` seconds."""
    completed = subprocess.run(  # the operator's own configured command
        command,
        shell=True,
        input=json.dumps(payload, ensure_ascii=False, default=str),
        text=True,
        capture_output=True,
        timeout=timeout,
        check=False,
    )
    return completed.returncode


class Alerts:
    """Extension: on PORTAL_CLOSED, alert on a red run (and an amber one if asked).

    Listens after `HealthCheck` (a higher EXTENSIONS number), which sets `portal_run.health`.
    """

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.stats = crawler.stats
        self.webhook: str = settings.get("GOVCRAWL_ALERT_WEBHOOK") or ""
        self.command: str = settings.get("GOVCRAWL_ALERT_COMMAND") or ""
        self.timeout = settings.getfloat("GOVCRAWL_ALERT_TIMEOUT", 10.0)
        self.levels = {RED, AMBER} if settings.getbool("GOVCRAWL_ALERT_AMBER") else {RED}
        self.pending: list[Deferred[Any]] = []
        crawler.signals.connect(self.portal_closed, signal=PORTAL_CLOSED)
        crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Alerts:
        if not crawler.settings.getbool("GOVCRAWL_ALERTS", True):
            raise NotConfigured("GOVCRAWL_ALERTS is off")
        return cls(crawler)

    def portal_closed(self, portal_run: PortalRun) -> None:
        verdict = portal_run.health.get("verdict")
        if verdict not in (RED, AMBER):
            return
        payload = alert_payload(portal_run.manifest())
        logger.log(logging.ERROR if verdict == RED else logging.WARNING, alert_line(payload))
        if verdict not in self.levels:
            return
        self.stats.inc_value("govcrawl/alerts/raised")
        if self.webhook:
            self._deliver("webhook", post_webhook, self.webhook, payload)
        if self.command:
            self._deliver("command", run_alert_command, self.command, payload)

    def _deliver(self, kind: str, send: Any, target: str, payload: Mapping[str, Any]) -> None:
        async def deliver() -> None:
            try:
                result = await run_in_thread(send, target, payload, self.timeout)
            except Exception as error:  # a broken alert channel must not break the crawl
                self.stats.inc_value(f"govcrawl/alerts/{kind}_failed")
                logger.error("Alert %s for %s failed: %s", kind, payload["portal"], error)
                return
            self.stats.inc_value(f"govcrawl/alerts/{kind}_sent")
            logger.info("Alert %s for %s sent (%s)", kind, payload["portal"], result)

        self.pending.append(deferred_from_coro(deliver()))

    async def engine_stopped(self) -> None:
        """Wait for deliveries still under way (each ends within the timeout)."""
        pending, self.pending = self.pending, []
        for delivery in pending:
            await maybe_deferred_to_future(delivery)
