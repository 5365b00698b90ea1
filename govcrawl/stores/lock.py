"""One run per output directory at a time, and run ids that cannot collide.

Two runs writing into one directory shared a dump (run ids had one-second resolution and
nothing stopped the second run): 711 duplicates in 3,711 lines. An exclusive `flock` on
`<output>/.lock` is held for the whole run; the kernel releases it when the process dies,
however it dies, so a killed run never leaves a stale lock behind. Under that lock, a run
id is never one the directory has had (`new_run_id`), in the record schema's format.
"""

from __future__ import annotations

import errno
import fcntl
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

LOCK_FILE = ".lock"
LAST_RUN_FILE = ".last-run-id"
RUN_ID_FORMAT = "%Y%m%dT%H%M%SZ"  # the record schema's run_id pattern


class OutputLocked(RuntimeError):
    """Another run holds the output directory."""


def new_run_id(directory: str | Path | None = None) -> str:
    """The UTC start time naming a run's files, e.g. `20261130T131500Z`.

    With the output `directory` (whose lock the caller holds), never an id the directory
    had: a run starting within the second of the last one takes the next second, and the
    id is kept in `<directory>/.last-run-id`. Ids stay sortable and in the schema's format.
    """
    now = datetime.now(UTC).replace(microsecond=0)
    if directory is None:
        return now.strftime(RUN_ID_FORMAT)
    path = Path(directory) / LAST_RUN_FILE
    try:
        last = datetime.strptime(path.read_text("ascii").strip(), RUN_ID_FORMAT)
    except (OSError, ValueError):
        last = None
    if last is not None and now <= last.replace(tzinfo=UTC):
        now = last.replace(tzinfo=UTC) + timedelta(seconds=1)
    run_id = now.strftime(RUN_ID_FORMAT)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(run_id + "\n", "ascii")
    return run_id


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
