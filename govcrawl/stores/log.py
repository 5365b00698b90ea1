"""The JSONL dumps as the crawl's durable log: whole lines in, torn tails repaired.

Exactly once across kills rests on one rule: **the dump is the truth, the seen-store an
index of it**. A line is appended whole or not at all (`append_line`: short writes are
finished, a failed write is cut back off); the hashes of a run's lines enter the seen-store
only after the dump has been fsynced (`JsonLinesPipeline` at close); a run that never
closed (SIGKILL, crash, power cut) has no manifest, and the next run's `reconcile` reads
its dump — what is on disk, after repairing a torn last line — into the seen-store and
writes the manifest. Whatever the moment of death, every line on disk is remembered once
and nothing not on disk is.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path


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


def unclosed_runs(output_dir: Path) -> Iterator[tuple[str, str, Path]]:
    """`(portal, run_id, dump)` of every dump whose run wrote no manifest."""
    for dump in sorted(Path(output_dir).glob("*/*.jsonl")):
        run_id = dump.name.removesuffix(".jsonl")
        if not dump.with_name(f"{run_id}.manifest.json").exists():
            yield dump.parent.name, run_id, dump


def reconcile(
    output_dir: Path,
    remember: Callable[[str, Iterable[str]], None],
    write_manifest: Callable[[str, str, Path, list[dict]], None],
) -> dict[str, int]:
    """Brings the seen-store level with the dumps of runs that never closed.

    For each such dump: repair it, `remember(portal, hashes)` of every record in it (the
    store must ignore hashes it holds), then `write_manifest(portal, run_id, dump,
    records)` so it is not read again. Returns portal → records reconciled. Idempotent: a
    crash during reconciliation only means doing it again.
    """
    done: dict[str, int] = {}
    for portal, run_id, dump in unclosed_runs(output_dir):
        records = repair(dump)
        remember(portal, [r["url_hash"] for r in records if r.get("url_hash")])
        write_manifest(portal, run_id, dump, records)
        done[portal] = done.get(portal, 0) + len(records)
    return done
