"""Byline and editor lines (责任编辑：张三, （作者：李四 摄影：王五）, 監審:盧永成 劉桂揚).

They sit inside the body container on many portals; they are credits, not text, so the
article page moves them into `contributors` with the role in Simplified Chinese.
"""

from __future__ import annotations

import re

from govcrawl.extraction.text import normalize_space

_ROLES = {
    "责任编辑": "责任编辑",
    "責任編輯": "责任编辑",
    "编辑": "编辑",
    "編輯": "编辑",
    "作者": "作者",
    "记者": "记者",
    "記者": "记者",
    "通讯员": "通讯员",
    "通訊員": "通讯员",
    "摄影": "摄影",
    "攝影": "摄影",
    "监审": "监审",
    "監審": "监审",
    "审核": "审核",
    "審核": "审核",
    "初审": "初审",
    "初審": "初审",
    "复审": "复审",
    "複審": "复审",
    "终审": "终审",
    "終審": "终审",
    "校对": "校对",
    "校對": "校对",
    "撰稿": "撰稿",
    "审校": "审校",
    "審校": "审校",
    "文": "文",
    "图": "图",
    "圖": "图",
}
_ROLE = "|".join(sorted(map(re.escape, _ROLES), key=len, reverse=True))
_BYLINE_PART = re.compile(rf"({_ROLE})\s*[:：]\s*(.+?)(?=\s*(?:{_ROLE})\s*[:：]|$)")
_BYLINE_LINE = re.compile(rf"^[（(【\[]?\s*(?:{_ROLE})\s*[:：].*?[）)】\]]?$")
_NAME_SPLIT = re.compile(r"[\s、,，;；/]+")
_MAX_BYLINE_LEN = 60


def split_byline(line: str) -> list[dict[str, str]] | None:
    """Contributors named by a byline line, or None when the line is not a byline."""
    if len(line) > 2 * _MAX_BYLINE_LEN:  # prose: no need to look closer
        return None
    line = normalize_space(line)
    if len(line) > _MAX_BYLINE_LEN or not _BYLINE_LINE.match(line):
        return None
    inner = line.strip("（()）【】[] ")
    contributors = []
    for role, names in _BYLINE_PART.findall(inner):
        for name in _NAME_SPLIT.split(names.strip("（()）【】[] ")):
            if name:
                contributors.append({"role": _ROLES[role], "name": name})
    return contributors or None
