"""The Scrapyd route of docs/operations.md, against a real Scrapyd 1.6 on 127.0.0.1.

Scrapyd runs from its own venv (Scrapyd, scrapyd-client, setuptools<81 and the project's
dependencies, but not the project: the deployed egg must be what runs). `.ci/run` builds it
and names it in GOVCRAWL_SCRAPYD_VENV; without that variable the test builds one (about a
minute). The project is deployed with `scrapyd-deploy` from a copy of the tree (the tool
writes a setup.py into the project it packs), then two jobs are scheduled with arguments
and settings: a replica served by a `ReplayServer` (must succeed and write the JSONL, the
manifest and a green history row) and the same portal behind a proxy that answers only 404
and 503 (must be a failed job: its process exits 1, which Scrapyd logs as "Process died").
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from govcrawl.replay.server import ReplayServer
from tests.conftest import FIXTURES

ROOT = Path(__file__).resolve().parents[1]
PORTAL = "gd_zijin"
DEADLINE = 240.0  # seconds a job may take before the test gives up (not a performance bound)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def scrapyd_venv(tmp_path_factory) -> Path:
    named = os.environ.get("GOVCRAWL_SCRAPYD_VENV")
    if named:
        venv = Path(named)
        assert (venv / "bin" / "scrapyd").is_file(), f"no scrapyd in GOVCRAWL_SCRAPYD_VENV={named}"
        return venv
    venv = tmp_path_factory.mktemp("scrapyd") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "install", f"{ROOT}[scrapyd]"], check=True)
    subprocess.run([*pip, "uninstall", "-y", "govcrawl"], check=True)
    return venv


def _copy_project(target: Path) -> Path:
    ignore = shutil.ignore_patterns(".git", ".venv*", "output", "build", "*.egg-info",
                                    "__pycache__", ".pytest_cache", ".ruff_cache", "setup.py")
    return Path(shutil.copytree(ROOT, target, ignore=ignore))


class _FailingProxy(BaseHTTPRequestHandler):
    """A portal that is down: 404 for robots.txt, 503 for every page."""

    def do_GET(self) -> None:
        self.send_response(404 if self.path.endswith("/robots.txt") else 503)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def failing_proxy() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FailingProxy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class Scrapyd:
    def __init__(self, venv: Path, home: Path) -> None:
        self.port = _free_port()
        self.home = home
        self.url = f"http://127.0.0.1:{self.port}/"
        (home / "scrapyd.conf").write_text(
            "[scrapyd]\n"
            f"bind_address = 127.0.0.1\nhttp_port = {self.port}\n"
            f"eggs_dir = {home / 'eggs'}\nlogs_dir = {home / 'logs'}\ndbs_dir = {home / 'dbs'}\n"
            "items_dir =\npoll_interval = 0.2\nmax_proc = 2\n"
        )
        self.log = home / "scrapyd.log"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen([str(venv / "bin" / "scrapyd")], cwd=home,
                                            stdout=log, stderr=subprocess.STDOUT)

    def get(self, endpoint: str, **params: str) -> dict:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        with urllib.request.urlopen(self.url + endpoint + query, timeout=30) as response:
            return json.load(response)

    def post(self, endpoint: str, fields: list[tuple[str, str]]) -> dict:
        data = urllib.parse.urlencode(fields).encode()
        with urllib.request.urlopen(self.url + endpoint, data=data, timeout=30) as response:
            return json.load(response)

    def wait_until_up(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text(errors="replace")
            try:
                self.get("daemonstatus.json")
                return
            except OSError:
                time.sleep(0.2)
        pytest.fail(f"Scrapyd did not answer: {self.log.read_text(errors='replace')[-3000:]}")

    def wait_finished(self, jobs: set[str]) -> None:
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            finished = {job["id"] for job in self.get("listjobs.json", project="govcrawl")["finished"]}
            if jobs <= finished:
                return
            time.sleep(0.5)
        pytest.fail(f"jobs not finished: {self.log.read_text(errors='replace')[-3000:]}")

    def stop(self) -> None:
        self.process.terminate()  # this Scrapyd only, by its PID
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="module")
def scrapyd_jobs(scrapyd_venv, failing_proxy, tmp_path_factory):
    """Deploy, schedule a good and a failing job, wait for both; the Scrapyd and the outputs."""
    base = tmp_path_factory.mktemp("scrapyd-run")
    home = base / "scrapyd"
    home.mkdir()
    scrapyd = Scrapyd(scrapyd_venv, home)
    replay = ReplayServer([FIXTURES]).start()
    try:
        scrapyd.wait_until_up()
        project = _copy_project(base / "project")
        with (project / "scrapy.cfg").open("a") as cfg:
            cfg.write(f"\n[deploy:test]\nurl = {scrapyd.url}\nproject = govcrawl\n")
        deploy = subprocess.run([str(scrapyd_venv / "bin" / "scrapyd-deploy"), "test"],
                                cwd=project, capture_output=True, text=True, timeout=300)
        assert deploy.returncode == 0, deploy.stderr + deploy.stdout
        assert json.loads(deploy.stdout)["status"] == "ok", deploy.stdout
        assert PORTAL in scrapyd.get("listspiders.json", project="govcrawl")["spiders"]
        [egg] = (home / "eggs" / "govcrawl").glob("*.egg")
        with zipfile.ZipFile(egg) as packed:
            names = set(packed.namelist())
            entry_points = packed.read("EGG-INFO/entry_points.txt").decode()
        assert "[scrapy]\nsettings = govcrawl.settings" in entry_points
        assert {"govcrawl/registry/portals.csv", "govcrawl/registry/columns.csv",
                "govcrawl/schemas/record-v1.json"} <= names
        replicas = [n for n in names if n.startswith("govcrawl/replay/replicas/")]
        shipped = [p for p in FIXTURES.rglob("*") if p.is_file()]
        assert len(replicas) == len(shipped)

        outputs = {"good": base / "out-good", "bad": base / "out-bad"}
        proxies = {"good": replay.proxy_url, "bad": failing_proxy}
        jobs = {}
        for kind in ("good", "bad"):
            answer = scrapyd.post("schedule.json", [
                ("project", "govcrawl"), ("spider", PORTAL), ("max_pages", "1"),
                ("setting", f"GOVCRAWL_OUTPUT_DIR={outputs[kind]}"),
                ("setting", f"GOVCRAWL_REPLAY_PROXY={proxies[kind]}"),
                ("setting", "DOWNLOAD_DELAY=0"), ("setting", "AUTOTHROTTLE_ENABLED=False"),
                ("setting", "RETRY_TIMES=0"),
            ])
            assert answer["status"] == "ok", answer
            jobs[kind] = answer["jobid"]
        scrapyd.wait_finished(set(jobs.values()))
        yield scrapyd, jobs, outputs
    finally:
        scrapyd.stop()
        replay.stop()


def _history(output: Path) -> list[sqlite3.Row]:
    db = sqlite3.connect(output / "runs.sqlite3")
    db.row_factory = sqlite3.Row
    try:
        return db.execute("SELECT * FROM runs").fetchall()
    finally:
        db.close()


def test_a_deployed_job_writes_the_jsonl_its_manifest_and_its_history(scrapyd_jobs):
    scrapyd, jobs, outputs = scrapyd_jobs
    output = outputs["good"]
    [dump] = (output / PORTAL).glob("*.jsonl")
    records = [json.loads(line) for line in dump.read_text("utf-8").splitlines()]
    assert records and all(record["portal"] == PORTAL for record in records)
    [manifest_file] = (output / PORTAL).glob("*.manifest.json")
    manifest = json.loads(manifest_file.read_text("utf-8"))
    assert manifest["records_written"] == len(records)
    assert manifest["arguments"]["max_pages"] == 1  # the spider argument reached the spider
    assert manifest["finish_reason"] == "finished"
    [row] = _history(output)
    assert (row["portal"], row["records"], row["verdict"]) == (PORTAL, len(records), "green")
    assert f"Process finished: project='govcrawl' spider='{PORTAL}' job='{jobs['good']}'" in (
        scrapyd.log.read_text(errors="replace"))


def test_a_failed_crawl_is_a_failed_job(scrapyd_jobs):
    scrapyd, jobs, outputs = scrapyd_jobs
    log = scrapyd.log.read_text(errors="replace")
    died = [line for line in log.splitlines() if "Process died: exitstatus=1" in line]
    assert any(f"job='{jobs['bad']}'" in line for line in died), log[-3000:]
    assert not any(f"job='{jobs['good']}'" in line for line in died)
    [row] = _history(outputs["bad"])
    assert (row["verdict"], row["finish_reason"]) == ("red", "nothing_fetched")
    job_log = scrapyd.home / "logs" / "govcrawl" / PORTAL / f"{jobs['bad']}.log"
    text = job_log.read_text(errors="replace")
    assert "'finish_reason': 'nothing_fetched'" in text
    assert f"Portal {PORTAL} is RED" in text
