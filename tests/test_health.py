"""Health rules (pure: manifest + history → verdict), the HealthCheck extension on a test
crawler, and through the real engine: a failing `scrapy crawl` exits 1 and says why."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from scrapy.utils.test import get_crawler

from govcrawl.runs.alerts import Alerts, alert_line, alert_payload, post_webhook, run_alert_command
from govcrawl.runs.health import (
    ALL_BLOCKED,
    AMBER,
    GREEN,
    HEALTH_FAILED,
    NOTHING_FETCHED,
    RED,
    HealthCheck,
    assess,
    cadence_days,
    outcome_exit_code,
)
from govcrawl.runs.portalrun import PORTAL_CLOSED, PortalRun

ROOT = Path(__file__).resolve().parents[1]
FULL = {"title": 1.0, "published_date": 1.0, "text": 1.0}


def manifest(counters: dict[str, int], *, written: int | None = None, newest: str | None = None,
             finished: str = "2026-11-30T03:00:00Z", coverage: dict | None = None,
             replay: bool = False, finish_reason: str = "finished") -> dict:
    written = counters.get("written", 0) if written is None else written
    return {"portal": "gd_zijin", "run_id": finished, "finished_at": finished,
            "started_at": finished, "finish_reason": finish_reason, "replay": replay,
            "records_written": written, "newest_published_date": newest,
            "coverage": FULL if coverage is None and written else (coverage or {}),
            "counters": {"written": written, **counters}}


def healthy(written: int = 10, newest: str = "2026-11-29", finished: str = "2026-11-30T03:00:00Z"):
    return manifest({"responses/200": written + 2, "requests": written + 2, "listing_pages": 2},
                    written=written, newest=newest, finished=finished)


def history(*newest: str, written: int = 10) -> list[dict]:
    return [healthy(written, day, f"{day}T03:00:00Z") for day in newest]


def test_a_normal_run_is_green():
    assert assess(healthy()).verdict == GREEN
    assert assess(healthy()).reasons == []


def test_no_response_at_all_is_nothing_fetched():
    health = assess(manifest({"request_errors/DNSLookupError": 3, "requests": 3}))
    assert (health.verdict, health.outcome) == (RED, NOTHING_FETCHED)
    assert health.reasons == ["nothing fetched: no response at all (DNSLookupError×3)"]


def test_only_error_statuses_is_nothing_fetched_and_only_that_reason():
    health = assess(manifest({"responses/503": 3, "request_errors/HttpError": 3, "requests": 3}))
    assert (health.verdict, health.outcome) == (RED, NOTHING_FETCHED)
    assert health.reasons == ["nothing fetched: 3 error responses (503×3)"]


def test_waf_challenges_everywhere_are_all_blocked():
    health = assess(manifest({"responses/412": 20, "responses/200": 2, "listing_pages": 2}))
    assert (health.verdict, health.outcome) == (RED, ALL_BLOCKED)
    assert "20 of 22 pages were WAF challenges" in health.reasons[0]


def test_waf_pages_served_with_200_count_as_blocked():
    counters = {"responses/200": 22, "listing_pages": 2, "not_article/waf_challenge": 15}
    health = assess(manifest(counters, written=5))
    assert (health.verdict, health.outcome) == (RED, ALL_BLOCKED)


def test_a_few_not_articles_are_amber_not_red():
    counters = {"responses/200": 22, "listing_pages": 2, "not_article/soft_404": 5}
    health = assess(manifest(counters, written=15))
    assert health.verdict == AMBER


def test_most_records_dropped_is_red():
    counters = {"responses/200": 12, "listing_pages": 2, "dropped/no_title": 8}
    health = assess(manifest(counters, written=2))
    assert (health.verdict, health.outcome) == (RED, HEALTH_FAILED)
    assert health.reasons[0].startswith("8 of 10 records dropped (no_title×8)")


def test_dates_on_fewer_than_90_percent_of_records_is_red():
    run = healthy()
    run["coverage"] = {"title": 1.0, "published_date": 0.8, "text": 1.0}
    health = assess(run)
    assert health.verdict == RED
    assert health.reasons == ["field coverage dropped: published_date on 80% of 10 records"]


def test_low_coverage_on_few_records_is_only_amber():
    run = healthy(written=2)
    run["coverage"] = {"title": 1.0, "published_date": 0.5, "text": 1.0}
    assert assess(run).verdict == AMBER


def test_requests_skipped_as_stored_are_no_errors():
    counters = {"responses/200": 4, "listing_pages": 4, "requests": 4,
                "request_errors/IgnoreRequest": 17, "requests_skipped/stored_before": 17}
    assert assess(manifest(counters)).verdict == GREEN


def test_an_incremental_run_with_nothing_new_is_green():
    earlier = history("2026-11-20", "2026-11-24", "2026-11-27")
    run = manifest({"responses/200": 2, "listing_pages": 2, "requests_skipped/stored_before": 20},
                   newest=None)
    health = assess(run, earlier)
    assert (health.verdict, health.reasons) == (GREEN, [])


def test_nothing_new_for_much_longer_than_the_portal_s_cadence_is_red():
    earlier = history("2026-10-01", "2026-10-04", "2026-10-07")  # a new article every 3 days
    run = manifest({"responses/200": 2, "listing_pages": 2, "requests_skipped/stored_before": 20})
    health = assess(run, earlier)
    assert health.verdict == RED
    assert health.reasons == [
        "newest article is 54 days old (2026-10-07); this portal usually publishes every 3 days"]


def test_staleness_is_not_judged_on_replays_or_without_history():
    old = history("2020-01-01", "2020-01-04", "2020-01-07")
    run = manifest({"responses/200": 2, "listing_pages": 2, "requests_skipped/stored_before": 5},
                   replay=True)
    assert assess(run, old).verdict == GREEN
    assert assess(healthy(newest="2020-01-07")).verdict == GREEN  # a first run: no cadence yet


def test_cadence_never_goes_under_a_week():
    earlier = history("2026-11-20", "2026-11-21", "2026-11-22")  # daily
    assert cadence_days(earlier, {}) == 1.0
    run = manifest({"responses/200": 2, "listing_pages": 2, "requests_skipped/stored_before": 5},
                   finished="2026-11-28T03:00:00Z")
    assert assess(run, earlier).verdict == GREEN  # 6 days: within the one-week floor


def test_writing_nothing_and_finding_no_stored_article_where_runs_usually_write_is_red():
    earlier = history("2026-11-20", "2026-11-24", "2026-11-27")
    run = manifest({"responses/200": 2, "listing_pages": 2, "listing_pages_without_links": 2})
    health = assess(run, earlier)
    assert health.verdict == RED
    assert "usually write 10 records" in health.reasons[0]
    assert assess(run).verdict == AMBER  # without history: worth a look, not an alarm


def test_no_listing_page_read_is_red():
    health = assess(manifest({"responses/200": 1, "no_listing/no_config": 1}))
    assert health.verdict == RED
    assert health.reasons == ["no listing page could be read (no_config×1)"]


def test_some_failed_requests_are_amber_a_single_one_is_not():
    base = {"responses/200": 20, "listing_pages": 2, "requests": 25}
    many = assess(manifest({**base, "request_errors/TimeoutError": 5}, written=18))
    assert many.verdict == AMBER and "5 of 25 requests failed (TimeoutError×5)" in many.reasons
    assert assess(manifest({**base, "request_errors/HttpError": 1}, written=18)).verdict == GREEN
    unrecorded = {**base, "request_errors/HttpError": 5, "responses/404": 5}
    assert assess(manifest(unrecorded, written=18)).verdict == AMBER
    assert assess(manifest(unrecorded, written=18, replay=True)).verdict == GREEN


def test_an_early_finish_is_amber():
    run = healthy()
    run["finish_reason"] = "shutdown"
    assert assess(run).reasons == ["finished early: shutdown"]


def test_outcome_exit_code():
    red = {**healthy(), "health": {"verdict": RED}}
    amber = {**healthy(), "health": {"verdict": AMBER}}
    assert outcome_exit_code([healthy(), amber]) == 0
    assert outcome_exit_code([healthy(), red]) == 1
    assert outcome_exit_code([{**healthy(), "finish_reason": NOTHING_FETCHED}]) == 1
    assert outcome_exit_code([]) == 0


def test_the_extension_sets_health_finish_reason_and_exit_code(tmp_path):
    crawler = get_crawler(settings_dict={"GOVCRAWL_OUTPUT_DIR": str(tmp_path)})
    crawler.stats.open_spider()
    check = HealthCheck.from_crawler(crawler)  # noqa: F841 - signals hold weak references
    good = PortalRun("gd_zijin", "r1", counters=Counter({
        "responses/200": 3, "listing_pages": 1, "requests_skipped/stored_before": 2}))
    crawler.signals.send_catch_log(PORTAL_CLOSED, portal_run=good)
    assert good.health == {"verdict": GREEN, "reasons": []}
    assert crawler.stats.get_value("govcrawl/exit_code") == 0
    down = PortalRun("yn_guangnan", "r1", counters=Counter({"request_errors/TimeoutError": 2}))
    down.close("finished")
    crawler.signals.send_catch_log(PORTAL_CLOSED, portal_run=down)
    assert down.health["verdict"] == RED and down.finish_reason == NOTHING_FETCHED
    assert down.manifest()["health"]["verdict"] == RED
    assert crawler.stats.get_value("govcrawl/exit_code") == 1


# --- alerts -----------------------------------------------------------------------------------


class _Hook(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[str, dict]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Hook.received.append((self.headers["Content-Type"], json.loads(body)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def webhook():
    _Hook.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", _Hook.received
    server.shutdown()
    server.server_close()


def red_manifest() -> dict:
    return {**manifest({"responses/503": 2}), "health": {"verdict": RED, "reasons": ["down"]}}


def test_the_alert_says_what_failed_and_why():
    payload = alert_payload(red_manifest())
    assert (payload["portal"], payload["verdict"], payload["reasons"]) == ("gd_zijin", RED, ["down"])
    assert payload["manifest"]["counters"]["responses/503"] == 2
    assert alert_line(payload) == (
        "Portal gd_zijin is RED (run 2026-11-30T03:00:00Z, finished): down")


def test_the_webhook_gets_the_alert_as_json(webhook):
    url, received = webhook
    assert post_webhook(url, alert_payload(red_manifest()), timeout=10) == 204
    [(content_type, body)] = received
    assert content_type.startswith("application/json") and body["portal"] == "gd_zijin"


def test_the_command_gets_the_alert_on_stdin_and_is_killed_after_the_timeout(tmp_path):
    target = tmp_path / "alert.json"
    assert run_alert_command(f"cat > {target}", alert_payload(red_manifest()), timeout=10) == 0
    assert json.loads(target.read_text("utf-8"))["verdict"] == RED
    with pytest.raises(subprocess.TimeoutExpired):
        run_alert_command("sleep 30", {}, timeout=0.2)


def test_amber_is_logged_as_a_warning_and_not_sent_unless_asked(caplog):
    crawler = get_crawler(settings_dict={"GOVCRAWL_ALERT_COMMAND": "false"})
    crawler.stats.open_spider()
    alerts = Alerts.from_crawler(crawler)
    amber = PortalRun("gd_zijin", "r1")
    amber.health = {"verdict": AMBER, "reasons": ["3 of 20 requests failed"]}
    alerts.portal_closed(amber)
    assert [r.levelname for r in caplog.records] == ["WARNING"]
    assert alerts.pending == [] and crawler.stats.get_value("govcrawl/alerts/raised") is None


# --- through the real engine -------------------------------------------------------------------


class _Down(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(503)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def down_proxy():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Down)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_scrapy_crawl_of_a_portal_that_is_down_exits_1_alerts_and_records_why(tmp_path,
                                                                             down_proxy, webhook):
    alert = tmp_path / "alert.json"
    url, received = webhook
    command = [sys.executable, "-m", "scrapy", "crawl", "gd_zijin",
               "-s", f"GOVCRAWL_OUTPUT_DIR={tmp_path / 'out'}",
               "-s", f"GOVCRAWL_REPLAY_PROXY={down_proxy}", "-s", "RETRY_TIMES=0",
               "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
               "-s", f"GOVCRAWL_ALERT_COMMAND=cat > {alert}", "-s", f"GOVCRAWL_ALERT_WEBHOOK={url}"]
    crawl = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert crawl.returncode == 1, crawl.stderr[-3000:]
    assert "'finish_reason': 'nothing_fetched'" in crawl.stderr
    assert "ERROR: Portal gd_zijin is RED" in crawl.stderr
    assert "Overridden settings" not in crawl.stderr  # settings dumps are DEBUG now
    payload = json.loads(alert.read_text("utf-8"))
    assert (payload["portal"], payload["verdict"]) == ("gd_zijin", RED)
    assert [body["portal"] for _, body in received] == ["gd_zijin"]  # delivered before exit
    db = sqlite3.connect(tmp_path / "out" / "runs.sqlite3")
    [(verdict, reason)] = db.execute("SELECT verdict, finish_reason FROM runs").fetchall()
    assert (verdict, reason) == (RED, NOTHING_FETCHED)
