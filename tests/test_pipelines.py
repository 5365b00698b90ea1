"""Each pipeline on good and bad items: clean, validate, dedupe (in run and across runs), JSONL."""

from __future__ import annotations

import json

import pytest
from scrapy import signals
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

import govcrawl.settings
from govcrawl.record import schema_errors, url_hash
from pipelines import Rejected
from pipelines.clean import CleanPipeline, clean_article, clean_title
from pipelines.dedupe import DedupePipeline
from pipelines.jsonl import JsonLinesPipeline
from pipelines.validate import ValidatePipeline

REGION = {"code": "441621", "province": "广东省", "prefecture": "河源市", "county": "紫金县"}


def article(**overrides) -> dict:
    fields = {
        "url": "http://www.zijin.gov.cn/xw/zwdt/content/post_1.html",
        "portal": "gd_zijin",
        "site_name": "紫金县人民政府门户网站",
        "region": REGION,
        "channel": "政务动态",
        "breadcrumb": ["首页", "新闻", "政务动态"],
        "title": "紫金开足马力抓生产,凝心聚力促发展",
        "date_candidates": [("page", "2020-04-22"), ("meta", "2021-08-16 10:22")],
        "source": "本网",
        "contributors": [],
        "text": "第一段。\n第二段。",
        "images": [],
        "attachments": [],
        "extractor": "gd-jyh",
    }
    fields.update(overrides)
    return fields


def crawler_for(tmp_path, **settings):
    """A crawler with the project's settings, writing under `tmp_path`."""
    project = {
        name: getattr(govcrawl.settings, name) for name in dir(govcrawl.settings) if name.isupper()
    }
    crawler = get_crawler(
        settings_dict={**project, "GOVCRAWL_OUTPUT_DIR": str(tmp_path), **settings}
    )
    crawler.stats.open_spider()
    return crawler


# --- clean -----------------------------------------------------------------------------


def test_clean_record_is_valid_and_uses_the_shown_date():
    record = clean_article(article(), crawled_at="2026-11-22T12:00:00Z")
    assert schema_errors(record) == []
    assert record["published_date"] == "2020-04-22"  # shown date beats meta PubDate
    assert record["published_at"] is None  # the page shows no time
    assert record["url_hash"] == url_hash(record["url"])
    assert record["script"] == "zh-Hans" and record["text_simplified"] is None


def test_clean_keeps_a_shown_time_with_china_offset():
    record = clean_article(article(date_candidates=[("page", "2020-04-20 16:32")]))
    assert record["published_at"] == "2020-04-20T16:32:00+08:00"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("紫金开足马力抓生产-紫金县人民政府门户网站", "紫金开足马力抓生产"),
        ("紫金县人民政府门户网站 | 紫金开足马力抓生产", "紫金开足马力抓生产"),
        (
            "03.05 廣南縣戰疫“四雙”機制:不停腳步 逆勢而上!",
            "廣南縣戰疫“四雙”機制:不停腳步 逆勢而上!",
        ),
        ("　紫金县召开\n三防工作会议\t", "紫金县召开 三防工作会议"),
        ("2020年全县经济运行情况", "2020年全县经济运行情况"),
    ],
)
def test_clean_title_strips_site_names_date_prefixes_and_line_breaks(raw, expected):
    assert clean_title(raw, "紫金县人民政府门户网站") == expected


def test_clean_text_folds_whitespace_and_drops_boilerplate_and_headline_repeats():
    text = "　　第一段&nbsp;文字。\n\n\xa0\n紫金开足马力抓生产,凝心聚力促发展\n【字体：大 中 小】\n打印本页\n第二段。"
    record = clean_article(article(text=text.replace("&nbsp;", "\xa0")))
    assert record["text"] == "第一段 文字。\n第二段。"


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"title": "  "}, "no_title"),
        ({"title": None}, "no_title"),
        ({"text": "\n　\n打印本页\n"}, "no_text"),
    ],
)
def test_clean_rejects_with_a_reason(overrides, reason):
    with pytest.raises(Rejected) as rejected:
        clean_article(article(**overrides))
    assert rejected.value.reason == reason


def test_clean_keeps_an_article_without_a_readable_date_with_a_null_date(tmp_path):
    crawler = crawler_for(tmp_path)
    undated = article(date_candidates=[("page", "发布时间：不详"), ("url", "http://x.gov.cn/a.html")])
    record = CleanPipeline.from_crawler(crawler).process_item(undated)
    assert (record["published_date"], record["published_at"]) == (None, None)
    assert schema_errors(record) == []
    assert crawler.stats.get_value("govcrawl/records_without_date") == 1


def test_clean_falls_back_from_an_unparsable_shown_date_to_the_url():
    record = clean_article(
        article(
            url="http://www.example.gov.cn/art/2020/4/22/art_1_2.html",
            date_candidates=[
                ("page", "不详"),
                ("url", "http://www.example.gov.cn/art/2020/4/22/art_1_2.html"),
            ],
        )
    )
    assert record["published_date"] == "2020-04-22"


def test_clean_gives_a_year_less_shown_date_the_listing_year():
    record = clean_article(article(date_candidates=[("page", "03.05"), ("listing", "2020-03-05")]))
    assert record["published_date"] == "2020-03-05"


def test_clean_traditional_page_gets_simplified_versions_with_place_names_kept():
    record = clean_article(
        article(
            title="廣南縣戰疫“四雙”機制:不停腳步 逆勢而上!",
            text="廣南縣與乾安縣的餅乾企業已復工復產。",
            region={
                "code": "532627",
                "province": "云南省",
                "prefecture": "文山壮族苗族自治州",
                "county": "广南县",
            },
        )
    )
    assert record["script"] == "zh-Hant"
    assert record["title_simplified"] == "广南县战疫“四双”机制:不停脚步 逆势而上!"
    assert record["text_simplified"] == "广南县与乾安县的饼干企业已复工复产。"


def test_clean_pipeline_counts_drops_by_reason(tmp_path):
    crawler = crawler_for(tmp_path)
    pipeline = CleanPipeline.from_crawler(crawler)
    with pytest.raises(DropItem, match="no_title"):
        pipeline.process_item(article(title=""))
    assert pipeline.process_item(article())["title"]
    stats = crawler.stats.get_stats()
    assert stats["govcrawl/dropped/no_title"] == 1
    assert stats["govcrawl/cleaned"] == 1


# --- validate --------------------------------------------------------------------------


def test_validate_drops_a_record_that_breaks_the_schema(tmp_path):
    crawler = crawler_for(tmp_path)
    pipeline = ValidatePipeline.from_crawler(crawler)
    record = clean_article(article())
    assert pipeline.process_item(record) is record
    broken = {**record, "published_date": "22/04/2020"}
    with pytest.raises(DropItem, match="published_date"):
        pipeline.process_item(broken)
    assert crawler.stats.get_value("govcrawl/dropped/schema_invalid") == 1


# --- dedupe ----------------------------------------------------------------------------


def test_dedupe_within_a_run_ignores_query_order_and_fragment(tmp_path):
    crawler = crawler_for(tmp_path, GOVCRAWL_SEEN_STORE="")
    pipeline = DedupePipeline.from_crawler(crawler)
    first = clean_article(article(url="http://www.zijin.gov.cn/a.html?b=2&a=1"))
    again = clean_article(article(url="http://www.zijin.gov.cn/a.html?a=1&b=2#top"))
    pipeline.process_item(first)
    with pytest.raises(DropItem, match="duplicate_in_run"):
        pipeline.process_item(again)
    assert crawler.stats.get_value("govcrawl/dropped/duplicate_in_run") == 1


def test_dedupe_across_runs_remembers_only_records_that_were_written(tmp_path):
    """Hashes enter the seen-store from the dump, once it is durable (when the portal's
    run closes): a record that passed dedupe but was never written is fetched next run."""
    from govcrawl.runs.output import OutputGuard
    from govcrawl.runs.portalrun import portal_runs

    record = clean_article(article())
    unwritten = clean_article(article(url="http://www.zijin.gov.cn/b.html"))
    first_run = crawler_for(tmp_path)
    OutputGuard.from_crawler(first_run)  # finishes the dump when the portal closes
    portal_runs(first_run).start("gd_zijin", {})
    pipeline = DedupePipeline.from_crawler(first_run)
    writer = JsonLinesPipeline.from_crawler(first_run)
    pipeline.process_item(record)
    pipeline.process_item(unwritten)  # passes dedupe, but is never written
    writer.process_item(record)
    closed = portal_runs(first_run).close("gd_zijin", "finished")
    assert closed is not None and closed.counters["remembered"] == 1
    first_run.signals.send_catch_log(signals.spider_closed, spider=None, reason="finished")

    second_run = crawler_for(tmp_path)
    pipeline = DedupePipeline.from_crawler(second_run)
    with pytest.raises(DropItem, match="stored_before"):
        pipeline.process_item(record)
    assert pipeline.process_item(unwritten) is unwritten
    second_run.signals.send_catch_log(signals.spider_closed, spider=None, reason="finished")


# --- JSONL -----------------------------------------------------------------------------


class _Spider:
    name = "gd_zijin"


def test_jsonl_writes_whole_utf8_lines_per_portal_and_run(tmp_path):
    crawler = crawler_for(tmp_path, GOVCRAWL_RUN_ID="20261122T120000Z")
    crawler.spider = _Spider()
    pipeline = JsonLinesPipeline.from_crawler(crawler)
    pipeline.open_spider()
    path = tmp_path / "gd_zijin" / "20261122T120000Z.jsonl"
    assert not path.exists()  # created with the first record only
    for url in ("http://www.zijin.gov.cn/a.html", "http://www.zijin.gov.cn/b.html"):
        pipeline.process_item(clean_article(article(url=url)))
    assert path.read_bytes().count(b"\n") == 2  # flushed before the pipeline closes
    pipeline.close_spider()
    raw = path.read_text("utf-8")
    assert "紫金开足马力抓生产" in raw and "\\u" not in raw
    records = [json.loads(line) for line in raw.splitlines()]
    assert [r["url"] for r in records] == [
        "http://www.zijin.gov.cn/a.html",
        "http://www.zijin.gov.cn/b.html",
    ]
    assert all(schema_errors(r) == [] for r in records)
    assert list(records[0])[:3] == ["schema_version", "url_hash", "url"]
    assert crawler.stats.get_value("govcrawl/written") == 2


def test_clean_keeps_disclosure_metadata_with_the_signing_date_apart():
    record = clean_article(
        article(document={"index_number": " 11441621/2020-00012 ", "document_number": "紫府〔2020〕5号",
                          "publisher": "紫金县人民政府办公室", "signed_date": "2020年4月9日"})
    )
    assert record["document"] == {"index_number": "11441621/2020-00012",
                                  "document_number": "紫府〔2020〕5号",
                                  "publisher": "紫金县人民政府办公室", "signed_date": "2020-04-09"}
    assert record["published_date"] == "2020-04-22"  # never the signing date
    assert clean_article(article())["document"] is None


def test_seen_store_keeps_each_portals_memory_apart_and_on_disk(tmp_path):
    from govcrawl.stores.seen import SQLiteSeenStore

    key = url_hash("http://www.zijin.gov.cn/a.html")
    store = SQLiteSeenStore(tmp_path / "seen.sqlite3")
    store.add("gd_zijin", [key])
    store.add("gd_zijin", [key])  # adding twice is harmless
    assert store.stored("gd_zijin", [key]) == [True]
    assert store.stored("yn_guangnan", [key]) == [False]
    store.close()
    reopened = SQLiteSeenStore(tmp_path / "seen.sqlite3")
    assert reopened.stored("gd_zijin", [key]) == [True] and reopened.count("gd_zijin") == 1
    reopened.close()
