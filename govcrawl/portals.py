"""The portal registry: every spider in `govcrawl.spiders` that declares a region."""

from __future__ import annotations

import os
from functools import cache


@cache
def portal_classes() -> dict[str, type]:
    """Portal name → spider class, sorted by name."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "govcrawl.settings")
    from scrapy.spiderloader import SpiderLoader
    from scrapy.utils.project import get_project_settings

    loader = SpiderLoader.from_settings(get_project_settings())
    classes = {name: loader.load(name) for name in sorted(loader.list())}
    return {name: cls for name, cls in classes.items() if getattr(cls, "region", None)}
