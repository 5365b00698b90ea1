"""The portal registry: every county portal as a row of data, not a module of code.

`portals.csv` holds one row per portal (name, region code, domains, platform or `auto`,
status, home page, source, override) and `columns.csv` one row per column (portal, label,
listing URL, kind, platform when it differs from the portal's, source). Both are built from
`../shared/portals/` by `govcrawl/maintain/build_registry.py`, which keeps each row's
source. Region names come from the division table by code, never typed.
`$GOVCRAWL_REGISTRY` points at another folder holding the same two files.

Start-up must not grow with the row count (issue 15): a one-portal crawl reads one row, and
`govcrawl list` prints rows without building them. So the files are read once into an
index (a `Row` per portal: its listing facts, region, hosts and the byte spans of its
lines), which validates every row and is kept in the user's cache directory, keyed by the
files' size, mtime and inode; a `Portal` is parsed from its spans when first asked for.
"""

from __future__ import annotations

import csv
import hashlib
import marshal
import os
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from itertools import accumulate
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from govcrawl.registry import RegistryError
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
FOLDER = Path(__file__).parent
PORTAL_FIELDS = ("name", "region_code", "domains", "platform", "status", "home_url", "access",
                 "source", "override")  # fmt: skip
COLUMN_FIELDS = ("portal", "label", "url", "kind", "platform", "source")
# Part of the cache key: bump it whenever what a `Row` holds changes.
INDEX_FORMAT = 1


class Row(NamedTuple):
    """What the index knows of a portal row without reading it: enough to list and select."""

    name: str
    span: tuple[int, int]  # its bytes in portals.csv
    code: str
    province: str
    prefecture: str | None
    county: str | None
    domains: tuple[str, ...]
    platform: str
    status: str
    platforms: tuple[str, ...]  # of its columns
    labels: tuple[str, ...]  # its first three columns'
    columns: int
    column_spans: tuple[tuple[int, int], ...]  # its rows' bytes in columns.csv


def _records(path: Path, fields: tuple[str, ...]) -> Iterator[tuple[int, int, int, list[str]]]:
    """(line number, start byte, end byte, `fields` in that order) of each row of a registry
    file; RegistryError for a missing column or a row of the wrong width."""
    try:
        lines = path.read_bytes().splitlines(keepends=True)
    except OSError as error:
        raise RegistryError(f"cannot read {path}: {error.strerror or error}") from None
    ends = list(accumulate(map(len, lines)))
    reader = csv.reader(line.decode("utf-8") for line in lines)
    header = next(reader, [])
    missing = [field for field in fields if field not in header]
    if missing:
        raise RegistryError(f"{path}: the header names no {', '.join(missing)} column")
    order = [header.index(field) for field in fields]
    start = ends[0] if ends else 0
    for row in reader:
        line, end = reader.line_num, ends[reader.line_num - 1]
        if row:  # a blank line is no row
            if len(row) != len(header):
                raise RegistryError(
                    f"{path} line {line}: {len(row)} fields, the header names {len(header)}"
                )
            yield line, start, end, [row[i] for i in order]
        start = end


def _build_rows(folder: Path) -> dict[str, Row]:
    """Every portal row of `folder`'s two files, validated (RegistryError names the row)."""
    columns: dict[str, list[tuple[str, str, tuple[int, int]]]] = {}
    for _, start, end, (portal, label, _url, _kind, platform, _) in _records(
        folder / "columns.csv", COLUMN_FIELDS
    ):
        columns.setdefault(portal, []).append((label, platform, (start, end)))
    rows = {}
    for line, start, end, (name, code, domains, platform, status, *_) in _records(
        folder / "portals.csv", PORTAL_FIELDS
    ):
        try:
            region = region_for_code(code)
        except ValueError as error:
            raise RegistryError(f"{folder / 'portals.csv'} line {line} ({name}): {error}") from None
        own = columns.get(name, [])
        rows[name] = Row(
            name, (start, end), region.code, region.province, region.prefecture,
            region.county, tuple(domains.split()), platform, status,
            tuple(dict.fromkeys(c_platform or platform for _, c_platform, _ in own)),
            tuple(label for label, _, _ in own[:3]), len(own),
            tuple(span for _, _, span in own),
        )  # fmt: skip
    return rows


def _cache_file(folder: Path) -> Path | None:
    """Where the index of `folder` is kept: the user's cache directory (never the package,
    which may be read-only), one file per registry folder and Python version."""
    try:
        root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    except RuntimeError:  # no home directory: no cache
        return None
    digest = hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:16]
    return root / "govcrawl" / f"registry-{digest}.{sys.implementation.cache_tag}.marshal"


def _stamp(folder: Path) -> tuple[Any, ...]:
    """Changes whenever a file the index is made of does (size, mtime or inode)."""
    stats = [
        os.stat(path)
        for path in (folder / "portals.csv", folder / "columns.csv", FOLDER / "divisions.csv")
    ]
    return (INDEX_FORMAT, *((s.st_size, s.st_mtime_ns, s.st_ino) for s in stats))


def _cached_rows(folder: Path) -> dict[str, Row]:
    """`_build_rows(folder)`, from the cache when it was built from the same files."""
    try:
        stamp = _stamp(folder)
    except OSError:  # a file is missing: let the build say which
        return _build_rows(folder)
    cache_file = _cache_file(folder)
    if cache_file is not None:
        try:
            kept, rows = marshal.loads(cache_file.read_bytes())
            if kept == stamp:
                return {row[0]: Row._make(row) for row in rows}
        except (OSError, ValueError, EOFError, TypeError):  # none yet, or unreadable
            pass
    built = _build_rows(folder)
    if cache_file is not None:
        try:  # written whole, then renamed: a reader never sees half a file
            cache_file.parent.mkdir(parents=True, exist_ok=True)
            part = cache_file.with_name(f"{cache_file.name}.{os.getpid()}")
            part.write_bytes(marshal.dumps((stamp, [tuple(row) for row in built.values()])))
            os.replace(part, cache_file)
        except OSError:  # a read-only cache directory only costs the next run the build
            pass
    return built


class Registry(Mapping[str, Portal]):
    """Portal name → portal, in the file's order; a portal is read from its row's bytes when
    first asked for, so that using one of 2,842 rows costs what using one of 22 does."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.rows = _cached_rows(folder)
        self.hosts: dict[str, str] = {}  # host → the first row that names it
        for row in self.rows.values():
            for host in row.domains:
                self.hosts.setdefault(host, row.name)
        self._built: dict[str, Portal] = {}
        self._files: dict[str, tuple[bytes, list[str]]] = {}  # file → its bytes and header

    def __getitem__(self, name: str) -> Portal:
        portal = self._built.get(name)
        if portal is None:
            portal = self._built[name] = self._portal(self.rows[name])
        return portal

    def __iter__(self) -> Iterator[str]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __contains__(self, name: object) -> bool:
        return name in self.rows

    def _row(self, file: str, span: tuple[int, int], fields: tuple[str, ...]) -> dict[str, str]:
        """The row of `file` at byte `span`, as `fields` → value (the file is read once)."""
        if file not in self._files:
            data = (self.folder / file).read_bytes()
            header = next(csv.reader([data[: data.find(b"\n")].decode("utf-8")]))
            self._files[file] = data, header
        data, header = self._files[file]
        row = next(csv.reader(data[span[0] : span[1]].decode("utf-8").splitlines(keepends=True)))
        return {field: row[header.index(field)] for field in fields}

    def _portal(self, row: Row) -> Portal:
        fields = self._row("portals.csv", row.span, PORTAL_FIELDS)
        columns = [self._row("columns.csv", span, COLUMN_FIELDS) for span in row.column_spans]
        if fields["name"] != row.name or any(c["portal"] != row.name for c in columns):
            raise RegistryError(f"{self.folder} changed while it was read: run again")
        return Portal(
            name=row.name,
            region=Region(row.code, row.province, row.prefecture, row.county),
            domains=row.domains,
            platform=row.platform,
            columns=tuple(
                Column(c["label"], c["url"], c["platform"] or row.platform, c["kind"], c["source"])
                for c in columns
            ),
            status=row.status,
            home_url=fields["home_url"],
            access=fields["access"],
            source=fields["source"],
            override=fields["override"],
        )


class PortalsByHost(Mapping[str, Portal]):
    """Host → the portal it belongs to (the first row that names it), built on lookup."""

    def __init__(self, portals: Registry) -> None:
        self.portals = portals

    def __getitem__(self, host: str) -> Portal:
        return self.portals[self.portals.hosts[host]]

    def __iter__(self) -> Iterator[str]:
        return iter(self.portals.hosts)

    def __len__(self) -> int:
        return len(self.portals.hosts)


@cache
def registry() -> Registry:
    """The registry of `$GOVCRAWL_REGISTRY`'s folder (an operator's own, in the same
    two-file format), else the package's; RegistryError names a row that cannot be used."""
    return Registry(Path(os.environ.get(REGISTRY_ENV) or FOLDER))


@cache
def portal_by_host() -> PortalsByHost:
    """Host → the portal it belongs to (the first row that names it)."""
    return PortalsByHost(registry())


def select_rows(
    names: Iterable[str] = (),
    *,
    province: str | None = None,
    region: str | None = None,
    platform: str | None = None,
    status: str | None = None,
) -> list[Row]:
    """The rows named, or (no names) those matching every selector given.

    `province` matches the province's name (云南省, or its start: 云南); `region` a code
    prefix (53, 5326, 532627); `platform` a platform id or `auto`, on any of the portal's
    columns; `status` `tested` or `declared`. Raises KeyError naming unknown portals.
    """
    every = registry().rows
    names = list(names)
    unknown = [name for name in names if name not in every]
    if unknown:
        raise KeyError(", ".join(unknown))
    chosen = [every[name] for name in names] if names else list(every.values())
    return [
        row
        for row in chosen
        if (not province or row.province.startswith(province))
        and (not region or row.code.startswith(region))
        and (not platform or row.platform == platform or platform in row.platforms)
        and (not status or row.status == status)
    ]


def select(names: Iterable[str] = (), **selectors: str | None) -> list[Portal]:
    """The portals of `select_rows(names, **selectors)`."""
    every = registry()
    return [every[row.name] for row in select_rows(names, **selectors)]
