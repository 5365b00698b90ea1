"""Any column of no known platform: the listing extractor finds the main list and the
next-page link, the article extractor the body by text density."""

from __future__ import annotations

from govcrawl.platforms.base import Platform


class Generic(Platform):
    id = "generic"


PLATFORM = Generic()
