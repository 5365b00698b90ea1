"""AttachmentsPipeline: download each article's attachments, store them by content hash and
put their text (or why there is none) into the article's `attachments[]` entries.

Built on Scrapy's FilesPipeline for what it does well (downloads through the engine, with
the crawl's politeness, robots.txt, proxy and retries; the file stores: local, S3, GCS,
FTP) and changed where a government crawl needs otherwise:

- files are named by the SHA-256 of their bytes, never by anything from the URL or the
  headers (`file_path`): the same PDF linked from ten pages is stored once, and a hostile
  name cannot choose a path;
- every attachment is downloaded once per run (`media_to_download` returns None): its
  stored name is unknown before its bytes are;
- a failure is a reason counted under `govcrawl/attachments/<reason>` and written to the
  entry's `read_error`, never a lost article: `too_large` (over
  GOVCRAWL_ATTACHMENT_MAXSIZE, the download is cut off), `download_failed`,
  `not_allowed` (robots.txt, offsite), and the reader's reasons;
- a page that is only a pointer to its attachment ("详见附件") gets the attachment's text
  as its text, so it stays one record with the document's substance.

Settings: GOVCRAWL_ATTACHMENTS (off by default: NotConfigured), GOVCRAWL_ATTACHMENT_MAXSIZE
(bytes, default 20 MB), GOVCRAWL_ATTACHMENT_MAXCHARS (text kept per attachment, default
100,000), FILES_STORE (default `<GOVCRAWL_OUTPUT_DIR>/attachments`). It must run before
the clean pipeline, which turns the article into a record.
"""

from __future__ import annotations

import hashlib
import logging
import re
from io import BytesIO
from pathlib import Path
from typing import Any

import scrapy.pipelines.media
from itemadapter import ItemAdapter
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.http.request import NO_CALLBACK
from scrapy.pipelines.files import FilesPipeline
from scrapy.pipelines.media import MediaPipeline
from scrapy.utils.defer import ensure_awaitable, maybe_deferred_to_future
from twisted.internet.defer import CancelledError
from twisted.internet.threads import deferToThread
from twisted.python.failure import Failure

from govcrawl.attachments.reader import AttachmentText, Limits, read_attachment, sniff

logger = logging.getLogger(__name__)

DEFAULT_MAXSIZE = 20 * 1024 * 1024
DEFAULT_MAXCHARS = 100_000
NAME_META = "govcrawl_attachment_name"
_STORED_EXTENSIONS = {"pdf", "docx", "xlsx", "ofd", "zip", "text"}
# What is left of a pointer page once attachment names and these words are removed.
_POINTER_WORDS = re.compile(r"附件|下载|点击|详见|请见|查看|全文|原文|\W|\d|[a-zA-Z]")
_MAX_POINTER_CHARS = 10


# MediaPipeline logs every failed media request with a full traceback, except those it
# filtered itself (at DEBUG, no traceback). A failed attachment is an expected, counted
# outcome that we log on one line, so ours pass as filtered; older Scrapy versions without
# that class just log the traceback too.
_QUIET_FAILURE: type[Exception] = getattr(
    scrapy.pipelines.media, "_MediaRequestFiltered", scrapy.pipelines.media.FileException
)


class AttachmentFailed(_QUIET_FAILURE):  # type: ignore[misc,valid-type]
    """An attachment that could not be downloaded, with the reason to record."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def stored_path(sha256: str, kind: str) -> str:
    """`full/<first two hex>/<sha256>.<type>`: the type as the bytes say (sniffed), so a
    data team can open the file; `bin` for anything else."""
    extension = kind if kind in _STORED_EXTENSIONS else "bin"
    return f"full/{sha256[:2]}/{sha256}.{'txt' if extension == 'text' else extension}"


def is_pointer_page(text: str, names: list[str]) -> bool:
    """Whether a page's text says nothing but "see the attachment": what remains once the
    attachment names, link words and punctuation are removed is a few characters at most."""
    for name in names:
        text = text.replace(name, "")
    return len(_POINTER_WORDS.sub("", text)) <= _MAX_POINTER_CHARS


class AttachmentsPipeline(FilesPipeline):
    """Downloads and reads the attachments of each article (see the module docstring)."""

    LOG_FAILED_RESULTS = False  # each failure is logged once, with its reason

    def __init__(self, store_uri: str, *, crawler: Crawler) -> None:
        super().__init__(store_uri, crawler=crawler)
        settings = crawler.settings
        self.maxsize = settings.getint("GOVCRAWL_ATTACHMENT_MAXSIZE", DEFAULT_MAXSIZE)
        self.limits = Limits(
            max_bytes=self.maxsize,
            max_chars=settings.getint("GOVCRAWL_ATTACHMENT_MAXCHARS", DEFAULT_MAXCHARS),
        )
        self.stats = crawler.stats
        # Portals redirect attachments (http → https, download.jsp → file): follow them.
        self.allow_redirects = True
        self._handle_statuses(True)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AttachmentsPipeline:
        settings = crawler.settings
        if not settings.getbool("GOVCRAWL_ATTACHMENTS"):
            raise NotConfigured("GOVCRAWL_ATTACHMENTS is off")
        store = settings.get("FILES_STORE") or str(
            Path(settings.get("GOVCRAWL_OUTPUT_DIR") or "output") / "attachments"
        )
        cls._update_stores(settings)
        return cls(store, crawler=crawler)

    # --- requests ------------------------------------------------------------------------

    def get_media_requests(self, item: Any, info: MediaPipeline.SpiderInfo) -> list[Request]:
        return [
            Request(
                url,
                callback=NO_CALLBACK,
                meta={NAME_META: name, "download_maxsize": self.maxsize},
            )
            for url, name in self._unique_attachments(item).items()
        ]

    @staticmethod
    def _unique_attachments(item: Any) -> dict[str, str]:
        entries = ItemAdapter(item).get("attachments") or []
        return {
            entry["url"]: entry.get("name") or ""
            for entry in entries
            if str(entry.get("url") or "").startswith(("http://", "https://"))
        }

    def media_to_download(
        self, request: Request, info: MediaPipeline.SpiderInfo, *, item: Any = None
    ) -> None:
        return None

    # --- responses -----------------------------------------------------------------------

    def file_path(
        self,
        request: Request,
        response: Response | None = None,
        info: MediaPipeline.SpiderInfo | None = None,
        *,
        item: Any = None,
    ) -> str:
        if response is None:
            raise ValueError("attachments are stored by content: the path needs the response")
        body = response.body
        return stored_path(hashlib.sha256(body).hexdigest(), sniff(body))

    async def media_downloaded(  # type: ignore[override]
        self,
        response: Response,
        request: Request,
        info: MediaPipeline.SpiderInfo,
        *,
        item: Any = None,
    ) -> dict[str, Any]:
        if response.status != 200:
            raise AttachmentFailed("download_failed")
        content_type = (response.headers.get("Content-Type") or b"").decode("latin-1") or None
        # Parsing a large PDF takes CPU seconds: off the reactor thread.
        result: AttachmentText = await maybe_deferred_to_future(
            deferToThread(
                read_attachment, response.body, request.meta[NAME_META], content_type, self.limits
            )
        )
        path = stored_path(result.sha256, result.kind)
        await ensure_awaitable(self.store.persist_file(path, BytesIO(response.body), info))
        self.inc_stats("downloaded")
        return {"url": request.url, "path": path, "status": "downloaded", **result.fields()}

    def media_failed(  # type: ignore[override]
        self, failure: Failure, request: Request, info: MediaPipeline.SpiderInfo
    ) -> None:
        reason = _failure_reason(failure)
        logger.warning("Attachment %s not downloaded: %s", request.url, reason)
        raise AttachmentFailed(reason)

    # --- the item ------------------------------------------------------------------------

    def item_completed(self, results: list[Any], item: Any, info: MediaPipeline.SpiderInfo) -> Any:
        outcomes: dict[str, dict[str, Any]] = {}
        for url, (ok, value) in zip(self._unique_attachments(item), results, strict=True):
            if ok:
                fields = {k: value[k] for k in ("text", "sha256", "size", "read_error")}
            else:
                reason = getattr(value.value, "reason", None) or "download_failed"
                fields = {"text": None, "sha256": None, "size": None, "read_error": reason}
            self.stats.inc_value(f"govcrawl/attachments/{fields['read_error'] or 'read'}")
            outcomes[url] = fields
        adapter = ItemAdapter(item)
        for entry in adapter.get("attachments") or []:
            if entry.get("url") in outcomes:
                entry.update(outcomes[entry["url"]])
        self._fill_pointer_page(adapter)
        return item

    def _fill_pointer_page(self, adapter: ItemAdapter) -> None:
        entries = adapter.get("attachments") or []
        texts = [entry["text"] for entry in entries if entry.get("text")]
        text = adapter.get("text") or ""
        if texts and is_pointer_page(text, [entry.get("name") or "" for entry in entries]):
            adapter["text"] = "\n".join([text, *texts]).strip()
            self.stats.inc_value("govcrawl/attachments/pointer_pages")


def _failure_reason(failure: Failure) -> str:
    error = failure.value
    if isinstance(error, AttachmentFailed):
        return error.reason
    if isinstance(error, IgnoreRequest):
        return "not_allowed"
    # Scrapy cancels a download over its maxsize: DownloadCancelledError in recent versions,
    # a Twisted CancelledError in older ones; the message names the max size in both.
    cancelled = (
        isinstance(error, CancelledError) or type(error).__name__ == "DownloadCancelledError"
    )
    if cancelled or "max size" in str(error):
        return "too_large"
    return "download_failed"
