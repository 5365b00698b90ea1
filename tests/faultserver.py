"""A fault-injecting replay proxy on 127.0.0.1: the bundled replicas, served badly.

`FaultServer(plan)` is a `ReplayServer` whose handler consults a `FaultPlan` before serving
a URL: a fault is injected on chosen attempts (``burst_5xx`` fails twice then serves,
``waf_412`` fails forever …). `FaultPlan.seeded(urls, seed)` spreads every fault kind over
a set of URLs; `python -m tests.faultserver --seed 1` serves such a plan for manual runs.

Faults are either *transient* (the page is served right within the crawl's retry budget, so
its article must be written exactly once) or *permanent* (the article is lost, and must be
counted by reason). Everything stays on loopback: a redirect to another host is only a
`Location` header, which the crawler must refuse to follow.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import random
import socket
import struct
import threading
import time
import zlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from govcrawl.replay.server import DEFAULT_ROOT, ReplayServer, _full_url, _Handler

TIMEOUT_SLEEP = 4.0  # seconds a `timeout_once` response hangs (the test's DOWNLOAD_TIMEOUT < it)
BOMB_BYTES = 256 * 1024 * 1024  # decompressed size of the gzip bomb
OVERSIZE_BYTES = 17 * 1024 * 1024  # > DOWNLOAD_MAXSIZE (16 MiB)
SOFT_404 = (
    '<html><head><meta charset="utf-8"><title>页面不存在</title></head>'
    "<body><h1>404</h1><p>您访问的页面不存在</p></body></html>"
).encode()
WAF_PAGE = (
    b"<html><head><meta charset=utf-8><script>$_ts=window['$_ts'];if(!$_ts)$_ts={};"
    b"$_ts.nsd=1234;</script></head><body></body></html>"
)

# Kind → the attempts (1-based) it is injected on; None: every attempt.
FAULTS: dict[str, frozenset[int] | None] = {
    "burst_5xx": frozenset({1, 2}),
    "timeout_once": frozenset({1}),
    "reset_once": frozenset({1}),
    "truncate_once": frozenset({1}),
    "trickle": None,  # slow but whole
    "cookie_redirect": None,  # 302 to itself + Set-Cookie until the cookie comes back
    "gbk_labelled_utf8": None,
    "utf8_labelled_gbk": None,
    "rot13_charset": None,
    "hostile_links": None,  # malformed links and attributes next to every real one
    "waf_412": None,
    "soft_404": None,
    "redirect_loop": None,
    "gzip_bomb": None,
    "oversize": None,
    "too_many_tags": None,
    "too_deep": None,
    "binary": None,
    "offsite_redirect": None,
    "metadata_redirect": None,
}
# Faults after which the page is still served right within the retry budget (RETRY_TIMES=3).
TRANSIENT = frozenset(
    {
        "burst_5xx",
        "timeout_once",
        "reset_once",
        "truncate_once",
        "trickle",
        "cookie_redirect",
        "gbk_labelled_utf8",
        "utf8_labelled_gbk",
        "rot13_charset",
        "hostile_links",
    }
)
PERMANENT = frozenset(FAULTS) - TRANSIENT
# Faults a listing page may get: transient ones (a lost listing page loses its column).
LISTING_FAULTS = (
    "burst_5xx",
    "reset_once",
    "trickle",
    "cookie_redirect",
    "gbk_labelled_utf8",
    "hostile_links",
)
HOSTILE_LINKS = (
    b'<a href="http://["></a><a href="http://www.a\xef\xbc\x9ab.gov.cn/"></a>'
    b'<a href="http://h:99999/x.html"></a><img \x01src="http://[/a.png">'
)


def plan_key(url: str) -> str:
    """URL without scheme, default port and the redirect-loop counter: one plan entry."""
    parts = urlsplit(url)
    query = "&".join(q for q in parts.query.split("&") if q and not q.startswith("loop="))
    host = (parts.hostname or "").lower()
    return f"{host}{parts.path}" + (f"?{query}" if query else "")


@dataclass
class FaultPlan:
    """URL (see `plan_key`) → fault kind, and how often each URL was asked for."""

    faults: dict[str, str] = field(default_factory=dict)
    attempts: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def seeded(
        cls, articles: Iterable[str], listings: Iterable[str] = (), seed: int = 0
    ) -> FaultPlan:
        """Every fault kind on at least one article (round-robin over a seeded shuffle,
        about a third of the articles left clean), transient faults on some listings."""
        rng = random.Random(seed)
        articles = sorted(set(articles))
        rng.shuffle(articles)
        kinds = sorted(FAULTS)
        faults = {}
        for index, url in enumerate(articles):
            if index < len(kinds) or rng.random() < 0.5:
                faults[plan_key(url)] = kinds[index % len(kinds)]
        for url in sorted(set(listings)):
            if rng.random() < 0.5:
                faults[plan_key(url)] = rng.choice(LISTING_FAULTS)
        return cls(faults)

    def next_attempt(self, url: str) -> tuple[str | None, int]:
        """The fault planned for `url` and which attempt this is (1-based)."""
        key = plan_key(url)
        with self.lock:
            self.attempts[key] += 1
            return self.faults.get(key), self.attempts[key]

    def kind_of(self, url: str) -> str | None:
        return self.faults.get(plan_key(url))


@cache
def gzip_bomb() -> bytes:
    """`BOMB_BYTES` of zeros, gzip-compressed (~250 KB), made once in bounded memory."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunk = bytes(1024 * 1024)
    parts = [compressor.compress(chunk) for _ in range(BOMB_BYTES // len(chunk))]
    return b"".join([*parts, compressor.flush()])


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _without_charset(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(k, v) for k, v in headers if k.lower() != "content-type"]


class FaultHandler(_Handler):
    """The replay handler with the plan's fault, if any, injected before serving."""

    server: Any

    def _serve(self, *, head_only: bool) -> None:
        target = self._target()
        if target is None:
            super()._serve(head_only=head_only)
            return
        url = _full_url(*target)
        kind, attempt = self.server.replay.plan.next_attempt(url)
        injected_on = FAULTS.get(kind or "", frozenset())
        if kind is None or (injected_on is not None and attempt not in injected_on):
            super()._serve(head_only=head_only)
            return
        status, headers, body = self.server.replay.sites.resolve(target[1], target[2])
        self.server.replay.log_request(self.command, url, status)
        getattr(self, f"_fault_{kind}")(url, status, headers, body)

    # -- faults ----------------------------------------------------------------------------

    def _reply(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self._send(status, headers, body, head_only=False)

    def _redirect(self, location: str, extra: list[tuple[str, str]] = ()) -> None:  # type: ignore[assignment]
        self._reply(302, [("Location", location), *extra], b"")

    def _fault_burst_5xx(self, url: str, *_: Any) -> None:
        self._reply(503, [("Content-Type", "text/html")], b"<h1>503 Service Unavailable</h1>")

    def _fault_timeout_once(self, *_: Any) -> None:
        time.sleep(TIMEOUT_SLEEP)
        self.close_connection = True

    def _fault_reset_once(self, *_: Any) -> None:
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True

    def _fault_truncate_once(self, url: str, status: int, headers: list, body: bytes) -> None:
        head = [f"HTTP/1.1 {status} OK", *(f"{k}: {v}" for k, v in headers)]
        head.append(f"Content-Length: {len(body)}")
        self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body[: len(body) // 2])
        self.close_connection = True

    def _fault_trickle(self, url: str, status: int, headers: list, body: bytes) -> None:
        head = [f"HTTP/1.1 {status} OK", *(f"{k}: {v}" for k, v in headers)]
        head.append(f"Content-Length: {len(body)}")
        self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
        step = max(1, len(body) // 8)
        for start in range(0, len(body), step):
            time.sleep(0.05)
            self.wfile.write(body[start : start + step])

    def _fault_cookie_redirect(self, url: str, status: int, headers: list, body: bytes) -> None:
        if "govcrawl_waf=ok" in (self.headers.get("Cookie") or ""):
            self._reply(status, headers, body)
        else:
            self._redirect(url, [("Set-Cookie", "govcrawl_waf=ok; Path=/")])

    def _fault_gbk_labelled_utf8(self, url: str, status: int, headers: list, body: bytes) -> None:
        if _is_utf8(body):
            body = body.decode("utf-8").encode("gb18030")
        self._reply(status, [*_without_charset(headers), ("Content-Type", "text/html; charset=utf-8")], body)

    def _fault_utf8_labelled_gbk(self, url: str, status: int, headers: list, body: bytes) -> None:
        if not _is_utf8(body):
            body = body.decode("gb18030").encode("utf-8")
        self._reply(status, [*_without_charset(headers), ("Content-Type", "text/html; charset=gbk")], body)

    def _fault_rot13_charset(self, url: str, status: int, headers: list, body: bytes) -> None:
        self._reply(status, [*_without_charset(headers), ("Content-Type", "text/html; charset=rot13")], body)

    def _fault_hostile_links(self, url: str, status: int, headers: list, body: bytes) -> None:
        body = body.replace(b"<li>", b"<li>" + HOSTILE_LINKS).replace(b"<p>", b"<p>" + HOSTILE_LINKS)
        self._reply(status, headers, body)

    def _fault_waf_412(self, *_: Any) -> None:
        self._reply(412, [("Content-Type", "text/html")], WAF_PAGE)

    def _fault_soft_404(self, *_: Any) -> None:
        self._reply(200, [("Content-Type", "text/html")], SOFT_404)

    def _fault_redirect_loop(self, url: str, *_: Any) -> None:
        parts = urlsplit(url)
        loops = [q for q in parts.query.split("&") if q.startswith("loop=")]
        number = int(loops[0].split("=")[1]) + 1 if loops else 1
        rest = "&".join(q for q in parts.query.split("&") if q and not q.startswith("loop="))
        query = f"{rest}&loop={number}" if rest else f"loop={number}"
        self._redirect(parts._replace(query=query).geturl())

    def _fault_gzip_bomb(self, *_: Any) -> None:
        headers = [("Content-Type", "text/html"), ("Content-Encoding", "gzip")]
        self._reply(200, headers, gzip_bomb())

    def _fault_oversize(self, *_: Any) -> None:
        with contextlib.suppress(OSError):  # the crawler hangs up once it reads the length
            self._reply(200, [("Content-Type", "text/html")], b" " * OVERSIZE_BYTES)
        self.close_connection = True

    def _fault_too_many_tags(self, *_: Any) -> None:
        body = b"<html><body>" + b"<br>" * 300_000 + b"</body></html>"
        self._reply(200, [("Content-Type", "text/html")], body)

    def _fault_too_deep(self, url: str, status: int, headers: list, body: bytes) -> None:
        at = body.find(b"<body")
        deep = body[:at] + b"<div>" * 3000 + body[at:] if at >= 0 else b"<div>" * 3000 + body
        self._reply(status, headers, deep)

    def _fault_binary(self, url: str, *_: Any) -> None:
        body = random.Random(url).randbytes(20_000)
        self._reply(200, [("Content-Type", "text/html")], body)

    def _fault_offsite_redirect(self, url: str, *_: Any) -> None:
        parts = urlsplit(url)
        self._redirect(parts._replace(netloc=f"intranet.{parts.hostname}").geturl())

    def _fault_metadata_redirect(self, *_: Any) -> None:
        self._redirect("http://169.254.169.254/latest/meta-data/")


class FaultServer(ReplayServer):
    """`ReplayServer` (loopback only) serving the replicas with the plan's faults."""

    handler_class = FaultHandler

    def __init__(self, plan: FaultPlan | None = None, roots: Any = DEFAULT_ROOT) -> None:
        super().__init__(roots)
        self.plan = plan or FaultPlan()
        if "gzip_bomb" in self.plan.faults.values():
            gzip_bomb()  # made before serving: 2 s in a handler would be a timeout fault

    def hosts_requested(self) -> set[str]:
        """Every host a request was made for (through the proxy or in a tunnel)."""
        hosts = {(urlsplit(url).hostname or "") for _, url, _ in self.requests}
        return hosts | {target.rsplit(":", 1)[0] for target in self.tunnels}


def gunzip_size(data: bytes) -> int:
    """Decompressed size of a gzip body (for checking the bomb itself)."""
    return len(gzip.decompress(data))


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the replicas with seeded faults.")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--port", type=int, default=8124)
    args = parser.parse_args()
    from tests.conftest import PORTALS, expected_records

    articles = [r["url"] for p in PORTALS for r in expected_records(p)]
    server = FaultServer(FaultPlan.seeded(articles, seed=args.seed))
    server.port = args.port
    with server:
        print(f"fault proxy {server.proxy_url}: {len(server.plan.faults)} faulty URLs", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
