"""Maintainer tools: building the registry, recording fixtures, checking a replica."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any


def crawl_in_subprocess(
    arguments: list[str], output: Path, timeout: float | None = None
) -> subprocess.CompletedProcess[str]:
    """`govcrawl crawl <arguments> --output <output>` in its own process (a Twisted reactor
    runs once per process), its output captured."""
    command = [sys.executable, "-m", "govcrawl.cli", "crawl", *arguments, "--output", str(output)]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)


def written_records(folder: Path) -> list[dict[str, Any]]:
    """Every record of the JSONL dumps directly under `folder`'s portal folders (or of
    `folder` itself when it is a portal's folder), in file order."""
    dumps = sorted(folder.glob("*.jsonl")) or sorted(folder.glob("*/*.jsonl"))
    return [
        json.loads(line)
        for path in dumps
        for line in path.read_text("utf-8").splitlines()
        if line.strip()
    ]
