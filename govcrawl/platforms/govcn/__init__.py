"""www.gov.cn's article template (国务院公报 and others): recognised for extraction only."""

from __future__ import annotations

from govcrawl.platforms.base import Platform
from govcrawl.platforms.govcn.pages import GovCnArticlePage


class GovCn(Platform):
    id = "govcn"
    article_page = GovCnArticlePage
    crawls = False


PLATFORM = GovCn()
