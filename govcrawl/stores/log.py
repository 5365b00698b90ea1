"""The JSONL dumps as the crawl's durable log: whole lines in, torn tails repaired.

Exactly once across kills rests on one rule: **the dump is the truth, the seen-store an
index of it**. A line is appended whole or not at all (`append_line`: short writes are
finished, a failed write is cut back off); lines are committed in groups — flushed to the
disk, then their hashes stored — within `GOVCRAWL_COMMIT_LINES` lines or
`GOVCRAWL_COMMIT_INTERVAL` seconds of being written; when the portal's run closes the dump
is fsynced, its last group committed, and the manifest says how many lines were remembered
(counter `remembered`). A
run that never closed (SIGKILL, crash) has no manifest, one whose seen-store failed says
fewer were remembered than written: the next run's `reconcile` reads such a dump — what is
on disk, after repairing a torn last line — into the seen-store and writes its manifest.
Whatever the moment of a kill, every line on disk is remembered once, nothing twice.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary


def append_line(fd: int, line: bytes) -> None:
    """Appends all of `line` to the file open (O_APPEND) at `fd`, or nothing.

    `write` may write part of a buffer (a full disk, a signal): the rest is written, and
    if a write fails (ENOSPC, EIO, EDQUOT) the file is cut back to where the line started
    before the error is raised, so no half line is ever left behind or counted.
    """
    start = os.fstat(fd).st_size
    view = memoryview(line)
    written = 0
    try:
        while written < len(line):
            count = os.write(fd, view[written:])
            if count <= 0:
                raise OSError(28, "No space left on device (write returned 0)")
            written += count
    except OSError:
        os.ftruncate(fd, start)
        raise


def fsync_path(path: Path) -> None:
    """fsync a file or a directory (a new file's name is durable once its folder is)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def repair(path: Path) -> list[dict]:
    """The records of a dump, after cutting off what a crash left unfinished: a last line
    without its newline, and any line that does not parse (a power cut can leave a tail
    of NUL bytes). The file is rewritten (atomically) only when something was cut."""
    data = path.read_bytes()
    records, kept, damaged = [], [], False
    for raw in data.split(b"\n")[:-1] if data.endswith(b"\n") else data.split(b"\n"):
        try:
            records.append(json.loads(raw))
            kept.append(raw)
        except ValueError:
            damaged = damaged or bool(raw)
    if damaged or (data and not data.endswith(b"\n")):
        temporary = path.with_name(path.name + ".repair")
        temporary.write_bytes(b"".join(line + b"\n" for line in kept))
        fsync_path(temporary)
        temporary.replace(path)
        fsync_path(path.parent)
    return records


def _counter(manifest: dict, name: str) -> int:
    """A counter of a manifest in either layout (PortalRun counters, or Scrapy stats)."""
    if "counters" in manifest:
        return int(manifest["counters"].get(name, 0))
    return int((manifest.get("stats") or {}).get(f"govcrawl/{name}", 0))


def fully_remembered(manifest_path: Path) -> bool:
    """Whether the run of this manifest put every line it wrote into the seen-store."""
    try:
        manifest = json.loads(manifest_path.read_text("utf-8"))
    except (OSError, ValueError):
        return False
    return _counter(manifest, "remembered") >= _counter(manifest, "written")


def unclosed_runs(output_dir: Path) -> Iterator[tuple[str, str, Path]]:
    """`(portal, run_id, dump)` of every dump not fully remembered: its run wrote no
    manifest, or one saying fewer lines were remembered than written. Only the newest
    dumps of each portal are looked at, back to the last one fully remembered (every run
    reconciles before it writes, so older ones are)."""
    for portal_dir in sorted(p for p in Path(output_dir).iterdir() if p.is_dir()):
        for dump in sorted(portal_dir.glob("*.jsonl"), reverse=True):
            run_id = dump.name.removesuffix(".jsonl")
            if fully_remembered(dump.with_name(f"{run_id}.manifest.json")):
                break
            yield portal_dir.name, run_id, dump


def interrupted_walks(output_dir: Path) -> set[str]:
    """Portals whose newest run did not finish (killed, disk full, shut down, stalled…):
    their columns were walked partly, in no order, so a page holding nothing new does not
    mean that the older pages were done."""
    found = set()
    for portal_dir in sorted(p for p in Path(output_dir).iterdir() if p.is_dir()):
        manifests = sorted(portal_dir.glob("*.manifest.json"))
        if not manifests:
            continue
        try:
            reason = json.loads(manifests[-1].read_text("utf-8")).get("finish_reason")
        except (OSError, ValueError):
            reason = None
        if reason != "finished":
            found.add(portal_dir.name)
    return found


def reconcile(
    output_dir: Path,
    remember: Callable[[str, list[dict]], None],
    write_manifest: Callable[[str, str, Path, list[dict]], None],
) -> dict[str, int]:
    """Brings the seen-store level with the dumps of runs that never closed.

    For each such dump: repair it, `remember(portal, records)` of the records in it that
    carry a URL hash (the store must ignore hashes it holds), then
    `write_manifest(portal, run_id, dump, records)` so it is not read again. Returns
    portal → records reconciled. Idempotent: a crash during reconciliation only means
    doing it again.
    """
    done: dict[str, int] = {}
    for portal, run_id, dump in unclosed_runs(output_dir):
        records = repair(dump)
        remember(portal, [r for r in records if r.get("url_hash")])
        write_manifest(portal, run_id, dump, records)
        done[portal] = done.get(portal, 0) + len(records)
    return done


class Dump:
    """One run's dump of one portal: lines appended whole, then committed in groups.

    `append` writes a line whole or not at all (`append_line`: OSError with the file cut
    back to its last whole line) and keeps its entry for the seen-store. `commit` makes the
    lines appended since the last commit durable — one `fdatasync` for the group, with
    durable lines — and only then hands their entries to `remember`: a hash is never stored
    before its line is on disk, and one flush serves a group of lines instead of each.
    `close` fsyncs the file and its folder, then commits what is left. Lines whose flush
    failed are never remembered (the next run reconciles what reached the disk)."""

    def __init__(
        self, path: Path, remember: Callable[[list[Any]], bool], *, durable_lines: bool = False
    ) -> None:
        self.path = Path(path)
        # Store the entries of lines now durable; False when the store refused them.
        self.remember = remember
        # Flush lines to the disk before their hashes are remembered (GOVCRAWL_DURABLE_LINES):
        # then not even a power cut leaves a remembered hash whose line is lost.
        self.durable_lines = durable_lines
        self.pending: list[Any] = []  # entries of the lines appended since the last commit
        self.commits = 0  # groups of lines remembered together
        self.remembered = 0  # lines whose hash the seen-store took
        self.unremembered = 0  # lines whose hash it refused, or whose flush failed
        self._fd: int | None = None
        self._not_durable: OSError | None = None

    def append(self, line: bytes, entry: Any) -> None:
        if self._fd is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            if self.durable_lines:
                fsync_path(self.path.parent)  # the new file's name, once
        append_line(self._fd, line)
        self.pending.append(entry)

    def commit(self) -> None:
        """Flush the lines appended since the last commit, then remember them. Raises
        OSError when they could not be flushed: then they are not remembered."""
        if not self.pending:
            return
        if self.durable_lines and self._fd is not None and self._not_durable is None:
            try:
                os.fdatasync(self._fd)
            except OSError as error:
                self._not_durable = error
        self._hand_over()
        if self._not_durable is not None:
            raise self._not_durable

    def close(self) -> None:
        """fsync the file and its folder, close it, commit the lines left (again: nothing
        more to do). Raises OSError when the dump could not be made durable: then nothing
        more is remembered (the next run reconciles what reached the disk)."""
        if self._fd is not None:
            fd, self._fd = self._fd, None
            try:
                os.fsync(fd)
                fsync_path(self.path.parent)
            except OSError as error:
                self._not_durable = error
            finally:
                os.close(fd)
        self._hand_over()
        if self._not_durable is not None:
            raise self._not_durable

    def _hand_over(self) -> None:
        """The pending entries to `remember`, unless the lines are not known durable."""
        pending, self.pending = self.pending, []
        if not pending:
            return
        if self._not_durable is None and self.remember(pending):
            self.commits += 1
            self.remembered += len(pending)
        else:
            self.unremembered += len(pending)


_open: WeakKeyDictionary[Any, dict[str, Dump]] = WeakKeyDictionary()


def open_dumps(crawler: Any) -> dict[str, Dump]:
    """The crawl's open dumps by portal: the JSONL pipeline appends to them and commits
    them, the `OutputGuard` closes each (fsync, then the last commit) when its portal's run
    closes."""
    dumps = _open.get(crawler)
    if dumps is None:
        dumps = _open[crawler] = {}
    return dumps
