"""Pages that are not articles, whatever their HTTP status says.

Government portals answer 200 with WAF challenges (瑞数 `$_ts`, 安全狗, 创宇云 / 加速乐),
with "page not found" notices (soft-404s) and with empty shells whose content a script
would load. None of them may ever become a record: each is named so it can be counted.
"""

from __future__ import annotations

import re

# Markers of a challenge page, in its scripts or text.
_WAF_MARKERS = re.compile(
    r"\$_ts\s*=|_\$_ts|safedog|安全狗|yunsuo|云锁|jiasule|加速乐|创宇|__jsl_clearance"
    r"|访问被拦截|您的访问被阻断|请求已被拦截|WebShield",
    re.I,
)
# Soft-404 notices; matched only on short pages so an article that mentions them survives.
_NOT_FOUND = re.compile(
    r"页面不存在|页面未找到|找不到(?:该|您要访问的)?页面|您(?:所)?访问的页面不存在|信息已(?:被)?删除"
    r"|文章不存在|该信息不存在|404\s*Not\s*Found|Page\s*Not\s*Found|^\s*404\s*$|错误\s*404",
    re.I | re.M,
)
MAX_NOTICE_CHARS = 300  # a challenge or not-found page says little
MAX_NOTICE_TEXT = 120  # …and a body that only says "not found" says even less
MIN_ARTICLE_CHARS = 20


def not_article_reason(scripts: str, title: str, text: str) -> str | None:
    """`waf_challenge`, `soft_404` or `empty_shell` for a non-article page, else None.

    `scripts` is the page's inline script text, `title` its `<title>`, `text` its visible
    body text (the article body when one was found).
    """
    short = len(text) < MAX_NOTICE_CHARS
    if short and (_WAF_MARKERS.search(scripts) or _WAF_MARKERS.search(title + text)):
        return "waf_challenge"
    if short and (
        _NOT_FOUND.search(title) or (len(text) < MAX_NOTICE_TEXT and _NOT_FOUND.search(text))
    ):
        return "soft_404"
    if len(text) < MIN_ARTICLE_CHARS:
        return "empty_shell"
    return None
