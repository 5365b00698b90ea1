"""Ids, class tokens and tag names of one parsed page, from one pass, for cheap CSS lookups.

Why: libxml2 evaluates attribute predicates slowly. The XPath that `.x` becomes
(`contains(concat(' ', normalize-space(@class), ' '), ' x ')`) costs about a microsecond an
element, ten on Word-generated spans with long class lists, and a page object tries 20–30
selectors (template candidates, widgets, headline candidates), most of which miss. One Python
pass over the elements costs about as much as two such scans; after it, a selector of
tag / `#id` / `.class` parts is a dict lookup, and a selector whose first part is absent
misses without scanning anything; `A > B` and `A B` are matched from B's entries up.
Other selectors (attributes, pseudo-classes) still run as compiled XPath.

The pass itself visits only the elements that carry an id or a class (libxml2 finds them),
and tag names are looked up when asked for (`tag`), with libxml2's own filtered walk:
a Python visit of every element cost ~0.4 µs each, as much as parsing the page.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from functools import cache, cached_property

from lxml import etree

from govcrawl.extraction.html import css, strip_invisible

_COMPOUND = re.compile(r"(?P<tag>[a-z][\w-]*)?(?P<rest>(?:[#.][\w-]+)*)")
_PART = re.compile(r"([#.])([\w-]+)")
_COMBINATOR = re.compile(r"(\s*>\s*|\s+)")


class _Compound:
    """One `tag#id.class` part of a selector."""

    __slots__ = ("classes", "ids", "tag")

    def __init__(self, tag: str | None, parts: list[tuple[str, str]]) -> None:
        self.tag = tag
        self.ids = [name for mark, name in parts if mark == "#"]
        self.classes = [name for mark, name in parts if mark == "."]

    def matches(self, element: etree._Element) -> bool:
        if self.tag and element.tag != self.tag:
            return False
        if any(element.get("id") != name for name in self.ids):
            return False
        tokens = (element.get("class") or "").split()
        return all(name in tokens for name in self.classes)


@cache
def _parse(selector: str) -> tuple[list[_Compound], list[str]] | None:
    """Compounds and the combinators between them (" " or ">") of a selector made only of
    tags, ids, classes and those combinators; None for any other selector."""
    compounds, combinators = [], []
    pieces = _COMBINATOR.split(selector.strip())
    for text, combinator in zip(pieces[::2], [*pieces[1::2], ""], strict=True):
        match = _COMPOUND.fullmatch(text)
        if not text or not match:
            return None
        compounds.append(_Compound(match["tag"], _PART.findall(match["rest"])))
        if combinator:
            combinators.append(combinator.strip() or " ")
    return compounds, combinators


def _has_context(
    element: etree._Element, compounds: list[_Compound], combinators: list[str]
) -> bool:
    """Whether `element`'s ancestors match `compounds` as the combinators require (read
    right to left, as browsers do; backtracks over descendant combinators)."""
    if not compounds:
        return True
    compound, combinator = compounds[-1], combinators[-1]
    if combinator == ">":
        parent = element.getparent()
        return (
            parent is not None
            and compound.matches(parent)
            and _has_context(parent, compounds[:-1], combinators[:-1])
        )
    return any(
        compound.matches(ancestor) and _has_context(ancestor, compounds[:-1], combinators[:-1])
        for ancestor in element.iterancestors()
    )


_IDENTIFIED = etree.XPath("descendant-or-self::*[@id or @class]")


class DomIndex:
    """Where each id and class token occurs in the page, in document order; tag names on
    demand (`tag`)."""

    def __init__(self, root: etree._Element) -> None:
        self.root = root
        self.by_id: dict[str, list[etree._Element]] = defaultdict(list)
        self.by_class: dict[str, list[etree._Element]] = defaultdict(list)
        self._by_tag: dict[str, list[etree._Element]] = {}
        for node in _IDENTIFIED(root):
            identifier = node.get("id")
            if identifier:
                self.by_id[identifier].append(node)
            classes = node.get("class")
            if classes:
                for token in classes.split():
                    self.by_class[token].append(node)

    def tag(self, name: str) -> list[etree._Element]:
        """The page's `name` elements, in document order (the root itself included)."""
        found = self._by_tag.get(name)
        if found is None:
            found = self._by_tag[name] = list(self.root.iter(name))
        return found

    @cached_property
    def comments(self) -> list[etree._Element]:
        """The page's comments, in document order (none once `strip_invisible` ran)."""
        return list(self.root.iter(etree.Comment))

    def strip_invisible(self) -> None:
        """Strip scripts, styles and comments from the page (html.strip_invisible) and forget
        them here, with whatever sat inside a `noscript` or `template`."""
        gone = {
            inner
            for tag in ("noscript", "template")
            for element in self.tag(tag)
            for inner in element.iter()
        }
        strip_invisible(self.root)
        self.comments = []
        self._by_tag.clear()
        if gone:
            for table in (self.by_id, self.by_class):
                for key, elements in table.items():
                    table[key] = [element for element in elements if element not in gone]

    def select(self, selector: str, scope: etree._Element | None = None) -> list[etree._Element]:
        """Elements matching a CSS `selector` in document order, within `scope` (itself
        included) when given. As with the DOM's `querySelectorAll`, the ancestors a chain
        names (`A` in `A B`) may lie outside `scope`; only the matched element must not."""
        parsed = _parse(selector)
        if parsed is None:
            found = css(selector)(self.root)
        else:
            compounds, combinators = parsed
            found = [
                element
                for element in self._candidates(compounds[-1])
                if compounds[-1].matches(element)
                and _has_context(element, compounds[:-1], combinators)
            ]
        return found if scope is None else self.within(found, scope)

    def first(self, selectors: Iterable[str]) -> etree._Element | None:
        """The first element of the first selector that matches anything."""
        for selector in selectors:
            found = self.select(selector)
            if found:
                return found[0]
        return None

    def _candidates(self, compound: _Compound) -> list[etree._Element]:
        if compound.ids:
            return self.by_id.get(compound.ids[0], [])
        if compound.classes:
            return self.by_class.get(compound.classes[0], [])
        if compound.tag:
            return self.tag(compound.tag)
        return []

    @staticmethod
    def within(elements: Iterable[etree._Element], scope: etree._Element) -> list[etree._Element]:
        """`elements` that are `scope` or inside it."""
        return [
            element
            for element in elements
            if element is scope or any(a is scope for a in element.iterancestors())
        ]

    def in_document_order(self, elements: Iterable[etree._Element]) -> list[etree._Element]:
        """`elements` of the page sorted by where they start, without repeats: libxml2 walks
        the page for their tag names only, so a few candidates cost a few lookups."""
        wanted = set(elements)
        if len(wanted) < 2:
            return list(wanted)
        return [node for node in self.root.iter(*{e.tag for e in wanted}) if node in wanted]
