"""Health of a portal's run: pure rules over its manifest and the portal's run history.

A scraper of public-sector sites rarely crashes; it silently writes nothing, or writes
pages that are WAF challenges, or records without dates. So a run is judged against what
*this portal* usually does (its history): how many records a run brings, how often it
publishes. Each rule is a small function returning a `Finding` or None; `assess` takes the
worst. The rules and their thresholds are documented in docs/operations.md ("Health").

`HealthCheck` is the extension applying them when a portal's run closes (`PORTAL_CLOSED`):
it fills `portal_run.health`, turns a red run's finish reason into what happened
(`nothing_fetched`, `all_blocked`, `health_failed`) and records the exit status that
`scrapy crawl` (govcrawl.commands.crawl) and Scrapyd then report.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise
from statistics import median
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler

from govcrawl.runs.portalrun import PORTAL_CLOSED, PortalRun

logger = logging.getLogger(__name__)

GREEN, AMBER, RED = "green", "amber", "red"
_RANK = {GREEN: 0, AMBER: 1, RED: 2}

# Finish reasons of a failed run (the manifest's `finish_reason`, Scrapy's stats).
NOTHING_FETCHED, ALL_BLOCKED, HEALTH_FAILED = "nothing_fetched", "all_blocked", "health_failed"
FAILED_REASONS = frozenset({NOTHING_FETCHED, ALL_BLOCKED, HEALTH_FAILED})
EXIT_OK, EXIT_FAILED = 0, 1

# Status codes of WAF challenges: 瑞数 412, 创宇云/加速乐 521, 安全狗 468.
WAF_STATUSES = frozenset({"412", "468", "521"})
BLOCKED_RED, BLOCKED_AMBER = 0.5, 0.2  # share of pages that were challenges or not articles
DROPPED_RED, DROPPED_AMBER = 0.5, 0.1  # share of extracted records dropped as invalid
ERRORS_AMBER = 0.1  # share of requests that failed
# Drop reasons (prefixes) that say nothing of the page: the same article again.
NOT_INVALID = ("duplicate", "stored_before", "unchanged")
COVERAGE_FIELDS = ("title", "published_date", "text")
COVERAGE_MIN = 0.9  # a key field on fewer records than this: red (amber under MIN_RECORDS)
MIN_RECORDS = 5  # fewer records than this are too few to judge coverage as red
CADENCE_FACTOR = 3.0  # stale: newest article older than the usual gap × this
CADENCE_MIN_DAYS = 7.0  # … and never stale before a week (weekends, holidays)
MIN_HISTORY = 3  # runs (with a newest date) before history-based rules apply


@dataclass(frozen=True)
class Finding:
    verdict: str
    reason: str
    outcome: str | None = None  # a red finding may name the run's finish reason


@dataclass
class Health:
    """The verdict of one run: green / amber / red, why, and the finish reason it implies."""

    verdict: str = GREEN
    reasons: list[str] = field(default_factory=list)
    outcome: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "reasons": list(self.reasons)}


def _count(counters: Mapping[str, int], prefix: str) -> int:
    return sum(n for key, n in counters.items() if key.startswith(prefix))


def _by_suffix(counters: Mapping[str, int], prefix: str) -> str:
    """`dropped/no_title: 3, dropped/no_date: 1` → `no_title×3, no_date×1`."""
    parts = [(n, key[len(prefix) :]) for key, n in counters.items() if key.startswith(prefix) and n]
    return ", ".join(f"{name}×{n}" for n, name in sorted(parts, reverse=True))


def _day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


@dataclass(frozen=True)
class RunFacts:
    """The numbers the rules read, taken once from a manifest's counters."""

    responses: int  # every response (robots.txt excluded)
    ok: int  # responses with status < 400
    waf: int  # WAF challenge statuses, plus WAF pages served with 200
    not_article: int  # article pages that were no article (soft-404, shells, challenges …)
    written: int
    dropped: int  # records dropped as invalid (not those in NOT_INVALID)
    skipped_stored: int
    errors: int  # requests that failed (network errors, HTTP errors), not skipped ones
    listing_pages: int
    counters: Mapping[str, int]

    @classmethod
    def of(cls, manifest: Mapping[str, Any]) -> RunFacts:
        c: Mapping[str, int] = manifest.get("counters") or {}
        statuses = {
            key.removeprefix("responses/"): n
            for key, n in c.items()
            if key.startswith("responses/")
        }
        waf_pages = _count(c, "not_article/waf")
        return cls(
            responses=sum(statuses.values()),
            ok=sum(n for s, n in statuses.items() if s.isdigit() and int(s) < 400),
            waf=sum(n for s, n in statuses.items() if s in WAF_STATUSES) + waf_pages,
            not_article=_count(c, "not_article/"),
            written=int(manifest.get("records_written") or c.get("written", 0)),
            dropped=_count(c, "dropped/")
            - sum(_count(c, f"dropped/{reason}") for reason in NOT_INVALID),
            # A re-visit that found its article unchanged is as good as a skip.
            skipped_stored=c.get("requests_skipped/stored_before", 0)
            + c.get("revisits/not_modified", 0)
            + c.get("dropped/unchanged", 0),
            # IgnoreRequest is a request skipped on purpose (stored before, offsite), not a failure.
            errors=_count(c, "request_errors/") - c.get("request_errors/IgnoreRequest", 0),
            listing_pages=c.get("listing_pages", 0),
            counters=c,
        )


# --- the rules: (manifest, facts, history) → Finding | None ----------------------------------


def rule_nothing_fetched(m: Mapping[str, Any], f: RunFacts, h: Sequence[Mapping]) -> Finding | None:
    """No page came back at all (no network, portal down, DNS gone, or only error statuses)."""
    if f.ok or f.waf:
        return None
    if f.responses:
        what = f"{f.responses} error responses ({_by_suffix(f.counters, 'responses/')})"
    else:
        errors = _by_suffix(f.counters, "request_errors/") or "no request made"
        what = f"no response at all ({errors})"
    return Finding(RED, f"nothing fetched: {what}", NOTHING_FETCHED)


def rule_blocked(m: Mapping[str, Any], f: RunFacts, h: Sequence[Mapping]) -> Finding | None:
    """Most pages were WAF challenges or no articles (soft-404s, script shells)."""
    pages = f.ok + f.waf - _count(f.counters, "not_article/waf")
    blocked = f.waf + f.not_article - _count(f.counters, "not_article/waf")
    if not pages or not blocked:
        return None
    share = blocked / pages
    detail = _by_suffix(f.counters, "not_article/")
    waf = f"{f.waf} WAF challenges" if f.waf else ""
    reason = (
        f"{blocked} of {pages} pages were WAF challenges or not articles "
        f"({', '.join(p for p in (waf, detail) if p)})"
    )
    if share > BLOCKED_RED:
        return Finding(RED, reason, ALL_BLOCKED)
    return Finding(AMBER, reason) if share > BLOCKED_AMBER else None


def rule_dropped(m: Mapping[str, Any], f: RunFacts, h: Sequence[Mapping]) -> Finding | None:
    """Records extracted but dropped as invalid: the article template changed."""
    extracted = f.written + f.dropped
    if not f.dropped:
        return None
    share = f.dropped / extracted
    reason = f"{f.dropped} of {extracted} records dropped ({_by_suffix(f.counters, 'dropped/')})"
    if share > DROPPED_RED:
        return Finding(RED, reason, HEALTH_FAILED)
    return Finding(AMBER, reason) if share > DROPPED_AMBER else None


def rule_coverage(m: Mapping[str, Any], f: RunFacts, h: Sequence[Mapping]) -> Finding | None:
    """Title, date or text missing on too many written records: the template half-changed."""
    coverage: Mapping[str, float] = m.get("coverage") or {}
    if not f.written:
        return None
    low = [
        f"{name} on {coverage.get(name, 0.0):.0%}"
        for name in COVERAGE_FIELDS
        if coverage.get(name, 0.0) < COVERAGE_MIN
    ]
    if not low:
        return None
    reason = f"field coverage dropped: {', '.join(low)} of {f.written} records"
    if f.written >= MIN_RECORDS:
        return Finding(RED, reason, HEALTH_FAILED)
    return Finding(AMBER, reason)


def cadence_days(history: Sequence[Mapping[str, Any]], current: Mapping[str, Any]) -> float | None:
    """Median days between the newest articles of successive runs (None: too little history)."""
    days = sorted(
        {d for run in (*history, current) if (d := _day(run.get("newest_published_date")))}
    )
    if len(days) < MIN_HISTORY:
        return None
    return float(median((b - a).days for a, b in pairwise(days)))


def newest_known(history: Sequence[Mapping[str, Any]], current: Mapping[str, Any]) -> date | None:
    days = [d for run in (*history, current) if (d := _day(run.get("newest_published_date")))]
    return max(days, default=None)


def rule_stale(m: Mapping[str, Any], f: RunFacts, h: Sequence[Mapping]) -> Finding | None:
    """The newest article is older than this portal's usual gap between articles × factor.

    Replays are exempt (frozen recordings), and so is a portal with too little history.
    """
    if m.get("replay"):
        return None
    cadence, newest = cadence_days(h, m), newest_known(h, m)
    today = _day(m.get("finished_at") or m.get("started_at"))
    if cadence is None or newest is None or today is None:
        return None
    age = (today - newest).days
    allowed = max(cadence * CADENCE_FACTOR, CADENCE_MIN_DAYS)
    if age <= allowed:
        return None
    return Finding(
        RED,
        f"newest article is {age} days old ({newest}); this portal usually publishes "
        f"every {cadence:g} days",
        HEALTH_FAILED,
    )


def rule_wrote_nothing(m: Mapping[str, Any], f: RunFacts, h: Sequence[Mapping]) -> Finding | None:
    """Nothing written and nothing skipped as stored, where this portal's runs usually write.

    An incremental run whose articles were all stored before found the listings working:
    it is green (the freshness rule watches for a portal that stopped publishing).
    """
    if f.written or f.skipped_stored or f.dropped or f.not_article:
        return None
    if not f.listing_pages:
        no_listing = _by_suffix(f.counters, "no_listing/")
        return Finding(
            RED,
            f"no listing page could be read{f' ({no_listing})' if no_listing else ''}",
            HEALTH_FAILED,
        )
    usual = [int(run.get("records_written") or 0) for run in h]
    if len(usual) >= MIN_HISTORY and median(usual) > 0:
        return Finding(
            RED,
            f"wrote nothing and found no stored article on {f.listing_pages} listing pages; "
            f"this portal's runs usually write {median(usual):g} records",
            HEALTH_FAILED,
        )
    return Finding(AMBER, f"no article link on {f.listing_pages} listing pages")


def rule_errors(m: Mapping[str, Any], f: RunFacts, h: Sequence[Mapping]) -> Finding | None:
    """Many requests failed: partial trouble, worth a look, but the run still worked.

    A few failures (a dead link, one timeout) are the weather of the web, not news. In a
    replay, a 404 is a page the replica does not hold, not the portal's fault."""
    requests = max(int(f.counters.get("requests", 0)), f.responses, 1)
    errors = f.errors - (f.counters.get("responses/404", 0) if m.get("replay") else 0)
    if errors <= 0 or errors / requests <= ERRORS_AMBER:
        return None
    detail = _by_suffix(
        {k: n for k, n in f.counters.items() if "IgnoreRequest" not in k}, "request_errors/"
    )
    return Finding(AMBER, f"{errors} of {requests} requests failed ({detail})")


def rule_finish_reason(m: Mapping[str, Any], f: RunFacts, h: Sequence[Mapping]) -> Finding | None:
    """Stopped early (shutdown, close-spider limits): the run is incomplete."""
    reason = m.get("finish_reason")
    if reason in (None, "finished") or reason in FAILED_REASONS:
        return None
    return Finding(AMBER, f"finished early: {reason}")


Rule = Callable[[Mapping[str, Any], RunFacts, Sequence[Mapping[str, Any]]], Finding | None]
RULES: tuple[Rule, ...] = (
    rule_nothing_fetched,
    rule_blocked,
    rule_wrote_nothing,
    rule_dropped,
    rule_coverage,
    rule_stale,
    rule_errors,
    rule_finish_reason,
)


def assess(manifest: Mapping[str, Any], history: Sequence[Mapping[str, Any]] = ()) -> Health:
    """The health of a run from its manifest and the manifests of the portal's earlier runs.

    `history` holds earlier runs of the same portal and kind (live or replay), oldest first.
    When nothing was fetched, the other rules are not asked (they would only echo it).
    """
    facts = RunFacts.of(manifest)
    findings = [finding for rule in RULES if (finding := rule(manifest, facts, history))]
    if findings and findings[0].outcome == NOTHING_FETCHED:
        findings = findings[:1]
    health = Health()
    for finding in findings:
        health.reasons.append(finding.reason)
        if _RANK[finding.verdict] > _RANK[health.verdict]:
            health.verdict = finding.verdict
        if finding.outcome and health.outcome is None:
            health.outcome = finding.outcome
    return health


def is_failed(manifest: Mapping[str, Any]) -> bool:
    health = manifest.get("health") or {}
    return health.get("verdict") == RED or manifest.get("finish_reason") in FAILED_REASONS


def outcome_exit_code(manifests: Iterable[Mapping[str, Any]]) -> int:
    """Exit status of a crawl: 1 when any portal's run is red (failed), else 0."""
    return EXIT_FAILED if any(is_failed(m) for m in manifests) else EXIT_OK


# --- the extension ---------------------------------------------------------------------------

EXIT_CODE_STAT = "govcrawl/exit_code"


class HealthCheck:
    """Extension: judge each portal's run when it closes; make a failed crawl exit non-zero.

    Must listen to `PORTAL_CLOSED` before the manifest writer and the run history (a lower
    EXTENSIONS number than theirs), so that both store the verdict and the finish reason.
    The exit status goes to the stat `govcrawl/exit_code`, which `scrapy crawl` (our
    `govcrawl.commands.crawl`) returns; a crawl of one portal also gets that portal's
    finish reason as Scrapy's `finish_reason` stat.
    """

    def __init__(self, crawler: Crawler) -> None:
        from govcrawl.runs.history import history_for

        self.crawler = crawler
        self.history = history_for(crawler)
        self.failed: list[str] = []  # finish reasons of the red portals
        crawler.signals.connect(self.portal_closed, signal=PORTAL_CLOSED)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HealthCheck:
        return cls(crawler)

    def portal_closed(self, portal_run: PortalRun) -> None:
        earlier = (
            self.history.recent(portal_run.portal, replay=portal_run.replay)
            if self.history is not None
            else []
        )
        health = assess(portal_run.manifest(), earlier)
        portal_run.health = health.as_dict()
        if health.verdict == RED:
            portal_run.finish_reason = health.outcome or HEALTH_FAILED
            self.failed.append(portal_run.finish_reason)
        stats = self.crawler.stats
        stats.inc_value(f"govcrawl/health/{health.verdict}")
        stats.set_value(EXIT_CODE_STAT, EXIT_FAILED if self.failed else EXIT_OK)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.failed and reason == "finished":
            outcome = self.failed[0] if len(set(self.failed)) == 1 else HEALTH_FAILED
            self.crawler.stats.set_value("finish_reason", outcome)
