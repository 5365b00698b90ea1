"""The record contract: a valid schema, documented field by field, and our own packages."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from jsonschema import Draft202012Validator

import pipelines
from govcrawl.record import record_fields, record_schema, url_hash

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


def test_top_level_pipelines_package_is_ours():
    assert Path(pipelines.__file__).resolve().parent == Path(__file__).resolve().parents[1] / "pipelines"
