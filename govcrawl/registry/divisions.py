"""Region names by 6-digit code, from the NBS division table shipped with the package.

The table (`govcrawl/registry/divisions.csv`, source and edition in its header) holds every
province, prefecture and county-level code. Portal modules, the scaffold and auto mode look
names up here instead of typing them, so a record's `region` always matches the code.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from govcrawl.registry.region import Region

# Prefecture-level rows that only group units under the province (直辖市 districts, 省直辖
# units): such a unit has no prefecture in a record.
GROUPINGS = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})


class UnknownRegionCode(ValueError):
    """A well-formed code that the division table does not list."""


@cache
def division_names() -> dict[str, str]:
    """Code (2, 4 or 6 digits) → name, as the table lists them."""
    text = resources.files(__package__).joinpath("divisions.csv").read_text("utf-8")
    names = {}
    for line in text.splitlines():
        if line and not line.startswith(("#", "code,")):
            code, name = line.split(",", 1)
            names[code] = name
    return names


def region_for_code(code: str) -> Region:
    """The `Region` of a 6-digit code: county-level, prefecture (`441600`) or province.

    Raises ValueError for a malformed code and `UnknownRegionCode` for one not in the table.
    """
    code = code.strip()
    if not (len(code) == 6 and code.isdigit()):
        raise ValueError(f"region code must be 6 digits, got {code!r}")
    names = division_names()
    province = names.get(code[:2])
    if province is None:
        raise UnknownRegionCode(f"region code {code} is not in the NBS division table")
    if code[2:] == "0000":
        return Region(code, province, None, None)
    prefecture = names.get(code[:4])
    if prefecture in GROUPINGS:
        prefecture = None
    if code in names:
        return Region(code, province, prefecture, names[code])
    if code[4:] == "00" and prefecture:
        return Region(code, province, prefecture, None)
    raise UnknownRegionCode(f"region code {code} is not in the NBS division table")


def region_from_site_code(site_code: str | None) -> Region | None:
    """The region a national-guideline `SiteIDCode` names (its first six digits), if any."""
    try:
        return region_for_code((site_code or "")[:6])
    except ValueError:  # no code, or six characters that are no region code in the table
        return None
