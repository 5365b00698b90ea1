"""Platform detection: URL shapes and page markers of each platform, evidence, confidence."""

from __future__ import annotations

import importlib
import json
import pkgutil

import pytest

import govcrawl.platforms as platforms_package
from govcrawl.cli import main
from govcrawl.extraction.article import ArticlePage
from govcrawl.platforms import GENERIC, PLATFORM_MODULES, platforms
from govcrawl.platforms.detect import detect_platform
from govcrawl.registry.portals import registry
from govcrawl.replay.server import RecordedSites
from tests.conftest import FIXTURES, PORTALS


def page(body: str, head: str = "") -> str:
    return f'<html><head><meta charset="utf-8">{head}</head><body>{body}</body></html>'


def links(*hrefs: str) -> str:
    return "".join(f'<li><a href="{href}">标题</a><span>2024-01-02</span></li>' for href in hrefs)


@pytest.mark.parametrize(("url", "platform", "evidence"), [
    ("http://www.x.gov.cn/xw/zwdt/content/post_689377.html", "gd_jyh", "/content/post_<id>.html"),
    ("http://www.x.gov.cn/gkmlpt/content/2/2868/post_2868836.html", "gkmlpt", "/gkmlpt/"),
    ("http://www.x.gov.cn/gkmlpt/policy#1076", "gkmlpt", "/gkmlpt/"),
    ("https://www.x.gov.cn/xrmzf/c108508/pc/list.html", "ucap", "/pc/list.html"),
    ("https://www.x.gov.cn/xrmzf/c1/pc/content/1984051507287396352/content_1984051507287396352"
     ".html", "ucap", "content_<id>.html"),
    ("http://www.x.gov.cn/xxgk/202004/t20200422_123456.html", "trs", "t<YYYYMMDD>_<id>.html"),
    ("http://www.x.gov.cn/col/col1621004/index.html", "hanweb", "/col/col<N>/"),
    ("http://www.x.gov.cn/art/2016/11/22/art_1621004_30332664.html", "hanweb", "art_<col>_<id>"),
])
def test_url_shape_alone_names_the_platform(url, platform, evidence):
    detection = detect_platform(url)
    assert detection.platform == platform
    assert 0.5 <= detection.confidence <= 1
    assert any(evidence in line for line in detection.evidence)


@pytest.mark.parametrize(("html", "platform", "evidence"), [
    (page("<script>window._CONFIG = {HOST: 'x', SID: '762001', TREE: []};</script>"),
     "gkmlpt", "window._CONFIG with SID"),
    (page('<script type="text/xml"><datastore><recordset><record><![CDATA[<li><a href="/art/2024/'
          '1/2/art_1_2.html">a</a></li>]]></record></recordset></datastore></script>'),
     "hanweb", "<datastore>"),
    (page(links("./202401/t20240102_1.html", "./202401/t20240103_2.html")
          + '<script>createPageHTML(12, 0, "index", "html");</script>'),
     "trs", "createPageHTML"),
    (page(links("content/post_1.html", "content/post_2.html", "content/post_3.html")),
     "gd_jyh", "3 links to content/post_<id>.html"),
    (page(links("/s/c1/pc/content/11/content_11.html", "/s/c1/pc/content/12/content_12.html")),
     "ucap", "2 links to pc/content"),
    (page('<div class="TRS_Editor"><p>正文</p></div>'), "trs", "div.TRS_Editor"),
])
def test_page_markers_name_the_platform_of_a_saved_page(html, platform, evidence):
    detection = detect_platform("file:///tmp/saved.html", html)
    assert detection.platform == platform
    assert any(evidence in line for line in detection.evidence), detection.evidence


def test_url_and_page_evidence_add_up():
    html = page(links("content/post_1.html", "content/post_2.html"))
    url_only = detect_platform("http://x.gov.cn/xw/content/post_9.html")
    both = detect_platform("http://x.gov.cn/xw/content/post_9.html", html)
    assert both.platform == url_only.platform == "gd_jyh"
    assert both.confidence > url_only.confidence
    assert len(both.evidence) == 2


def test_rival_evidence_lowers_confidence_and_is_shown():
    html = page(links("content/post_1.html", "content/post_2.html") + "<script>createPageHTML(3, 0,"
                ' "index", "html");</script>')
    detection = detect_platform("http://x.gov.cn/xw/content/post_9.html", html)
    clean = detect_platform("http://x.gov.cn/xw/content/post_9.html",
                            page(links("content/post_1.html", "content/post_2.html")))
    assert detection.platform == "gd_jyh"
    assert detection.confidence < clean.confidence
    assert any("createPageHTML" in line and "trs" in line for line in detection.evidence)


def test_one_navigation_link_is_not_evidence():
    html = page(links("/gkmlpt/content/1/1000/post_1000000.html", "/about.html"))
    detection = detect_platform("http://x.gov.cn/news/list.htm", html)
    assert detection.platform == GENERIC
    assert detection.evidence == ["no platform rule matched"]


def test_site_id_code_gives_the_region_code_and_gbk_pages_decode():
    html = page("<p>新闻</p>", '<meta name="siteidcode" content="4416210001">').encode("gbk")
    detection = detect_platform("http://www.zijin.gov.cn/xw/zwdt/index.html", html)
    assert (detection.site_id_code, detection.region_code) == ("4416210001", "441621")
    assert detect_platform("http://x/", page("", '<meta name="SiteIDCode" content="bm01">')
                           ).region_code is None


def test_every_replica_is_detected_as_its_declared_platform_from_its_column_page():
    sites = RecordedSites(FIXTURES)
    for name in PORTALS:
        row = registry()[name]
        for column in row.columns:
            host, _, path = column.url.split("://", 1)[1].partition("/")
            body = sites.resolve(host, "/" + path).body
            declared = "generic" if column.platform == "auto" else column.platform
            assert detect_platform(column.url, body).platform == declared, column.url


def test_every_platform_folder_is_registered_once_under_its_own_id():
    folders = {info.name for info in pkgutil.iter_modules(platforms_package.__path__)
               if info.ispkg}
    assert set(PLATFORM_MODULES) == folders
    for module in PLATFORM_MODULES:
        platform = importlib.import_module(f"govcrawl.platforms.{module}").PLATFORM
        assert platform.id == module == platforms()[module].id
        if platform.article_page is not ArticlePage:
            assert platform.article_page.extractor == platform.id


def test_cli_detect_prints_platform_evidence_and_region_of_a_saved_page(tmp_path, capsys):
    saved = tmp_path / "list.html"
    saved.write_bytes(page(links("content/post_1.html", "content/post_2.html"),
                           '<meta name="SiteIDCode" content="4416210001">').encode())
    assert main(["detect", str(saved)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("gd_jyh (confidence ")
    assert "  - 2 links to content/post_<id>.html" in out
    assert any("region code 441621" in line for line in out)
    assert main(["detect", "http://x.gov.cn/col/col12/index.html", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["platform"] == "hanweb" and shown["evidence"] == ["URL matches /col/col<N>/"]


def test_cli_detect_of_a_missing_file_is_one_error_line(tmp_path, capsys):
    assert main(["detect", str(tmp_path / "absent.html")]) == 1
    assert capsys.readouterr().err.startswith("error: cannot read")
