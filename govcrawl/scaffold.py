"""`govcrawl new`: the files of a new county portal, written so that its tests fail until filled.

Writes the portal module (declarations only: name, Chinese name, region from the division
table, domain, the column, the platform base), a fixture folder with a README saying what to
record, an empty `pages/<host>/` and an empty `expected.jsonl`. The registry test
(`tests/test_portals.py`) fails for a portal whose expected records are empty and whose
column page is not recorded, so the new county cannot be committed half done. Nothing is
ever overwritten.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from govcrawl.detect import GENERIC, detect_platform, platform_spiders
from govcrawl.divisions import region_for_code
from govcrawl.region import Region

NAME = re.compile(r"^[a-z]{2,3}_[a-z0-9]+$")
PROJECT_ROOT = Path(__file__).resolve().parent.parent

MODULE = '''"""{chinese_name} ({place}).

Source: TODO name where the domain and column URL come from (for instance
../shared/portals/county_portals.csv, the rows for {county} ({code}), and the source that
table names for them). Region code and names: NBS 统计用区划代码 (govcrawl/data/divisions.csv).
"""

from govcrawl.region import Region
from {base_module} import {base_class}


class {class_name}({base_class}):
    name = "{name}"
    chinese_name = "{chinese_name}"
    region = Region({region_args})
    allowed_domains = ["{host}"]
    channels = {{
        "{channel}": "{url}",
    }}
'''

README = """# {name}: recorded pages of {chinese_name} ({platform} platform)

Written by `govcrawl new`. Until the steps below are done, `python -m pytest
tests/test_portals.py` fails for `{name}` (no recorded column page, no expected records).

1. Record the column page and what it leads to, as served (raw bytes, never re-encoded),
   under `pages/{host}/`: `{url}` → `pages/{host}{path}`. A query string maps to
   `<path>@<query>`; a `<file>.headers` sidecar sets a status or headers (see
   `govcrawl/replay.py`). Record at least two listing pages and every article they link to;
   replicas are written by us on the platform's template, with article text we write.
2. Write `expected.jsonl`: one JSON object per article with the fields a reader sees
   (`url`, `title`, `published_date`, `published_at`, `source`, `contributors`, `channel`,
   `breadcrumb`, `text`, `images`, `attachments`), as in `tests/fixtures/gd_zijin/`.
3. Fill in the source in `govcrawl/spiders/{name}.py` and check the channel label.
4. `govcrawl check {name}` (coverage, drops, errors), then `python -m pytest -q`.
"""


@dataclass(frozen=True, slots=True)
class Scaffold:
    """What `new` wrote: the module, the fixture folder and the platform chosen."""

    module: Path
    fixture: Path
    platform: str
    files: tuple[Path, ...]


def check_name(name: str) -> str:
    """A portal name `<province>_<county>` in pinyin, or a clear ValueError."""
    if not NAME.match(name):
        raise ValueError(
            f"portal name must be <province>_<county> in lower-case pinyin "
            f"(like gd_zijin), got {name!r}"
        )
    return name


def check_url(url: str) -> tuple[str, str]:
    """(host, path) of a column URL, or a clear ValueError."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"--url must be the column's http(s) address, got {url!r}")
    path = parts.path or "/"
    file_path = path + "index.html" if path.endswith("/") else path
    return parts.hostname.lower(), file_path


def choose_platform(url: str, platform: str | None) -> str:
    """`--platform` when given (checked), else what the URL's shape says."""
    known = platform_spiders()
    if platform:
        if platform not in known:
            raise ValueError(f"--platform must be one of {', '.join(known)}, got {platform!r}")
        return platform
    detected = detect_platform(url).platform
    return detected if detected in known else GENERIC


def _class_name(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_")) + "Spider"


def _place(region: Region) -> str:
    return ", ".join(p for p in (region.county, region.prefecture, region.province) if p)


def new_portal(
    name: str,
    url: str,
    *,
    region_code: str,
    platform: str | None = None,
    channel: str = "栏目",
    root: Path = PROJECT_ROOT,
) -> Scaffold:
    """Write the portal module and fixture folder under `root`; refuses to overwrite."""
    check_name(name)
    host, path = check_url(url)
    region = region_for_code(region_code)
    platform = choose_platform(url, platform)
    base = platform_spiders().get(platform)
    if base is None:
        raise ValueError(f"no base spider for platform {platform!r}")
    module = root / "govcrawl" / "spiders" / f"{name}.py"
    fixture = root / "tests" / "fixtures" / name
    targets = (module, fixture / "README.md", fixture / "expected.jsonl")
    existing = [str(p) for p in (*targets, fixture / "pages") if p.exists()]
    if existing:
        raise FileExistsError(f"{name} exists already, not overwriting: {', '.join(existing)}")
    chinese_name = f"{region.county or region.prefecture or region.province}人民政府"
    fields = (region.code, region.province, region.prefecture, region.county)
    region_args = ", ".join(json.dumps(v, ensure_ascii=False) if v else "None" for v in fields)
    values = {
        "name": name,
        "chinese_name": chinese_name,
        "place": _place(region),
        "county": region.county or chinese_name,
        "code": region.code,
        "region_args": region_args,
        "base_module": base.__module__,
        "base_class": base.__name__,
        "class_name": _class_name(name),
        "host": host,
        "channel": channel,
        "url": url,
        "path": path,
        "platform": platform,
    }
    (fixture / "pages" / host).mkdir(parents=True)
    module.parent.mkdir(parents=True, exist_ok=True)
    module.write_text(MODULE.format(**values), "utf-8")
    (fixture / "README.md").write_text(README.format(**values), "utf-8")
    (fixture / "expected.jsonl").write_text("", "utf-8")
    return Scaffold(module, fixture, platform, targets)
