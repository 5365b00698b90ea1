"""No bytes crash the attachment reader: random bytes, and real-format files truncated or
with bytes flipped, always come back as an AttachmentText."""

from __future__ import annotations

from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govcrawl.attachments import AttachmentText, Limits, read_attachment
from tests.test_attachments_reader import (
    NOTICE,
    make_doc,
    make_docx,
    make_ofd,
    make_pdf,
    make_xls,
    make_xlsx,
    make_zip,
)

NAMES = st.sampled_from(
    ["a.pdf", "a.docx", "a.xlsx", "a.xls", "a.doc", "a.wps", "a.ofd", "a.zip", "a.txt", "x"]
)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
LIMITS = Limits(max_chars=2_000)


@cache
def samples() -> tuple[bytes, ...]:
    rows = [["姓名", "得分"], ["张三", 90]]
    return (
        make_pdf([NOTICE, NOTICE]),
        make_docx(NOTICE, [["单位", "人数"], ["县政府", "12"]]),
        make_xlsx(rows),
        make_xls(rows),
        make_doc("第一段。\r单位\x07人数\x07\x07\r"),
        make_ofd([[(20.0, "关于"), (30.0, "通知")]]),
        make_zip({"附件1.docx": make_docx(NOTICE), "说明.txt": "说明".encode()}),
    )


def check(data: bytes, name: str) -> None:
    result = read_attachment(data, name, None, LIMITS)
    assert isinstance(result, AttachmentText)
    assert (result.text is None) != (result.read_error is None)
    assert result.size == len(data)


@FUZZ
@given(data=st.binary(max_size=4096), name=NAMES)
def test_random_bytes(data, name):
    check(data, name)


@FUZZ
@given(
    index=st.integers(0, 6),
    cut=st.floats(0.0, 1.0),
    flips=st.lists(st.tuples(st.floats(0.0, 1.0), st.integers(0, 255)), max_size=8),
    name=NAMES,
)
def test_truncated_and_corrupted_real_files(index, cut, flips, name):
    data = bytearray(samples()[index][: max(1, int(len(samples()[index]) * cut))])
    for where, value in flips:
        data[min(int(where * len(data)), len(data) - 1)] = value
    check(bytes(data), name)


@pytest.mark.parametrize("index", range(7))
def test_every_prefix_length_class_of_each_sample(index):
    sample = samples()[index]
    for cut in (1, 8, 64, 512, len(sample) // 2, len(sample) - 1):
        check(sample[:cut], "a.bin")
