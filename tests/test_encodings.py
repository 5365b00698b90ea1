"""Pages read in the charset their bytes are in, whatever the header or `<meta>` says."""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from govcrawl.extraction.parse import (
    choose_encoding,
    parse_response,
    response_text,
    saved_response,
    text_encoding,
)
from govcrawl.extraction.saved import extract_article
from govcrawl.guards.responses import DECODING_META, CharsetMiddleware
from tests.conftest import FIXTURES

URL = "http://www.example.gov.cn/xw/content/post_1.html"
TEXT = "紫金县召开2024年安全生产工作会议，县长出席并讲话。会议要求各单位压实责任、排查隐患。"


def page(text: str = TEXT, meta: str = "utf-8") -> str:
    return (f'<html><head><meta charset="{meta}"><title>会议</title></head>'
            f"<body><div class=content><p>{text}</p></div></body></html>")


@pytest.mark.parametrize(("body", "labels", "encoding", "declared"), [
    (TEXT.encode("gbk"), ["utf-8"], "gb18030", "utf-8"),  # GBK bytes labelled UTF-8
    (TEXT.encode("utf-8"), ["gbk"], "utf-8", "gb18030"),  # UTF-8 labelled GBK (decodes!)
    (TEXT.encode("utf-8"), ["gb2312", None], "utf-8", "gb18030"),
    (TEXT.encode("gb18030"), ["gb2312"], "gb18030", "gb18030"),  # GB2312 label, GBK chars
    (TEXT.encode("gbk"), ["iso-8859-1"], "gb18030", "iso8859-1"),  # latin-1 "decodes" anything
    (TEXT.encode("utf-8"), ["rot13"], "utf-8", None),  # no text encoding: ignored
    (TEXT.encode("gbk"), ["rot13", "gbk"], "gb18030", "gb18030"),
    (TEXT.encode("big5", "replace"), ["big5"], "big5", "big5"),
    (b"\xef\xbb\xbf" + TEXT.encode("utf-8"), ["gbk"], "utf-8", "gb18030"),  # BOM wins
    (b"<html>plain ascii</html>", ["gbk"], "gb18030", "gb18030"),
    (b"<html>plain ascii</html>", [], "utf-8", None),
])
def test_choose_encoding(body, labels, encoding, declared):
    decoding = choose_encoding(body, labels)
    assert (decoding.encoding, decoding.declared, decoding.replacements) == (
        encoding, declared, 0)


def test_a_gbk_page_with_one_broken_byte_stays_gbk_and_says_so():
    body = TEXT.encode("gbk")
    body = body[:10] + b"\xff" + body[11:]
    decoding = choose_encoding(body, ["gbk"])
    assert decoding.encoding == "gb18030" and 1 <= decoding.replacements <= 2
    assert TEXT[10:] in body.decode(decoding.encoding, "replace")


def test_labels_that_name_no_text_encoding_are_none():
    assert [text_encoding(x) for x in ("rot13", "base64", "x-unknown", "", "GBK", "UTF8")] == [
        None, None, None, None, "gb18030", "utf-8"]


def test_response_text_never_raises_on_a_rot13_meta():
    body = page(meta="rot13").encode("utf-8")
    response = HtmlResponse(URL, body=body)
    with pytest.raises(LookupError):
        response.text  # noqa: B018 - what Scrapy does
    assert TEXT in response_text(response)
    assert TEXT in parse_response(response).xpath("string(//p)").get()


@pytest.mark.parametrize(("body", "header"), [
    (page(meta="utf-8").encode("gbk"), "text/html; charset=utf-8"),
    (page(meta="gbk").encode("utf-8"), "text/html; charset=gbk"),
    (page(meta="rot13").encode("utf-8"), "text/html; charset=rot13"),
    (page(meta="utf-8").encode("utf-8"), "text/html; charset=rot13"),
])
def test_the_middleware_gives_every_response_the_encoding_of_its_bytes(body, header):
    crawler = get_crawler()
    request = Request(URL)
    response = HtmlResponse(URL, body=body, headers={"Content-Type": header}, request=request)
    fixed = CharsetMiddleware(crawler).process_response(request, response)
    assert TEXT in fixed.text and TEXT in fixed.css("p::text").get()
    assert request.meta[DECODING_META].replacements == 0
    stats = crawler.stats.get_stats()
    assert stats.get("govcrawl/decoding/relabelled") or stats.get(
        "govcrawl/decoding/unknown_charset")


def test_binary_served_as_html_is_refused_not_recorded():
    crawler = get_crawler()
    request = Request(URL)
    body = random.Random(1).randbytes(20_000)
    response = HtmlResponse(URL, body=body, headers={"Content-Type": "text/html"}, request=request)
    with pytest.raises(IgnoreRequest):
        CharsetMiddleware(crawler).process_response(request, response)
    assert crawler.stats.get_value("govcrawl/refused/undecodable") == 1


def test_a_saved_page_is_read_as_the_crawl_reads_it():
    assert saved_response(page(meta="utf-8").encode("gbk"), URL).encoding == "gb18030"
    record = extract_article(page(meta="utf-8").encode("gbk"), URL)
    assert TEXT in record["text"]


def test_a_big5_label_on_gbk_bytes_is_arbitrated():
    text = "民政府，县府直属各单位：2025年元旦"  # reads as Big5 without error: 頗祜鏍淉葬…
    body = page(text, meta="big5").encode("gb18030")
    body.decode("big5")  # the trap: no error
    assert choose_encoding(body, ["big5"]).encoding == "gb18030"
    traditional = page("廣南縣戰疫「四雙」機制：不停腳步，逆勢而上！各鄉鎮紛紛響應。", meta="big5")
    traditional = traditional.replace("会议", "會議").encode("big5")  # a real Big5 page
    assert choose_encoding(traditional, ["big5"]).encoding == "big5"


def _article_texts() -> list[str]:
    texts = []
    for path in sorted(FIXTURES.glob("*/expected.jsonl")):
        texts += [json.loads(line)["text"] for line in path.read_text("utf-8").splitlines()]
    return [t for t in texts if len(t) > 60]


ARTICLES = _article_texts()


@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(
    text_index=st.integers(0, len(ARTICLES) - 1),
    start=st.integers(0, 400),
    length=st.integers(20, 400),
    actual=st.sampled_from(["utf-8", "gb18030"]),
    label=st.sampled_from([None, "utf-8", "gbk", "gb2312", "iso-8859-1", "rot13", "x-junk"]),
)
def test_real_article_text_reads_right_whatever_the_label(text_index, start, length, actual,
                                                           label):
    """Any stretch of real article text (20+ characters), in UTF-8 or GB18030 bytes, under
    any label a mainland portal gets wrong, reads back exactly. (A Big5 label on GBK bytes
    is ambiguous for short texts — Big5 reads most GBK byte pairs — and is arbitrated: see
    test_a_big5_label_on_gbk_bytes_is_arbitrated.)"""
    text = ARTICLES[text_index][start:start + length] or ARTICLES[text_index][:length]
    body = page(text, meta=label or "").encode(actual)
    decoding = choose_encoding(body, [label])
    assert body.decode(decoding.encoding) == page(text, meta=label or "")
