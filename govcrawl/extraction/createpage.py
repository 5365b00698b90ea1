"""`createPageHTML(…)` pagers: listings whose page links exist only in a script call.

TRS WCM writes them (and some Guangdong 集约化 sites copy the convention), in two forms
(DESIGN.md §1, corpus INDEX "TRS WCM createPageHTML"):

- `createPageHTML(<pages>, <current 0-based>, "index", "html")`, page k (1-based) being
  `index.html` for k = 1 and `index_<k-1>.html` after; the numbers are often variables
  (`var countPage = 6//共多少页`, `var currentPage = 0;//所在页从0开始`);
- `createPageHTML('page_div', <pages>, <current 1-based>, 'list', 'shtml', <records>)`, page k
  being `list.shtml` for k = 1 and `list_<k>.shtml` after.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CALL = re.compile(r"createPageHTML\s*\(([^)]*)\)")
_VARIABLE = re.compile(r"\bvar\s+(\w+)\s*=\s*([\"']?)([\w.]+)\2")
_ARGUMENT = re.compile(r"\s*(?:\"([^\"]*)\"|'([^']*)'|([\w.]+))\s*")


@dataclass(frozen=True, slots=True)
class CreatePagePager:
    """What a `createPageHTML` call says: page count, current page (0-based), file naming."""

    count: int
    current: int
    name: str
    ext: str
    offset: int  # page k (0-based) ≥ 1 is `<name>_<k + offset>.<ext>`

    def file_name(self, index: int) -> str:
        """File of page `index` (0-based) in the column folder."""
        if index == 0:
            return f"{self.name}.{self.ext}"
        return f"{self.name}_{index + self.offset}.{self.ext}"


def _arguments(call: str, variables: dict[str, str]) -> list[str]:
    values = []
    for raw in call.split(","):
        match = _ARGUMENT.fullmatch(raw)
        if not match:
            return []
        quoted_double, quoted_single, bare = match.groups()
        if bare is not None:
            values.append(variables.get(bare, bare))
        else:
            values.append(quoted_double if quoted_double is not None else quoted_single)
    return values


def parse_create_page_html(scripts: list[str]) -> CreatePagePager | None:
    """The pager a listing's scripts describe (either call form; variables resolved)."""
    source = "\n".join(scripts)
    variables = {name: value for name, _, value in _VARIABLE.findall(source)}
    for call in _CALL.findall(source):
        args = _arguments(call, variables)
        if len(args) == 4 and args[0].isdigit() and args[1].isdigit():
            return CreatePagePager(int(args[0]), int(args[1]), args[2], args[3], 0)
        if len(args) == 6 and args[1].isdigit() and args[2].isdigit():
            return CreatePagePager(int(args[1]), int(args[2]) - 1, args[3], args[4], 1)
    return None
