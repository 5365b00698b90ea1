"""DOM → text lines, the way a reader sees a block of a page.

Block elements and `<br>` end a line, table rows become `cell | cell`, scripts, styles,
form controls and hidden elements are skipped. Pure functions over lxml elements.
"""

from __future__ import annotations

import re
from functools import cache

from lxml import etree
from parsel import Selector

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


# A closing </html> or </body> before the end of the document: pages stitched from
# templates carry one after their header; browsers ignore it, libxml2 stops there.
# Matched on the UTF-8 bytes: a bytes regex is several times faster than one over a
# str of Chinese text.
_DOCUMENT_CLOSE = re.compile(rb"</(?:html|body)\s*>", re.I)
_ELEMENT_START = re.compile(rb"<[a-zA-Z]")


def _without_early_close(document: bytes) -> bytes:
    """`document` minus the `</html>`/`</body>` tags that more elements follow (one pass)."""
    pieces, position = [], 0
    for match in _DOCUMENT_CLOSE.finditer(document):
        if _ELEMENT_START.search(document, match.end()):
            pieces.append(document[position : match.start()])
            position = match.end()
    return b"".join([*pieces, document[position:]]) if pieces else document


def parse_html(text: str) -> Selector:
    """Selector over `text` as a browser would read it (stray early `</html>` ignored).

    Parsed from UTF-8 bytes by lxml's plain HTML parser: elements without `lxml.html`'s
    per-element class lookup, and without parsel's extra copies of the text.
    """
    document = _without_early_close(text.encode("utf-8", "replace"))
    if b"\x00" in document:
        document = document.replace(b"\x00", b"")
    parser = etree.HTMLParser(recover=True, encoding="utf-8", huge_tree=True)
    root = etree.fromstring(document, parser) if document.strip() else None
    if root is None:
        root = etree.fromstring(b"<html/>", parser)
    return Selector(root=root, type="html")


_STRING = etree.XPath("string()")


def text_content(element: etree._Element) -> str:
    """All text of `element`, as XPath `string()` gives it (comments excluded)."""
    return _STRING(element)


STRIPPED_TAGS = ("script", "style", "noscript", "template")


def strip_invisible(root: etree._Element) -> None:
    """Remove scripts, styles and comments in place: text no reader sees, and the bulk of
    what a plain `itertext()` would otherwise have to skip."""
    etree.strip_elements(root, *STRIPPED_TAGS, etree.Comment, with_tail=False)


@cache
def xpath(expression: str) -> etree.XPath:
    """A compiled XPath: evaluated on lxml elements directly, without wrapping every result
    in a parsel Selector (the cost that dominates queries with many results)."""
    return etree.XPath(expression)


@cache
def css(selector: str) -> etree.XPath:
    """A compiled XPath for a CSS selector, relative to the element it is called on."""
    from parsel.csstranslator import HTMLTranslator

    return etree.XPath(HTMLTranslator().css_to_xpath(selector, prefix="descendant-or-self::"))


def decode_html(html: bytes | str, url: str) -> str:
    """Text of saved page bytes, decoded as Scrapy would (meta charset, BOM, else UTF-8;
    GB2312 labels read as GB18030)."""
    if isinstance(html, str):
        return html
    from scrapy.http import HtmlResponse

    return HtmlResponse(url=url, body=html).text


def is_hidden(element: etree._Element) -> bool:
    """Hidden in the served HTML (style, `hidden` attribute): a reader never sees it."""
    style = element.get("style")
    if style and ("none" in style or "hidden" in style) and _HIDDEN.search(style):
        return True
    return element.get("hidden") is not None


def _tag(element: etree._Element) -> str:
    tag = element.tag  # lxml's HTML parser lower-cases tag names
    return tag if isinstance(tag, str) else ""


def _visible(element: etree._Element, skip: frozenset[etree._Element]) -> bool:
    tag = _tag(element)
    return bool(tag) and tag not in SKIP_TAGS and element not in skip and not is_hidden(element)


def element_lines(
    element: etree._Element,
    skip: frozenset[etree._Element] = frozenset(),
    marks: dict[etree._Element, str] | None = None,
) -> list[str]:
    """Visible text of `element` as normalised lines, in document order.

    `marks` puts a line of its own where an element starts (the element's text follows
    unless it is skipped), so callers can find text between two landmarks in one walk.
    Iterative (no recursion), so a page of 100,000 nested tags costs time, not a crash.
    """
    marks = marks or {}
    lines: list[str] = []
    buffer: list[str] = []

    def flush() -> None:
        line = normalize_space("".join(buffer))
        if line:
            lines.append(line)
        buffer.clear()

    hidden: set[etree._Element] = set()
    walker = etree.iterwalk(element, events=("start", "end", "comment", "pi"))
    for event, node in walker:
        if event in ("comment", "pi"):
            if node.tail:
                buffer.append(node.tail)
            continue
        if node is element:
            if event == "start" and node.text:
                buffer.append(node.text)
            continue
        tag = _tag(node)
        if event == "start":
            if node in marks:
                flush()
                lines.append(marks[node])
            if not _visible(node, skip) or tag == "tr":
                hidden.add(node)
                walker.skip_subtree()
                if tag == "tr" and _visible(node, skip):
                    flush()
                    cells = [
                        normalize_space("".join(cell.itertext()))
                        for cell in node
                        if cell.tag in ("td", "th")
                    ]
                    if row := " | ".join(cell for cell in cells if cell):
                        lines.append(row)
                continue
            if tag == "br" or tag in BLOCK_TAGS:
                flush()
            if node.text:
                buffer.append(node.text)
            continue
        if node not in hidden and tag in BLOCK_TAGS:
            flush()
        if node.tail:
            buffer.append(node.tail)
    flush()
    return lines


def element_text(element: etree._Element) -> str:
    """Visible text of `element` on one line."""
    return " ".join(element_lines(element))


_CJK_EDGE = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef“”‘’]")


def join_cjk_lines(lines: list[str]) -> str:
    """Lines on one line: no space where a break fell between two Chinese characters.

    A headline broken with `<br>` (全国人民代表大会常务委员会<br>关于批准…) reads as one.
    """
    joined = ""
    for line in lines:
        if joined and not (_CJK_EDGE.match(joined[-1]) and _CJK_EDGE.match(line[0])):
            joined += " "
        joined += line
    return joined
