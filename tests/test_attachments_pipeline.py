"""AttachmentsPipeline through the real Scrapy engine, against a loopback HTTP server that
serves written pages and attachment files the test generates.

The crawl runs in a subprocess (a Twisted reactor cannot restart in one process) with the
project's settings and its real clean → validate → JSONL pipelines after ours.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from govcrawl.attachments.pipeline import AttachmentsPipeline, is_pointer_page, stored_path
from govcrawl.record import schema_errors
from tests.test_attachments_reader import NOTICE, make_docx, make_pdf, make_xlsx

ROOT = Path(__file__).resolve().parents[1]
MAXSIZE = 200_000

SPIDER = '''
import json
from pathlib import Path

import scrapy
from govcrawl.items import ArticleItem

class AttachmentPages(scrapy.Spider):
    """Reads the written pages: h1 title, #content paragraphs, #content links as attachments."""
    name = "gd_attachtest"
    custom_settings = {"ITEM_PIPELINES": {
        "govcrawl.attachments.pipeline.AttachmentsPipeline": 50,
        "pipelines.clean.CleanPipeline": 100,
        "pipelines.validate.ValidatePipeline": 200,
        "pipelines.jsonl.JsonLinesPipeline": 800,
    }}

    def __init__(self, base, **kwargs):
        super().__init__(**kwargs)
        self.start_urls = [base + "/news/1.html", base + "/news/2.html"]

    def parse(self, response):
        yield ArticleItem(
            url=response.url, portal=self.name, site_name="测试县人民政府", region=None,
            channel="通知公告", breadcrumb=[], title=response.css("h1::text").get(),
            date_candidates=[("page", "2024-11-20")], source=None, contributors=[],
            text="\\n".join(response.css("#content p ::text").getall()), images=[],
            attachments=[{"url": response.urljoin(a.attrib["href"]), "name": a.css("::text").get()}
                         for a in response.css("#content a")],
            document=None, extractor="generic",
        )

    def closed(self, reason):  # a plain spider has no PortalRun manifest: dump the stats
        output = Path(self.settings["GOVCRAWL_OUTPUT_DIR"])
        stats = {k: v for k, v in self.crawler.stats.get_stats().items() if isinstance(v, int)}
        (output / "stats.json").write_text(json.dumps(stats))
'''


def page(title: str, paragraphs: list[str], links: dict[str, str]) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    body += "".join(f'<p><a href="{href}">{name}</a></p>' for href, name in links.items())
    html = f'<html><head><meta charset="utf-8"></head><body><h1>{title}</h1><div id="content">{body}</div></body></html>'
    return html.encode()


def site() -> dict[str, tuple[str, bytes]]:
    pdf = make_pdf([NOTICE])
    return {
        "/news/1.html": (
            "text/html; charset=utf-8",
            page(
                "关于公布2024年检查结果的通知",
                ["经县人民政府同意，现将2024年度检查结果予以公布。", "各单位要对照问题认真整改。"],
                {
                    "/files/download.jsp?id=1": "检查通知.pdf",  # a name in no way from the URL
                    "/files/2.xlsx": "名单.xlsx",
                    "/files/3.docx": "表格.docx",
                    "/files/broken.pdf": "损坏.pdf",
                    "/files/big.zip": "资料包.zip",
                    "/files/missing.doc": "缺失.doc",
                },
            ),
        ),
        "/news/2.html": (
            "text/html; charset=utf-8",
            page(
                "关于开展安全生产检查的通知", ["详见附件："], {"/files/again.pdf": "检查通知.pdf"}
            ),
        ),
        "/files/download.jsp": ("application/octet-stream", pdf),
        "/files/again.pdf": ("application/pdf", pdf),  # the same bytes: stored once
        "/files/2.xlsx": ("application/vnd.ms-excel", make_xlsx([["姓名", "得分"], ["张三", 90]])),
        "/files/3.docx": (
            "application/octet-stream",
            make_docx(["附表说明。"], [["单位", "人数"]]),
        ),
        "/files/broken.pdf": ("application/pdf", b"%PDF-1.7\n" + b"\x00garbage" * 50),
        "/files/big.zip": ("application/zip", b"PK\x03\x04" + b"\x00" * (MAXSIZE * 2)),
    }


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    files = site()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            content_type, body = files.get(self.path.split("?")[0], ("text/plain", b""))
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def crawl(server, tmp_path_factory) -> tuple[Path, dict[str, dict], dict]:
    folder = tmp_path_factory.mktemp("crawl")
    (folder / "spider.py").write_text(SPIDER, "utf-8")
    output = folder / "output"
    settings = {
        "GOVCRAWL_OUTPUT_DIR": output,
        "GOVCRAWL_SEEN_STORE": "",
        "GOVCRAWL_ATTACHMENTS": "1",
        "GOVCRAWL_ATTACHMENT_MAXSIZE": MAXSIZE,
        "FILES_STORE": folder / "files",
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": 0,
        "GOVCRAWL_RUN_ID": "20241120T000000Z",
        # The test site is a loopback origin server, which the address guard refuses.
        "GOVCRAWL_ALLOWED_NETWORKS": "127.0.0.0/8",
    }
    args = [arg for name, value in settings.items() for arg in ("-s", f"{name}={value}")]
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "scrapy",
            "runspider",
            str(folder / "spider.py"),
            "-a",
            f"base={server}",
            *args,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    lines = (output / "gd_attachtest" / "20241120T000000Z.jsonl").read_text("utf-8").splitlines()
    records = {json.loads(line)["title"]: json.loads(line) for line in lines}
    return folder, records, json.loads((output / "stats.json").read_text())


def test_records_carry_each_attachments_text_or_reason(crawl):
    _, records, _ = crawl
    record = records["关于公布2024年检查结果的通知"]
    assert schema_errors(record) == []
    found = {a["name"]: a for a in record["attachments"]}
    assert found["检查通知.pdf"]["text"] == "\n".join(NOTICE)
    assert found["名单.xlsx"]["text"] == "[名单]\n姓名 | 得分\n张三 | 90"
    assert found["表格.docx"]["text"] == "附表说明。\n单位 | 人数"
    assert {n: a["read_error"] for n, a in found.items()} == {
        "检查通知.pdf": None,
        "名单.xlsx": None,
        "表格.docx": None,
        "损坏.pdf": "broken_file",
        "资料包.zip": "too_large",
        "缺失.doc": "download_failed",
    }
    assert found["检查通知.pdf"]["size"] > 0 and len(found["检查通知.pdf"]["sha256"]) == 64
    assert found["资料包.zip"]["sha256"] is None


def test_failures_are_counted_not_fatal(crawl):
    _, records, stats = crawl
    assert len(records) == 2 and stats.get("govcrawl/dropped", 0) == 0
    assert stats["govcrawl/attachments/read"] == 4
    assert stats["govcrawl/attachments/broken_file"] == 1
    assert stats["govcrawl/attachments/too_large"] == 1
    assert stats["govcrawl/attachments/download_failed"] == 1


def test_files_are_stored_by_content_hash_once(crawl):
    folder, records, _ = crawl
    stored = sorted(
        p.relative_to(folder / "files").as_posix()
        for p in (folder / "files").rglob("*")
        if p.is_file()
    )
    pdf = next(
        a
        for a in records["关于公布2024年检查结果的通知"]["attachments"]
        if a["name"] == "检查通知.pdf"
    )
    assert stored_path(pdf["sha256"], "pdf") in stored
    # The same PDF under two URLs is one file; nothing is named after a URL or a link text.
    assert len(stored) == 4  # pdf, xlsx, docx, the broken pdf
    assert not any("download" in p or "检查" in p or "broken" in p for p in stored)


def test_a_pointer_page_stays_one_record_with_the_attachments_text(crawl):
    _, records, stats = crawl
    record = records["关于开展安全生产检查的通知"]
    assert record["text"] == "详见附件：\n检查通知.pdf\n" + "\n".join(NOTICE)
    assert record["attachments"][0]["text"] == "\n".join(NOTICE)
    assert stats["govcrawl/attachments/pointer_pages"] == 1


def test_pointer_pages_are_told_from_articles():
    assert is_pointer_page("附件：关于开展检查的通知.pdf", ["关于开展检查的通知.pdf"])
    assert is_pointer_page("详见附件。\n点击下载", [])
    assert not is_pointer_page("经县人民政府同意，现将2024年度检查结果予以公布。", [])


def test_only_web_links_are_requested_once_each():
    item = {
        "attachments": [
            {"url": "javascript:void(0)", "name": "打印"},
            {"url": "http://a.gov.cn/f/1.pdf", "name": "附件1"},
            {"url": "http://a.gov.cn/f/1.pdf", "name": "附件1（重复）"},
        ]
    }
    assert AttachmentsPipeline._unique_attachments(item) == {
        "http://a.gov.cn/f/1.pdf": "附件1（重复）"
    }
