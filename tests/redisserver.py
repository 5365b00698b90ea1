"""A real `redis-server` on 127.0.0.1 for the tests: a free port, no persistence, a tmp dir.

Started once per session by the `redis_server` fixture (a test module takes it with
`redis_server = redisserver.redis_server`; modules share the one server) and stopped by its
PID at the end. Skips with the reason when `redis-server` is not installed
(`apt-get install -y redis-server`; CI installs it).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass
class RedisServer:
    """A running server: its URL, and a way to stop it (by PID, never by name)."""

    process: subprocess.Popen[bytes]
    port: int
    directory: Path

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self, keep_files: bool = False) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if not keep_files:
            shutil.rmtree(self.directory, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_redis(*extra: str, port: int = 0, directory: Path | None = None) -> RedisServer:
    """Start `redis-server` on a free loopback port (or `port`, in `directory`: a restart
    of a stopped server); `extra` options override the defaults. Returns once it answers."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (apt-get install -y redis-server)")
    import redis

    directory = directory or Path(tempfile.mkdtemp(prefix="govcrawl-redis-"))
    for _ in range(5):  # the port may be taken between probing and binding
        port = port or _free_port()
        process = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(directory), *extra],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        server = RedisServer(process, port, directory)
        client = redis.Redis(port=port)
        deadline = time.monotonic() + 10
        while process.poll() is None and time.monotonic() < deadline:
            try:
                client.ping()
                client.close()
                return server
            except redis.exceptions.ConnectionError:
                time.sleep(0.02)
        server.stop(keep_files=True)
        port = 0
    raise RuntimeError("redis-server did not start")


_session: RedisServer | None = None


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    global _session
    if _session is None or _session.process.poll() is not None:
        _session = start_redis()
    yield _session
    _session.stop()
