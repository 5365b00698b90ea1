"""Widget stripping (issue 10 §7), on a page written here. Two rules take widgets out of an
article's text, and each test fails without its own rule:

- `ArticlePage.widget_css`: containers inside the body that are widgets (share bars, print
  boxes, related lists) are skipped whole, whatever their lines say;
- `text.is_boilerplate`: widget lines that sit loose in the body (【字体：大 中 小】, 打印本页,
  分享到, 扫一扫在手机打开当前页 …) are dropped line by line.
"""

from __future__ import annotations

import pytest

from govcrawl.extraction.saved import extract_article
from govcrawl.extraction.text import is_boilerplate

URL = "http://www.example.gov.cn/xwzx/gzdt/202004/t20200422_1234.html"
PROSE = ["全县春耕生产有序推进，已完成早稻播种面积十二万亩。", "各乡镇农技人员深入田间地头开展技术指导。"]


def text_of(body: str) -> list[str]:
    html = ("<html><head><meta charset=utf-8><title>全县春耕生产有序推进</title></head><body>"
            "<h1>全县春耕生产有序推进</h1><div class=info>发布时间：2020-04-22</div>"
            f"<div class=content>{body}</div></body></html>")
    return extract_article(html.encode(), URL)["text"].split("\n")


def test_widget_containers_in_the_body_are_skipped_whole():
    """Their lines (platform names, QR captions, related titles) are not boilerplate alone."""
    widgets = ("<div class=bdsharebuttonbox><a>微信</a><a>新浪微博</a><a>QQ空间</a></div>"
               "<div class=related><ul><li><a href=/a.html>县里召开春季植树造林动员大会</a></li></ul></div>"
               "<div class=print><span>手机扫码阅读本文</span></div>")
    body = f"<p>{PROSE[0]}</p>{widgets}<p>{PROSE[1]}</p>"
    assert text_of(body) == PROSE


@pytest.mark.parametrize(
    "line",
    ["【字体：大 中 小】", "字号：大 中 小", "【打印本页】", "打印本页", "【关闭窗口】", "分享到：",
     "扫一扫在手机打开当前页", "【我要纠错】", "浏览次数：", "上一篇：县里召开植树造林动员大会"],
)
def test_loose_widget_lines_in_the_body_are_dropped(line):
    assert is_boilerplate(line)
    assert text_of(f"<p>{PROSE[0]}</p><p>{line}</p><p>{PROSE[1]}</p>") == PROSE


def test_a_sentence_that_mentions_printing_or_sharing_is_kept():
    sentence = "县图书馆新增打印本页服务，读者可分享到微信朋友圈，扫一扫即可借阅。"
    assert not is_boilerplate(sentence)
    assert text_of(f"<p>{PROSE[0]}</p><p>{sentence}</p>") == [PROSE[0], sentence]
