"""Run history: manifests in SQLite, a portal's recent runs, each portal's last run."""

from __future__ import annotations

import sqlite3
from collections import Counter

import pytest
from scrapy import signals
from scrapy.utils.test import get_crawler

from govcrawl.runs.history import RunHistory, RunHistoryRecorder, find_histories, history_for
from govcrawl.runs.portalrun import PORTAL_CLOSED, PortalRun


def run(portal: str, finished: str, verdict: str = "green", records: int = 3,
        replay: bool = False) -> dict:
    return {"portal": portal, "run_id": finished, "started_at": finished, "finished_at": finished,
            "finish_reason": "finished", "replay": replay, "records_written": records,
            "newest_published_date": finished[:10],
            "health": {"verdict": verdict, "reasons": [] if verdict == "green" else ["why"]}}


def test_the_table_has_its_columns_index_and_wal(tmp_path):
    path = tmp_path / "runs.sqlite3"
    RunHistory(path).close()
    db = sqlite3.connect(path)
    columns = [row[1] for row in db.execute("PRAGMA table_info(runs)")]
    assert columns == ["portal", "run_id", "started_at", "finished_at", "finish_reason", "replay",
                       "records", "newest_published_date", "verdict", "reasons", "manifest"]
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    indexes = [row[1] for row in db.execute("PRAGMA index_list(runs)")]
    assert "runs_portal_finished" in indexes


def test_recent_runs_are_the_portal_s_own_of_the_same_kind_oldest_first(tmp_path):
    history = RunHistory(tmp_path / "runs.sqlite3")
    for day in ("2026-11-03", "2026-11-01", "2026-11-02"):
        history.append(run("gd_zijin", f"{day}T03:00:00Z"))
    history.append(run("gd_zijin", "2026-11-04T03:00:00Z", replay=True))
    history.append(run("yn_guangnan", "2026-11-05T03:00:00Z"))
    recent = history.recent("gd_zijin")
    assert [m["finished_at"][:10] for m in recent] == ["2026-11-01", "2026-11-02", "2026-11-03"]
    assert [m["replay"] for m in history.recent("gd_zijin", replay=True)] == [True]
    assert len(history.recent("gd_zijin", limit=2)) == 2


def test_the_same_run_appended_twice_is_one_row(tmp_path):
    history = RunHistory(tmp_path / "runs.sqlite3")
    history.append(run("gd_zijin", "2026-11-01T03:00:00Z", verdict="amber"))
    history.append(run("gd_zijin", "2026-11-01T03:00:00Z", verdict="red"))
    [row] = list(history.last_runs())
    assert row["verdict"] == "red"


def test_last_runs_give_each_portal_s_latest_run_and_last_success(tmp_path):
    history = RunHistory(tmp_path / "runs.sqlite3")
    history.append(run("gd_zijin", "2026-11-01T03:00:00Z"))
    history.append(run("gd_zijin", "2026-11-02T03:00:00Z", verdict="red", records=0))
    history.append(run("yn_guangnan", "2026-10-01T03:00:00Z"))
    rows = {row["portal"]: row for row in history.last_runs()}
    assert rows["gd_zijin"]["verdict"] == "red"
    assert rows["gd_zijin"]["last_success"] == "2026-11-01T03:00:00Z"
    assert list(rows) == ["gd_zijin", "yn_guangnan"]
    assert [row["portal"] for row in history.last_runs(since="2026-10-15")] == ["gd_zijin"]


@pytest.mark.parametrize("later_first", [True, False])
def test_of_two_runs_finished_in_one_second_the_later_run_id_is_the_last(tmp_path, later_first):
    history = RunHistory(tmp_path / "runs.sqlite3")
    # A fast incremental re-run can end within the second its first run ended.
    later = {**run("gd_zijin", "2026-11-01T03:00:01Z", records=0), "run_id": "20261101T030001Z"}
    earlier = {**run("gd_zijin", "2026-11-01T03:00:01Z"), "run_id": "20261101T030000Z"}
    for manifest in (later, earlier) if later_first else (earlier, later):
        history.append(manifest)
    [row] = list(history.last_runs())
    assert (row["run_id"], row["records"]) == ("20261101T030001Z", 0)


def test_the_recorder_appends_each_closed_portal_run(tmp_path):
    crawler = get_crawler(settings_dict={"GOVCRAWL_OUTPUT_DIR": str(tmp_path)})
    recorder = RunHistoryRecorder.from_crawler(crawler)  # noqa: F841 - weak signal references
    portal_run = PortalRun("gd_zijin", "20261130T030000Z", counters=Counter(written=2))
    portal_run.close("finished")
    portal_run.health = {"verdict": "green", "reasons": []}
    crawler.signals.send_catch_log(PORTAL_CLOSED, portal_run=portal_run)
    history = history_for(crawler)
    assert history is not None and history.path == tmp_path / "runs.sqlite3"
    [stored] = history.recent("gd_zijin")
    assert stored == portal_run.manifest()


def test_history_can_be_switched_off_or_moved(tmp_path):
    off = get_crawler(settings_dict={"GOVCRAWL_RUN_HISTORY": False})
    assert history_for(off) is None
    moved = get_crawler(settings_dict={"GOVCRAWL_RUN_HISTORY_PATH": str(tmp_path / "h.db")})
    assert history_for(moved).path == tmp_path / "h.db"


def test_histories_of_cluster_workers_are_found(tmp_path):
    for where in ("", "worker-1/", "worker-2/"):
        RunHistory(tmp_path / f"{where}runs.sqlite3").close()
    assert [p.relative_to(tmp_path).as_posix() for p in find_histories(tmp_path)] == [
        "runs.sqlite3", "worker-1/runs.sqlite3", "worker-2/runs.sqlite3"]
    assert find_histories(tmp_path / "missing") == []


def test_crawlers_of_one_process_share_one_connection_per_file(tmp_path):
    settings = {"GOVCRAWL_OUTPUT_DIR": str(tmp_path)}
    first, second = get_crawler(settings_dict=settings), get_crawler(settings_dict=settings)
    shared = history_for(first)
    assert shared is history_for(second)
    first.signals.send_catch_log(signals.engine_stopped)
    shared.recent("gd_zijin")  # still open for the second crawler
    second.signals.send_catch_log(signals.engine_stopped)
    with pytest.raises(sqlite3.ProgrammingError):  # closed with the last user
        shared.recent("gd_zijin")
    assert history_for(get_crawler(settings_dict=settings)) is not shared  # opened anew
