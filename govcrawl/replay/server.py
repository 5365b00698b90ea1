"""Replay recorded government portals on 127.0.0.1 so the real Scrapy engine can crawl them.

Real portals are out of reach in tests, so the project keeps *recordings* of them as plain files
and this module serves those files from a loopback **forward proxy**. A spider keeps its real
start URLs (``http://www.zijin.gov.cn/...``, ``https://www.yngn.gov.cn/...``); the
:class:`ReplayProxyMiddleware` sends every request through the proxy, which answers from the
recording. Nothing ever leaves 127.0.0.1.

Recording layout
----------------
Pages live at ``<root>/<portal>/pages/<host>/<path>``, e.g.
``govcrawl/replay/replicas/gd_zijin/pages/www.zijin.gov.cn/xw/zwdt/index.html``. Several roots
and several portals may be given; a host recorded under more than one portal is looked up in
each, in order.

URL → file mapping (``resolve(host, path_and_query)``):

* The host is matched case-insensitively and any ``:port`` is ignored.
* A path ending in ``/`` maps to ``index.html`` in that folder (``/`` → ``<host>/index.html``).
* The path is tried as requested (percent-escapes kept); if no such file exists, the
  percent-decoded path is tried (so ``/%E6%96%B0%E9%97%BB/`` may be stored as ``新闻/index.html``).
* A URL with a query string maps to the file ``<path>@<query>``, with the query exactly as
  requested (``/list.jsp?page=2&id=5`` → ``list.jsp@page=2&id=5``; ``/s/?q=1`` →
  ``s/index.html@q=1``). If that file is absent, the query with its parameters sorted by name
  (stable, so repeated names keep their order, escapes kept as sent) is tried:
  ``list.jsp@id=5&page=2``. A ``/`` inside the query is stored as ``%2F`` since file names
  cannot hold it. There is no fallback to the query-less file: another query is another page.
* A path that names a recorded folder but lacks the trailing ``/`` gets a ``301`` to the
  ``/`` form, as nginx / Apache do.
* Bytes are served exactly as stored — never decoded or re-encoded.
* An optional sidecar ``<file>.headers`` (UTF-8 text, ``Name: value`` lines, ``#`` comments)
  adds or overrides response headers; a ``Status: 412`` line sets the status. This reproduces
  瑞数 (Rivers) WAF 412 pages, soft-404s, redirects (``Status: 302`` + ``Location:``), or a
  ``Content-Type: text/html; charset=gbk`` header. A sidecar without its body file is served
  with an empty body. ``Content-Length``, ``Transfer-Encoding`` and ``Connection`` in a
  sidecar are ignored (the server sets them).
* A file served without an ``ETag`` or ``Last-Modified`` from its sidecar gets an ``ETag`` of
  its bytes, and a request whose ``If-None-Match`` names it gets ``304 Not Modified``, as
  nginx does: the crawl's conditional re-visits (``govcrawl.runs.revisit``) run against it.
* Default ``Content-Type`` comes from the URL path's extension: ``.html .htm .shtml`` and the
  dynamic-page extensions ``.jsp .jspx .asp .aspx .php .do .action`` → ``text/html`` with **no
  charset** (the page's own ``<meta charset>`` decides, as on the real portals); ``.json`` →
  ``application/json``; ``.xml`` → ``application/xml``; ``.txt`` → ``text/plain``; anything else
  via :mod:`mimetypes`; a path with no known type is sniffed (``<html``/``<!doctype`` →
  ``text/html``, ``{``/``[`` → ``application/json``) and otherwise ``application/octet-stream``.
* Unknown path on a recorded host → ``404`` with a small HTML body. A host that is not recorded
  → ``502`` with a one-line text body saying so. ``..`` segments and ``*.headers`` files are
  never served (404).

The proxy
---------
:class:`ReplayServer` is a threaded HTTP/1.1 server bound to 127.0.0.1 (keep-alive, every
response carries ``Content-Length``). It understands:

* absolute-form requests (``GET http://www.zijin.gov.cn/xw/ HTTP/1.1``), which is how Scrapy
  sends plain-http requests through a proxy → served by that URL's host;
* ``CONNECT www.yngn.gov.cn:443`` (Scrapy's https through a proxy) → ``200 Connection
  established``, then server-side TLS with a self-signed certificate made at start-up, then the
  requests inside the tunnel are served by the CONNECT host. Scrapy does not verify
  certificates by default, so this just works;
* origin-form requests (``GET /path`` + ``Host:``) → served by the Host header, so the server
  is also a plain virtual-host server.

``GET`` and ``HEAD`` are served; any other method gets ``405``. ``server.requests`` lists
``(method, url, status)`` for every request served (CONNECTs are listed separately in
``server.tunnels``).

Usage::

    with ReplayServer([DEFAULT_ROOT]) as server:
        settings = {
            "DOWNLOADER_MIDDLEWARES": {"govcrawl.replay.server.ReplayProxyMiddleware": 740},
            "GOVCRAWL_REPLAY_PROXY": server.proxy_url,
        }
        ...
        assert server.count("http://www.zijin.gov.cn/xw/zwdt/index.html") == 1

or from a shell: ``python -m govcrawl.replay.server --port 8123``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import ipaddress
import mimetypes
import socket
import socketserver
import ssl
import sys
import tempfile
import threading
from collections.abc import Iterable, Sequence
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import unquote, urlsplit

from govcrawl.replay import REPLICAS

__all__ = [
    "RecordedSites",
    "ReplayProxyMiddleware",
    "ReplayServer",
    "Resolved",
    "main",
]

DEFAULT_ROOT = REPLICAS
LOOPBACK = "127.0.0.1"
STATS_KEY = "govcrawl/replay/requests"

_HTML_EXTENSIONS = frozenset(
    {".html", ".htm", ".shtml", ".jsp", ".jspx", ".asp", ".aspx", ".php", ".do", ".action"}
)
_FIXED_TYPES = {
    ".json": "application/json",
    ".xml": "application/xml",
    ".txt": "text/plain",
}
# Headers the server always computes itself; a sidecar cannot set them.
_HOP_HEADERS = frozenset({"content-length", "transfer-encoding", "connection", "keep-alive"})


# --------------------------------------------------------------------------------------------
# Recording lookup
# --------------------------------------------------------------------------------------------


class Resolved(NamedTuple):
    """A response to serve: unpacks as ``status, headers, body``."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str, default: str | None = None) -> str | None:
        """The last value of header ``name`` (case-insensitive), or ``default``."""
        found = default
        for key, value in self.headers:
            if key.lower() == name.lower():
                found = value
        return found


def _bare_host(host: str) -> str:
    """Lower-case host without port: ``WWW.X.gov.cn:8080`` → ``www.x.gov.cn``."""
    host = host.strip().lower()
    if host.startswith("["):  # IPv6 literal
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _sorted_query(query: str) -> str:
    parts = query.split("&")
    return "&".join(sorted(parts, key=lambda p: p.split("=", 1)[0]))


def file_name_for(path: str, query: str = "") -> str:
    """The file, relative to its host folder, that serves `path` + `query` (the mapping in
    the module docstring; `govcrawl record` writes where this says)."""
    rel = path.split("#", 1)[0].lstrip("/")
    if not rel or rel.endswith("/"):
        rel += "index.html"
    return f"{rel}@{query.replace('/', '%2F')}" if query else rel


def content_type_for(url_path: str, body: bytes) -> str:
    """Default ``Content-Type`` for a recorded file (see the module docstring)."""
    suffix = Path(unquote(url_path)).suffix.lower()
    if suffix in _HTML_EXTENSIONS:
        return "text/html"
    if suffix in _FIXED_TYPES:
        return _FIXED_TYPES[suffix]
    if suffix:
        guessed, _ = mimetypes.guess_type("x" + suffix, strict=False)
        if guessed:
            return guessed
    head = body[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html", b"<head", b"<meta")):
        return "text/html"
    if head.startswith((b"{", b"[")):
        return "application/json"
    return "application/octet-stream"


def parse_sidecar(text: str) -> tuple[int | None, list[tuple[str, str]]]:
    """Parse a ``.headers`` sidecar into ``(status or None, [(name, value), ...])``."""
    status: int | None = None
    headers: list[tuple[str, str]] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or ":" not in line:
            continue
        name, value = (part.strip() for part in line.split(":", 1))
        if name.lower() == "status":
            status = int(value.split()[0])
        elif name.lower() not in _HOP_HEADERS:
            headers.append((name, value))
    return status, headers


def _not_found_page(url_path: str) -> bytes:
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>404 Not Found</title>'
        "</head>\n<body><h1>404 Not Found</h1><p>govcrawl replay: no recording for "
        f"{_html_escape(url_path)}</p></body></html>\n"
    ).encode()


def _html_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class RecordedSites:
    """Index of every host recorded under ``<root>/*/pages/*/`` for one or more roots."""

    def __init__(self, roots: Path | str | Iterable[Path | str]) -> None:
        if isinstance(roots, (str, Path)):
            roots = [roots]
        self.roots: list[Path] = [Path(r) for r in roots]
        self._hosts: dict[str, list[Path]] = {}
        self.refresh()

    def refresh(self) -> None:
        """Rescan the roots (pick up portals or hosts added after construction)."""
        hosts: dict[str, list[Path]] = {}
        for root in self.roots:
            for host_dir in sorted(root.glob("*/pages/*/")):
                if host_dir.is_dir():
                    hosts.setdefault(_bare_host(host_dir.name), []).append(host_dir)
        self._hosts = hosts

    @property
    def hosts(self) -> list[str]:
        """Recorded host names, sorted."""
        return sorted(self._hosts)

    def host_dirs(self, host: str) -> list[Path]:
        """The folders holding ``host``'s recording (empty if not recorded)."""
        return list(self._hosts.get(_bare_host(host), []))

    def __contains__(self, host: object) -> bool:
        return isinstance(host, str) and _bare_host(host) in self._hosts

    def resolve(self, host: str, path_and_query: str) -> Resolved:
        """Return ``(status, headers, body)`` for ``host`` + ``path_and_query``."""
        dirs = self._hosts.get(_bare_host(host))
        if not dirs:
            body = f"govcrawl replay: host {_bare_host(host)} is not recorded\n".encode()
            return Resolved(502, [("Content-Type", "text/plain; charset=utf-8")], body)

        path, _, query = path_and_query.partition("?")
        path = path.split("#", 1)[0] or "/"
        if not path.startswith("/"):
            path = "/" + path
        # ``..`` (raw or escaped) never leaves the host folder; sidecars are not pages.
        if ".." in unquote(path).split("/") or path.endswith(".headers"):
            return self._not_found(path_and_query)

        for candidate in self._candidates(path, query):
            for host_dir in dirs:
                found = self._load(host_dir, candidate, path)
                if found is not None:
                    return found

        if not query and not path.endswith("/"):
            for host_dir in dirs:
                for variant in dict.fromkeys((path, unquote(path))):
                    if (host_dir / variant.lstrip("/")).is_dir():
                        location = path + "/"
                        return Resolved(
                            301,
                            [("Location", location), ("Content-Type", "text/html")],
                            b"<html><body>Moved Permanently</body></html>\n",
                        )
        return self._not_found(path_and_query)

    @staticmethod
    def _candidates(path: str, query: str) -> list[str]:
        """Relative file names to try, best first."""
        names: list[str] = []
        for variant in dict.fromkeys((path, unquote(path))):
            for q in dict.fromkeys((query, _sorted_query(query))):
                names.append(file_name_for(variant, q))
        return list(dict.fromkeys(names))

    @staticmethod
    def _load(host_dir: Path, rel: str, url_path: str) -> Resolved | None:
        file = host_dir / rel
        try:
            file.resolve().relative_to(host_dir.resolve())
        except ValueError:
            return None
        sidecar = file.with_name(file.name + ".headers")
        has_body = file.is_file()
        if not has_body and not sidecar.is_file():
            return None
        body = file.read_bytes() if has_body else b""
        status, extra = (
            parse_sidecar(sidecar.read_text("utf-8")) if sidecar.is_file() else (None, [])
        )
        headers: list[tuple[str, str]] = []
        named = {name.lower() for name, _ in extra}
        if has_body and "content-type" not in named:
            headers.append(("Content-Type", content_type_for(url_path, body)))
        if has_body and not named & {"etag", "last-modified"}:  # as nginx: re-visits get 304
            headers.append(("ETag", f'"{hashlib.sha1(body).hexdigest()[:16]}"'))
        headers.extend(extra)
        return Resolved(status or 200, headers, body)

    @staticmethod
    def _not_found(path_and_query: str) -> Resolved:
        return Resolved(
            404, [("Content-Type", "text/html; charset=utf-8")], _not_found_page(path_and_query)
        )


# --------------------------------------------------------------------------------------------
# TLS certificate
# --------------------------------------------------------------------------------------------


def _self_signed_cert(hosts: Sequence[str]) -> tuple[bytes, bytes]:
    """A PEM certificate and its PEM private key (EC P-256, self-signed) for ``hosts``."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "govcrawl replay proxy")])
    alt_names: list[x509.GeneralName] = [
        x509.DNSName("localhost"),
        x509.IPAddress(ipaddress.ip_address(LOOPBACK)),
    ]
    for host in hosts:
        with contextlib.suppress(ValueError):
            alt_names.append(x509.IPAddress(ipaddress.ip_address(host)))
            continue
        with contextlib.suppress(ValueError):
            alt_names.append(x509.DNSName(host.encode("idna").decode("ascii")))
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def _tls_context(cert_pem: bytes, key_pem: bytes) -> ssl.SSLContext:
    """A server context for the tunnels. `ssl` loads a certificate from files only, so the
    PEMs live in a private temporary folder for the length of the load: a replay server
    killed later (SIGKILL in a crash test) leaves no key behind in /tmp."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.TemporaryDirectory(prefix="govcrawl-replay-") as folder:
        cert, key = Path(folder, "cert.pem"), Path(folder, "key.pem")
        cert.write_bytes(cert_pem)
        key.write_bytes(key_pem)
        context.load_cert_chain(cert, key)
    context.set_alpn_protocols(["http/1.1"])
    return context


# --------------------------------------------------------------------------------------------
# HTTP server
# --------------------------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "govcrawl-replay"
    sys_version = ""
    timeout = 60  # idle keep-alive connections are dropped after this many seconds
    server: _HTTPServer

    _tunnel_host: str | None = None  # "host[:port]" of an open CONNECT tunnel
    _tls_socket: ssl.SSLSocket | None = None

    def setup(self) -> None:
        super().setup()
        self.server.replay.track(self, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.replay.track(self, add=False)
            if self._tls_socket is not None:
                with contextlib.suppress(OSError):
                    self._tls_socket.close()

    # -- methods ------------------------------------------------------------------------------

    def do_GET(self) -> None:
        self._serve(head_only=False)

    def do_HEAD(self) -> None:
        self._serve(head_only=True)

    def do_CONNECT(self) -> None:
        if self._tunnel_host is not None:  # CONNECT inside a tunnel: refuse
            self._method_not_allowed()
            return
        target = self.path
        self.server.replay.log_tunnel(target)
        self.send_response(200, "Connection established")
        self.end_headers()  # no body, no Content-Length: the tunnel starts right after
        try:
            tls = self.server.replay.ssl_context.wrap_socket(self.connection, server_side=True)
        except (OSError, ValueError) as exc:
            self.log_message("TLS handshake for %s failed: %s", target, exc)
            self.close_connection = True
            return
        # Swap the streams: handle()'s keep-alive loop now reads requests from inside TLS.
        with contextlib.suppress(OSError):
            self.rfile.close()
        self._tls_socket = tls
        self.connection = tls
        self.rfile = tls.makefile("rb", self.rbufsize)  # type: ignore[assignment]
        self.wfile = socketserver._SocketWriter(tls)  # type: ignore[attr-defined]
        self._tunnel_host = target
        self.close_connection = False

    def __getattr__(self, name: str) -> Any:
        # Every other method (POST, PUT, OPTIONS, ...) → 405 instead of http.server's 501.
        if name.startswith("do_"):
            return self._method_not_allowed
        raise AttributeError(name)

    # -- helpers --------------------------------------------------------------------------------

    def _target(self) -> tuple[str, str, str] | None:
        """``(scheme, host, path_and_query)`` of the current request."""
        if self._tunnel_host is not None:
            scheme, host = "https", self._tunnel_host
            path = self.path
            if "://" in path:  # absolute-form inside a tunnel: keep the path only
                parts = urlsplit(path)
                path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            return scheme, host, path
        if self.path.lower().startswith(("http://", "https://")):
            parts = urlsplit(self.path)
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            return parts.scheme.lower(), parts.netloc.rsplit("@", 1)[-1], path
        host_header = self.headers.get("Host")
        if not host_header:
            return None
        return "http", host_header, self.path

    def _serve(self, *, head_only: bool) -> None:
        target = self._target()
        if target is None:
            self._send(400, [("Content-Type", "text/plain")], b"missing Host header\n", head_only)
            self.server.replay.log_request(self.command, self.path, 400)
            return
        scheme, host, path = target
        resolved = self.server.replay.sites.resolve(host, path)
        etag = resolved.header("ETag")
        if resolved.status == 200 and etag and etag == self.headers.get("If-None-Match"):
            resolved = Resolved(304, [("ETag", etag)], b"")
        self.server.replay.log_request(self.command, _full_url(scheme, host, path), resolved[0])
        self._send(resolved.status, resolved.headers, resolved.body, head_only)

    def _method_not_allowed(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        elif self.headers.get("Transfer-Encoding"):
            self.close_connection = True
        target = self._target()
        url = _full_url(*target) if target else self.path
        self.server.replay.log_request(self.command, url, 405)
        self._send(
            405,
            [("Allow", "GET, HEAD"), ("Content-Type", "text/plain")],
            b"method not allowed\n",
            head_only=False,
        )

    def _send(
        self, status: int, headers: list[tuple[str, str]], body: bytes, head_only: bool
    ) -> None:
        try:
            reason = HTTPStatus(status).phrase
        except ValueError:
            reason = "Unknown"
        self.log_request(status)
        lines = [f"{self.protocol_version} {status} {reason}"]
        if not any(name.lower() == "date" for name, _ in headers):
            lines.append(f"Date: {self.date_time_string()}")
        lines += [f"{name}: {value}" for name, value in headers]
        lines.append(f"Content-Length: {len(body)}")
        if self.close_connection:
            lines.append("Connection: close")
        head = "\r\n".join(lines) + "\r\n\r\n"
        try:
            data = head.encode("latin-1")
        except UnicodeEncodeError:
            data = head.encode("utf-8")
        self.wfile.write(data if head_only else data + body)

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.replay.verbose:
            super().log_message(format, *args)


def _full_url(scheme: str, host: str, path: str) -> str:
    host = host.strip().lower()
    default = ":443" if scheme == "https" else ":80"
    if host.endswith(default):
        host = host[: -len(default)]
    return f"{scheme}://{host}{path if path.startswith('/') else '/' + path}"


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    replay: ReplayServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        if self.replay.verbose:
            super().handle_error(request, client_address)


class ReplayServer:
    """Loopback forward proxy (and virtual-host server) that serves recorded portals.

    ``with ReplayServer(roots) as server: server.proxy_url`` → ``"http://127.0.0.1:PORT"``.
    ``roots`` is a root folder, a list of them, or a ready :class:`RecordedSites`.
    A subclass may serve with its own request handler (``handler_class``, a subclass of
    ``_Handler``): the test suite's fault-injecting server does.
    """

    handler_class: type[_Handler] = _Handler

    def __init__(
        self,
        roots: RecordedSites | Path | str | Iterable[Path | str] = DEFAULT_ROOT,
        *,
        host: str = LOOPBACK,
        port: int = 0,
        verbose: bool = False,
    ) -> None:
        if host != LOOPBACK:
            raise ValueError(f"ReplayServer binds to {LOOPBACK} only, not {host!r}")
        self.sites = roots if isinstance(roots, RecordedSites) else RecordedSites(roots)
        self.host = host
        self.port = port
        self.verbose = verbose
        self.ssl_context: ssl.SSLContext
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.cert_pem: bytes | None = None  # presented inside CONNECT tunnels while running
        self._lock = threading.Lock()
        self._requests: list[tuple[str, str, int]] = []
        self._tunnels: list[str] = []
        self._handlers: set[_Handler] = set()

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> ReplayServer:
        if self._httpd is not None:
            return self
        cert_pem, key_pem = _self_signed_cert(self.sites.hosts)
        self.ssl_context = _tls_context(cert_pem, key_pem)
        httpd = _HTTPServer((self.host, self.port), self.handler_class)
        self.cert_pem = cert_pem
        httpd.replay = self
        self._httpd = httpd
        self.port = httpd.server_address[1]
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"govcrawl-replay-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is not None:
            httpd.shutdown()
            httpd.server_close()
            with self._lock:
                handlers = list(self._handlers)
            for handler in handlers:  # wake keep-alive threads blocked in recv()
                with contextlib.suppress(OSError):
                    handler.connection.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self.cert_pem = None

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._httpd is not None

    @property
    def proxy_url(self) -> str:
        """``http://127.0.0.1:PORT`` — the value for ``GOVCRAWL_REPLAY_PROXY``."""
        if self._httpd is None:
            raise RuntimeError("ReplayServer is not running; call start() first")
        return f"http://{self.host}:{self.port}"

    # -- request log ------------------------------------------------------------------------------

    @property
    def requests(self) -> list[tuple[str, str, int]]:
        """``(method, "scheme://host/path?query", status)`` for every request served."""
        with self._lock:
            return list(self._requests)

    @property
    def tunnels(self) -> list[str]:
        """The ``host:port`` of every CONNECT tunnel opened."""
        with self._lock:
            return list(self._tunnels)

    def count(self, url: str, method: str | None = None) -> int:
        """How many times ``url`` was requested (optionally with ``method`` only)."""
        return sum(1 for m, u, _ in self.requests if u == url and method in (None, m))

    def reset_log(self) -> None:
        with self._lock:
            self._requests.clear()
            self._tunnels.clear()

    def log_request(self, method: str, url: str, status: int) -> None:
        with self._lock:
            self._requests.append((method, url, status))

    def log_tunnel(self, target: str) -> None:
        with self._lock:
            self._tunnels.append(target)

    def track(self, handler: _Handler, *, add: bool) -> None:
        with self._lock:
            if add:
                self._handlers.add(handler)
            else:
                self._handlers.discard(handler)


# --------------------------------------------------------------------------------------------
# Scrapy downloader middleware
# --------------------------------------------------------------------------------------------


def _check_loopback_proxy(proxy: str) -> str:
    url = proxy if "://" in proxy else f"http://{proxy}"
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme != "http":
        raise ValueError(f"GOVCRAWL_REPLAY_PROXY must be an http:// URL, got {proxy!r}")
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(
            f"GOVCRAWL_REPLAY_PROXY must point to a loopback address (127.0.0.1), got {proxy!r}"
        )
    return url.rstrip("/")


class ReplayProxyMiddleware:
    """Route every request through the replay proxy named by ``GOVCRAWL_REPLAY_PROXY``.

    Enable it *before* Scrapy's ``HttpProxyMiddleware`` (priority 750), at **740**::

        DOWNLOADER_MIDDLEWARES = {"govcrawl.replay.server.ReplayProxyMiddleware": 740}
        GOVCRAWL_REPLAY_PROXY = "http://127.0.0.1:8123"

    Not configured (disabled) when the setting is empty; ``ValueError`` when it is not a
    loopback ``http://`` URL. A request that already carries a non-empty ``meta["proxy"]`` is
    left alone; ``meta["proxy"] = None`` (Scrapy's "no proxy") is overridden, since in replay
    mode going direct would mean the real internet. Counts ``govcrawl/replay/requests``.
    """

    def __init__(self, proxy_url: str, stats: Any = None) -> None:
        self.proxy_url = _check_loopback_proxy(proxy_url)
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Any) -> ReplayProxyMiddleware:
        from scrapy.exceptions import NotConfigured

        proxy = (crawler.settings.get("GOVCRAWL_REPLAY_PROXY") or "").strip()
        if not proxy:
            raise NotConfigured("GOVCRAWL_REPLAY_PROXY is not set")
        return cls(proxy, crawler.stats)

    def process_request(self, request: Any) -> None:
        if request.meta.get("proxy"):
            return None
        request.meta["proxy"] = self.proxy_url
        if self.stats is not None:
            self.stats.inc_value(STATS_KEY)
        return None


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m govcrawl.replay.server",
        description="Serve recorded government portals from a loopback forward proxy.",
    )
    parser.add_argument(
        "--root",
        action="append",
        type=Path,
        help=f"recordings root (repeatable; default {DEFAULT_ROOT})",
    )
    parser.add_argument("--port", type=int, default=8123, help="port (0 = any free one)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print an access log")
    args = parser.parse_args(argv)

    server = ReplayServer(args.root or [DEFAULT_ROOT], port=args.port, verbose=args.verbose)
    with server:
        hosts = server.sites.hosts
        print(
            f"govcrawl replay proxy {server.proxy_url} — {len(hosts)} recorded host(s): "
            + (", ".join(hosts) or "(none)"),
            flush=True,
        )
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("stopped", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
