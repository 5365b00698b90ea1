"""Article fields a page shows without their usual label or place (issue 10 §4), each on a
page written here: the source below the body, a date unlabelled by the headline, files in
a 附件 box beside the body."""

from __future__ import annotations

import pytest

from govcrawl.extraction.saved import extract_article

URL = "http://www.example.gov.cn/xwzx/gzdt/content/post_1234.html"  # no date in the URL
PROSE = ("<p>全县春耕生产有序推进，已完成早稻播种面积十二万亩。</p>"
         "<p>各乡镇农技人员深入田间地头开展技术指导，确保不误农时。</p>")
HEAD = "<title>全县春耕生产有序推进_某某县人民政府</title>"


def article(middle: str, after: str = "", head: str = HEAD, body: str = PROSE) -> dict:
    html = (f"<html><head><meta charset=utf-8>{head}</head><body><div class=wrap>"
            "<div class=today>2024年1月2日 星期二</div><div class=crumb>首页 &gt; 新闻</div>"
            f"<h1>全县春耕生产有序推进</h1>{middle}<div class=article>{body}</div>"
            f"{after}</div><div class=footer>主办单位：某某县人民政府 2008-2024</div></body></html>")
    return extract_article(html.encode(), URL)


# --- source --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("after", "body", "source"),
    [
        ("<div class=laiyuan>来源：县农业农村局</div>", PROSE, "县农业农村局"),
        ("<div class=ft><span>信息来源：</span><span>县融媒体中心</span></div>", PROSE, "县融媒体中心"),
        ("<table><tr><td>发布机构：</td><td>县统计局</td></tr></table>", PROSE, "县统计局"),
        ("", PROSE + "<p>来源：县农业农村局</p>", "县农业农村局"),  # the foot of the body
    ],
    ids=["below", "below-split", "below-table", "foot-of-body"],
)
def test_source_shown_below_the_body_when_the_meta_tag_is_empty(after, body, source):
    head = HEAD + "<meta name='ContentSource' content=''>"
    assert article("<div class=info>2020-04-22</div>", after, head, body)["source"] == source


def test_the_sites_own_name_is_the_source_when_the_page_shows_it_as_one():
    head = HEAD + "<meta name='SiteName' content='某某县人民政府'>"
    got = article("<div class=info>发布时间：2020-04-22 来源：某某县人民政府</div>", head=head)
    assert got["source"] == "某某县人民政府"


def test_a_source_in_a_sentence_below_the_body_is_no_source():
    after = "<div class=note><p>数据来源：县统计局年报，仅供参考。</p></div>"
    assert article("<div class=info>2020-04-22</div>", after)["source"] is None


# --- dates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "middle",
    [
        "<div class=detail>2018-04-19 17:32:17 <span>浏览次数：</span><span id=hits></span></div>",
        "<p class=time>2018年04月19日 17:32　<a href=javascript:print()>打印</a></p>",
    ],
    ids=["detail-line", "chinese-form"],
)
def test_a_date_shown_unlabelled_by_the_headline_is_the_publication_date(middle):
    got = article(middle)
    assert got["published_date"] == "2018-04-19"
    assert got["published_at"].startswith("2018-04-19T17:32")


def test_an_unlabelled_date_never_takes_a_labelled_signing_date():
    got = article("<div class=detail>成文日期：2018-04-10 浏览次数：12</div>",
                  head=HEAD + "<meta name='PubDate' content='2018-04-19 09:00'>")
    assert got["published_date"] == "2018-04-19"  # meta, not the signing date


def test_a_date_far_from_the_headline_is_no_publication_date():
    assert article("<div class=info>来源：县农业农村局</div>")["published_date"] is None


# --- attachments -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "box",
    [
        "<div class=fujian><h3>附件下载</h3><ul>{links}</ul></div>",
        "<div class=xgfj><span>相关附件：</span>{links}</div>",
        "<p>【附件】</p><div class=files>{links}</div>",
    ],
    ids=["heading-and-list", "label-and-links", "label-then-block"],
)
def test_files_in_an_attachment_box_beside_the_body_with_their_names(box):
    links = ("<li><a href='/u/2020/plan.xlsx'>春耕资金分配表.xlsx</a></li>"
             "<li><a href='/u/2020/notice.ofd'>通知正式版</a></li>"
             "<li><a href='/download.jsp?id=77'>申报指南.wps</a></li>"
             "<li><a href='/u/2020/scan.et' title='统计表.et'></a></li>"
             "<li><a href='/xwzx/other.html'>另一篇文章</a></li>")
    got = article("<div class=info>2020-04-22</div>", box.format(links=links))
    assert got["attachments"] == [
        {"url": "http://www.example.gov.cn/u/2020/plan.xlsx", "name": "春耕资金分配表.xlsx"},
        {"url": "http://www.example.gov.cn/u/2020/notice.ofd", "name": "通知正式版"},
        {"url": "http://www.example.gov.cn/download.jsp?id=77", "name": "申报指南.wps"},
        {"url": "http://www.example.gov.cn/u/2020/scan.et", "name": "统计表.et"},
    ]


def test_file_links_outside_any_attachment_box_are_not_attachments():
    after = "<div class=side><a href='/u/guide.pdf'>网站使用指南.pdf</a></div>"
    assert article("<div class=info>2020-04-22</div>", after)["attachments"] == []
