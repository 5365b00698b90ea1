"""Script detection and Traditional → Simplified conversion with protected place names.

OpenCC converts phrase by phrase, but a blind conversion still corrupts some names
(乾安县 must not become 干安县), so names given by the caller are masked first.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Literal

Script = Literal["zh-Hans", "zh-Hant"]

_CJK = re.compile(r"[\u4e00-\u9fff]")
# Share of CJK characters that change under t2s above which a text counts as Traditional.
_TRADITIONAL_SHARE = 0.03
_MIN_CHANGED = 3

# Place names whose first character OpenCC may simplify wrongly in some phrase contexts.
PROTECTED_PLACE_NAMES: tuple[str, ...] = ("乾安县", "乾县", "乾安", "乾陵")


@cache
def _converter(config: str):  # -> opencc.OpenCC
    import opencc

    return opencc.OpenCC(config)


def detect_script(text: str) -> Script:
    """`zh-Hant` when enough of the Han characters are Traditional-only, else `zh-Hans`."""
    sample = text[:4000]
    han = _CJK.findall(sample)
    if not han:
        return "zh-Hans"
    simplified = _converter("t2s").convert(sample)
    changed = sum(1 for a, b in zip(sample, simplified, strict=False) if a != b)
    if changed >= _MIN_CHANGED and changed / len(han) >= _TRADITIONAL_SHARE:
        return "zh-Hant"
    return "zh-Hans"


def to_simplified(text: str, protect: tuple[str, ...] = ()) -> str:
    """Simplified version of `text`; each name in `protect` (Simplified spelling) survives."""
    names = sorted({*protect, *PROTECTED_PLACE_NAMES}, key=len, reverse=True)
    to_traditional = _converter("s2t")
    masks: dict[str, str] = {}
    for index, name in enumerate(names):
        placeholder = f"\ue000{index}\ue001"  # private-use marks OpenCC leaves alone
        for spelling in {name, to_traditional.convert(name)}:
            if spelling in text:
                text = text.replace(spelling, placeholder)
                masks[placeholder] = name
    converted = _converter("t2s").convert(text)
    for placeholder, name in masks.items():
        converted = converted.replace(placeholder, name)
    return converted
