"""Pagers built by scripts (issue 10 §3), each on a page written here: concatenated page
URLs with their variables, page counts in script settings, list APIs, and the rule that a
pager which cannot be resolved gives no next page (never a URL with an empty part)."""

from __future__ import annotations

import pytest
from parsel import Selector

from govcrawl.extraction.listing import ListingPage

URL = "http://www.example.gov.cn/xwzx/gzdt/index.shtml"
BASE = "http://www.example.gov.cn/xwzx/gzdt/"
ITEMS = "<ul>" + "".join(
    f"<li><a href='./202004/t2020042{i}_{i}.html'>第{i}篇文章的标题</a><span>2020-04-2{i}</span></li>"
    for i in range(3)
) + "</ul>"


def page(script: str, pager: str = "", items: str = ITEMS, url: str = URL) -> ListingPage:
    html = f"<html><body>{items}<div class=pager>{pager}</div><script>{script}</script></body></html>"
    return ListingPage(url, Selector(text=html))


@pytest.mark.parametrize(
    ("script", "next_page"),
    [
        # TRS inline variables: 0-based current page, the name and extension as separate literals
        ('var currentPage = 0;//所在页从0开始\nvar countPage = 6//共多少页\n'
         'var nextPage = currentPage + 1;\n'
         'function next(){ location.href = "index" + "_" + nextPage + "." + "shtml"; }',
         "index_1.shtml"),
        # base and extension held in variables the script assigns
        ('var base = "list_"; var ext = ".html";\n'
         'function go(page){ location.href = base + page + ext; }', "list_2.html"),
        # a variable built from other variables
        ('var dir = "./"; var name = dir + "more_";\n'
         'function go(pageNo){ window.location = name + pageNo + ".htm"; }', "more_2.htm"),
        # the script assigns the next page's number itself
        ("var nextPage = 3;\nfunction next(){ location.href = 'index_' + nextPage + '.shtml'; }",
         "index_3.shtml"),
    ],
    ids=["literals-and-next-variable", "base-page-ext", "nested-variables", "assigned-number"],
)
def test_next_page_url_concatenated_from_script_variables(script, next_page):
    got = page(script)
    assert (got.next_page(), got.pager_unresolved) == (BASE + next_page, None)


@pytest.mark.parametrize(
    ("script", "reason"),
    [
        # the name and extension come from variables the page never assigns
        ('function go(nextPage){ location.href = prefix + "_" + nextPage + "." + suffix; }',
         "unresolved_variable"),
        # the literals alone would make `…/_2.`
        ('function go(nextPage){ location.href = "_" + nextPage + "."; }', "empty_part"),
    ],
)
def test_a_pager_that_cannot_be_resolved_gives_no_next_page_and_says_why(script, reason):
    got = page(script)
    assert (got.next_page(), got.pager_unresolved) == (None, reason)


def test_no_script_pager_is_no_unresolved_pager():
    got = page("var x = 1;", "<a href='index_2.shtml'>下一页</a>")
    assert (got.next_page(), got.pager_unresolved) == (BASE + "index_2.shtml", None)


@pytest.mark.parametrize(
    ("setting", "total"),
    [
        ("var countPage = 6;", 6),
        ("var opts = {pageCount: '12', current: 1};", 12),
        ('$(".p").pagination({totalPage: 54});', 54),
        ("var recordCount = 95; var pageSize = 20;", 5),
        ("var config = {'recordCount': 40, 'pageSize': 20};", 2),
    ],
)
def test_page_count_from_script_settings(setting, total):
    script = setting + "\nfunction go(page){ location.href = 'list_' + page + '.html'; }"
    assert page(script).total_pages() == total


def test_script_pager_stops_at_the_last_page_its_settings_count():
    script = ("var recordCount = 40; var pageSize = 20; var currentPage = 2;\n"
              "function go(page){ location.href = 'list_' + page + '.html'; }")
    assert page(script).next_page() is None


# --- lists a script fetches from a JSON/JSONP API -------------------------------------------

SHELL = "<div id=list></div>"  # the list is filled by the script: no links in the HTML


@pytest.mark.parametrize(
    ("script", "first_reply"),
    [
        ('function load(pageNo){ $.ajax({url: "/api/list?columnId=12&page=" + pageNo,'
         ' dataType: "jsonp", success: render}); }\nload(1);',
         "http://www.example.gov.cn/api/list?columnId=12&page=1"),
        ('$.ajax({url: "/common/search/list", type: "get", data: {columnId: "12", pageNo: 1,'
         ' pageSize: 15}, dataType: "json", success: render});',
         "http://www.example.gov.cn/common/search/list?columnId=12&pageSize=15&pageNo=1"),
    ],
    ids=["url-concatenated", "url-and-data"],
)
def test_a_list_filled_from_an_api_gives_the_api_reply_as_next_page(script, first_reply):
    got = page(script, items=SHELL)
    assert (got.article_links, got.next_page()) == ([], first_reply)


def test_a_server_rendered_first_page_continues_with_the_apis_second_reply():
    script = 'function more(page){ $.getJSON("/api/list?columnId=12&page=" + page, render); }'
    assert page(script).next_page() == "http://www.example.gov.cn/api/list?columnId=12&page=2"


def api_reply(url: str, body: str) -> ListingPage:
    from scrapy.http import TextResponse

    response = TextResponse(url, body=body.encode(), encoding="utf-8",
                            headers={"Content-Type": "application/javascript"})
    return ListingPage.from_response(response)


REPLY = ('jsonp_cb({"totalPage": 3, "data": {"list": ['
         + ", ".join(f'{{"docTitle": "第{i}篇文章", "url": "/xwzx/gzdt/202004/t2020042{i}_{i}.html",'
                     f' "pubDate": "2020-04-2{i} 10:00:00"}}' for i in range(3))
         + ']}});')
API = "http://www.example.gov.cn/api/list?columnId=12&page={}&callback=jsonp_cb"


def test_a_jsonp_reply_is_a_listing_page_and_the_next_reply_its_next_page():
    got = api_reply(API.format(1), REPLY)
    assert [(link.url, link.title, link.date) for link in got.article_links] == [
        (f"{BASE}202004/t2020042{i}_{i}.html", f"第{i}篇文章", f"2020-04-2{i}") for i in range(3)]
    assert got.next_page() == API.format(2)
    assert api_reply(API.format(3), REPLY).next_page() is None  # the reply's page count
    empty = api_reply(API.format(2), '{"data": {"list": []}}')
    assert (empty.article_links, empty.next_page()) == ([], None)


def test_markup_a_script_writes_is_no_page_url():
    script = ("function list(){ for (var i = 0; i < 5; i++) {"
              " html += '<li><a href=\"/pic_' + i + '.html\">'; } }\n"
              "function go(page){ location.href = 'list_' + page + '.html'; }")
    assert page(script).next_page() == BASE + "list_2.html"
