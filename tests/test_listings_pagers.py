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
