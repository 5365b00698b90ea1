"""The portal registry: every spider in `govcrawl.spiders` that declares a region.

Listing the portals needs only their declarations, but importing the spider modules costs
a Scrapy import (~0.4 s). `portal_rows()` therefore keeps the declarations in a small cache
file keyed by the spider sources' names, sizes and modification times: any edit, addition
or removal of a portal module rebuilds it, and a cache that cannot be written is skipped.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import cache
from pathlib import Path
from typing import Any

SPIDERS_DIR = Path(__file__).resolve().parent / "spiders"


@cache
def portal_classes() -> dict[str, type]:
    """Portal name → spider class, sorted by name."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "govcrawl.settings")
    from scrapy.spiderloader import SpiderLoader
    from scrapy.utils.project import get_project_settings

    loader = SpiderLoader.from_settings(get_project_settings())
    classes = {name: loader.load(name) for name in sorted(loader.list())}
    return {name: cls for name, cls in classes.items() if getattr(cls, "region", None)}


def _declarations(cls: type) -> dict[str, Any]:
    return {
        "name": cls.name,
        "chinese_name": cls.chinese_name,
        "region": cls.region.as_record(),
        "platform": cls.platform,
        "domains": list(cls.allowed_domains),
        "channels": dict(cls.channels),
    }


def _sources_key() -> str:
    """Digest of every spider source file's path, size and modification time."""
    digest = hashlib.sha1()
    for path in sorted(SPIDERS_DIR.rglob("*.py")):
        stat = path.stat()
        digest.update(
            f"{path.relative_to(SPIDERS_DIR)}:{stat.st_size}:{stat.st_mtime_ns}\n".encode()
        )
    return digest.hexdigest()


def _cache_path() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "govcrawl" / "portals.json"


def portal_rows() -> list[dict[str, Any]]:
    """Each portal's declarations (name, Chinese name, region, platform, domains, channels)."""
    key, path = _sources_key(), _cache_path()
    try:
        cached = json.loads(path.read_text("utf-8"))
        if cached.get("key") == key:
            return cached["portals"]
    except (OSError, ValueError, AttributeError):
        pass
    rows = [_declarations(cls) for cls in portal_classes().values()]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"key": key, "portals": rows}, ensure_ascii=False), "utf-8")
    except OSError:
        pass
    return rows
