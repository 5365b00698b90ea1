"""Generated crawl output for the dataset tests and benchmark: valid records and runs.

Records are made by the real clean step (`clean_article`) from written text, so they are
exactly what a crawl writes; `write_run` lays them out as a crawl does
(`<output>/<portal>/<run-id>.jsonl` + manifest).
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from benchmarks.dataset_pairs import ARTICLES, NOTICE_SUBSTANCES
from govcrawl.record import SCHEMA_VERSION, to_json_line
from pipelines.clean import clean_article

REGION = {"code": "441621", "province": "广东省", "prefecture": "河源市", "county": "紫金县"}
_WORDS = "".join(ARTICLES + NOTICE_SUBSTANCES).replace("\n", "")


def make_record(
    number: int,
    *,
    portal: str = "gd_zijin",
    text: str | None = None,
    title: str | None = None,
    date: str | None = "2024-03-05",
    crawled_at: str = "2024-03-06T01:00:00Z",
    **extra: Any,
) -> dict[str, Any]:
    """A valid current-version record (as clean writes it) for article `number`."""
    article = {
        "url": f"http://www.{portal}.gov.cn/xw/content/post_{number}.html",
        "portal": portal,
        "site_name": "紫金县人民政府门户网站",
        "region": REGION,
        "channel": "政务动态",
        "breadcrumb": ["首页", "政务动态"],
        "title": title or f"第{number}号工作动态",
        "date_candidates": [("page", date)] if date else [],
        "source": "本网",
        "contributors": [{"role": "责任编辑", "name": "李明"}],
        "text": text or random_text(number),
        "images": [],
        "attachments": [{"url": f"http://www.{portal}.gov.cn/f/{number}.pdf", "name": "附件"}],
        "extractor": "gd-jyh",
    }
    return {**clean_article(article, crawled_at=crawled_at), **extra}


_CHUNKS = sorted({_WORDS[i : i + 2] for i in range(0, len(_WORDS) - 1, 2)} - {""})


def random_text(seed: int, length: int = 600) -> str:
    """Paragraphs of two-character chunks of the written texts in random order, with
    punctuation: distinct texts with the characters and length of an article, sharing
    about as few 5-character shingles as different real articles do."""
    rng = random.Random(seed)
    paragraphs, size = [], 0
    while size < length:
        sentences = ["".join(rng.choices(_CHUNKS, k=rng.randint(6, 14))) for _ in range(4)]
        paragraph = "，".join(sentences) + "。"
        paragraphs.append(paragraph)
        size += len(paragraph)
    return "\n".join(paragraphs)


def as_v1(record: dict[str, Any]) -> dict[str, Any]:
    """The record as a version-1 crawl wrote it (no dataset keys)."""
    dataset_keys = ("run_id", "content_hash", "version", "replaces")
    return {**{k: v for k, v in record.items() if k not in dataset_keys}, "schema_version": 1}


def write_run(
    output: Path,
    portal: str,
    run_id: str,
    records: list[dict[str, Any]],
    *,
    finished: bool = True,
    extra_lines: list[bytes] = (),  # type: ignore[assignment]
) -> Path:
    """A run's dump (and its manifest when `finished`), as the crawl lays them out."""
    folder = output / portal
    folder.mkdir(parents=True, exist_ok=True)
    dump = folder / f"{run_id}.jsonl"
    with dump.open("wb") as file:
        for record in records:
            # Current records as the crawl writes them; older versions keep their own keys.
            current = record.get("schema_version") == SCHEMA_VERSION
            file.write(to_json_line(record) if current else _line(record))
        for line in extra_lines:
            file.write(line)
    if finished:
        manifest = {"portal": portal, "run_id": run_id, "records_written": len(records)}
        (folder / f"{run_id}.manifest.json").write_text(json.dumps(manifest))
    return dump


def _line(record: dict[str, Any]) -> bytes:
    return (json.dumps(record, ensure_ascii=False) + "\n").encode()
