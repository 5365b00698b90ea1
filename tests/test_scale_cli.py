"""`govcrawl crawl`'s summary and exit status for many portals (no engine: closed runs)."""

from __future__ import annotations

from govcrawl.cli import EXIT_FAILED, _outcome, _summarize
from govcrawl.runs.portalrun import PortalRun


def closed_run(name: str, reason: str = "finished", **counters: int) -> dict:
    run = PortalRun(name, "20261130T000000Z")
    written = counters.pop("written", 0)
    run.counters.update({"columns": 1, "responses/200": 3, **counters})
    for _ in range(written):
        run.record_written({"title": "t"})
    run.close(reason)
    return _outcome(run)


def test_a_small_crawl_gets_a_line_per_portal(capsys):
    outcomes = [closed_run("gd_zijin", written=2), closed_run("yn_guangnan")]
    assert _summarize(["gd_zijin", "yn_guangnan"], outcomes) == 0
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].startswith("gd_zijin: 2 new records") and lines[1].startswith("yn_guangnan")
    assert lines[2].startswith("2 portals: 2 new records") and "0 with problems" in lines[2]


def test_a_large_crawl_names_only_the_portals_with_problems(capsys):
    names = [f"p{n:02d}" for n in range(30)]
    outcomes = [closed_run(name, written=1) for name in names[:27]]
    outcomes.append(closed_run("p27", **{"pages_lost": 2, "request_errors/TimeoutError": 2}))
    outcomes.append(closed_run("p28", **{"responses/200": 0,
                                          "request_errors/ConnectionRefusedError": 1}))
    assert _summarize(names, outcomes) == EXIT_FAILED  # p29 never ran: the crawl was cut
    err = capsys.readouterr().err.splitlines()
    assert err[0] == ("30 portals: 27 new records, 0 articles stored before, 0 edited, 0 dropped, "
                      "2 pages lost; 3 with problems")
    assert err[1:] == [
        "error: p27: 2 pages lost (TimeoutError 2)",
        "error: p28: no page could be fetched (ConnectionRefusedError 1) — no network, or the "
        "portal is down?",
        "error: p29: not crawled (the crawl ended first)",
    ]


def test_a_row_without_columns_is_no_failure(capsys):
    empty = closed_run("ln_wanghua", **{"columns": 0, "responses/200": 0})
    assert _summarize(["ln_wanghua"], [empty]) == 0
