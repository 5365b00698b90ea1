"""Where the main list of a listing page is, on templates no platform declares.

Why a module of its own: the rules must hold on templates nobody here has seen (issue 10).

- An **item** is the element around a list link that also shows its date (`li`, `tr`, `dd`,
  a `div` row), whatever the order of date and title; or, going up from a link, the last
  element before a **container**: an element whose children of one tag each hold a list link
  (`ul > li`, a `dl` of `dt` rows). Such an item may take its date from the block it is in:
  a short heading before the block (`<h3>2020-04-22</h3><ul>…`) or the cell after it (`dd`).
- Items are grouped by parent and tag, and groups of the **same shape** whose containers are
  siblings or cousins (15 `<ul class=list>` of 5 items shown page by page by a script, one
  `<div class=day>` block per date) are one list, in document order, when their dates go on
  from one block to the next (tab panels of several columns each restart from their newest).
- The main list is the group with the most dated items: menus, sidebars and hot lists rarely
  show dates. Where no list shows dates, it is the group with the most title text among
  those whose links read like titles (menus are short words, columns end in `/`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Hashable
from itertools import pairwise

from lxml.etree import _Element as Element

from govcrawl.extraction.html import text_content, xpath
from govcrawl.extraction.text import normalize_space

# A listing date: 2020-04-22, 2020/4/22, 2020年4月22日, or year-less 04-22 / 4.22 with a
# two-digit day (so 增长1.5倍 is not a date).
DATE_IN_TEXT = re.compile(
    r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}日?"
    r"|(?<![\d.])(?:0?[1-9]|1[0-2])[-/.](?:0[1-9]|[12]\d|3[01])(?![\d.])"
)
_MIN_LINK_TEXT = 4
_MAX_ITEM_DEPTH = 3
_MAX_ITEM_TEXT = 400
_MAX_HEADING = 40  # characters of a block's date heading
_CELLS = ("td", "th")  # table cells are never items; their row is
_MIN_UNDATED_ITEMS = 3
_MIN_UNDATED_TITLE = 8  # mean characters of an undated list's titles (menu words are fewer)


def link_text(link: Element) -> str:
    """What a list link shows (its `title=` when it shows nothing)."""
    return normalize_space(text_content(link) or link.get("title") or "")


def _shape(element: Element | None) -> tuple[str, str] | None:
    """Tag and first class token: what repeated blocks of one list share (ids and state
    classes such as `on` / `hide` differ between them)."""
    if element is None:
        return None
    classes = (element.get("class") or "").split()
    return str(element.tag), classes[0] if classes else ""


def _holds_sibling_item(element: Element, links: set[Element]) -> bool:
    """Whether the nearest sibling of `element`'s own tag holds another list link: then
    `element` is one item of a container (`li` of a `ul`), not a part of an item."""
    if element.tag == "a" or element.tag in _CELLS:
        return False
    for sibling in (
        next(element.itersiblings(element.tag), None),
        next(element.itersiblings(element.tag, preceding=True), None),
    ):
        if sibling is not None and any(a in links for a in sibling.iter("a")):
            return True
    return False


def _short_date(element: Element | None, links: set[Element]) -> str | None:
    """The date a short element (a heading, a date cell) shows, if it holds no list link."""
    if element is None or not isinstance(element.tag, str):
        return None
    text = normalize_space(text_content(element))
    if len(text) > _MAX_HEADING or any(a in links for a in element.iter("a")):
        return None
    match = DATE_IN_TEXT.search(text)
    return match.group(0) if match else None


def _block_date(item: Element, container: Element, links: set[Element]) -> str | None:
    """The date of an item that shows none itself: the cell right after it (`dt` + `dd`),
    else the heading right before its block (`<h3>2020-04-22</h3><ul>`)."""
    following = item.getnext()
    if following is not None and following.tag != item.tag:
        date = _short_date(following, links)
        if date:
            return date
    return _short_date(container.getprevious(), links)


def _day(date: str) -> tuple[int, ...]:
    """Month and day of a listing date (year first when shown), for comparing two dates."""
    return tuple(int(n) for n in re.findall(r"\d+", date))


def _not_after(earlier: str, later: str) -> bool:
    """Whether `earlier` is the same day as `later` or before it (year-less: by month, day)."""
    a, b = _day(earlier), _day(later)
    return a <= b if len(a) == len(b) else a[-2:] <= b[-2:]


class _Group:
    """Items of one parent and tag, in document order, with the dates they show."""

    __slots__ = ("dates", "items")

    def __init__(self) -> None:
        self.items: dict[Element, str] = {}  # item → its link's text
        self.dates: dict[Element, str] = {}

    def add(self, item: Element, title: str, date: str | None) -> None:
        self.items.setdefault(item, title)
        if date and item not in self.dates:
            self.dates[item] = date


def _continues(blocks: list[_Group]) -> bool:
    """Whether dated blocks read as one list: each block's dates go on from where the one
    before ended, in the order the blocks list their own items (newest first, or oldest
    first). Tab panels of several columns each start again from their newest item."""
    ends = [(dates[0], dates[-1]) for dates in (list(g.dates.values()) for g in blocks) if dates]
    pairs = list(pairwise(ends))
    newest_first = all(_not_after(last, first) for first, last in ends) and all(
        _not_after(b[0], a[1]) for a, b in pairs
    )
    oldest_first = all(_not_after(first, last) for first, last in ends) and all(
        _not_after(a[1], b[0]) for a, b in pairs
    )
    return newest_first or oldest_first


def _cluster_key(parent: Element, tag: str) -> Hashable:
    """Groups with equal keys are blocks of one list: same item tag, same shape of parent
    and grandparent, same great-grandparent (blocks side by side, or one per date group)."""
    grandparent = parent.getparent()
    above = grandparent.getparent() if grandparent is not None else None
    return tag, _shape(parent), _shape(grandparent), above


def find_list_items(root: Element) -> tuple[list[Element], dict[Element, str]]:
    """The main list's items in document order, and the dates items take from their block."""
    links = [a for a in xpath("//body//a[@href]")(root) if len(link_text(a)) >= _MIN_LINK_TEXT]
    listed = set(links)
    groups: dict[tuple[Element, str], _Group] = defaultdict(_Group)
    block_dates: dict[Element, str] = {}
    for link in links:
        shown, title = text_content(link), link_text(link)
        below = link
        for _ in range(_MAX_ITEM_DEPTH):
            node = below.getparent()
            if node is None or node.tag in ("body", "html"):
                break
            if _holds_sibling_item(below, listed):
                if below not in block_dates:
                    date = _block_date(below, node, listed)
                    if date:
                        block_dates[below] = date
                groups[(node, str(below.tag))].add(below, title, block_dates.get(below))
                break
            text = text_content(node)
            if len(text) > _MAX_ITEM_TEXT:  # a container of many items, not an item
                break
            shown_date = DATE_IN_TEXT.search(text.replace(shown, " "))
            if shown_date:
                parent = node.getparent()
                if parent is not None:
                    groups[(parent, str(node.tag))].add(node, title, shown_date.group(0))
                break
            below = node
    shapes: dict[Hashable, list[_Group]] = defaultdict(list)
    for (parent, tag), group in groups.items():
        shapes[_cluster_key(parent, tag)].append(group)
    lists: list[list[_Group]] = []
    for blocks in shapes.values():
        lists += [blocks] if _continues(blocks) else [[group] for group in blocks]
    best = max(lists, key=lambda blocks: sum(len(g.dates) for g in blocks), default=[])
    if not any(group.dates for group in best):
        best = _undated_list(lists)
    # Groups were made in the order of their first link, so blocks stay in document order.
    return [item for group in best for item in group.items], block_dates


def _undated_list(clusters: list[list[_Group]]) -> list[_Group]:
    """The list of a page that dates none: most title text among lists of title-like links."""

    def titles(cluster: list[_Group]) -> list[str]:
        return [title for group in cluster for title in group.items.values()]

    def reads_like_titles(cluster: list[_Group]) -> bool:
        found = titles(cluster)
        hrefs = [item.get("href") or "" for g in cluster for item in _item_links(g)]
        columns = sum(href.rstrip().endswith("/") for href in hrefs)
        return (
            len(found) >= _MIN_UNDATED_ITEMS
            and sum(map(len, found)) / len(found) >= _MIN_UNDATED_TITLE
            and columns * 2 < len(hrefs)
        )

    candidates = [cluster for cluster in clusters if reads_like_titles(cluster)]
    return max(candidates, key=lambda c: sum(map(len, titles(c))), default=[])


def _item_links(group: _Group) -> list[Element]:
    return [next(item.iter("a"), item) for item in group.items]
