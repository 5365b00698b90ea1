"""Run history: every portal run's manifest in SQLite, beside the seen-store.

`<output>/runs.sqlite3`, one table `runs` (schema in docs/operations.md). The health
checks read a portal's earlier runs from it (its usual records per run, its publishing
cadence); `govcrawl status` reads each portal's last run. One row per (portal, run id):
a manifest is the whole truth of a run, the other columns are there to query by.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from govcrawl.runs.portalrun import PORTAL_CLOSED, PortalRun

FILENAME = "runs.sqlite3"
SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    portal TEXT NOT NULL,
    run_id TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT,
    finish_reason TEXT,
    replay INTEGER NOT NULL DEFAULT 0,
    records INTEGER NOT NULL DEFAULT 0,
    newest_published_date TEXT,
    verdict TEXT,
    reasons TEXT NOT NULL DEFAULT '[]',
    manifest TEXT NOT NULL,
    PRIMARY KEY (portal, run_id)
);
CREATE INDEX IF NOT EXISTS runs_portal_finished ON runs (portal, finished_at);
"""
HISTORY_LIMIT = 30  # earlier runs the health checks look at


class RunHistory:
    """The `runs` table of one SQLite file (WAL: readers such as `status` never block a crawl)."""

    def __init__(self, path: str | Path, *, readonly: bool = False) -> None:
        self.path = Path(path)
        if readonly:
            self._db = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True)
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(SCHEMA)
        self._db.row_factory = sqlite3.Row

    def append(self, manifest: Mapping[str, Any]) -> None:
        """Store a run's manifest (again: the same portal and run id replace the row)."""
        health = manifest.get("health") or {}
        self._db.execute(
            "INSERT OR REPLACE INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                manifest["portal"],
                manifest["run_id"],
                manifest.get("started_at"),
                manifest.get("finished_at"),
                manifest.get("finish_reason"),
                int(bool(manifest.get("replay"))),
                int(manifest.get("records_written") or 0),
                manifest.get("newest_published_date"),
                health.get("verdict"),
                json.dumps(health.get("reasons", []), ensure_ascii=False),
                json.dumps(manifest, ensure_ascii=False, default=str),
            ),
        )

    def recent(
        self, portal: str, *, replay: bool = False, limit: int = HISTORY_LIMIT
    ) -> list[dict[str, Any]]:
        """Manifests of the portal's last `limit` runs of that kind, oldest first."""
        rows = self._db.execute(
            "SELECT manifest FROM runs WHERE portal = ? AND replay = ? "
            "ORDER BY finished_at DESC, run_id DESC LIMIT ?",
            (portal, int(replay), limit),
        ).fetchall()
        return [json.loads(row["manifest"]) for row in reversed(rows)]

    def last_runs(self, since: str | None = None) -> Iterator[sqlite3.Row]:
        """Each portal's last run (finished at or after `since`), with its last success and
        the newest article any of its runs wrote (an incremental run may write none)."""
        yield from self._db.execute(
            """
            SELECT r.*, (
                SELECT max(s.finished_at) FROM runs s
                WHERE s.portal = r.portal AND s.verdict IN ('green', 'amber')
            ) AS last_success, (
                SELECT max(k.newest_published_date) FROM runs k
                WHERE k.portal = r.portal AND k.replay = r.replay
            ) AS newest_known
            FROM runs r
            WHERE r.run_id = (  -- runs finishing within one second: the later run id
                SELECT run_id FROM runs WHERE portal = r.portal
                ORDER BY finished_at DESC, run_id DESC LIMIT 1
            )
              AND (? IS NULL OR r.finished_at >= ?)
            GROUP BY r.portal
            """,
            (since, since),
        )

    def close(self) -> None:
        self._db.close()


def history_path(settings: Any) -> Path | None:
    """`GOVCRAWL_RUN_HISTORY_PATH`, else `<GOVCRAWL_OUTPUT_DIR>/runs.sqlite3`; None when
    `GOVCRAWL_RUN_HISTORY` is off."""
    if not settings.getbool("GOVCRAWL_RUN_HISTORY", True):
        return None
    path = settings.get("GOVCRAWL_RUN_HISTORY_PATH")
    return Path(path) if path else Path(settings.get("GOVCRAWL_OUTPUT_DIR", "output")) / FILENAME


_histories: WeakKeyDictionary[Crawler, RunHistory | None] = WeakKeyDictionary()
# One connection per file for the whole process: `govcrawl crawl --all` may run a crawler
# per portal, and a connection each would hold thousands of file descriptors.
_open: dict[Path, tuple[RunHistory, int]] = {}


def _acquire(path: Path) -> RunHistory:
    key = path.resolve()
    history, users = _open.get(key, (None, 0))
    if history is None:
        history = RunHistory(path)
    _open[key] = (history, users + 1)
    return history


def _release(path: Path) -> None:
    key = path.resolve()
    history, users = _open[key]
    if users > 1:
        _open[key] = (history, users - 1)
    else:
        del _open[key]
        history.close()


def history_for(crawler: Crawler) -> RunHistory | None:
    """The crawl's run history, shared by the health checks and the recorder (and by every
    crawler of the process writing the same file), released when the engine stops; None
    when run history is off."""
    if crawler not in _histories:
        path = history_path(crawler.settings)
        _histories[crawler] = _acquire(path) if path is not None else None
        if path is not None:

            def release() -> None:
                _histories.pop(crawler, None)
                _release(path)

            crawler.signals.connect(release, signal=signals.engine_stopped, weak=False)
    return _histories[crawler]


class RunHistoryRecorder:
    """Extension: append each portal run's manifest to the run history when it closes."""

    def __init__(self, history: RunHistory) -> None:
        self.history = history

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunHistoryRecorder:
        history = history_for(crawler)
        if history is None:
            raise NotConfigured("GOVCRAWL_RUN_HISTORY is off: no run history")
        recorder = cls(history)
        crawler.signals.connect(recorder.portal_closed, signal=PORTAL_CLOSED)
        return recorder

    def portal_closed(self, portal_run: PortalRun) -> None:
        self.history.append(portal_run.manifest())


def find_histories(output: Path) -> list[Path]:
    """Every run history under an output directory: its own, and those of the workers of a
    cluster (`<output>/<worker-id>/runs.sqlite3`)."""
    return sorted(output.rglob(FILENAME)) if output.is_dir() else []
