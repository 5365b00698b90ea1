"""Platform page objects and base spiders: TRS, Hanweb, gkmlpt, generic, on small inline pages."""

from __future__ import annotations

import json

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse, TextResponse

from govcrawl.extraction.createpage import parse_create_page_html as parse_pager
from govcrawl.extraction.listing import ListingContext
from govcrawl.platforms.gkmlpt.pages import GkmlptArticlePage, GkmlptListingPage, parse_config
from govcrawl.platforms.hanweb.pages import HanwebArticlePage, HanwebListingPage, parse_datastore
from govcrawl.platforms.trs.pages import TrsArticlePage, TrsListingPage
from govcrawl.registry.region import Region
from govcrawl.spiders.base import LISTING_META
from pipelines.clean import clean_article
from tests.conftest import listing_meta, portal_spider


def html_response(url: str, body: str, **meta) -> HtmlResponse:
    return HtmlResponse(url=url, body=body.encode("utf-8"), request=Request(url, meta=meta))


def text_response(url: str, body: str, **meta) -> TextResponse:
    return TextResponse(
        url=url, body=body.encode("utf-8"), encoding="utf-8", request=Request(url, meta=meta)
    )


# --- TRS ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("script", "count", "current", "second_page"),
    [
        ('createPageHTML(7, 0, "index", "html");', 7, 0, "index_1.html"),
        ("createPageHTML( 12 ,3,'index','shtml')", 12, 3, "index_1.shtml"),
        ("var currentPage = 2;//所在页从0开始\nvar countPage = 5//共多少页\n"
         'createPageHTML(countPage, currentPage, "index", "htm");', 5, 2, "index_1.htm"),
        ("createPageHTML('page_div',5, 1,'fg','shtml',89);", 5, 0, "fg_2.shtml"),
        ("createPageHTML('page_div', 22, 4, 'common_list', 'shtml', 325)", 22, 3,
         "common_list_2.shtml"),
    ],
)
def test_trs_pager_forms(script, count, current, second_page):
    pager = parse_pager([script])
    assert (pager.count, pager.current) == (count, current)
    assert pager.file_name(1) == second_page
    assert pager.file_name(0) == f"{pager.name}.{pager.ext}"


def test_trs_pager_ignores_the_function_definition_and_unresolved_calls():
    definition = "function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){}"
    assert parse_pager([definition, "createPageHTML(total, cur, 'index', 'html')"]) is None
    assert parse_pager([definition, "createPageHTML(3, 1, 'index', 'html');"]).count == 3


def trs_listing(items: str, current: int, count: int = 4) -> str:
    return f"""<html><body>
    <div class="side"><ul><li><a href="/hot/t20250101_1.html">郧西热点新闻一</a><span>01-01</span></li>
    <li><a href="/hot/t20250102_2.html">郧西热点新闻二</a><span>01-02</span></li>
    <li><a href="/hot/t20250103_3.html">郧西热点新闻三</a><span>01-03</span></li></ul></div>
    <ul class="list-news">{items}</ul>
    <div id="page_div"><script>createPageHTML({count}, {current}, "index", "shtml");</script></div>
    </body></html>"""


ITEM = '<li><a href="./202504/t20250418_{n}.shtml" title="标题{n}">标题{n}</a><span>2025-04-18</span></li>'


def test_trs_listing_follows_the_script_pager_and_stops_at_the_count():
    url = "http://www.example.gov.cn/xwzx/yxyw/"
    first = TrsListingPage.from_response(html_response(url, trs_listing(ITEM.format(n=1), 0)))
    assert first.next_page() == url + "index_1.shtml"
    assert first.total_pages() == 4
    assert [link.url for link in first.article_links] == [url + "202504/t20250418_1.shtml"]
    last = TrsListingPage.from_response(
        html_response(url + "index_3.shtml", trs_listing(ITEM.format(n=9), 3))
    )
    assert last.next_page() is None


def test_trs_empty_stub_page_has_no_next_page_and_the_spider_stops_quietly():
    url = "http://www.example.gov.cn/xwzx/yxyw/index_2.shtml"
    stub = html_response(url, trs_listing("", 2, count=6), **listing_meta("trs", page_number=3))
    assert TrsListingPage.from_response(stub).is_stub
    assert TrsListingPage.from_response(stub).next_page() is None
    spider = portal_spider("trs")
    assert list(spider.parse_listing(stub)) == []
    stats = spider.crawler.stats
    assert stats.get_value("govcrawl/pagination_stopped/empty_page") == 1
    assert stats.get_value("govcrawl/listing_pages_without_links") is None


def test_trs_article_body_in_either_editor_container():
    for container in ('class="TRS_Editor"', 'class="trs_editor_view TRS_UEDITOR"'):
        page = TrsArticlePage.from_html(
            f"""<html><body><div class="article-title"><h1>郧西召开会议</h1></div>
            <div class="article-info"><span>发布时间：2025-04-18 16:42</span><span>来源：县融媒体中心</span></div>
            <div class="article-content"><div {container}><p>会议指出，要稳中求进。</p>
            <p>（责任编辑：柯文静）</p></div></div><div class="xgwz"><p>相关链接</p></div>
            </body></html>""",
            "http://www.example.gov.cn/xwzx/yxyw/202504/t20250418_1.shtml",
        )
        fields = page.fields()
        assert fields["extractor"] == "trs"
        assert fields["text"] == "会议指出，要稳中求进。"
        assert fields["contributors"] == [{"role": "责任编辑", "name": "柯文静"}]
        assert clean_article(fields)["published_at"] == "2025-04-18T16:42:00+08:00"


# --- Hanweb ------------------------------------------------------------------------------

RECORD = (
    '<record><![CDATA[<li><a href="/art/2025/4/{d}/art_1683803_{n}.html" title="标题{n}">'
    "标题{n}</a><span>2025-04-{d:02d}</span></li>]]></record>"
)
NEXTGROUP = (
    '<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&webid=2&path=/'
    '&columnid=1683803&unitid=5617408&webname=天台&permissiontype=0"></a>]]></nextgroup>'
)


def hanweb_column(records: int, config: str = "perPage: 3, totalRecord: 8") -> str:
    rows = "".join(RECORD.format(d=20 - i, n=100 + i) for i in range(records))
    return f"""<html><body><ul class="hot"><li><a href="/art/2025/1/1/art_1_1.html">热点</a>
    <span>2025-01-01</span></li><li><a href="/art/2025/1/2/art_1_2.html">热点2</a>
    <span>2025-01-02</span></li><li><a href="/art/2025/1/3/art_1_3.html">热点3</a>
    <span>2025-01-03</span></li><li><a href="/art/2025/1/4/art_1_4.html">热点4</a>
    <span>2025-01-04</span></li></ul>
    <div id="5617408"><script type="text/xml"><datastore>{NEXTGROUP}<recordset>{rows}
    </recordset></datastore></script><script>$("#5617408").jpage({{{config}}});</script></div>
    </body></html>"""


def test_hanweb_datastore_records_inside_a_script_and_in_a_proxy_reply():
    inline = parse_datastore(hanweb_column(2))
    assert len(inline.records) == 2 and inline.total is None
    assert "columnid=1683803" in inline.nextgroup and "&amp;" not in inline.nextgroup
    reply = parse_datastore(
        '<?xml version="1.0"?><datastore><totalrecord>45</totalrecord><totalpage>3</totalpage>'
        f"<recordset>{RECORD.format(d=1, n=7)}</recordset></datastore>"
    )
    assert reply.total == 45 and reply.records[0].startswith("<li><a href=")
    assert parse_datastore("<html><body>no records</body></html>") is None


def test_hanweb_column_page_lists_the_inline_records_not_the_hot_list():
    url = "https://www.example.gov.cn/col/col1683803/index.html"
    page = HanwebListingPage.from_response(html_response(url, hanweb_column(3)))
    assert [link.url for link in page.article_links] == [
        f"https://www.example.gov.cn/art/2025/4/{20 - i}/art_1683803_{100 + i}.html"
        for i in range(3)
    ]
    assert page.article_links[0].date == "2025-04-20"
    assert page.next_page() == (
        "https://www.example.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=4&endrecord=6"
        "&perpage=3&columnid=1683803&unitid=5617408&webid=2"
    )
    assert page.total_pages() == 3


def test_hanweb_record_ranges_continue_until_totalrecord():
    base = "https://www.example.gov.cn/module/web/jpage/dataproxy.jsp?"
    ids = "&perpage=3&columnid=1683803&unitid=5617408&webid=2"
    reply = "<datastore><totalrecord>8</totalrecord><recordset>{}</recordset></datastore>"
    middle = HanwebListingPage.from_response(
        text_response(f"{base}startrecord=4&endrecord=6{ids}", reply.format(RECORD * 3))
    )
    assert middle.next_page() == f"{base}startrecord=7&endrecord=9{ids}"
    last = HanwebListingPage.from_response(
        text_response(f"{base}startrecord=7&endrecord=9{ids}", reply.format(RECORD * 2))
    )
    assert last.next_page() is None
    # The whole column inline (total known from the jpage config): no proxy request at all.
    url = "https://www.example.gov.cn/col/col1683803/index.html"
    alone = hanweb_column(2, config="perPage: 15, totalRecord: 2")
    assert HanwebListingPage.from_response(html_response(url, alone)).next_page() is None


def test_hanweb_spider_requests_ranges_then_articles():
    spider = portal_spider("hanweb")
    url = "https://www.example.gov.cn/col/col1683803/index.html"
    requests = list(spider.parse_listing(html_response(url, hanweb_column(3),
                                                       **listing_meta("hanweb"))))
    assert [r.callback for r in requests] == [spider.parse_article] * 3 + [spider.parse_listing]
    assert "startrecord=4&endrecord=6" in requests[-1].url
    assert requests[-1].meta[LISTING_META].page_number == 2


def test_hanweb_article_markers_give_title_source_and_body_and_maketime_is_ignored():
    page = HanwebArticlePage.from_html(
        """<html><head><meta charset="utf-8"><meta name="Maketime" content="2025-05-06 03:12:40"></head><body>
        <p class="x"> <!--<$[标题]>begin-->天台召开大会<!--<$[标题]>end--></p>
        <div class="small-title"><span>发布日期：2025-04-18</span>
        <span>信息来源：<!--<$[信息来源]>begin-->县融媒体中心<!--<$[信息来源]>end--></span></div>
        <div class="main-txt"><!--<$[信息内容]>begin--><p>　　会议提出持续优化营商环境。</p>
        <p>附件：<a href="/module/download/downfile.jsp?classid=0&amp;filename=2504.pdf">要点.pdf</a></p>
        <!--<$[信息内容]>end--></div><div class="share">分享到：</div></body></html>""",
        "https://www.example.gov.cn/art/2025/4/18/art_1683803_59287415.html",
    )
    fields = page.fields()
    assert (fields["title"], fields["source"], fields["extractor"]) == (
        "天台召开大会", "县融媒体中心", "hanweb")
    assert fields["text"] == "会议提出持续优化营商环境。\n附件：要点.pdf"
    assert fields["attachments"] == [{
        "url": "https://www.example.gov.cn/module/download/downfile.jsp?classid=0&filename=2504.pdf",
        "name": "要点.pdf"}]
    assert clean_article(fields)["published_date"] == "2025-04-18"
    assert all(raw != "2025-05-06 03:12:40" for _, raw in fields["date_candidates"])


# --- gkmlpt ------------------------------------------------------------------------------

SHELL = """<html><head><script>
window._CONFIG = { SID: '762017', SERVICE_AREA_ID: 441623,
  TREE: [{"id": 1073, "name": "政策文件", "children": [{"id": 1076, "name": "规范性文件",
  "children": [], "post_count": 5}]}, {"id": 1080, "name": "政策解读", "children": []}],
  DETAIL: null };
</script></head><body><div id="app"></div></body></html>"""


def test_gkmlpt_config_gives_sid_and_column_tree():
    config = parse_config(SHELL)
    assert config.sid == "762017"
    assert config.column("1076")["name"] == "规范性文件"
    assert config.column("1080")["name"] == "政策解读"
    assert config.column("9999") is None
    assert parse_config("<html><script>var x = 1;</script></html>") is None


def api_page(ids: list[int], post_count: int = 5) -> str:
    articles = [
        {"id": i, "title": f"文件{i}", "url": f"http://www.example.gov.cn/gkmlpt/content/0/{i // 1000}/post_{i}.html#1076",
         "display_publish_time": 1744769520}  # 2025-04-16 10:12 in Asia/Shanghai
        for i in ids
    ]
    return json.dumps({"classify": {"post_count": post_count}, "articles": articles})


API = "http://www.example.gov.cn/gkmlpt/api/all/1076?page={}&sid=762017"


def test_gkmlpt_api_page_links_and_stop_rules():
    first = GkmlptListingPage.from_response(text_response(API.format(1), api_page([11, 12])))
    assert [link.url for link in first.article_links] == [
        "http://www.example.gov.cn/gkmlpt/content/0/0/post_11.html",
        "http://www.example.gov.cn/gkmlpt/content/0/0/post_12.html",
    ]
    assert first.article_links[0].date == "2025-04-16 10:12:00"
    assert first.next_page() == API.format(2)
    assert first.total_pages() == 3
    done = GkmlptListingPage.from_response(
        text_response(API.format(3), api_page([15])),
        ListingContext(carried={"seen": 4, "ids": [13, 14]}),
    )
    assert done.seen() == 5 and done.next_page() is None
    repeated = GkmlptListingPage.from_response(
        text_response(API.format(2), api_page([11, 12], 500)),
        ListingContext(carried={"ids": ["11", "12"]}),
    )
    assert repeated.repeats_previous and repeated.article_links == []
    assert repeated.next_page() is None
    empty = GkmlptListingPage.from_response(text_response(API.format(9), api_page([], 500)))
    assert empty.next_page() is None


def gkmlpt_spider():
    return portal_spider("gkmlpt")


def test_gkmlpt_spider_goes_shell_then_api_pages_carrying_progress():
    spider = gkmlpt_spider()
    shell_url = "http://www.example.gov.cn/gkmlpt/policy#1076"
    (api_request,) = spider.parse_listing(html_response(shell_url, SHELL,
                                                        **listing_meta("gkmlpt")))
    assert api_request.url == API.format(1)
    assert api_request.callback == spider.parse_listing
    assert spider.crawler.stats.get_value("govcrawl/listing_pages") is None  # shell not counted
    response = text_response(api_request.url, api_page([11, 12]), **api_request.meta)
    requests = list(spider.parse_listing(response))
    assert [r.callback for r in requests] == [spider.parse_article] * 2 + [spider.parse_listing]
    assert requests[-1].meta[LISTING_META].carried == {"seen": 2, "ids": ["11", "12"]}
    repeat = text_response(requests[-1].url, api_page([11, 12], 500), **requests[-1].meta)
    assert list(spider.parse_listing(repeat)) == []
    assert spider.crawler.stats.get_value("govcrawl/pagination_stopped/repeated_page") == 1


def test_gkmlpt_shell_without_fragment_lists_every_column_and_without_sid_is_an_error():
    spider = gkmlpt_spider()
    url = "http://www.example.gov.cn/gkmlpt/index"
    (request,) = spider.parse_listing(html_response(url, SHELL, **listing_meta("gkmlpt")))
    assert request.url == "http://www.example.gov.cn/gkmlpt/api/all/0?page=1&sid=762017"
    assert list(spider.parse_listing(html_response(url, "<html></html>",
                                                   **listing_meta("gkmlpt")))) == []
    assert spider.crawler.stats.get_value("govcrawl/no_listing/gkmlpt_no_config") == 1


def test_gkmlpt_metadata_table_becomes_the_document_and_the_publication_date():
    page = GkmlptArticlePage.from_html(
        """<html><body><div class="classify"><table>
        <tr><td>索引号：</td><td>007288/2025-00874</td><td>分类：</td><td>综合政务</td></tr>
        <tr><td>发布机构：</td><td>连平县人民政府办公室</td><td>成文日期：</td><td>2025-04-10</td></tr>
        <tr><td>名称：</td><td>关于印发方案的通知</td></tr>
        <tr><td>文号：</td><td>连府办〔2025〕9号</td><td>发布日期：</td><td>2025-04-16</td></tr>
        <tr><td>主题词：</td><td></td></tr></table></div>
        <h1 class="title">关于印发方案的通知</h1>
        <div class="article-content"><p>各镇人民政府：</p><p>2025年4月10日</p></div>
        </body></html>""",
        "http://www.example.gov.cn/gkmlpt/content/5/5219/post_5219874.html",
    )
    fields = page.fields()
    assert page.metadata["主题词"] == ""
    record = clean_article(fields)
    assert record["document"] == {
        "index_number": "007288/2025-00874",
        "document_number": "连府办〔2025〕9号",
        "publisher": "连平县人民政府办公室",
        "signed_date": "2025-04-10",
    }
    assert record["published_date"] == "2025-04-16"  # 发布日期, not 成文日期
    assert (record["source"], record["extractor"]) == ("连平县人民政府办公室", "gkmlpt")


def test_gkmlpt_replica_detail_page_gives_its_document(tmp_path):
    from tests.conftest import FIXTURES

    path = FIXTURES / "gd_lianping/pages/www.lianping.gov.cn/gkmlpt/content/5/5203/post_5203558.html"
    url = "http://www.lianping.gov.cn/gkmlpt/content/5/5203/post_5203558.html"
    record = clean_article(GkmlptArticlePage.from_html(path.read_bytes(), url).fields())
    assert record["document"]["document_number"] == "连卫健〔2025〕4号"
    assert record["document"]["signed_date"] == "2025-03-18"
    assert record["published_date"] == "2025-03-21"


# --- generic -----------------------------------------------------------------------------


def test_generic_spider_follows_the_next_link_of_the_main_list():
    spider = portal_spider("generic", region=Region("611025", "陕西省", "商洛市", "镇安县"))
    body = """<html><body><ul class="hot"><li><a href="/hot.htm">热门</a></li></ul><table>
    <tr><td><a href="/n/c2.htm">镇安新闻第二条</a></td><td>2025-04-17</td></tr>
    <tr><td><a href="/n/c1.htm">镇安新闻第一条</a></td><td>2025-04-14</td></tr></table>
    <div class="pager"><a href="/n/2.htm">下一页</a></div></body></html>"""
    requests = list(spider.parse_listing(html_response(
        "http://www.example.gov.cn/n.htm", body, **listing_meta("generic"))))
    assert [r.url for r in requests] == [
        "http://www.example.gov.cn/n/c2.htm",
        "http://www.example.gov.cn/n/c1.htm",
        "http://www.example.gov.cn/n/2.htm",
    ]
    assert spider.portal.platform == "generic"
