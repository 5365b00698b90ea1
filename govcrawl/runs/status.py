"""`govcrawl status`: every portal's last run at a glance, read from the run history.

Reads every `runs.sqlite3` under the output directory (a single crawler's, and those of a
cluster's workers in `<output>/<worker-id>/`), keeps each portal's latest run, and shows its
colour (the health verdict), last success, records, newest article and why it is not green.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO

from govcrawl.runs.health import RED
from govcrawl.runs.history import RunHistory, find_histories

NEVER = "never"  # a registry portal with no run in the history
COLOURS = {"green": "\033[32m", "amber": "\033[33m", "red": "\033[31m", NEVER: "\033[2m"}


@dataclass
class PortalStatus:
    portal: str
    colour: str
    finished_at: str | None = None
    finish_reason: str | None = None
    records: int = 0
    newest_published_date: str | None = None  # of every run, not only the last
    last_success: str | None = None
    reasons: list[str] = field(default_factory=list)
    run_id: str | None = None
    replay: bool = False  # the last run crawled the recorded replicas, not the live portal
    history: str | None = None  # the run-history file the row comes from


def _from_row(row: sqlite3.Row, source: Path) -> PortalStatus:
    return PortalStatus(
        portal=row["portal"],
        colour=row["verdict"] or "amber",  # a run recorded without health checks: unknown
        finished_at=row["finished_at"],
        finish_reason=row["finish_reason"],
        records=row["records"],
        newest_published_date=row["newest_known"],
        last_success=row["last_success"],
        reasons=json.loads(row["reasons"] or "[]"),
        run_id=row["run_id"],
        replay=bool(row["replay"]),
        history=str(source),
    )


def _later(*values: str | None) -> str | None:
    return max(filter(None, values), default=None)


def last_runs(histories: Iterable[Path], since: str | None = None) -> dict[str, PortalStatus]:
    """Each portal's latest run over all the histories (the last success and the newest
    article over all of them)."""
    latest: dict[str, PortalStatus] = {}
    for path in histories:
        history = RunHistory(path, readonly=True)
        try:
            for row in history.last_runs(since):
                status = _from_row(row, path)
                known = latest.get(status.portal)
                if known is None:
                    latest[status.portal] = status
                    continue
                kept = status if (status.finished_at or "") > (known.finished_at or "") else known
                kept.last_success = _later(status.last_success, known.last_success)
                kept.newest_published_date = _later(
                    status.newest_published_date, known.newest_published_date
                )
                latest[status.portal] = kept
        finally:
            history.close()
    return latest


def collect(
    output: Path,
    *,
    selected: Sequence[str] | None = None,
    known: Sequence[str] = (),
    since: str | None = None,
    include_never: bool = False,
) -> tuple[list[PortalStatus], int]:
    """Rows to show and the number of portals asked about that have no run (since `since`).

    `selected`: the portals asked about; None: every portal with a run and every `known`
    one (the registry). Never-run portals are rows only with `include_never`.
    """
    latest = last_runs(find_histories(output), since)
    names = list(selected) if selected is not None else sorted(set(latest) | set(known))
    rows = [latest[name] for name in names if name in latest]
    never = [name for name in names if name not in latest]
    if include_never:
        rows += [PortalStatus(portal=name, colour=NEVER) for name in never]
    return sorted(rows, key=lambda row: row.portal), len(never)


def _short(timestamp: str | None) -> str:
    return (timestamp or "-").replace("T", " ").removesuffix("Z")[:16]


def format_rows(rows: Sequence[PortalStatus], *, colour: bool = False) -> list[str]:
    """The table, one line a portal: colour, portal, last run, records, newest, success, why."""
    lines = [
        f"{'':6} {'PORTAL':<20} {'LAST RUN':<16} {'RECORDS':>7} {'NEWEST':<10} "
        f"{'LAST SUCCESS':<16} WHY"
    ]
    for row in rows:
        mark = f"{row.colour:<6}"
        if colour:
            mark = f"{COLOURS.get(row.colour, '')}{mark}\033[0m"
        why = "; ".join(row.reasons) if row.colour != "green" else ""
        if row.colour == NEVER:
            why = "never crawled"
        elif row.replay:
            why = f"(replay) {why}".rstrip()
        lines.append(
            f"{mark} {row.portal:<20} {_short(row.finished_at):<16} {row.records:>7} "
            f"{row.newest_published_date or '-':<10} {_short(row.last_success):<16} {why}".rstrip()
        )
    return lines


def summary(rows: Sequence[PortalStatus], never: int, *, listed_never: bool) -> str:
    counts = {c: sum(1 for r in rows if r.colour == c) for c in ("green", "amber", "red")}
    line = f"{counts['green']} green, {counts['amber']} amber, {counts['red']} red"
    if never:
        line += f"; {never} never crawled" + ("" if listed_never else " (--all lists them)")
    return line


def run_status(
    output: Path,
    *,
    selected: Sequence[str] | None,
    known: Sequence[str] = (),
    since: str | None,
    include_never: bool,
    as_json: bool,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """`govcrawl status`: print the table (or JSON); exit status 1 when a portal is red."""
    out, err = out or sys.stdout, err or sys.stderr
    rows, never = collect(
        output, selected=selected, known=known, since=since, include_never=include_never
    )
    if as_json:
        document: dict[str, Any] = {
            "output": str(output),
            "histories": [str(p) for p in find_histories(output)],
            "portals": [asdict(row) for row in rows],
            "never_crawled": never,
        }
        print(json.dumps(document, ensure_ascii=False, indent=2), file=out)
    else:
        for line in format_rows(rows, colour=out.isatty()):
            print(line, file=out)
        print(summary(rows, never, listed_never=include_never), file=err)
    return 1 if any(row.colour == RED for row in rows) else 0


def status_command(
    output: Path,
    portals: Sequence[str],
    *,
    province: str | None,
    since: str | None,
    include_never: bool,
    as_json: bool,
) -> int:
    """`govcrawl status` from its arguments; ValueError for a bad date or an unknown portal."""
    from govcrawl.extraction.dates import parse_date
    from govcrawl.registry.portals import registry, select

    day = None
    if since:
        parsed = parse_date(since)
        if parsed is None:
            raise ValueError(f"--since takes a date like 2026-11-01, got {since!r}")
        day = parsed.date.isoformat()
    try:
        chosen = select(portals, province=province) if portals or province else None
    except KeyError as unknown:
        raise ValueError(f"unknown portal {unknown.args[0]} (see `govcrawl list`)") from None
    return run_status(
        output,
        selected=[p.name for p in chosen] if chosen is not None else None,
        known=list(registry()),
        since=day,
        include_never=include_never,
        as_json=as_json,
    )
