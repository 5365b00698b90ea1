"""DomIndex answers CSS selectors as parsel/cssselect would, and forgets stripped elements."""

from __future__ import annotations

import pytest
from parsel import Selector

from govcrawl.extraction.domindex import DomIndex
from govcrawl.extraction.parse import parse_html

PAGE = """<html><head><title>标题</title><script>var a = 1;</script></head><body>
<div id="zoomcon" class="main  content">
  <ucapcontent><p class="TRS_Editor x">正文一</p><p>正文二</p></ucapcontent>
  <div class="share print"><a href="#">分享</a></div>
</div>
<ul class="news-list"><li><a href="/a.html">一</a></li><li><span><a href="/b.html">二</a></span></li></ul>
<div class="news-list"><li>不在 ul 里</li></div>
<div class="article"><section><h1 class="title">文章标题</h1></section></div>
<div class="wrap"><div class="article"><div class="inner"><h1>另一个</h1></div></div></div>
<noscript><div class="share">没有脚本时</div></noscript>
<!-- <$[信息内容]>begin -->
</body></html>"""

SELECTORS = [
    "#zoomcon",
    ".content",
    "div.main.content",
    "p.TRS_Editor",
    "div.TRS_Editor",
    "ucapcontent",
    "#zoomcon ucapcontent",
    "#zoomcon > ucapcontent",
    "#zoomcon > p",
    "ul.news-list > li",
    ".news-list li",
    "ul.news-list a",
    ".article h1",
    ".article > h1",
    ".wrap .article .inner > h1",
    ".wrap > .article h1",
    ".missing",
    "#missing p",
    "h1",
    "a[href]",
]


def _css(html: str, selector: str) -> list[str]:
    return [Selector(root=node, type="html").get() for node in Selector(text=html).css(selector)]


@pytest.mark.parametrize("selector", SELECTORS)
def test_select_matches_what_cssselect_matches(selector):
    index = DomIndex(parse_html(PAGE).root)
    found = [Selector(root=node, type="html").get() for node in index.select(selector)]
    assert found == _css(PAGE, selector)


def test_select_within_scope_and_first():
    root = parse_html(PAGE).root
    index = DomIndex(root)
    body = index.select("#zoomcon")[0]
    assert [node.tag for node in index.select("p", body)] == ["p", "p"]
    assert index.select(".news-list", body) == []
    assert index.select("#zoomcon", body) == [body]  # the scope itself is included
    # as in querySelectorAll, a chain's ancestors may lie outside the scope, for every kind
    # of selector alike (index lookups and the XPath fallback)
    ucap = index.select("ucapcontent")[0]
    assert index.select("#zoomcon p", ucap) == index.select("#zoomcon p:not(.none)", ucap)
    assert len(index.select("#zoomcon p", ucap)) == 2
    assert index.first([".missing", "ul.news-list > li", "h1"]).tag == "li"
    assert index.first([".missing", "#missing p"]) is None


def test_strip_invisible_forgets_scripts_comments_and_noscript_content():
    root = parse_html(PAGE).root
    index = DomIndex(root)
    assert index.comments and index.tag("script")
    assert len(index.select(".share")) == 2
    index.strip_invisible()
    assert index.comments == [] and index.tag("script") == []
    assert [node.get("class") for node in index.select(".share")] == ["share print"]
    assert root.find(".//noscript") is None and root.find(".//script") is None


def test_tag_lookups_in_document_order_of_the_page_as_it_stands():
    root = parse_html(PAGE).root
    index = DomIndex(root)
    assert [h.text for h in index.tag("h1")] == ["文章标题", "另一个"]
    assert [d.get("class") for d in index.tag("div")][-1] == "share"  # inside the noscript
    index.strip_invisible()
    assert "share" not in [d.get("class") for d in index.tag("div")]
    assert index.tag("html") == [root]  # the root itself counts


def test_document_order_of_mixed_lookups():
    index = DomIndex(parse_html(PAGE).root)
    headings = index.tag("h1")
    mixed = [headings[1], *index.by_class["title"], headings[0], *index.by_id["zoomcon"]]
    assert index.in_document_order(mixed) == [*index.by_id["zoomcon"], *headings]
    assert index.in_document_order([headings[1]]) == [headings[1]]
