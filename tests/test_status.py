"""`govcrawl status`: each portal's last run over every history under the output directory."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from govcrawl.cli import main
from govcrawl.replay.server import ReplayServer
from govcrawl.runs.history import RunHistory
from govcrawl.runs.status import collect, format_rows, run_status
from tests.conftest import FIXTURES
from tests.test_history import run


@pytest.fixture
def output(tmp_path):
    """Two workers' histories: gd_zijin failed last on worker 2, yn_guangnan is green."""
    one = RunHistory(tmp_path / "worker-1" / "runs.sqlite3")
    one.append(run("gd_zijin", "2026-11-01T03:00:00Z", records=12))
    one.append(run("yn_guangnan", "2026-11-02T03:00:00Z", records=4))
    two = RunHistory(tmp_path / "worker-2" / "runs.sqlite3")
    two.append({**run("gd_zijin", "2026-11-03T03:00:00Z", verdict="red", records=0),
                "finish_reason": "health_failed",
                "health": {"verdict": "red", "reasons": ["field coverage dropped: title on 0%"]}})
    one.close()
    two.close()
    return tmp_path


def test_the_latest_run_wins_across_workers_and_the_last_success_is_kept(output):
    rows, never = collect(output)
    assert [(r.portal, r.colour, r.records) for r in rows] == [
        ("gd_zijin", "red", 0), ("yn_guangnan", "green", 4)]
    assert rows[0].last_success == "2026-11-01T03:00:00Z"
    assert rows[0].reasons == ["field coverage dropped: title on 0%"]
    assert rows[0].history.endswith("worker-2/runs.sqlite3")
    assert never == 0


def test_never_crawled_portals_are_counted_or_listed(output):
    rows, never = collect(output, known=["gd_zijin", "yn_guangnan", "hb_yunxi"])
    assert never == 1 and len(rows) == 2
    rows, never = collect(output, known=["gd_zijin", "hb_yunxi"], include_never=True)
    assert ("hb_yunxi", "never") in [(r.portal, r.colour) for r in rows]


def test_since_leaves_out_older_runs(output):
    rows, never = collect(output, selected=["gd_zijin", "yn_guangnan"], since="2026-11-03")
    assert [r.portal for r in rows] == ["gd_zijin"] and never == 1


def test_the_table_says_why_a_portal_is_red():
    rows, _ = collect_rows_for_table()
    lines = format_rows(rows)
    assert lines[0].split()[:2] == ["PORTAL", "LAST"]
    assert lines[1].startswith("red    gd_zijin             2026-11-03 03:00       0 2026-11-03 ")
    assert lines[1].endswith("field coverage dropped: title on 0%")
    assert lines[2].startswith("green  yn_guangnan") and "coverage" not in lines[2]
    assert "\033[31m" in format_rows(rows, colour=True)[1]
    rows[1].replay = True
    assert format_rows(rows)[2].endswith("(replay)")


def collect_rows_for_table():
    from govcrawl.runs.status import PortalStatus

    return [PortalStatus("gd_zijin", "red", "2026-11-03T03:00:00Z", "health_failed", 0,
                         "2026-11-03", "2026-11-01T03:00:00Z",
                         ["field coverage dropped: title on 0%"]),
            PortalStatus("yn_guangnan", "green", "2026-11-02T03:00:00Z", "finished", 4,
                         "2026-11-02", "2026-11-02T03:00:00Z")], 0


def test_json_and_exit_status(output):
    out, err = io.StringIO(), io.StringIO()
    status = run_status(output, selected=None, since=None, include_never=False, as_json=True,
                        out=out, err=err)
    document = json.loads(out.getvalue())
    assert status == 1  # a red portal
    assert [p["portal"] for p in document["portals"]] == ["gd_zijin", "yn_guangnan"]
    assert len(document["histories"]) == 2


def test_the_command_filters_by_province_and_reports_the_footer(output, capsys):
    assert main(["status", "--output", str(output), "--province", "云南"]) == 0
    captured = capsys.readouterr()
    assert "yn_guangnan" in captured.out and "gd_zijin" not in captured.out
    assert "1 green, 0 amber, 0 red" in captured.err and "never crawled" in captured.err


def test_the_command_rejects_a_bad_date_and_an_unknown_portal(output, capsys):
    assert main(["status", "--output", str(output), "--since", "soon"]) == 2
    assert main(["status", "--output", str(output), "nowhere_county"]) == 2
    assert "unknown portal nowhere_county" in capsys.readouterr().err


def test_version(capsys):
    with pytest.raises(SystemExit) as leaving:
        main(["--version"])
    assert leaving.value.code == 0
    assert capsys.readouterr().out.startswith("govcrawl 0.")


# --- through the real engine: what an operator sees after real crawls ---------------------------

ROOT = Path(__file__).resolve().parents[1]


def _crawl(output: Path, proxy: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "scrapy", "crawl", "gd_zijin",
               "-s", f"GOVCRAWL_OUTPUT_DIR={output}", "-s", f"GOVCRAWL_REPLAY_PROXY={proxy}",
               "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)


def _status(output: Path) -> dict:
    out = io.StringIO()
    run_status(output, selected=["gd_zijin"], since=None, include_never=False, as_json=True,
               out=out, err=io.StringIO())
    [row] = json.loads(out.getvalue())["portals"]
    return row


def test_an_incremental_rerun_with_nothing_new_is_green(tmp_path):
    with ReplayServer([FIXTURES]) as replay:
        first = _crawl(tmp_path, replay.proxy_url)
        second = _crawl(tmp_path, replay.proxy_url)
    assert (first.returncode, second.returncode) == (0, 0), second.stderr[-3000:]
    row = _status(tmp_path)
    assert (row["colour"], row["records"], row["reasons"]) == ("green", 0, [])
    first_run = RunHistory(tmp_path / "runs.sqlite3").recent("gd_zijin", replay=True)[0]
    assert first_run["records_written"] > 0 and first_run["health"]["verdict"] == "green"
    # The newest article is the portal's, not the last run's (which wrote none).
    assert row["newest_published_date"] == first_run["newest_published_date"] is not None


def test_a_portal_whose_article_template_broke_is_red_with_the_reason(tmp_path):
    replicas = tmp_path / "replicas"
    shutil.copytree(FIXTURES / "gd_zijin", replicas / "gd_zijin")
    shell = "<html><head><title>紫金县人民政府门户网站</title></head><body><div id='nav'>首页</div></body></html>"
    for page in (replicas / "gd_zijin" / "pages").rglob("content/post_*.html"):
        page.write_text(shell, "utf-8")
    with ReplayServer([replicas]) as replay:
        crawl = _crawl(tmp_path / "out", replay.proxy_url)
    assert crawl.returncode == 1, crawl.stderr[-3000:]
    row = _status(tmp_path / "out")
    assert row["colour"] == "red" and row["records"] == 0
    assert row["finish_reason"] in ("all_blocked", "health_failed")
    assert any("not articles" in why or "dropped" in why for why in row["reasons"]), row
