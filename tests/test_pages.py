"""Extraction rules, each on a small page written for the test (no portal, no network)."""

from __future__ import annotations

import pytest

from govcrawl.extraction.article import ArticlePage
from govcrawl.extraction.bylines import split_byline
from govcrawl.extraction.listing import ListingContext, ListingPage
from govcrawl.extraction.saved import extract_article, extract_listing
from pipelines import Rejected

URL = "http://www.example.gov.cn/xwzx/gzdt/202004/t20200422_1234.html"
BODY_TEXT = "<p>　　全县春耕生产有序推进，已完成早稻播种面积十二万亩。</p><p>各乡镇农技人员深入田间地头开展技术指导。</p>"


def page(body: str, head: str = "", url: str = URL) -> ArticlePage:
    html = f"<html><head><meta charset='utf-8'>{head}</head><body>{body}</body></html>"
    return ArticlePage.from_html(html.encode(), url)


def article_html(info: str = "发布时间：2020-04-22 10:30 来源：县农业农村局", body: str = BODY_TEXT,
                 head: str = "<title>全县春耕生产有序推进_某某县人民政府</title>") -> str:
    return (f"<html><head><meta charset='utf-8'>{head}</head><body>"
            "<div class=nav><a href=/>首页</a><a href=/xw/>新闻</a></div>"
            f"<h1>全县春耕生产有序推进</h1><div class=info>{info}</div>"
            f"<div class=content>{body}</div><div class=footer>网站标识码：1234567890</div>"
            "</body></html>")


# --- title -------------------------------------------------------------------------------


def test_title_is_the_headline_element_not_the_title_tag():
    record = extract_article(article_html().encode(), URL)
    assert record["title"] == "全县春耕生产有序推进"


def test_headline_split_by_br_is_one_title_and_not_repeated_in_text():
    body = ("<div class=c><p align=center><strong>县人民政府关于做好<br>春耕生产工作的通知</strong></p>"
            + BODY_TEXT + "</div>")
    got = page(body, "<title>县人民政府关于做好春耕生产工作的通知__县政府网</title>")
    assert got.title == "县人民政府关于做好春耕生产工作的通知"
    lines, _ = got.text_and_contributors()
    assert lines[0].startswith("全县春耕生产有序推进")


def test_meta_article_title_when_no_element_shows_the_headline():
    got = page(BODY_TEXT, "<title>站点</title><meta name='ArticleTitle' content='真正的标题内容'>")
    assert got.title == "真正的标题内容"


# --- dates -------------------------------------------------------------------------------


def test_shown_date_beats_meta_pubdate_and_maketime():
    head = ("<title>全县春耕生产有序推进</title><meta name='PubDate' content='2022-04-24 10:00:43'>"
            "<meta name='Maketime' content='2023-01-01 00:00:00'>")
    record = extract_article(article_html(head=head).encode(), URL)
    assert (record["published_date"], record["published_at"]) == ("2020-04-22", "2020-04-22T10:30:00+08:00")


def test_signing_date_is_not_the_publication_date():
    info = "成文日期：2020-04-09 发布日期：2020年4月22日"
    assert extract_article(article_html(info=info).encode(), URL)["published_date"] == "2020-04-22"


def test_meta_pubdate_then_url_when_the_page_shows_no_date():
    with_meta = article_html(info="来源：本网", head="<meta name='PubDate' content='2020-04-20 09:00'>")
    assert extract_article(with_meta.encode(), URL)["published_date"] == "2020-04-20"
    assert extract_article(article_html(info="来源：本网").encode(), URL)["published_date"] == "2020-04-22"
    undated = extract_article(article_html(info="").encode(), "http://www.example.gov.cn/a.html")
    assert undated["published_date"] is None


def test_chinese_numeral_date():
    record = extract_article(article_html(info="日期：二〇二〇年四月二十二日").encode(), URL)
    assert record["published_date"] == "2020-04-22"


def test_metadata_table_before_the_headline_gives_date_and_publisher():
    html = ("<html><body><table><tr><td>索引号：</td><td>1136/2023-001</td></tr>"
            "<tr><td>发布机构：</td><td>县统计局</td><td>发文日期：</td><td>2023-03-31</td></tr></table>"
            "<h1>全县经济运行情况</h1><div class=c>" + BODY_TEXT + "</div></body></html>")
    record = extract_article(html.encode(), "http://www.example.gov.cn/a.html")
    assert (record["published_date"], record["source"]) == ("2023-03-31", "县统计局")


# --- source, contributors, text ----------------------------------------------------------


def test_source_is_the_shown_one_never_a_body_sentence():
    body = BODY_TEXT + "<p>数据来源：县统计局年报。</p>"
    record = extract_article(article_html(info="发布时间：2020-04-22", body=body).encode(), URL)
    assert record["source"] is None
    head = "<title>t</title><meta name='ContentSource' content='县融媒体中心'>"
    record = extract_article(article_html(info="发布时间：2020-04-22", head=head).encode(), URL)
    assert record["source"] == "县融媒体中心"


def test_bylines_become_contributors_and_leave_the_text():
    body = BODY_TEXT + "<p>（作者：李明　摄影：王芳）</p><p>責任編輯：陳小華</p>"
    record = extract_article(article_html(body=body).encode(), URL)
    assert record["contributors"] == [{"role": "作者", "name": "李明"}, {"role": "摄影", "name": "王芳"},
                                      {"role": "责任编辑", "name": "陳小華"}]
    assert "李明" not in record["text"] and "陳小華" not in record["text"]


def test_split_byline_leaves_ordinary_sentences_alone():
    assert split_byline("监审:卢永成 刘桂扬") == [{"role": "监审", "name": "卢永成"},
                                               {"role": "监审", "name": "刘桂扬"}]
    assert split_byline("全县完成作者：培训工作的各项任务，得到了群众的普遍好评和上级部门的高度肯定。") is None


def test_text_skips_widgets_hidden_boxes_and_keeps_table_rows():
    body = (BODY_TEXT + "<div class=bdsharebuttonbox>分享到：微信 微博</div>"
            "<div style='display:none'>附件：</div>"
            "<table><tr><td>乡镇</td><td>面积</td></tr><tr><td>城关镇</td><td>1.2万亩</td></tr></table>"
            "<p>【打印本页】</p>")
    text = extract_article(article_html(body=body).encode(), URL)["text"]
    assert text.split("\n") == ["全县春耕生产有序推进，已完成早稻播种面积十二万亩。",
                                "各乡镇农技人员深入田间地头开展技术指导。", "乡镇 | 面积",
                                "城关镇 | 1.2万亩"]


def test_images_and_attachments_are_absolute_with_captions_and_names():
    body = (BODY_TEXT + "<p><img src='./W020200422.jpg' alt='农民在田间插秧'></p>"
            "<p>附件：<a href='/attach/2020/plan.pdf'>春耕生产方案.pdf</a> <a href='/x.html'>链接</a></p>")
    record = extract_article(article_html(body=body).encode(), URL)
    assert record["images"] == [{"url": "http://www.example.gov.cn/xwzx/gzdt/202004/W020200422.jpg",
                                 "caption": "农民在田间插秧"}]
    assert record["attachments"] == [{"url": "http://www.example.gov.cn/attach/2020/plan.pdf",
                                      "name": "春耕生产方案.pdf"}]


def test_site_metadata_channel_and_breadcrumb():
    head = ("<title>t</title><meta name='SiteName' content='某某县人民政府'>"
            "<meta name='ColumnName' content='工作动态'>")
    got = page("<div class=position>当前位置：<a href=/>首页</a> &gt; <a href=/xw/>新闻</a></div>"
               + BODY_TEXT, head)
    assert (got.site_name, got.channel) == ("某某县人民政府", "工作动态")


# --- pages that are no articles -----------------------------------------------------------


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ("<html><head><script>$_ts=window['$_ts'];</script></head><body></body></html>", "waf_challenge"),
        ("<html><head><title>安全狗拦截</title></head><body>您的访问被阻断</body></html>", "waf_challenge"),
        ("<html><head><title>页面不存在</title></head><body><p>对不起，您访问的页面不存在！</p></body></html>",
         "soft_404"),
        ("<html><body><div id=app></div><script src=app.js></script></body></html>", "empty_shell"),
        ("", "empty_shell"),
    ],
)
def test_non_articles_are_refused_by_reason(html, reason):
    with pytest.raises(Rejected) as rejected:
        extract_article(html.encode(), URL)
    assert rejected.value.reason == reason


def test_an_article_that_mentions_404_is_still_an_article():
    body = BODY_TEXT * 4 + "<p>市民可拨打热线反映“页面不存在”等网站问题。</p>"
    assert extract_article(article_html(body=body).encode(), URL)["title"]


def test_early_closing_html_tag_does_not_hide_the_content():
    html = ("<html><body><div class=header>导航</div></html><h1>全县春耕生产有序推进</h1>"
            "<div class=info>发布时间：2020-04-22</div><div class=c>" + BODY_TEXT + "</div></body></html>")
    assert "早稻播种" in extract_article(html.encode(), URL)["text"]


def test_deeply_nested_page_does_not_crash():
    with pytest.raises(Rejected):
        extract_article(b"<div>" * 100_000, URL)


# --- listings -------------------------------------------------------------------------------

LIST_URL = "http://www.example.gov.cn/xwzx/gzdt/index.html"


def listing(items: str, extra: str = "") -> dict:
    html = (f"<html><body><ul class=menu><li><a href=/a/>政务公开栏目</a></li><li><a href=/b/>办事服务栏目</a></li>"
            f"<li><a href=/c/>互动交流栏目</a></li></ul><div class=hot><ul><li><a href=./x1.html>热点文章一篇</a></li>"
            f"<li><a href=./x2.html>热点文章两篇</a></li><li><a href=./x3.html>热点文章三篇</a></li></ul></div>"
            f"<div class=list>{items}</div>{extra}</body></html>")
    return extract_listing(html.encode(), LIST_URL)


def test_main_list_is_the_dated_group_not_menus_or_hot_lists():
    items = "".join(f"<div><a href='./202004/t2020042{i}_{i}.html'>县里召开第{i}次会议</a><p>2020-04-2{i}</p></div>"
                    for i in range(1, 6))
    links = listing(items)["article_links"]
    assert [link["url"] for link in links] == [
        f"http://www.example.gov.cn/xwzx/gzdt/202004/t2020042{i}_{i}.html" for i in range(1, 6)]
    assert [link["date"] for link in links] == [f"2020-04-2{i}" for i in range(1, 6)]


def test_truncated_link_text_takes_the_full_title_and_wechat_is_flagged():
    items = ("<ul><li><a href='/a1.html' title='全县召开春季森林防火工作会议暨动员部署会'>全县召开春季森林防火…</a>"
             "<span>04-22</span></li><li><a href='https://mp.weixin.qq.com/s/abc'>微信转载的一篇文章</a>"
             "<span>04-21</span></li><li><a href='/a3.html'>第三篇文章的标题</a><span>04-20</span></li></ul>")
    links = listing(items)["article_links"]
    assert links[0]["title"] == "全县召开春季森林防火工作会议暨动员部署会"
    assert [(link["wechat"], link["offsite"]) for link in links] == [(False, False), (True, True), (False, False)]


@pytest.mark.parametrize(
    ("pager", "next_page", "total"),
    [
        ("<script>createPageHTML(5, 0, \"index\", \"html\");</script>", "index_1.html", 5),
        ("<script>createPageHTML(5, 4, \"index\", \"html\");</script>", None, 5),
        ("<div class=page>共3页 <a href='index_2.html'>下一页</a></div>", "index_2.html", 3),
        ("<div>共595条记录 1/30页</div><script>function go(i){location.href='list_'+i+'.html';}</script>",
         "list_2.html", 30),
        ("<div>当前页: 3</div><script>function gotoPage(n){window.location=\"list.jsp?p=5&page=\"+n;}</script>",
         "list.jsp?p=5&page=4", None),
        ("<script>$('.p').pagination({totalPage: 54, callBack: function(i){location.href='index_'+i+'.html';}});"
         "$('.p').pagination('setPage', 54, 54);</script>", None, 54),
    ],
    ids=["createPageHTML", "createPageHTML-last", "anchor", "script-1-of-30", "script-current-3", "script-last"],
)
def test_next_page_and_page_count(pager, next_page, total):
    items = "".join(f"<li><a href='/a{i}.html'>第{i}篇文章标题</a><span>2020-04-2{i}</span></li>" for i in range(3))
    result = listing(f"<ul>{items}</ul>", pager)
    expected = f"http://www.example.gov.cn/xwzx/gzdt/{next_page}" if next_page else None
    assert (result["next_page"], result["total_pages"]) == (expected, total)


COUNTDOWN_PAGER = """<div class="page" id="pag_31"><script>
  var purl = "../../xwzx/gzdt/index_31";
  function createUrl(pName) { var uu = purl + "_" + pName + ".html";
    return "javascript:pageName=" + pName + ";goPub('" + uu + "')"; }
  function writePaging() { /* 首页 上页 1 2 3 … 下页 = createUrl(pageName - 1) 尾页 */ }
  var maxPageNum = 0;
  maxPageNum = {count};
  if (maxPageNum > 1) { pageName = 0; writePaging(); }
</script></div><div style="display:none">{files}</div>"""


@pytest.mark.parametrize(
    ("page_file", "count", "next_file"),
    [
        ("index.html", 12, "index_31_11.html"),  # the column's first page is file 12
        ("index_31_11.html", 12, "index_31_10.html"),
        ("index_31_2.html", 12, "index_31_1.html"),
        ("index_31_1.html", 12, None),  # file 1 is the last page
        ("index.html", 1, None),
    ],
)
def test_countdown_pager_numbers_page_files_from_the_last_page_up(page_file, count, next_file):
    files = "".join(f"<a href='../../xwzx/gzdt/index_31_{n}.html'></a>" for n in range(1, count + 1))
    items = "".join(f"<li><a href='../../xwzx/gzdt/c{i}/content.html'>第{i}篇文章标题</a><span>[2017-10-1{i}]</span></li>"
                    for i in range(3))
    html = f"<html><body><div id=comp_31><ul>{items}</ul></div>{COUNTDOWN_PAGER}</body></html>"
    html = html.replace("{count}", str(count)).replace("{files}", files)
    url = f"http://www.example.gov.cn/xwzx/gzdt/{page_file}"
    result = extract_listing(html.encode(), url)
    expected = f"http://www.example.gov.cn/xwzx/gzdt/{next_file}" if next_file else None
    assert (result["next_page"], result["total_pages"]) == (expected, count)
    assert [link["url"] for link in result["article_links"]] == [
        f"http://www.example.gov.cn/xwzx/gzdt/c{i}/content.html" for i in range(3)]


def test_listing_page_object_keeps_site_hosts_apart():
    html = "<ul><li><a href='http://other.gov.cn/a.html'>外站的一篇文章</a><span>2020-04-22</span></li></ul>"
    from parsel import Selector

    context = ListingContext(site_hosts=("www.example.gov.cn",))
    links = ListingPage(LIST_URL, Selector(text=html), context).article_links
    assert links[0].offsite and not links[0].wechat


# --- templates of pages from no declared portal ---------------------------------------------


@pytest.mark.parametrize(
    ("body", "extractor"),
    [
        (f"<div class=article><div id=UCAP-CONTENT>{BODY_TEXT}</div></div>", "govcn"),
        (f"<h2 id=ivs_title>全县春耕生产有序推进</h2><small id=ivs_date>( 2020-04-22)</small>"
         f"<div id=ivs_content>{BODY_TEXT}</div>", "shanghai"),
        (f"<h1 class=article-title>全县春耕生产有序推进</h1><div id=zoomcon><ucapcontent>{BODY_TEXT}"
         "</ucapcontent></div>", "ucap"),
        (f"<h1>全县春耕生产有序推进</h1><div class=TRS_Editor>{BODY_TEXT}</div>", "trs"),
        (f"<h1>全县春耕生产有序推进</h1><div id=zoom><!--<$[信息内容]>begin-->{BODY_TEXT}"
         "<!--<$[信息内容]>end--></div>", "hanweb"),
        (f"<div class=news>{BODY_TEXT}</div>", "generic"),
    ],
)
def test_template_is_recognised_from_its_signature(body, extractor):
    html = f"<html><head><title>全县春耕生产有序推进</title></head><body>{body}</body></html>"
    record = extract_article(html.encode(), "http://www.example.gov.cn/a/2020-04/22/a.html")
    assert record["extractor"] == extractor
    assert record["published_date"] == "2020-04-22"  # shown (shanghai: unlabelled) or from the URL
    assert record["text"].startswith("全县春耕生产有序推进，已完成")


def test_page_of_no_portal_gets_its_region_from_site_id_code():
    head = "<title>全县春耕生产有序推进</title><meta name='SiteIDCode' content='3609220011'>"
    record = extract_article(article_html(head=head).encode(), URL)
    assert record["region"] == {"code": "360922", "province": "江西省", "prefecture": "宜春市",
                                "county": "万载县"}
    assert extract_article(article_html().encode(), URL)["region"] is None


def test_gb2312_labelled_page_with_gbk_characters_is_read_right():
    html = article_html(head="<title>全县春耕生产有序推进</title>",
                        body="<p>朱镕基同志曾到此视察，全县干部群众深受鼓舞，干劲十足。</p>")
    html = html.replace("charset='utf-8'", "charset='gb2312'")
    record = extract_article(html.encode("gbk"), URL)  # 镕 is GBK, not GB2312
    assert record["text"] == "朱镕基同志曾到此视察，全县干部群众深受鼓舞，干劲十足。"
