"""The portal registry: every county portal as a row of data, not a module of code.

`portals.csv` holds one row per portal (name, region code, domains, platform or `auto`,
status, home page, source, override) and `columns.csv` one row per column (portal, label,
listing URL, kind, platform when it differs from the portal's, source). Both are built from
`../shared/portals/` by `govcrawl/maintain/build_registry.py`, which keeps each row's
source. Region names come from the division table by code, never typed.
`$GOVCRAWL_REGISTRY` points at another folder holding the same two files.

Start-up must not grow with the row count (issue 15): a one-portal crawl reads one row, and
`govcrawl list` prints rows without building them. So the files are read once into an
index that validates every row and holds, per portal, its `govcrawl list` line, what
`select` filters on, its hosts and the byte spans of its lines: one string per field and
arrays of offsets, not objects per row, so that loading it costs little at any row count.
The index is kept in the user's cache directory, keyed by the files' size, mtime and inode;
a `Portal` is parsed from its spans when first asked for.
"""

from __future__ import annotations

import csv
import marshal
import os
import sys
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from importlib.resources.abc import Traversable
from itertools import accumulate
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zlib import crc32

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
# The package's own folder: a directory once installed, a folder inside the egg (a zip)
# under Scrapyd, so it is read through importlib.resources, never as a path.
FOLDER: Traversable = resources.files(__package__)
PORTAL_FIELDS = ("name", "region_code", "domains", "platform", "status", "home_url", "access",
                 "source", "override")  # fmt: skip
COLUMN_FIELDS = ("portal", "label", "url", "kind", "platform", "source")
# Part of the cache key: bump it whenever what `_build_index` stores changes.
INDEX_FORMAT = 2
# Per-row text fields of the index, each stored as one string joined by SEPARATOR.
TEXT_FIELDS = ("name", "listing", "code", "province", "status", "platforms", "domains")
SEPARATOR = "\x1f"


def _records(
    path: Traversable, fields: tuple[str, ...]
) -> Iterator[tuple[int, int, int, list[str]]]:
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


def listing_line(name: str, region: Region, platform: str, status: str, labels: list[str]) -> str:
    """A portal's line in `govcrawl list`: region, platform, status, first three columns."""
    place = "".join(p for p in (region.province, region.prefecture, region.county) if p)
    more = f" (+{len(labels) - 3})" if len(labels) > 3 else ""
    return (
        f"{name:<20} {region.code}  {place:<20} {platform:<8} {status:<8} "
        f"{'、'.join(labels[:3])}{more}"
    )


def _build_index(folder: Traversable) -> dict[str, Any]:
    """The index of `folder`'s two files (see the module's docstring), every row validated:
    RegistryError names the file, line and portal of a row that cannot be used."""
    columns: dict[str, list[tuple[str, str, int, int]]] = {}
    for _, start, end, (portal, label, _url, _kind, platform, _) in _records(
        folder / "columns.csv", COLUMN_FIELDS
    ):
        columns.setdefault(portal, []).append((label, platform, start, end))
    rows: dict[str, tuple[list[str], int, int, list[tuple[str, str, int, int]]]] = {}
    for line, start, end, row in _records(folder / "portals.csv", PORTAL_FIELDS):
        name, code, domains, platform, status, *_ = row
        try:
            region = region_for_code(code)
        except ValueError as error:
            raise RegistryError(f"{folder / 'portals.csv'} line {line} ({name}): {error}") from None
        own = columns.get(name, [])
        labels = [label for label, *_ in own]
        text = [name, listing_line(name, region, platform, status, labels), code,
                region.province, status,
                " ".join(dict.fromkeys([platform] + [p or platform for _, p, _, _ in own])),
                domains]  # fmt: skip
        if any(SEPARATOR in value for value in text):
            raise RegistryError(
                f"{folder / 'portals.csv'} line {line} ({name}): a \\x1f in a field or label"
            )
        rows[name] = text, start, end, own  # a name given twice: the last row, first place
    texts, owns = [text for text, *_ in rows.values()], [own for *_, own in rows.values()]
    return {
        "rows": len(rows),
        **{field: SEPARATOR.join(text[k] for text in texts) for k, field in enumerate(TEXT_FIELDS)},
        "spans": _int64([n for _, start, end, _ in rows.values() for n in (start, end)]),
        "column_offsets": _int64([0, *accumulate(map(len, owns))]),
        "column_spans": _int64([n for own in owns for *_, start, end in own for n in (start, end)]),
    }


def _int64(values: list[int]) -> bytes:
    return array("q", values).tobytes()


def _cache_file(folder: Path) -> Path | None:
    """Where the index of `folder` is kept: the user's cache directory (never the package,
    which may be read-only), one file per registry folder and Python version."""
    try:
        root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    except RuntimeError:  # no home directory: no cache
        return None
    # Two folders whose paths share a checksum only take turns in one file: the stamp,
    # which holds the files' inodes, never lets one folder's index pass for the other's.
    digest = f"{crc32(str(folder.resolve()).encode()):08x}"
    return root / "govcrawl" / f"registry-{digest}.{sys.implementation.cache_tag}.marshal"


def _stamp(folder: Path) -> tuple[Any, ...]:
    """Changes whenever a file the index is made of does (size, mtime or inode)."""
    if not isinstance(FOLDER, Path):  # divisions.csv inside a zipped egg: no stamp
        raise OSError("the package is not installed as files")
    stats = [
        os.stat(path)
        for path in (folder / "portals.csv", folder / "columns.csv", FOLDER / "divisions.csv")
    ]
    return (INDEX_FORMAT, *((s.st_size, s.st_mtime_ns, s.st_ino) for s in stats))


def _cached_index(folder: Traversable) -> dict[str, Any]:
    """`_build_index(folder)`, from the cache when it was built from the same files."""
    if not isinstance(folder, Path):  # inside a zipped egg (Scrapyd): built each time
        return _build_index(folder)
    try:
        stamp = _stamp(folder)
    except OSError:  # a file is missing (let the build say which), or in a zip
        return _build_index(folder)
    cache_file = _cache_file(folder)
    if cache_file is not None:
        try:
            kept, index = marshal.loads(cache_file.read_bytes())
            if kept == stamp:
                return index
        except (OSError, ValueError, EOFError, TypeError):  # none yet, or unreadable
            pass
    index = _build_index(folder)
    if cache_file is not None:
        try:  # written whole, then renamed: a reader never sees half a file
            cache_file.parent.mkdir(parents=True, exist_ok=True)
            part = cache_file.with_name(f"{cache_file.name}.{os.getpid()}")
            part.write_bytes(marshal.dumps((stamp, index)))
            os.replace(part, cache_file)
        except OSError:  # a read-only cache directory only costs the next run the build
            pass
    return index


class Registry(Mapping[str, Portal]):
    """Portal name → portal, in the file's order; a portal is read from its rows' bytes when
    first asked for, so that using one of 2,842 rows costs what using one of 22 does."""

    def __init__(self, folder: Traversable) -> None:
        self.folder = folder
        self._index = _cached_index(folder)
        self._fields: dict[str, list[str]] = {}
        self.names = self.field("name")
        self._position = {name: i for i, name in enumerate(self.names)}
        self._spans = array("q", self._index["spans"])  # portals.csv: start, end of row i
        self._column_offsets = array("q", self._index["column_offsets"])  # row i's columns
        self._column_spans = array("q", self._index["column_spans"])  # columns.csv: j's bytes
        self._built: dict[str, Portal] = {}
        self._files: dict[str, tuple[bytes, list[str]]] = {}  # file → its bytes and header

    def __getitem__(self, name: str) -> Portal:
        portal = self._built.get(name)
        if portal is None:
            portal = self._built[name] = self._portal(self._position[name])
        return portal

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)

    def __contains__(self, name: object) -> bool:
        return name in self._position

    def field(self, field: str) -> list[str]:
        """One of `TEXT_FIELDS` for every row, in the file's order (split on first use)."""
        if field not in self._fields:
            blob = self._index[field]
            self._fields[field] = blob.split(SEPARATOR) if self._index["rows"] else []
        return self._fields[field]

    def value(self, name: str, field: str) -> str:
        """One of `TEXT_FIELDS` of the row `name` (KeyError: no such row)."""
        return self.field(field)[self._position[name]]

    @cached_property
    def hosts(self) -> dict[str, str]:
        """Host → the name of the first row that names it."""
        hosts: dict[str, str] = {}
        for name, domains in zip(self.names, self.field("domains"), strict=True):
            for host in domains.split():
                hosts.setdefault(host, name)
        return hosts

    def _row(self, file: str, start: int, end: int, fields: tuple[str, ...]) -> dict[str, str]:
        """The row of `file` at bytes `start:end`, as `fields` → value (read once a file)."""
        if file not in self._files:
            data = (self.folder / file).read_bytes()
            header = next(csv.reader([data[: data.find(b"\n")].decode("utf-8")]))
            self._files[file] = data, header
        data, header = self._files[file]
        row = next(csv.reader(data[start:end].decode("utf-8").splitlines(keepends=True)))
        return {field: row[header.index(field)] for field in fields}

    def _portal(self, i: int) -> Portal:
        spans, offsets, column_spans = self._spans, self._column_offsets, self._column_spans
        fields = self._row("portals.csv", spans[2 * i], spans[2 * i + 1], PORTAL_FIELDS)
        columns = [
            self._row("columns.csv", column_spans[2 * j], column_spans[2 * j + 1], COLUMN_FIELDS)
            for j in range(offsets[i], offsets[i + 1])
        ]
        name, platform = self.names[i], fields["platform"]
        if fields["name"] != name or any(c["portal"] != name for c in columns):
            raise RegistryError(f"{self.folder} changed while it was read: run again")
        return Portal(
            name=name,
            region=region_for_code(fields["region_code"]),
            domains=tuple(fields["domains"].split()),
            platform=platform,
            columns=tuple(
                Column(c["label"], c["url"], c["platform"] or platform, c["kind"], c["source"])
                for c in columns
            ),
            status=fields["status"],
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
    own = os.environ.get(REGISTRY_ENV)
    return Registry(Path(own) if own else FOLDER)


@cache
def portal_by_host() -> PortalsByHost:
    """Host → the portal it belongs to (the first row that names it)."""
    return PortalsByHost(registry())


# How a selector matches its index field: a name's or code's start, one of the platforms.
MATCHES: dict[str, Callable[[str, str], bool]] = {
    "province": str.startswith,
    "code": str.startswith,
    "platforms": lambda platforms, platform: platform in platforms.split(),
    "status": str.__eq__,
}


def select_names(
    names: Iterable[str] = (),
    *,
    province: str | None = None,
    region: str | None = None,
    platform: str | None = None,
    status: str | None = None,
) -> list[str]:
    """The portals named, or (no names) those matching every selector given, by name.

    `province` matches the province's name (云南省, or its start: 云南); `region` a code
    prefix (53, 5326, 532627); `platform` a platform id or `auto`, on any of the portal's
    columns; `status` `tested` or `declared`. Raises KeyError naming unknown portals.
    Reads only the index fields a selector needs, builds no portal.
    """
    every = registry()
    names = list(names)
    unknown = [name for name in names if name not in every]
    if unknown:
        raise KeyError(", ".join(unknown))
    chosen = names or every.names
    wanted = {
        field: value
        for field, value in (
            ("province", province), ("code", region), ("platforms", platform), ("status", status)
        )
        if value
    }  # fmt: skip
    if not wanted:  # every row, or the rows named: nothing to read
        return list(chosen)
    return [
        name
        for name in chosen
        if all(MATCHES[field](every.value(name, field), value) for field, value in wanted.items())
    ]


def select(names: Iterable[str] = (), **selectors: str | None) -> list[Portal]:
    """The portals of `select_names(names, **selectors)`."""
    every = registry()
    return [every[name] for name in select_names(names, **selectors)]
