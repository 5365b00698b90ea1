"""The record every crawl writes: schema version, field order, URL hash and validation.

One place for what a JSONL line is, so that the pipelines, the CLI and the tests agree.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from datetime import UTC, datetime
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from w3lib.url import canonicalize_url

SCHEMA_VERSION = 2
SCHEMA_RESOURCE = "schemas/record-v2.json"


@cache
def record_schema() -> dict[str, Any]:
    """The JSON Schema of a current-version record, as shipped in the package."""
    text = resources.files("govcrawl").joinpath(SCHEMA_RESOURCE).read_text("utf-8")
    return json.loads(text)


@cache
def record_fields() -> tuple[str, ...]:
    """Record keys in the order they are written (the schema's `required` order)."""
    return tuple(record_schema()["required"])


@cache
def _validator() -> Any:
    import fastjsonschema

    return fastjsonschema.compile(record_schema())


def schema_errors(record: dict[str, Any]) -> list[str]:
    """The record's first schema violation, readable (empty list when it is valid).

    The schema is compiled to Python once (fastjsonschema: ~36 µs a record, against
    ~490 µs for jsonschema's validator), which matters when every record is checked.
    """
    from fastjsonschema import JsonSchemaValueException

    try:
        _validator()(record)
    except JsonSchemaValueException as error:
        return [error.message.replace("data.", "", 1).replace("data ", "<record> ", 1)]
    return []


@lru_cache(maxsize=1024)  # the seen-store middleware hashes a request's URL, then clean
def url_hash(url: str) -> str:  # hashes the same URL again; canonicalize_url is the cost
    """SHA-1 hex of the canonical URL: query order and fragments do not make a new article."""
    return hashlib.sha1(canonicalize_url(url).encode("utf-8")).hexdigest()


def utc_now_iso() -> str:
    """Current UTC time as `YYYY-MM-DDTHH:MM:SSZ` (the `crawled_at` format)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_json_line(record: dict[str, Any]) -> bytes:
    """One UTF-8 JSONL line, keys in schema order, Chinese written as is."""
    current = record.get("schema_version", SCHEMA_VERSION) == SCHEMA_VERSION
    ordered = {key: record.get(key) for key in record_fields()} if current else record
    return (json.dumps(ordered, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


# --- dataset fields (schema version 2) -------------------------------------------------


@cache
def _not_nfkc() -> re.Pattern[str]:
    """The BMP characters NFKC changes (full-width ，（）：, ³, ℃, Ⅴ, U+3000 …); 3 ms once."""
    changed = [code for code in range(0x10000) if not unicodedata.is_normalized("NFKC", chr(code))]
    ranges, start = [], changed[0]
    for previous, code in zip(changed, [*changed[1:], -1], strict=True):
        if code != previous + 1:
            ranges.append(f"{re.escape(chr(start))}-{re.escape(chr(previous))}")
            start = code
    return re.compile(f"[{''.join(ranges)}]")


def _nfkc(text: str) -> str:
    """`unicodedata.normalize("NFKC", text)`, fast on Chinese prose.

    CPython normalises in C only after a quick check fails, and then decomposes and
    recomposes the whole text in a slow path (0.3 ms on a 7,000-character bulletin with one
    ℃). Each character NFKC changes is first replaced by its own NFKC form: the full
    decomposition of the text stays the same, so its NFKC does too, and the text left
    passes the quick check (a combining mark or a character outside the BMP still takes
    the slow path, with the same result).
    """
    pattern = _not_nfkc()
    found = pattern.search(text)
    while found:  # one pass per distinct character, resumed where the last one was
        char = found[0]
        text = text.replace(char, unicodedata.normalize("NFKC", char))
        found = pattern.search(text, found.start())
    return unicodedata.normalize("NFKC", text)


def content_hash(title: str, text: str) -> str:
    """SHA-256 hex of the normalised title + "\n" + text: the identity of what a page says.

    NFKC (full-width forms, compatibility characters) and folded whitespace make a
    re-rendered page with the same words hash the same; any change of wording does not.
    Each part is folded on its own so the separator stays the one newline.
    """

    def norm(part: str) -> str:
        return " ".join(_nfkc(part).split())  # str.split() and re's \s: the same spaces

    return hashlib.sha256(f"{norm(title)}\n{norm(text)}".encode()).hexdigest()


def record_key(url_hash: str, version: int) -> str:
    """`<url_hash>:<version>`, the reference to one version of a document (`replaces`)."""
    return f"{url_hash}:{version}"


def next_version(
    url_hash: str, new_content_hash: str, previous: tuple[int, str] | None
) -> tuple[int, str | None] | None:
    """`(version, replaces)` for a record, given the latest stored `(version, content_hash)`
    of its URL; None when the content is unchanged (nothing new to write)."""
    if previous is None:
        return 1, None
    version, stored_hash = previous
    if stored_hash == new_content_hash:
        return None
    return version + 1, record_key(url_hash, version)


@cache
def schema_for_version(version: int) -> dict[str, Any]:
    """The shipped JSON Schema of record version `version` (readers of old dumps need
    the schema those lines were written against); KeyError for a version never shipped."""
    try:
        text = resources.files("govcrawl").joinpath(f"schemas/record-v{version}.json")
        return json.loads(text.read_text("utf-8"))
    except (FileNotFoundError, ValueError):
        raise KeyError(version) from None
