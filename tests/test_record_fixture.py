"""`govcrawl record`: a crawl saved as a fixture in the replay layout, and replayed alike.

The "live" portal is the loopback replay server of the bundled replicas: what a maintainer
with network does against the real site, the test does against 127.0.0.1.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from govcrawl.maintain.record import fixture_file
from tests.conftest import expected_records

ROOT = Path(__file__).resolve().parents[1]
COMPARED = ("url", "title", "published_date", "source", "text", "channel", "attachments")


def govcrawl(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "govcrawl.cli", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def crawled(output: Path) -> list[dict]:
    return sorted((json.loads(line) for path in output.glob("*/*.jsonl")
                   for line in path.read_text("utf-8").splitlines()), key=lambda r: r["url"])


def test_fixture_file_follows_the_replay_mapping(tmp_path):
    assert fixture_file(tmp_path, "http://h.gov.cn/a/") == tmp_path / "h.gov.cn/a/index.html"
    assert fixture_file(tmp_path, "http://h.gov.cn/l.jsp?p=2&c=a/b") == (
        tmp_path / "h.gov.cn/l.jsp@p=2&c=a%2Fb")


def test_a_recorded_portal_replays_into_the_same_records(tmp_path):
    fixtures = tmp_path / "fixtures"
    done = govcrawl("record", "gd_zijin", "--to", str(fixtures), "--replay",
                    "--articles", "4", "--max-pages", "1")
    assert done.returncode == 0, done.stderr[-3000:]
    fixture = fixtures / "gd_zijin"
    recorded = [json.loads(line) for line in
                (fixture / "expected.jsonl").read_text("utf-8").splitlines()]
    assert len(recorded) == 4  # the article limit held
    bundled = {record["url"]: record for record in expected_records("gd_zijin")}
    for record in recorded:  # what was recorded is what the replica serves
        assert all(record[key] == bundled[record["url"]][key] for key in COMPARED)
    assert (fixture / "pages/www.zijin.gov.cn/xw/zwdt/index.html").is_file()
    assert not (fixture / "pages/www.zijin.gov.cn/xw/zwdt/index_2.html").exists()  # max-pages 1

    output = tmp_path / "replayed"
    done = govcrawl("crawl", "gd_zijin", "--replay", "--replay-root", str(fixtures),
                    "--max-pages", "1", "--output", str(output))
    replayed = crawled(output)
    assert [r["url"] for r in replayed] == [r["url"] for r in recorded]
    for mine, theirs in zip(replayed, recorded, strict=True):
        assert all(mine[key] == theirs[key] for key in COMPARED)


def test_record_refuses_an_unknown_portal_and_a_url_without_name(tmp_path):
    for args in (("nowhere_xian",), ("--url", "http://www.x.gov.cn/a/")):
        done = govcrawl("record", *args, "--to", str(tmp_path))
        assert done.returncode == 2 and done.stderr.startswith("error: ")
