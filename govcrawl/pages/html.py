"""DOM → text lines, the way a reader sees a block of a page.

Block elements and `<br>` end a line, table rows become `cell | cell`, scripts, styles,
form controls and hidden elements are skipped. Pure functions over lxml elements.
"""

from __future__ import annotations

import re

from lxml import etree

from govcrawl.text import normalize_space

BLOCK_TAGS = frozenset(
    "p div h1 h2 h3 h4 h5 h6 li ul ol dl dt dd table tbody thead tfoot section article "
    "blockquote pre center figure figcaption header footer nav aside hr address main "
    "details summary caption".split()
)
SKIP_TAGS = frozenset(
    "script style noscript template iframe button select input textarea object embed "
    "svg canvas video audio map head title meta link".split()
)
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)


def is_hidden(element: etree._Element) -> bool:
    """Hidden in the served HTML (style, `hidden` attribute): a reader never sees it."""
    return bool(_HIDDEN.search(element.get("style") or "")) or element.get("hidden") is not None


def _tag(element: etree._Element) -> str:
    tag = element.tag
    return tag.lower() if isinstance(tag, str) else ""


class _LineBuilder:
    def __init__(self, skip: frozenset[etree._Element]) -> None:
        self.lines: list[str] = []
        self.buffer: list[str] = []
        self.skip = skip

    def flush(self) -> None:
        line = normalize_space("".join(self.buffer))
        if line:
            self.lines.append(line)
        self.buffer = []

    def walk(self, element: etree._Element) -> None:
        tag = _tag(element)
        if tag and tag not in SKIP_TAGS and element not in self.skip and not is_hidden(element):
            if tag == "br":
                self.flush()
            elif tag == "tr":
                self.flush()
                cells = [element_text(cell) for cell in element if _tag(cell) in ("td", "th")]
                line = " | ".join(cell for cell in cells if cell)
                if line:
                    self.lines.append(line)
            else:
                block = tag in BLOCK_TAGS
                if block:
                    self.flush()
                if element.text:
                    self.buffer.append(element.text)
                for child in element:
                    self.walk(child)
                if block:
                    self.flush()
        if element.tail:
            self.buffer.append(element.tail)


def element_lines(
    element: etree._Element, skip: frozenset[etree._Element] = frozenset()
) -> list[str]:
    """Visible text of `element` as normalised lines, in document order."""
    builder = _LineBuilder(skip)
    if element.text:
        builder.buffer.append(element.text)
    for child in element:
        builder.walk(child)
    builder.flush()
    return builder.lines


def element_text(element: etree._Element) -> str:
    """Visible text of `element` on one line."""
    return " ".join(element_lines(element))
