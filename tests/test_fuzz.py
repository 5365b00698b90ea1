"""Fuzz: hostile and broken input never raises anything but the documented refusal.

Article and listing extraction on random bytes and on real replica pages mutated with
hostile snippets (`http://[`, full-width colons in hosts, control characters in attribute
names, unknown charsets, deep nesting, NUL bytes, invalid UTF-8): a record or `Rejected`.
Dates: `None` or a date. Column URLs: a clean http(s) URL or ValueError. Example counts
are bounded so the whole module runs in seconds; the seed is fixed by hypothesis' database
being off (derandomize), so a failure reproduces.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from urllib.parse import urlsplit

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govcrawl.extraction.dates import date_from_url, parse_date
from govcrawl.extraction.saved import extract_article, extract_listing
from govcrawl.extraction.urls import join_url
from govcrawl.spiders.auto import check_column_url
from pipelines import Rejected
from tests.conftest import FIXTURES

FUZZ = settings(deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
HOSTILE = [
    b'<a href="http://[">x</a>', b'<a href="http://www.a\xef\xbc\x9ab.gov.cn/x.html">x</a>',
    b'<a \x01href="/a.html">x</a>', b'<p \x02x="1">', b'<img src="http://[/a.png">',
    b'<a href="http://h:99999/x.html">x</a>', b'<a href="/f.pdf" \x7ft="1">f.pdf</a>',
    b'<meta charset="rot13">', b'<meta http-equiv="Content-Type" content="text/html; charset=x">',
    b"<div>" * 3000, b"\x00\x00", b"\xff\xfe\xfd", b"\xe4\xb8", b"<!--", b"<script>", b"]]>",
    b"<![CDATA[", b"<title>", b"</html>", b"<style>", b"&#xD800;", b"&#0;", b"<a href='javascript:'>",
    b'<meta name="PubDate" content="2020-13-45 99:99">', "发布时间：二〇二〇年十三月".encode(),
]


def _pages(pattern: str) -> list[tuple[bytes, str]]:
    found = []
    for path in sorted(FIXTURES.glob(f"*/pages/*/{pattern}"))[:40]:
        if path.is_file() and path.suffix in (".html", ".htm", ".shtml"):
            relative = path.relative_to(FIXTURES).parts
            found.append((path.read_bytes(), f"http://{relative[2]}/" + "/".join(relative[3:])))
    return found


ARTICLES = _pages("**/content*/**/*") + _pages("**/t2*.html") + _pages("**/art_*.html")
LISTINGS = _pages("**/index*.html") + _pages("**/list.html")


@st.composite
def mutated(draw, pages: list[tuple[bytes, str]]) -> tuple[bytes, str]:
    """A real page with up to 6 cuts, duplications and hostile insertions."""
    body, url = draw(st.sampled_from(pages))
    for _ in range(draw(st.integers(0, 6))):
        at = draw(st.integers(0, len(body)))
        op = draw(st.sampled_from(["insert", "cut", "repeat"]))
        if op == "insert":
            body = body[:at] + draw(st.sampled_from(HOSTILE)) + body[at:]
        elif op == "cut":
            body = body[:at] + body[at + draw(st.integers(1, 2000)):]
        else:
            body = body[:at] + body[at:at + 200] * draw(st.integers(2, 20)) + body[at:]
    return body, url


def _article_or_rejected(body: bytes | str, url: str) -> None:
    try:
        record = extract_article(body, url)
    except Rejected:
        return
    assert record["url"] == url and record["title"] and record["text"]


@settings(FUZZ, max_examples=120)
@given(mutated(ARTICLES))
def test_mutated_article_pages_give_a_record_or_rejected(page):
    _article_or_rejected(*page)


@settings(FUZZ, max_examples=120)
@given(mutated(LISTINGS))
def test_mutated_listing_pages_give_links_or_rejected(page):
    body, url = page
    try:
        listing = extract_listing(body, url)
    except Rejected:
        return
    for link in listing["article_links"]:
        assert urlsplit(link["url"]).scheme in ("http", "https")


@settings(FUZZ, max_examples=150)
@given(st.one_of(st.binary(max_size=3000), st.text(max_size=1500)),
       st.sampled_from(["http://www.zijin.gov.cn/xw/zwdt/content/post_1.html",
                        "http://www.example.gov.cn/a/b.html"]))
def test_random_input_gives_a_record_or_rejected(body, url):
    _article_or_rejected(body, url)
    with contextlib.suppress(Rejected):
        extract_listing(body, url)


DATE_PIECES = st.sampled_from(["2020", "二〇二〇", "年", "月", "日", "-", "/", ".", ":", "：",
                               "发布时间", "04", "4", "22", "99", "13", "45", "０４", " ", "时",
                               "分", "T", "Z", "+08:00", "成文日期", "日期:"])


@settings(FUZZ, max_examples=400)
@given(st.one_of(st.text(max_size=60), st.lists(DATE_PIECES, max_size=12).map("".join)),
       st.one_of(st.none(), st.integers(-5, 10_000)))
def test_the_date_parser_returns_a_date_or_none(text, year):
    parsed = parse_date(text, default_year=year) if year is not None else parse_date(text)
    if parsed is not None:
        assert isinstance(parsed.date, dt.date)
        assert isinstance(parsed.iso_date(), str)
    found = date_from_url("http://x.gov.cn/" + text)
    assert found is None or isinstance(found.date, dt.date)


HOST_CHARS = st.sampled_from([*list("abc-._0129:[]@%：。 \t\x00\x7f"), "xn--", "政府", "::1"])


@st.composite
def url_like(draw) -> str:
    scheme = draw(st.sampled_from(["http", "https", "HTTP", "ftp", "file", "javascript", ""]))
    userinfo = draw(st.sampled_from(["", "user@", "user:pass@", "@", "a:b:c@"]))
    host = "".join(draw(st.lists(HOST_CHARS, max_size=12)))
    port = draw(st.sampled_from(["", ":", ":0", ":80", ":65535", ":65536", ":99999", ":-1",
                                 ":x", ":８０"]))
    path = draw(st.text(max_size=20))
    return f"{scheme}://{userinfo}{host}{port}/{path}"


@settings(FUZZ, max_examples=400)
@given(st.one_of(st.text(max_size=80), url_like()))
def test_a_column_url_is_accepted_clean_or_refused_with_value_error(url):
    try:
        clean = check_column_url(url)
    except ValueError:
        return
    parts = urlsplit(clean)
    assert parts.scheme in ("http", "https") and parts.hostname
    assert "@" not in parts.netloc
    assert parts.port is None or 0 < parts.port < 65536
    assert not any(ord(c) <= 0x20 or ord(c) == 0x7F for c in clean)


@settings(FUZZ, max_examples=300)
@given(st.one_of(st.text(max_size=60), url_like()))
def test_join_url_never_raises(href):
    joined = join_url("http://www.zijin.gov.cn/xw/index.html", href)
    if joined is not None:
        parts = urlsplit(joined)
        assert parts.port is None or parts.port >= 0


# --- one bad link or attribute costs only itself -------------------------------------------

BAD = ('<a href="http://[">坏链接</a>', '<a href="http://www.a：b.gov.cn/x.html">坏主机</a>',
       '<a href="http://h:99999/x.html">坏端口</a>', '<a \x01bad="1" href="/ok/c.html">控制字符属性的好链接</a>')


def test_a_malformed_link_on_a_listing_costs_only_itself():
    items = "".join(f"<li>{bad}<span>2024-01-02</span></li>" for bad in BAD)
    good = "".join(f'<li><a href="/ok/{n}.html">第{n}篇好文章的标题</a><span>2024-01-0{n}</span></li>'
                   for n in range(1, 4))
    html = f"<html><body><ul class=list>{items}{good}</ul></body></html>"
    links = extract_listing(html.encode(), "http://www.example.gov.cn/xw/index.html")
    urls = {link["url"] for link in links["article_links"]}
    assert {f"http://www.example.gov.cn/ok/{n}.html" for n in range(1, 4)} <= urls
    assert all("[" not in url and "：" not in url and "99999" not in url for url in urls)


def test_a_malformed_image_or_attachment_costs_only_itself():
    body = ("<html><head><title>标题</title></head><body><div class=content><h1>一个标题</h1>"
            '<p>' + "正文内容" * 30 + '</p><img src="http://[/a.png"><img src="/ok.png">'
            '<a href="http://a：b/f.pdf">坏附件.pdf</a><a href="/files/ok.pdf">好附件.pdf</a>'
            "</div></body></html>")
    record = extract_article(body.encode(), "http://www.example.gov.cn/xw/a.html")
    assert [i["url"] for i in record["images"]] == ["http://www.example.gov.cn/ok.png"]
    assert [a["url"] for a in record["attachments"]] == ["http://www.example.gov.cn/files/ok.pdf"]
