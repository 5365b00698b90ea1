"""The record contract: a valid schema, documented field by field, and our own packages."""

from __future__ import annotations

import hashlib
import random
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


def _reference_content_hash(title: str, text: str) -> str:
    """content_hash as specified: SHA-256 of NFKC of the whole text, spaces folded."""

    def norm(part: str) -> str:
        return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", part)).strip()

    return hashlib.sha256(f"{norm(title)}\n{norm(text)}".encode()).hexdigest()


def test_content_hash_is_sha256_of_nfkc_with_folded_spaces():
    """The fast path changes nothing: same digest as NFKC of the whole text."""
    samples = [
        ("关于（试行）的通知", "第一条，自２０２６年１月１日起施行；\n第二条：Ａ\u0301！"),
        ("ﬁle  标题\u3000", "\uff21\u0308\u0327 …①\n\n \u1100\u1161\u11a8，\xa0end"),
        ("", "\uff5e\uff01"),
    ]
    for title, text in samples:
        assert content_hash(title, text) == _reference_content_hash(title, text)


def test_nfkc_fast_path_equals_normalize_on_any_text():
    """Replacing the characters NFKC changes before normalising keeps the result of
    normalising the whole text: checked on the characters that took the slow path (³ ℃ Ⅴ
    beside combining marks, Hangul jamo, outside the BMP) and on random BMP text."""
    texts = [
        "气温３５℃，增长１２.３％，Ⅴ类水质，１０³立方米\u3000第Ⅱ条",
        "e\u0301\u0327 ﬁ Å \u1100\u1161\u11a8 ㈱ ① \U0001d400\U0002f800 ½ \u2126",
        "",
    ]
    generator = random.Random(15)
    for _ in range(300):
        texts.append("".join(chr(generator.randrange(0x20, 0xFFFE)) for _ in range(40)))
    for text in texts:
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        assert content_hash("", text) == _reference_content_hash("", text), repr(text)


def test_top_level_pipelines_package_is_ours():
    assert Path(pipelines.__file__).resolve().parent == Path(__file__).resolve().parents[1] / "pipelines"
