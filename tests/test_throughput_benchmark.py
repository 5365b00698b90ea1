"""The throughput benchmark's wiring: what each mode crawls with, and what `-s` reaches.

So that an A/B run of one setting measures that setting (an `-s` that never reached the
crawls once made an A/B of two identical crawls look like a 0.25 ms gain), and the
`spider` mode really runs without item pipelines.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def throughput(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    # crawl_settings points Scrapy at govcrawl's settings; undone after the test
    monkeypatch.setenv("SCRAPY_SETTINGS_MODULE", "govcrawl.settings")
    import throughput

    return throughput


def pipelines(settings) -> dict:
    return dict(settings.getwithbase("ITEM_PIPELINES"))


def test_spider_mode_is_the_full_crawl_without_item_pipelines(throughput, tmp_path):
    proxy = "http://127.0.0.1:9"
    full, full_spider = throughput.crawl_settings("full", proxy, tmp_path, {})
    spider, spider_spider = throughput.crawl_settings("spider", proxy, tmp_path, {})
    assert "pipelines.jsonl.JsonLinesPipeline" in pipelines(full)
    assert pipelines(spider) == {}
    assert spider_spider is full_spider
    # everything else of the full crawl is kept: guards, replay route, output
    assert spider.getwithbase("DOWNLOADER_MIDDLEWARES") == full.getwithbase(
        "DOWNLOADER_MIDDLEWARES"
    )
    assert spider["GOVCRAWL_OUTPUT_DIR"] == str(tmp_path)
    assert spider["GOVCRAWL_REPLAY_PROXY"] == proxy


@pytest.mark.parametrize("mode", ["full", "spider", "minimal", "trafilatura", "bare"])
def test_extra_settings_reach_every_mode(throughput, tmp_path, mode):
    settings, _ = throughput.crawl_settings(
        mode, "http://127.0.0.1:9", tmp_path, {"GOVCRAWL_COMMIT_LINES": "7"}
    )
    assert settings.getint("GOVCRAWL_COMMIT_LINES") == 7


def test_command_line_settings_reach_every_crawl(throughput, monkeypatch, tmp_path):
    calls = []

    def crawl(mode, proxy, max_pages, extra=None):
        calls.append((mode, extra))
        return {"mode": mode, "records": 3, "article_pages": 3}

    @contextlib.contextmanager
    def serve(*args, **kwargs):
        yield "http://127.0.0.1:9"

    monkeypatch.setattr(throughput, "crawl_in_subprocess", crawl)
    monkeypatch.setattr(throughput, "serve", serve)
    monkeypatch.setattr(throughput, "ensure_site", lambda root, articles: None)
    options = ["--site", str(tmp_path), "--runs", "2", "--modes", "full,minimal", "--no-write"]
    throughput.main([*options, "-s", "GOVCRAWL_COMMIT_LINES=1", "-s", "LOG_LEVEL=WARNING"])
    expected = {"GOVCRAWL_COMMIT_LINES": "1", "LOG_LEVEL": "WARNING"}
    assert sorted(mode for mode, _ in calls) == ["full", "full", "minimal", "minimal"]
    assert all(extra == expected for _, extra in calls)


def test_report_splits_full_into_spider_and_pipelines(throughput, tmp_path):
    def result(mode, cpu_ms):
        return {
            "mode": mode,
            "cpu_ms_per_page": cpu_ms,
            "pages_per_min": 60_000 / cpu_ms,
            "peak_rss_mb": 100.0,
            "records": 20,
            "article_pages": 20,
        }

    cpu = [
        {"full": 3.0, "spider": 2.4, "minimal": 2.0, "trafilatura": 12.0, "bare": 1.0},
        {"full": 3.3, "spider": 2.5, "minimal": 2.2, "trafilatura": 12.0, "bare": 1.1},
        {"full": 3.6, "spider": 3.0, "minimal": 2.4, "trafilatura": 12.0, "bare": 1.2},
    ]
    runs = [[result(mode, ms) for mode, ms in run.items()] for run in cpu]
    args = throughput.argparse.Namespace(max_pages=1)
    report = throughput._report(runs, args, "replay")
    assert "| spider | 24,000 | 2.50 | 100 | 20 |" in report
    # per-run ratios 1.20, 1.14, 1.25 and differences 0.60, 0.80, 0.60: medians
    assert "Full without item pipelines (`spider`) / minimal: 1.20×" in report
    assert "cost 0.60 ms a page (full − spider, per run)" in report
    assert "**Full / minimal CPU per page: 1.50×** (goal ≤ 1.3×: missed by 15%)" in report
    assert "3.00, 2.40, 2.00, 12.00, 1.00" in report
