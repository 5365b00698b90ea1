"""The quality benchmark's scoring and reporting, on tiny made-up inputs (not the corpus).

So that `benchmarks/quality.py` cannot rot silently between the runs that update BENCHMARKS.md.
"""

from __future__ import annotations

import pytest

from benchmarks import quality
from benchmarks.quality import Outcome, Page

BASE = "http://www.example.gov.cn/col/list/index.html"


@pytest.fixture(scope="module")
def scorer():
    if not (quality.CORPUS / "tools" / "score.py").is_file():
        pytest.skip("../shared/corpus/tools/score.py is not present")
    return quality.load_scorer(quality.CORPUS)


def article_truth(**overrides):
    truth = {
        "kind": "article",
        "title": "县政府召开 常务会议",
        "published": "2024-03-05T10:00:00",
        "source": "县政府办公室",
        "body_text": "会议研究了春耕备耕工作。\n会议要求各乡镇抓好落实。",
    }
    return truth | overrides


def listing_truth(**overrides):
    truth = {
        "kind": "listing",
        "article_links": ["./202403/t20240305_1.html", "./202403/t20240304_2.html", "/x/3.html"],
        "next_page": "index_1.html",
        "total_pages": 7,
    }
    return truth | overrides


def listing_pred(urls, next_page=None, total_pages=None):
    links = [
        {"url": u, "title": "t", "date": None, "wechat": False, "offsite": False} for u in urls
    ]
    return {"article_links": links, "next_page": next_page, "total_pages": total_pages}


def test_truth_source_drops_the_annotation_after_the_value():
    assert (
        quality.truth_source("宜春市统计局 (发布机构); meta ContentSource = 公众号")
        == "宜春市统计局"
    )
    assert quality.truth_source("县统计局（发布机构）") == "县统计局（发布机构）"
    assert quality.truth_source("本网; 另见") == "本网"
    assert quality.truth_source(None) is None
    assert quality.truth_source("") is None


def test_article_scored_right_when_fields_match_after_whitespace_folding(scorer):
    pred = {
        "title": "县政府召开常务会议",
        "published": "2024-03-05",
        "source": " 县政府 办公室 ",
        "text": "会议研究了春耕备耕工作。 会议要求各乡镇抓好落实。",
    }
    scores = quality.score_article(scorer, pred, article_truth())
    assert scores["f1"] == pytest.approx(1.0)
    assert (scores["title"], scores["date"], scores["source"]) == (True, True, True)


def test_article_misses_are_scored_as_misses(scorer):
    pred = {"title": "县政府召开常务会议_某某县人民政府", "published": "2024-03-06"}
    pred |= {"source": "本网", "text": "会议研究了春耕备耕工作。打印 关闭"}
    scores = quality.score_article(scorer, pred, article_truth())
    assert 0 < scores["recall"] < 0.7 and 0.7 < scores["precision"] < 1
    assert (scores["title"], scores["date"], scores["source"]) == (False, False, False)


def test_source_not_scored_where_the_truth_has_none(scorer):
    pred = {"title": "x", "published": None, "source": "本网", "text": "x"}
    assert quality.score_article(scorer, pred, article_truth(source=None))["source"] is None


def test_refused_page_misses_every_field_even_a_missing_date(scorer):
    scores = quality.score_article(scorer, None, article_truth(published=None, source=None))
    assert scores["f1"] == 0 and scores["title"] is False and scores["date"] is False
    # An extractor that really finds no date on a dateless page is right.
    pred = {"title": "县政府召开常务会议", "published": None, "source": None, "text": "x"}
    assert quality.score_article(scorer, pred, article_truth(published=None))["date"] is True


def test_listing_links_compared_as_absolute_urls():
    ours = [
        "http://www.example.gov.cn/col/list/202403/t20240305_1.html",
        "http://www.example.gov.cn/col/list/202403/t20240304_2.html",
        "http://www.example.gov.cn/x/3.html",
    ]
    next_page = "http://www.example.gov.cn/col/list/index_1.html"
    scores = quality.score_listing(listing_pred(ours, next_page, 7), listing_truth(), BASE)
    assert (scores["precision"], scores["recall"]) == (1.0, 1.0)
    assert scores["order"] and scores["next_page"] and scores["total_pages"]
    assert scores["missing"] == [] and scores["extra"] == []


def test_listing_extra_missing_and_reordered_links():
    ours = [
        "http://www.example.gov.cn/x/3.html",
        "http://www.example.gov.cn/col/list/202403/t20240305_1.html",
        "http://www.example.gov.cn/hot/9.html",
        "http://www.example.gov.cn/hot/8.html",
    ]
    scores = quality.score_listing(listing_pred(ours, None, 70), listing_truth(), BASE)
    assert scores["precision"] == pytest.approx(2 / 4)
    assert scores["recall"] == pytest.approx(2 / 3)
    assert scores["order"] is False
    assert scores["missing"] == ["http://www.example.gov.cn/col/list/202403/t20240304_2.html"]
    assert scores["extra"] == [
        "http://www.example.gov.cn/hot/9.html",
        "http://www.example.gov.cn/hot/8.html",
    ]
    assert scores["next_page"] is False and scores["total_pages"] is False


def test_refused_listing_scores_zero_and_last_page_needs_no_next():
    truth = listing_truth(next_page=None, total_pages=None)
    scores = quality.score_listing(None, truth, BASE)
    assert (scores["precision"], scores["recall"], scores["order"]) == (0.0, 0.0, None)
    assert scores["next_page"] is True and scores["total_pages"] is True


@pytest.mark.parametrize(
    ("shown", "iso"),
    [
        ("2016-11-22 09:53", "2016-11-22"),
        ("2007.08.20", "2007-08-20"),
        ("2016年1月2日 10:00", "2016-01-02"),
        ("发布时间：2020/4/22", "2020-04-22"),
        ("", None),
        (None, None),
    ],
)
def test_iso_day_normalizes_shown_dates(shown, iso):
    assert quality.iso_day(shown) == iso


def test_timed_returns_results_or_exceptions_and_interleaves_the_calls():
    order = []

    def work():
        order.append("a")
        if len(order) > 2:
            raise ValueError("refused later")
        return "ok"

    def crash():
        order.append("b")
        return 1 / 0

    runs = quality.timed({"a": work, "b": crash}, 5)
    assert runs["a"][0] == "ok" and isinstance(runs["b"][0], ZeroDivisionError)
    assert order == ["a", "b"] * 6  # one warm-up, then 5 runs taking turns
    assert all(ms >= 0 for _, ms in runs.values())


def test_each_extractors_result_becomes_the_common_prediction():
    from pipelines import Rejected

    record = {"title": "t", "published_date": "2024-03-05", "source": "本网", "text": "x"}
    want = {"title": "t", "published": "2024-03-05", "source": "本网", "text": "x"}
    assert quality._as_prediction("ours", record) == (want, "")
    doc = {"title": "t", "date": "2024-03-05", "author": "本网", "text": "x", "sitename": "s"}
    assert quality._as_prediction("trafilatura", doc) == (want, "")
    gne = {"title": "t", "publish_time": "2024年3月5日 09:00", "author": "本网", "content": "x"}
    assert quality._as_prediction("gne", gne) == (want, "")
    pred, note = quality._as_prediction("ours", Rejected("no_text", "http://a.gov.cn/1.html"))
    assert pred is None and note == "no_text: http://a.gov.cn/1.html"
    assert quality._as_prediction("trafilatura", None) == (None, "no result")


def made_up_run():
    art = Page("01_a", b"", article_truth(source="县政府办公室"), "http://a.gov.cn/1.html")
    lst = Page("02_l", b"", listing_truth(), BASE)
    a_scores = {"precision": 0.9, "recall": 0.8, "f1": 0.85, "title": True, "date": False}
    results = {
        "01_a": {
            "ours": Outcome(
                {"title": "t", "published": "2024-03-04", "source": "本网", "text": ""},
                2.0,
                scores=a_scores | {"source": False},
            ),
            "trafilatura": Outcome(None, 12.0, "no result", a_scores | {"source": None}),
            "gne": Outcome(None, 8.0, "", a_scores | {"source": None}),
        },
        "02_l": {
            "ours": Outcome(
                listing_pred([]),
                4.0,
                scores=quality.score_listing(listing_pred([]), listing_truth(), BASE),
            )
        },
    }
    return [art, lst], results


def test_summary_and_rendered_section_carry_the_goal_figures():
    pages, results = made_up_run()
    summary = quality.summarize(pages, results)
    assert summary["ours"]["f1"] == pytest.approx(0.85)
    assert summary["ours"]["speedup"] == pytest.approx(6.0)
    assert summary["ours"]["recall"] == 0.0 and "recall" not in summary["gne"]
    section = quality.render(pages, results, summary, ["- machine: test"])
    assert section.startswith(quality.BEGIN) and section.endswith(quality.END)
    assert "| 01_a | article | 0.850 / 0.850 / 0.850 |" in section
    assert "speed ratio trafilatura/ours: 6.0×" in section
    # Misses say what we produced against the truth.
    assert "date `2024-03-04` ≠ `2024-03-05T10:00:00`" in section
    assert "source `本网` ≠ `县政府办公室`" in section
    assert "3 missing link(s)" in section
    assert "total pages `None` ≠ `7`" in section


def test_write_section_replaces_only_its_own_section(tmp_path):
    path = tmp_path / "BENCHMARKS.md"
    perf = "<!-- perf:begin -->\nperf table\n<!-- perf:end -->"
    old = f"{quality.BEGIN}\nold\n{quality.END}"
    path.write_text(f"# Benchmarks\n\n{perf}\n\n{old}\n\ntail\n", "utf-8")
    quality.write_section(f"{quality.BEGIN}\nnew\n{quality.END}", path)
    text = path.read_text("utf-8")
    assert "new" in text and "old" not in text
    assert perf in text and text.endswith("tail\n") and text.count(quality.BEGIN) == 1


def test_write_section_creates_the_file_or_appends_the_markers(tmp_path):
    path = tmp_path / "BENCHMARKS.md"
    section = f"{quality.BEGIN}\nfigures\n{quality.END}"
    quality.write_section(section, path)
    assert section in path.read_text("utf-8")
    other = tmp_path / "OTHER.md"
    other.write_text("# Benchmarks\n\n<!-- perf:begin -->p<!-- perf:end -->\n", "utf-8")
    quality.write_section(section, other)
    text = other.read_text("utf-8")
    assert text.index("perf:end") < text.index(quality.BEGIN)


def test_main_skips_cleanly_without_the_corpus(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(quality, "CORPUS", tmp_path / "absent")
    monkeypatch.setattr(quality, "BENCHMARKS_MD", tmp_path / "BENCHMARKS.md")
    assert quality.main([]) == 0
    assert "skipped: corpus not found" in capsys.readouterr().out
    assert not (tmp_path / "BENCHMARKS.md").exists()
