"""The portal registry: every county portal as a row of data, not a module of code.

`portals.csv` holds one row per portal (name, region code, domains, platform or `auto`,
status, home page, source, override) and `columns.csv` one row per column (portal, label,
listing URL, kind, platform when it differs from the portal's, source). Both are built from
`../shared/portals/` by `govcrawl/maintain/build_registry.py`, which keeps each row's
source. Region names come from the division table by code, never typed. Reading both files
takes milliseconds and imports no Scrapy, so `govcrawl list` stays fast at 2,842 rows.
`$GOVCRAWL_REGISTRY` points at another folder holding the same two files.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

from govcrawl.registry.divisions import region_for_code
from govcrawl.registry.region import Region

STATUSES = ("tested", "declared")


@dataclass(frozen=True, slots=True)
class Column:
    """One column (栏目) of a portal: its label, first listing page and platform."""

    label: str
    url: str
    platform: str  # the portal's unless the column row names another
    kind: str = "news"
    source: str = ""


@dataclass(frozen=True, slots=True)
class Portal:
    """One portal: what a crawl needs to know of it, and where each fact comes from."""

    name: str
    region: Region | None
    domains: tuple[str, ...]
    platform: str
    columns: tuple[Column, ...]
    status: str = "declared"
    home_url: str = ""
    access: str = ""
    source: str = ""
    override: str = ""

    @property
    def display_name(self) -> str:
        """The county's name (the registry types no portal titles: pages carry SiteName)."""
        return self.region.county or self.region.prefecture or "" if self.region else ""

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "region": self.region.as_record() if self.region else None,
            "domains": list(self.domains),
            "platform": self.platform,
            "status": self.status,
            "home_url": self.home_url,
            "columns": [
                {"label": c.label, "url": c.url, "kind": c.kind, "platform": c.platform}
                for c in self.columns
            ],
            "source": self.source,
            "override": self.override or None,
        }

    def owns(self, url: str) -> bool:
        """True when `url` is on one of the portal's hosts."""
        return (urlsplit(url).hostname or "").lower() in self.domains


REGISTRY_ENV = "GOVCRAWL_REGISTRY"


def _rows(file: str) -> Iterator[dict[str, str]]:
    """Rows of a registry file: the package's, or those of the folder `$GOVCRAWL_REGISTRY`
    names (an operator's own registry, in the same two-file format)."""
    folder = os.environ.get(REGISTRY_ENV)
    if folder:
        text = (Path(folder) / file).read_text("utf-8")
    else:
        text = resources.files(__package__).joinpath(file).read_text("utf-8")
    yield from csv.DictReader(text.splitlines())


@cache
def registry() -> dict[str, Portal]:
    """Portal name → portal, in the file's order (sorted by name)."""
    columns: dict[str, list[dict[str, str]]] = {}
    for row in _rows("columns.csv"):
        columns.setdefault(row["portal"], []).append(row)
    portals = {}
    for row in _rows("portals.csv"):
        platform = row["platform"]
        portals[row["name"]] = Portal(
            name=row["name"],
            region=region_for_code(row["region_code"]),
            domains=tuple(row["domains"].split()),
            platform=platform,
            columns=tuple(
                Column(c["label"], c["url"], c["platform"] or platform, c["kind"], c["source"])
                for c in columns.get(row["name"], ())
            ),
            status=row["status"],
            home_url=row["home_url"],
            access=row["access"],
            source=row["source"],
            override=row["override"],
        )
    return portals


@cache
def portal_by_host() -> dict[str, Portal]:
    """Host → the portal it belongs to (the first row that names it)."""
    found: dict[str, Portal] = {}
    for portal in registry().values():
        for host in portal.domains:
            found.setdefault(host, portal)
    return found


def select(
    names: Iterable[str] = (),
    *,
    province: str | None = None,
    region: str | None = None,
    platform: str | None = None,
    status: str | None = None,
) -> list[Portal]:
    """The portals named, or (no names) those matching every selector given.

    `province` matches the province's name (云南省, or its start: 云南); `region` a code
    prefix (53, 5326, 532627); `platform` a platform id or `auto`, on any of the portal's
    columns; `status` `tested` or `declared`. Raises KeyError naming unknown portals.
    """
    every = registry()
    names = list(names)
    unknown = [name for name in names if name not in every]
    if unknown:
        raise KeyError(", ".join(unknown))
    chosen = [every[name] for name in names] if names else list(every.values())

    def matches(portal: Portal) -> bool:
        code = portal.region.code if portal.region else ""
        return (
            (not province or bool(portal.region and portal.region.province.startswith(province)))
            and (not region or code.startswith(region))
            and (
                not platform
                or portal.platform == platform
                or any(c.platform == platform for c in portal.columns)
            )
            and (not status or portal.status == status)
        )

    return [portal for portal in chosen if matches(portal)]
