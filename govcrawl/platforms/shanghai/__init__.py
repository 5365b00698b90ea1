"""The Shanghai cluster's article template (`#ivs_content`): recognised for extraction only."""

from __future__ import annotations

from govcrawl.platforms.base import Platform
from govcrawl.platforms.shanghai.pages import ShanghaiArticlePage


class Shanghai(Platform):
    id = "shanghai"
    article_page = ShanghaiArticlePage
    crawls = False


PLATFORM = Shanghai()
