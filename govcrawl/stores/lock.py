"""One run per output directory at a time, and run ids that cannot collide.

Two runs writing into one directory shared a dump (run ids had one-second resolution and
nothing stopped the second run): 711 duplicates in 3,711 lines. An exclusive `flock` on
`<output>/.lock` is held for the whole run; the kernel releases it when the process dies,
however it dies, so a killed run never leaves a stale lock behind.
"""

from __future__ import annotations

import errno
import fcntl
import os
from datetime import UTC, datetime
from pathlib import Path

LOCK_FILE = ".lock"


class OutputLocked(RuntimeError):
    """Another run holds the output directory."""


def new_run_id() -> str:
    """A sortable id no two runs share: UTC time to the microsecond, then the process id,
    e.g. `20261130T131500.123456Z-4242`."""
    return f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%S.%fZ')}-{os.getpid()}"


class OutputLock:
    """Exclusive lock on an output directory, for the lifetime of one run."""

    def __init__(self, directory: str | Path) -> None:
        self.path = Path(directory) / LOCK_FILE
        self._fd: int | None = None

    def acquire(self) -> OutputLock:
        """Takes the lock or raises `OutputLocked` naming the process that holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
            os.close(fd)
            if error.errno in (errno.EWOULDBLOCK, errno.EACCES):
                raise OutputLocked(
                    f"{self.path.parent} is in use by another govcrawl run (pid {holder}); "
                    "one run per output directory at a time"
                ) from None
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing releases the flock
            self._fd = None

    def __enter__(self) -> OutputLock:
        return self.acquire()

    def __exit__(self, *exc_info: object) -> None:
        self.release()
