"""What a response may be: read in the charset its bytes are in, bounded in size and
element count, and a WAF's one-time self-redirect followed once.

Downloader middlewares, ordered around Scrapy's own (responses travel from high priorities
to low): the self-redirect check (650) sees a 3xx after `CookiesMiddleware` (700) stored
its cookie and before `RedirectMiddleware` (600) re-issues it; decompression (590) is
Scrapy's, bounded by `DOWNLOAD_MAXSIZE` and counted; the element bound (587) and the
charset (585) come after decompression and before `MetaRefreshMiddleware` (580) reads the
page's text.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from scrapy.http import Response, TextResponse
from w3lib.url import canonicalize_url

from govcrawl.extraction.parse import (
    MAX_TAGS,
    choose_encoding,
    declared_encodings,
    page_bounds_reason,
    text_encoding,
)
from govcrawl.guards.counts import count

logger = logging.getLogger(__name__)

DECODING_META = "govcrawl_decoding"  # request meta: the `Decoding` its response was read with
SELF_REDIRECT_META = "govcrawl_self_redirect"  # request meta: a self-redirect was followed


class CharsetMiddleware:
    """Gives every text response the encoding its bytes are in (`choose_encoding`), so
    that `response.text`, selectors, `response.follow` and the extractors all read the
    same, right text: GBK bytes labelled UTF-8 and UTF-8 bytes labelled GBK read right, a
    label naming no text encoding (`<meta charset="rot13">`) is ignored instead of raising
    LookupError in a callback.

    Counted: `govcrawl/decoding/relabelled` (the label was wrong), `…/unknown_charset`
    (a label named no text encoding), `…/replacement_chars` (even the best reading left
    U+FFFD characters; the `Decoding` is in `response.meta[DECODING_META]`). A body that no
    encoding reads (more than 1% replacement characters: binary data served as HTML) is
    refused as `refused/undecodable`: it could only become a record of garbage."""

    UNDECODABLE_SHARE = 0.01

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CharsetMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if not isinstance(response, TextResponse) or not response.body:
            return response
        labels = declared_encodings(response)
        decoding = choose_encoding(response.body, labels)
        if any(label and text_encoding(label) is None for label in labels):
            count(self.crawler, request, "decoding/unknown_charset")
        if decoding.relabelled:
            count(self.crawler, request, "decoding/relabelled")
            logger.info(
                "%s: declared %s, read as %s", response.url, decoding.declared, decoding.encoding
            )
        if decoding.replacements > max(8, len(response.body) * self.UNDECODABLE_SHARE):
            count(self.crawler, request, "refused/undecodable")
            logger.warning("Refused (undecodable): %s", response.url)
            raise IgnoreRequest(f"refused (undecodable): {response.url}")
        if decoding.replacements:
            count(self.crawler, request, "decoding/replacement_chars")
            logger.warning(
                "%s: %d undecodable characters (read as %s)",
                response.url,
                decoding.replacements,
                decoding.encoding,
            )
        request.meta[DECODING_META] = decoding
        return response.replace(encoding=decoding.encoding)


class ResponseBoundsMiddleware:
    """Refuses a text response with more tags than one bounded parse may build
    (`GOVCRAWL_MAX_PAGE_TAGS`, see `govcrawl.extraction.parse.MAX_TAGS`) before any
    callback, selector or detector parses it, and counts bodies cut off at
    `DOWNLOAD_MAXSIZE` (`refused/too_large`): both are pages lost by reason, not errors."""

    def __init__(self, crawler: Crawler, max_tags: int) -> None:
        self.crawler = crawler
        self.max_tags = max_tags

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ResponseBoundsMiddleware:
        return cls(crawler, crawler.settings.getint("GOVCRAWL_MAX_PAGE_TAGS", MAX_TAGS))

    def process_response(self, request: Request, response: Response) -> Response:
        if isinstance(response, TextResponse):
            reason = page_bounds_reason(response.body, self.max_tags)
            if reason:
                count(self.crawler, request, f"refused/{reason}")
                logger.warning("Refused (%s): %s", reason, response.url)
                raise IgnoreRequest(f"refused ({reason}): {response.url}")
        return response

    def process_exception(self, request: Request, exception: BaseException) -> None:
        """A body cut off at `DOWNLOAD_MAXSIZE` is a page refused by a bound, like a gzip
        bomb (IgnoreRequest), not a page lost to the network. A request with its own
        `download_maxsize` (an attachment) is left to whoever set it."""
        if "download_maxsize" in request.meta:
            return
        if isinstance(exception, DownloadCancelledError) and "max size" in str(exception):
            count(self.crawler, request, "refused/too_large")
            raise IgnoreRequest(f"refused (too_large): {request.url}") from exception


class BoundedDecompressionMiddleware(HttpCompressionMiddleware):
    """Scrapy's decompression, which stops at `DOWNLOAD_MAXSIZE` decompressed bytes (a
    gzip bomb costs no more memory than the bound), with the refusal counted as
    `refused/too_large` (Scrapy only logs it). Replaces HttpCompressionMiddleware at 590."""

    crawler: Crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BoundedDecompressionMiddleware:
        middleware = super().from_crawler(crawler)
        middleware.crawler = crawler
        return middleware

    def process_response(
        self, request: Request, response: Response, spider: Any = None
    ) -> Request | Response:
        try:
            return super().process_response(request, response)
        except IgnoreRequest:
            count(self.crawler, request, "refused/too_large")
            raise


class RedirectGuardMiddleware:
    """Follows once a redirect to the very URL requested, and counts redirect loops.

    A common WAF check (安全狗, 创宇云 …) answers the first visit with a 302 to itself and a
    cookie. Scrapy's redirect would be dropped by the duplicate filter (the URL was just
    seen) and the article lost; here the request is re-issued with `dont_filter`, once per
    URL (a second self-redirect goes on to `RedirectMiddleware` and its bound). The cookie
    was stored by `CookiesMiddleware`, which runs before. Counted as
    `govcrawl/waf/self_redirect`. A redirect past `REDIRECT_MAX_TIMES`, which Scrapy drops
    with a debug line, is counted as `refused/redirect_loop`."""

    def __init__(self, crawler: Crawler, max_redirects: int) -> None:
        self.crawler = crawler
        self.max_redirects = max_redirects
        self.followed: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedirectGuardMiddleware:
        return cls(crawler, crawler.settings.getint("REDIRECT_MAX_TIMES"))

    def process_response(self, request: Request, response: Response) -> Request | Response:
        location = response.headers.get(b"Location")
        if response.status not in (301, 302, 303, 307, 308) or not location:
            return response
        if request.meta.get("dont_redirect"):
            return response
        if request.meta.get("redirect_times", 0) >= self.max_redirects:
            count(self.crawler, request, "refused/redirect_loop")
            logger.warning("Refused (redirect_loop): %s", request.url)
            return response
        if request.meta.get(SELF_REDIRECT_META):
            return response
        try:
            here = canonicalize_url(request.url)
            target = canonicalize_url(response.urljoin(location.decode("latin-1").strip()))
        except ValueError:  # a malformed Location: RedirectMiddleware's to judge
            return response
        if target != here or here in self.followed:
            return response
        self.followed.add(here)
        count(self.crawler, request, "waf/self_redirect")
        logger.info("Self-redirect (WAF check?) followed once: %s", request.url)
        return request.replace(dont_filter=True, meta={**request.meta, SELF_REDIRECT_META: True})
