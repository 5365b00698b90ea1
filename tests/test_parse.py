"""Page bytes → tree: style text dropped safely, early closes ignored, encodings honoured."""

from __future__ import annotations

from lxml import etree
from scrapy.http import HtmlResponse

from govcrawl.extraction.parse import _prepared, parse_html, parse_response, saved_response

URL = "http://www.example.gov.cn/a.html"


def _texts(selector) -> list[str]:
    return [t.strip() for t in selector.xpath("//body//text()").getall() if t.strip()]


def test_style_text_is_dropped_but_the_element_and_everything_else_stay():
    css = "p { color: red }" * 1000
    document = (
        f"<html><head><STYLE type='text/css'>{css}</Style></head><body><p>正文</p></body></html>"
    )
    prepared = _prepared(document.encode())
    assert b"color: red" not in prepared and b"<STYLE type='text/css'></Style>" in prepared
    selector = parse_html(document)
    assert selector.xpath("count(//style)").get() == "1.0" and _texts(selector) == ["正文"]


def test_a_style_quoted_in_a_comment_never_swallows_markup():
    document = (
        b"<html><body><!-- old: <style> --><p>one</p><style>x{}</style><p>two</p></body></html>"
    )
    assert _prepared(document) == document.replace(b"x{}", b"")
    assert _texts(parse_html(document)) == ["one", "two"]


def test_an_unclosed_style_is_left_to_the_parser():
    document = b"<html><body><p>one</p><style>x{}"
    assert _prepared(document) == document


def test_an_early_html_close_is_removed_only_when_elements_follow_it():
    early = b"<html><body><div>nav</div></html><p>article</p></body></html>"
    assert _prepared(early) == b"<html><body><div>nav</div><p>article</p></body></html>"
    assert _texts(parse_html(early)) == ["nav", "article"]
    final = b"<html><body><p>a</p></body></html>\n"
    assert _prepared(final) == final


def test_empty_binary_and_nul_documents_parse_to_a_tree():
    for document in (b"", b"   ", "\x00\x00", b"\x89PNG\x00\xff\xfe"):
        assert isinstance(parse_html(document).root, etree._Element)
    assert _texts(parse_html("<p>a\x00b</p>")) == ["ab"]


def test_utf8_and_gbk_responses_read_the_same_text():
    page = "<html><head><meta charset='{}'></head><body><p>紫金开足马力抓生产，镕</p></body></html>"
    utf8 = HtmlResponse(url=URL, body=page.format("utf-8").encode("utf-8"))
    gbk = HtmlResponse(url=URL, body=page.format("gb2312").encode("gb18030"))
    assert _texts(parse_response(utf8)) == _texts(parse_response(gbk)) == ["紫金开足马力抓生产，镕"]


def test_invalid_utf8_bytes_are_read_as_scrapy_decodes_them_not_as_latin1():
    body = (
        "<html><head><meta charset='utf-8'></head><body><p>县政府\udcff召开会议</p></body></html>"
    )
    response = HtmlResponse(url=URL, body=body.encode("utf-8", "surrogateescape"))
    assert _texts(parse_response(response)) == ["县政府\ufffd召开会议"]


def test_saved_text_and_saved_bytes_give_the_same_tree():
    page = "<html><body><p>廣南縣戰疫</p></body></html>"
    from_text = parse_response(saved_response(page, URL))
    from_bytes = parse_response(saved_response(page.encode("utf-8"), URL))
    assert _texts(from_text) == _texts(from_bytes) == ["廣南縣戰疫"]
