"""`govcrawl record`: save what a crawl of a portal fetches as a fixture in the replay layout.

For a maintainer with network: one command turns a real portal (or one column of it) into
a test. The crawl runs as usual (listing pages up to `--max-pages`, the first `--articles`
articles), and `RecordResponses` writes every response it receives — bytes as served, after
decompression, never re-encoded — to `<dir>/<name>/pages/<host>/<file>` (the file the
replay server maps the URL to), with a `.headers` sidecar keeping its status and
Content-Type; each redirect it followed becomes a sidecar with its status and Location. The
run's records become `expected.jsonl`, to be checked by eye before the fixture is trusted.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response

from govcrawl.maintain import crawl_in_subprocess, written_records
from govcrawl.replay.server import file_name_for
from govcrawl.spiders.base import ARTICLE_META

# Headers worth keeping for a faithful replay (the rest are the server's business).
KEPT_HEADERS = ("Content-Type", "Location", "Set-Cookie", "Last-Modified", "ETag")


def fixture_file(root: Path, url: str) -> Path:
    """Where the page of `url` is saved under a portal's `pages/` folder."""
    parts = urlsplit(url)
    return root / (parts.hostname or "unknown") / file_name_for(parts.path or "/", parts.query)


class RecordResponses:
    """Downloader middleware saving responses while `GOVCRAWL_RECORD_DIR` is set.

    It sits after decompression (priority 580, below HttpCompressionMiddleware's 590), where
    redirects are already followed: the hops are rebuilt from `redirect_urls` and
    `redirect_reasons`. Article requests beyond `GOVCRAWL_RECORD_ARTICLES` are not sent
    (counted `requests_skipped/record_limit`).
    """

    def __init__(self, crawler: Crawler, directory: Path, articles: int) -> None:
        self.crawler = crawler
        self.directory = directory
        self.articles_left = articles

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RecordResponses:
        directory = crawler.settings.get("GOVCRAWL_RECORD_DIR")
        if not directory:
            raise NotConfigured("GOVCRAWL_RECORD_DIR is empty: not recording")
        articles = crawler.settings.getint("GOVCRAWL_RECORD_ARTICLES", 10)
        return cls(crawler, Path(directory), articles)

    def process_request(self, request: Request) -> None:
        if request.meta.get(ARTICLE_META):
            if self.articles_left <= 0:
                self.crawler.stats.inc_value("govcrawl/requests_skipped/record_limit")
                raise IgnoreRequest(f"recording no more articles: {request.url}")
            self.articles_left -= 1

    def process_response(self, request: Request, response: Response) -> Response:
        headers = [
            (name, value.decode("latin-1"))
            for name in KEPT_HEADERS
            for value in response.headers.getlist(name)
        ]
        self._save(response.url, response.status, headers, response.body)
        hops = request.meta.get("redirect_urls", [])
        reasons = request.meta.get("redirect_reasons", [])
        for hop, reason, target in zip(hops, reasons, [*hops[1:], response.url], strict=False):
            if isinstance(reason, int):
                self._save(hop, reason, [("Location", target)], None)
        return response

    def _save(self, url: str, status: int, headers: list[tuple[str, str]], body: bytes | None):
        """One page file (when there is a body) and its sidecar (when it says anything)."""
        target = fixture_file(self.directory / "pages", url)
        target.parent.mkdir(parents=True, exist_ok=True)
        if body is not None:
            target.write_bytes(body)
        lines = [f"Status: {status}"] if status != 200 else []
        lines += [f"{name}: {value}" for name, value in headers]
        if lines:
            target.with_name(target.name + ".headers").write_text("\n".join(lines) + "\n")
        self.crawler.stats.inc_value("govcrawl/recorded")


def record_fixture(
    fixture: Path,
    crawl_arguments: list[str],
    *,
    articles: int,
    max_pages: int,
) -> tuple[int, list[dict[str, Any]], str]:
    """Crawl (`govcrawl crawl` + `crawl_arguments`) while recording into the `fixture`
    folder; write the records as its `expected.jsonl`. Returns (exit status, records, the
    crawl's stderr)."""
    settings = {
        "GOVCRAWL_RECORD_DIR": fixture.resolve(),
        "GOVCRAWL_RECORD_ARTICLES": articles,
        "GOVCRAWL_SEEN_STORE": "",
    }
    arguments = [*crawl_arguments, "--max-pages", str(max_pages)]
    arguments += [arg for name, value in settings.items() for arg in ("-s", f"{name}={value}")]
    with tempfile.TemporaryDirectory(prefix="govcrawl-record-") as output:
        done = crawl_in_subprocess(arguments, Path(output))
        records = written_records(Path(output))
    records.sort(key=lambda record: record["url"])
    if fixture.is_dir():
        lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
        (fixture / "expected.jsonl").write_text(lines, "utf-8")
    return done.returncode, records, done.stderr
