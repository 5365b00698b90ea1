"""Main lists of templates no one here has seen (issue 10 §1–2), each on a page written here.

Every page carries a menu and a hot list of links (the usual distractors) around the list.
"""

from __future__ import annotations

from govcrawl.extraction.saved import extract_listing

URL = "http://www.example.gov.cn/xwzx/gzdt/index.html"
BASE = "http://www.example.gov.cn/xwzx/gzdt/"
CHROME = (
    "<div class=nav><ul><li><a href=/zwgk/>政务公开栏目</a></li><li><a href=/bsfw/>办事服务栏目</a></li>"
    "<li><a href=/hdjl/>互动交流栏目</a></li><li><a href=/zjbx/>走进本县栏目</a></li></ul></div>"
    "<div class=side><h3>热点信息</h3><ul><li><a href=/rd/1.html>热点文章一篇</a></li>"
    "<li><a href=/rd/2.html>热点文章两篇</a></li><li><a href=/rd/3.html>热点文章三篇</a></li></ul></div>"
)


def listing(main: str) -> dict:
    html = f"<html><head><meta charset=utf-8></head><body>{CHROME}<div>{main}</div></body></html>"
    return extract_listing(html.encode(), URL)


def urls(result: dict) -> list[str]:
    return [link["url"].removeprefix(BASE) for link in result["article_links"]]


def day(n: int) -> str:
    """The n-th newest day of a column (newest first, as lists show them)."""
    return f"2020-{4 - n // 28:02d}-{28 - n % 28:02d}"


def test_one_list_split_into_blocks_shown_page_by_page_is_taken_whole():
    """15 `<ul>` of 5 items (a script shows one at a time) are one list of 75, in order."""
    blocks = "".join(
        f"<ul class='list{' on' if b == 0 else ''}' id=p{b}"
        f"{'' if b == 0 else ' style=display:none'}>"
        + "".join(
            f"<li><a href='./c/{b * 5 + i}.html'>县里召开第{b * 5 + i}次工作会议</a>"
            f"<span>{day(b * 5 + i)}</span></li>"
            for i in range(5)
        )
        + "</ul>"
        for b in range(15)
    )
    result = listing(f"<div class=main>{blocks}<div class=page><a>1</a><a>2</a></div></div>")
    assert urls(result) == [f"c/{n}.html" for n in range(75)]
    assert [link["date"] for link in result["article_links"]] == [day(n) for n in range(75)]


def test_one_block_per_date_group_is_one_list_dated_by_its_heading():
    groups = "".join(
        f"<div class=day><h3>{day(d)}</h3><ul>"
        + "".join(f"<li><a href='./c/{d}_{i}.html'>第{d}天发布的第{i}篇文章</a></li>" for i in range(3))
        + "</ul></div>"
        for d in range(4)
    )
    result = listing(f"<div class=main>{groups}</div>")
    assert urls(result) == [f"c/{d}_{i}.html" for d in range(4) for i in range(3)]
    assert [link["date"] for link in result["article_links"]] == [day(d) for d in range(4) for _ in range(3)]


def test_tab_panels_of_several_columns_are_not_one_list():
    """Same-shape panels that each start again from their newest item stay apart: the
    column's own (longer) list wins over a mega-menu of three 4-item tabs."""
    tabs = "".join(
        "<ul class=infoList>"
        + "".join(f"<li><span>{day(i)[5:]}</span><a href='/t{t}/{i}.html'>栏目{t}的第{i}篇文章</a></li>"
                  for i in range(4))
        + "</ul>"
        for t in range(3)
    )
    main = "<ul class=newsList>" + "".join(
        f"<li><a href='./c/{i}.html'>本栏目的第{i}篇文章标题</a><span>{day(i)}</span></li>" for i in range(10)
    ) + "</ul>"
    result = listing(f"<div class=menu><div class=bd>{tabs}</div></div><div class=main>{main}</div>")
    assert urls(result) == [f"c/{i}.html" for i in range(10)]


def test_row_shapes_date_first_table_rows_and_links_without_class():
    date_first = "<ul>" + "".join(
        f"<li><span>{day(i)}</span><a href='./c/{i}.html'>第{i}篇文章的标题</a></li>" for i in range(5)
    ) + "</ul>"
    table = "<table><tbody><tr><th>序号</th><th>标题</th><th>日期</th></tr>" + "".join(
        f"<tr><td>{i}</td><td><a href='./c/{i}.html' target=_blank>第{i}篇文章的标题</a></td>"
        f"<td>{day(i)}</td></tr>"
        for i in range(5)
    ) + "</tbody></table>"
    for main in (date_first, table):
        result = listing(main)
        assert urls(result) == [f"c/{i}.html" for i in range(5)]
        assert [link["date"] for link in result["article_links"]] == [day(i) for i in range(5)]


def test_a_plain_undated_list_in_a_container_with_no_id_is_the_main_list():
    """No date anywhere: the list whose links read like titles, not the menu's short words."""
    plain = "<div class=box><div><ul>" + "".join(
        f"<li><a href='./202004/t2020042{i}_{i}.html'>全县召开第{i}次春耕生产工作推进会议</a></li>"
        for i in range(6)
    ) + "</ul></div></div>"
    assert urls(listing(plain)) == [f"202004/t2020042{i}_{i}.html" for i in range(6)]


def test_a_menu_of_long_column_names_is_no_undated_list():
    menu = "<ul class=cols>" + "".join(
        f"<li><a href='/lm{i}/'>第{i}个栏目的完整名称</a></li>" for i in range(6)
    ) + "</ul>"
    assert urls(listing(menu)) == []


def test_cut_titles_take_the_full_title_from_the_title_attribute():
    rows = "<ul>" + "".join(
        f"<li><a href='./c/{i}.html' title='关于做好第{i}批春耕生产资金拨付工作的通知'>关于做好第{i}批春耕…</a>"
        f"<em>{day(i)}</em></li>"
        for i in range(3)
    ) + "</ul>"
    titles = [link["title"] for link in listing(rows)["article_links"]]
    assert titles == [f"关于做好第{i}批春耕生产资金拨付工作的通知" for i in range(3)]
