"""`govcrawl check <portal>`: crawl the portal's recorded pages and report what came out.

One real crawl (`govcrawl crawl <portal> --replay`, in a subprocess: a Twisted reactor runs
once per process) into a temporary folder; then per-field coverage of the records, records
written against `expected.jsonl`, drops by reason and request errors. City Bureau's lesson:
spiders break silently after redesigns, so coverage is what a maintainer must see.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govcrawl.maintain import crawl_in_subprocess, written_records

# Fields whose share of records is shown; "present" means not null and not empty.
COVERAGE_FIELDS = (
    "title",
    "published_date",
    "published_at",
    "source",
    "contributors",
    "text",
    "images",
    "attachments",
    "channel",
    "breadcrumb",
    "site_name",
    "region",
    "document",
)
# A record without one of these is a failure, whatever the schema allows.
REQUIRED_FIELDS = ("title", "published_date", "text", "channel", "region")
TIMEOUT_SECONDS = 600


@dataclass
class CheckReport:
    """What one replay crawl of a portal produced, against what its fixtures expect."""

    portal: str
    records: list[dict[str, Any]]
    expected_urls: list[str]
    stats: dict[str, Any]
    returncode: int
    stderr: str = ""
    problems: list[str] = field(default_factory=list)

    def coverage(self) -> dict[str, int]:
        """Field → number of records where it is present."""
        return {
            name: sum(1 for r in self.records if r.get(name) not in (None, "", [], {}))
            for name in COVERAGE_FIELDS
        }

    def counters(self, prefix: str) -> dict[str, int]:
        """Stats under `prefix` (drops, request errors), keyed by their last part."""
        return {k[len(prefix) :]: v for k, v in sorted(self.stats.items()) if k.startswith(prefix)}


def _find_problems(report: CheckReport) -> list[str]:
    problems = []
    if report.returncode != 0:
        problems.append(f"the crawl exited with status {report.returncode}")
    written = {r["url"] for r in report.records}
    expected = set(report.expected_urls)
    if not expected:
        problems.append("expected.jsonl is empty")
    problems += [f"expected but not written: {url}" for url in sorted(expected - written)]
    problems += [f"written but not expected: {url}" for url in sorted(written - expected)]
    for reason, count in report.counters("govcrawl/dropped/").items():
        problems.append(f"{count} dropped ({reason})")
    for error, count in report.counters("govcrawl/request_errors/").items():
        problems.append(f"{count} request error(s) ({error})")
    if report.stats.get("log_count/ERROR"):
        problems.append(f"{report.stats['log_count/ERROR']} error(s) logged")
    present = report.coverage()
    for name in REQUIRED_FIELDS:
        if report.records and present[name] < len(report.records):
            problems.append(f"{name} missing in {len(report.records) - present[name]} record(s)")
    return problems


def _read_output(output: Path, portal: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    records = written_records(output / portal)
    manifests = sorted((output / portal).glob("*.manifest.json"))
    counters = json.loads(manifests[-1].read_text("utf-8"))["counters"] if manifests else {}
    return records, {f"govcrawl/{name}": value for name, value in counters.items()}


def check_portal(portal: str, fixtures: Path) -> CheckReport:
    """Crawl `portal` from the recordings under `fixtures` and collect what failed."""
    expected_file = fixtures / portal / "expected.jsonl"
    lines = expected_file.read_text("utf-8").splitlines() if expected_file.is_file() else []
    expected = [json.loads(line)["url"] for line in lines if line.strip()]
    arguments = [portal, "--replay", "--replay-root", str(fixtures), "--log-level", "WARNING"]
    with tempfile.TemporaryDirectory(prefix="govcrawl-check-") as tmp:
        done = crawl_in_subprocess(arguments, Path(tmp), TIMEOUT_SECONDS)
        records, stats = _read_output(Path(tmp), portal)
    errors = sum(" ERROR: " in line for line in done.stderr.splitlines())
    if errors:
        stats["log_count/ERROR"] = errors  # the crawl's log: this portal's alone here
    report = CheckReport(portal, records, expected, stats, done.returncode, done.stderr)
    report.problems = _find_problems(report)
    return report


def format_report(report: CheckReport) -> str:
    """The report as a maintainer reads it: coverage table, counts, then every problem."""
    total = len(report.records)
    lines = [f"{report.portal}: {total} records written, {len(report.expected_urls)} expected"]
    lines.append(f"{'field':<16}{'records':>9}{'share':>8}")
    for name, count in report.coverage().items():
        share = f"{100 * count / total:.0f}%" if total else "-"
        mark = "  (required)" if name in REQUIRED_FIELDS else ""
        lines.append(f"{name:<16}{count:>4}/{total:<4}{share:>8}{mark}")
    drops = report.counters("govcrawl/dropped/")
    errors = report.counters("govcrawl/request_errors/")
    lines.append("drops: " + (", ".join(f"{k} {v}" for k, v in drops.items()) or "none"))
    lines.append("request errors: " + (", ".join(f"{k} {v}" for k, v in errors.items()) or "none"))
    lines += [f"FAIL {problem}" for problem in report.problems]
    lines.append("result: " + ("FAILED" if report.problems else "OK"))
    return "\n".join(lines)
