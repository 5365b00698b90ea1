"""Count-down pagers: a column's page files numbered from its last page up.

Seen on 丰城市 (www.jxfc.gov.cn `/n3/n13/index.html`, a `/nN/nM/cK/content.html` site; page
recorded in 2017 in YYTB/pycharm_calibre_recipe_test, the repository corpus page 14 comes
from). Static page files are written once and never renumbered, so their numbers count down:
with `maxPageNum = 199`, the column's `index.html` shows page 1 (its twin is
`index_958_199.html`), page 2 is `index_958_198.html`, the last page `index_958_1.html`.
The pager exists only in a script — `var purl="../../n3/n13/index_958"`, a
`createUrl(pName)` that returns `purl+"_"+pName+".html"`, 下页 = `createUrl(pageName-1)` —
and a hidden block that lists every page file without text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

_BASE = re.compile(r"""\bpurl\s*=\s*["']([^"'\s]+)["']""")
_EXTENSION = re.compile(r"""\bpurl\s*\+\s*["']_["']\s*\+\s*\w+\s*\+\s*["'](\.\w+)["']""")
_MAX_PAGE = re.compile(r"\bmaxPageNum\s*=\s*(\d+)")


@dataclass(frozen=True, slots=True)
class CountdownPager:
    """Page files `<base>_<n><extension>`, n counting down from `count` (page 1) to 1."""

    base: str  # as the script writes it, relative to the listing page
    count: int
    extension: str = ".html"

    def file_number(self, listing_url: str) -> int:
        """The number of the page file `listing_url` is (`count` for the column's first page)."""
        prefix = urlsplit(urljoin(listing_url, self.base)).path + "_"
        path = urlsplit(listing_url).path
        number = path[len(prefix) : -len(self.extension)]
        if path.startswith(prefix) and path.endswith(self.extension) and number.isdigit():
            return int(number)
        return self.count

    def next_page(self, listing_url: str) -> str | None:
        """URL of the page after `listing_url`, None on the last one."""
        number = self.file_number(listing_url)
        if number <= 1:
            return None
        return urljoin(listing_url, f"{self.base}_{number - 1}{self.extension}")


def parse_countdown_pager(scripts: list[str]) -> CountdownPager | None:
    """The count-down pager a listing's scripts describe, if they describe one."""
    source = "\n".join(scripts)
    base = _BASE.search(source)
    counts = [int(value) for value in _MAX_PAGE.findall(source)]
    if base is None or not counts:
        return None
    extension = _EXTENSION.search(source)
    return CountdownPager(base.group(1), max(counts), extension.group(1) if extension else ".html")
