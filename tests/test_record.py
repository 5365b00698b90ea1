"""The record contract: a valid schema, documented field by field, and our own packages."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path

from jsonschema import Draft202012Validator

import pipelines
from govcrawl.record import content_hash, record_fields, record_schema, url_hash

DOCS = Path(__file__).resolve().parents[1] / "docs" / "record.md"


def test_schema_is_a_valid_json_schema():
    Draft202012Validator.check_schema(record_schema())


def test_every_field_is_documented_for_data_teams():
    documented = set(re.findall(r"^\| `(\w+)` \|", DOCS.read_text("utf-8"), re.M))
    # Version 2 adds keys that are defined but not yet required (docs/record.md, changelog).
    assert set(record_schema()["properties"]) <= documented
    assert set(record_fields()) <= set(record_schema()["properties"])


def test_url_hash_is_sha1_of_the_canonical_url():
    assert url_hash("http://a.gov.cn/x?b=2&a=1#frag") == url_hash("http://a.gov.cn/x?a=1&b=2")
    assert url_hash("http://a.gov.cn/x") != url_hash("http://a.gov.cn/y")
    # An already canonical URL hashes to the SHA-1 of its own bytes.
    assert url_hash("http://a.gov.cn/x?a=1") == hashlib.sha1(b"http://a.gov.cn/x?a=1").hexdigest()


def test_content_hash_is_sha256_of_nfkc_with_folded_spaces():
    """The full-width fast path changes nothing: same digest as NFKC of the whole text."""

    def reference(title: str, text: str) -> str:
        def norm(part: str) -> str:
            return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", part)).strip()

        return hashlib.sha256(f"{norm(title)}\n{norm(text)}".encode()).hexdigest()

    samples = [
        ("关于（试行）的通知", "第一条，自２０２６年１月１日起施行；\n第二条：Ａ\u0301！"),
        ("ﬁle  标题\u3000", "\uff21\u0308\u0327 …①\n\n \u1100\u1161\u11a8，\xa0end"),
        ("", "\uff5e\uff01"),
    ]
    for title, text in samples:
        assert content_hash(title, text) == reference(title, text)


def test_top_level_pipelines_package_is_ours():
    assert Path(pipelines.__file__).resolve().parent == Path(__file__).resolve().parents[1] / "pipelines"
