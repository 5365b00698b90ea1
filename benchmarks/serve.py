"""Serve a generated (or recorded) portal on 127.0.0.1 for the crawl benchmarks.

nginx is preferred, so that the server is not what we measure: one foreground nginx process
(`master_process off`, so it keeps the current user and never forks a daemon) with a config
written to a temporary folder, listening on 127.0.0.1 only, serving `<root>/<portal>/pages/$host`
as a plain docroot. Without nginx, `govcrawl.replay.server.ReplayServer` serves the same files.

Crawls reach either server through our replay proxy middleware (`GOVCRAWL_REPLAY_PROXY`):
Scrapy then sends plain-http requests in absolute form (`GET http://www.xinxing.gov.cn/… `),
nginx takes the virtual host from that request line, and the spider keeps the portal's real
URLs — the same path every crawl in a benchmark takes, with no host mapping to maintain.

    python benchmarks/serve.py --root /tmp/govcrawl-bench/site    # until Ctrl-C
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

NGINX_CONF = """daemon off;
master_process off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    include {mime_types};
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    keepalive_timeout 120s;
    open_file_cache max=20000 inactive=60s;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    server {{
        listen 127.0.0.1:{port};
        server_name _;
        root {root}/{portal}/pages/$host;
        index index.html;
    }}
}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_listening(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"nginx exited: {log.read_text(errors='replace')[-2000:]}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError("nginx did not start listening within 10 s")


@contextlib.contextmanager
def nginx(root: Path, portal: str, port: int | None = None) -> Iterator[str]:
    """Run nginx over `root` until the block ends; yields the proxy URL to give Scrapy."""
    binary = nginx_binary()
    if binary is None:
        raise RuntimeError("nginx is not installed (apt-get install -y nginx)")
    port = port or free_port()
    with tempfile.TemporaryDirectory(prefix="govcrawl-nginx-") as tmp:
        conf = Path(tmp) / "nginx.conf"
        conf.write_text(
            NGINX_CONF.format(
                tmp=tmp,
                port=port,
                root=root.resolve(),
                portal=portal,
                mime_types="/etc/nginx/mime.types",
            )
        )
        process = subprocess.Popen(
            [binary, "-c", str(conf), "-e", f"{tmp}/error.log"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait_listening(port, process, Path(tmp) / "error.log")
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextlib.contextmanager
def replay(root: Path) -> Iterator[str]:
    """The fallback: our threaded replay server over the same layout."""
    from govcrawl.replay.server import ReplayServer

    with ReplayServer([root]) as server:
        yield server.proxy_url


def nginx_binary() -> str | None:
    """The nginx executable (`apt-get install nginx` puts it in /usr/sbin), if installed."""
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).exists()), None
    )


def server_name(prefer_nginx: bool = True) -> str:
    """Which server `serve` will use: `nginx` when installed and preferred, else `replay`."""
    return "nginx" if prefer_nginx and nginx_binary() else "replay"


@contextlib.contextmanager
def serve(root: Path, portal: str, prefer_nginx: bool = True) -> Iterator[str]:
    """The best server available for `root`; yields the proxy URL."""
    if server_name(prefer_nginx) == "nginx":
        with nginx(root, portal) as url:
            yield url
    else:
        with replay(root) as url:
            yield url


def main(argv: list[str] | None = None) -> None:
    from generate_portal import PORTAL

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path("/tmp/govcrawl-bench/site"))
    parser.add_argument("--portal", default=PORTAL)
    parser.add_argument("--replay", action="store_true", help="use ReplayServer, not nginx")
    args = parser.parse_args(argv)
    # `kill` stops it as Ctrl-C does: through the `finally` that stops nginx (the default
    # SIGTERM action would leave nginx running, orphaned).
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    with serve(args.root, args.portal, prefer_nginx=not args.replay) as url:
        print(f"serving {args.root} as a proxy at {url} (Ctrl-C or kill stops)", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                time.sleep(3600)


if __name__ == "__main__":
    main()
