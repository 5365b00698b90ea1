"""`govcrawl check`: a replay crawl of one portal, coverage per field and every failure."""

from __future__ import annotations

import shutil

import pytest

from govcrawl.cli import main
from govcrawl.maintain.check import REQUIRED_FIELDS, CheckReport, _find_problems, check_portal
from tests.conftest import FIXTURES, expected_records, recorded_path


def test_check_of_a_good_portal_reports_full_coverage_and_passes(capsys):
    assert main(["check", "gd_zijin"]) == 0
    out = capsys.readouterr().out
    expected = expected_records("gd_zijin")
    total = len(expected)
    assert f"gd_zijin: {total} records written, {total} expected" in out
    with_source = sum(1 for r in expected if r["source"])
    assert f"source{with_source:>14}/{total}" in out
    assert f"title{total:>15}/{total}" in out
    assert "result: OK" in out and "FAIL" not in out


@pytest.fixture
def broken_copy(tmp_path):
    """gd_zijin's recordings with one article page missing."""
    shutil.copytree(FIXTURES / "gd_zijin", tmp_path / "gd_zijin")
    lost = expected_records("gd_zijin")[0]["url"]
    relative = recorded_path("gd_zijin", lost).relative_to(FIXTURES)
    (tmp_path / relative).unlink()
    return tmp_path, lost


def test_check_fails_on_a_missing_record_and_names_it(broken_copy, capsys):
    root, lost = broken_copy
    assert main(["check", "gd_zijin", "--replay-root", str(root)]) == 1
    out = capsys.readouterr().out
    assert f"FAIL expected but not written: {lost}" in out
    assert "request error(s) (HttpError)" in out
    assert "result: FAILED" in out


def test_missing_required_field_and_drops_are_failures():
    records = [{"url": "http://x/1", "title": "t", "published_date": "2024-01-01", "text": "a",
                "channel": None, "region": {"code": "441621"}}]
    report = CheckReport("gd_x", records, ["http://x/1"], {"govcrawl/dropped/no_text": 2}, 0)
    problems = _find_problems(report)
    assert "channel missing in 1 record(s)" in problems
    assert "2 dropped (no_text)" in problems
    assert "channel" in REQUIRED_FIELDS
    assert report.coverage()["title"] == 1 and report.coverage()["channel"] == 0


def test_check_of_an_unknown_or_unrecorded_portal_is_a_usage_error(tmp_path, capsys):
    assert main(["check", "xx_nowhere"]) == 2
    assert main(["check", "gd_zijin", "--replay-root", str(tmp_path)]) == 2
    assert "no recorded pages of gd_zijin" in capsys.readouterr().err


def test_check_portal_counts_what_the_crawl_wrote():
    report = check_portal("yn_guangnan", FIXTURES)
    assert report.returncode == 0 and report.problems == []
    assert sorted(r["url"] for r in report.records) == sorted(report.expected_urls)
    assert report.stats["govcrawl/written"] == len(report.records)
