"""Plain-text hygiene shared by extraction and cleaning: whitespace and boilerplate lines."""

from __future__ import annotations

import re

# Zero-width characters and BOMs count as whitespace here; str.split() knows the rest
# (full-width space U+3000, nbsp …). Replaced only when present: str.translate is slow on
# Chinese text, a substring test is not (nor is it slower than one regex search).
_ZERO_WIDTH = ("\u200b", "\u200c", "\u200d", "\ufeff")


def _zero_width_as_space(text: str) -> str:
    for char in _ZERO_WIDTH:
        if char in text:
            text = text.replace(char, " ")
    return text


# Widget and footer lines of government templates. Matched against a whole (short) line,
# so a sentence that merely mentions 打印 or 分享 is never dropped.
_BOILERPLATE = re.compile(
    r"""^[【\[（(]?\s*(?:
        字[体號号]\s*[:：]?.*|[【\[]?\s*[大中小]\s*[大中小]?\s*[中小]?\s*[】\]]?|
        (?:放大|正常|缩小|默认)(?:\s+(?:放大|正常|缩小|默认))*|
        打印(?:本页|本頁|此页)?|关闭(?:窗口|本页)?|關閉(?:窗口|本頁)?|返回顶部|返回頂部|
        分享到?\s*[:：]?.{0,30}|扫一扫.{0,20}|掃一掃.{0,20}|
        (?:上|下)一[篇条條]\s*[:：]?.*|
        相[关關](?:文章|稿件|链接|鏈接|新闻|新聞|阅读|閱讀)\s*[:：]?.*|关联稿件\s*[:：]?.*|
        (?:阅读|閱讀|浏览|瀏覽)(?:人次|次数|次數|量)\s*[:：]?\s*[-\d]*|访问量\s*[:：]?\s*[-\d]*|
        我要纠错|我要糾錯|网站标识码.*|政府网站标识码.*|.*ICP备.*|.*公网安备.*|
        (?:主办|承办|主辦|承辦)单位\s*[:：].*|技术支持\s*[:：].*|
        您(?:当前|當前)的?位置\s*[:：].*|当前位置\s*[:：].*
    )\s*[】\]）)]?$""",
    re.VERBOSE,
)
_MAX_BOILERPLATE_LEN = 80
_SPACES = (" ", "\u3000", "\xa0", "\t", "\n")


def normalize_space(text: str) -> str:
    """Collapse every whitespace run (full-width and nbsp included) to one space; strip."""
    return " ".join(_zero_width_as_space(text).split())


def fold(text: str) -> str:
    """Text with all whitespace removed: for comparing lines that differ only in spacing."""
    return "".join(_zero_width_as_space(text).split())


def is_boilerplate(line: str) -> bool:
    """True for a widget, navigation or footer line that is not part of an article."""
    # Prose is a cheap no: a long line without whitespace, or too many non-space characters.
    if len(line) > _MAX_BOILERPLATE_LEN and len(line.split()) == 1:
        return False
    if len(line) - sum(map(line.count, _SPACES)) > _MAX_BOILERPLATE_LEN:
        return False
    return is_boilerplate_line(normalize_space(line))


def is_boilerplate_line(line: str) -> bool:
    """`is_boilerplate` for a line `normalize_space` already folded: then its length alone
    tells prose (no splitting or counting), which is what every line of a body is."""
    return len(line) <= _MAX_BOILERPLATE_LEN and bool(_BOILERPLATE.match(line))


def clean_lines(lines: list[str]) -> list[str]:
    """Normalised, non-empty, non-boilerplate lines, in order."""
    cleaned = (normalize_space(line) for line in lines)
    return [line for line in cleaned if line and not is_boilerplate_line(line)]
