"""Page bytes → lxml tree, read as a browser would, at the least cost.

Why a module of its own: parsing is the largest single cost of an extraction (libxml2 reads
every byte), so the text is prepared once here: stray early `</html>` tags removed (browsers
ignore them, libxml2 stops there) and the text of `<style>` blocks dropped before the parser
sees it (real pages carry hundreds of KB of inline CSS no extraction reads). A page that
arrived as valid UTF-8 is parsed from its own bytes, not re-encoded.

It is also where hostile or broken pages are stopped, because every extraction goes through
it: the charset a page declares is checked against its bytes (`choose_encoding`), and a page
too big or too deep for a bounded parse is refused with a reason (`UnparsablePage`) instead
of costing gigabytes or losing its body silently.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from lxml import etree
from parsel import Selector
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom

# One scan finds both landmarks; matched on bytes (several times faster than on a str of
# Chinese text).
_LANDMARK = re.compile(rb"</(?:html|body)\s*>|<style\b[^>]*>", re.I)
_ELEMENT_START = re.compile(rb"<[a-zA-Z]")
_STYLE_END = b"</style"

# Bounds of one parse. A tag is ~130 bytes of lxml tree; real government pages hold a few
# thousand, the largest tables some tens of thousands. A 26 MB page of `<br>` is 6.5 M tags
# and 835 MB of tree, so a page with more tags than this is refused before it is parsed.
MAX_TAGS = 250_000
# libxml2 stops at this nesting depth (with huge_tree) and drops the rest of the page.
_DEPTH_LIMIT = etree.ErrorTypes.ERR_RESOURCE_LIMIT

# C0 controls other than tab, newline and carriage return read as spaces (NUL is dropped):
# lxml keeps them in attribute names and then refuses to hand those attributes out
# (ValueError: "All strings must be XML compatible"). Safe on UTF-8: no multi-byte
# sequence holds a byte below 0x80.
_CONTROLS = bytes.maketrans(bytes([*range(1, 9), 11, 12, *range(14, 32), 127]), b" " * 29)

# Labels that decode any byte string without error, so a strict decode proves nothing.
_PERMISSIVE = frozenset({"cp1252", "latin-1", "iso8859-1", "iso8859-15", "ascii"})
# Share of replacement characters a decoding may leave before a detector is asked instead.
_FEW_REPLACEMENTS = 0.001


class UnparsablePage(ValueError):
    """A page refused by the parser's bounds; `reason` is the counter name
    (`too_many_elements`, `too_deep`)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


def page_bounds_reason(body: bytes, max_tags: int = MAX_TAGS) -> str | None:
    """`too_many_elements` when `body` holds more tags than one bounded parse may build
    (a byte count, ~10 ms for 26 MB), else None."""
    return "too_many_elements" if body.count(b"<") > max_tags else None


@dataclass(frozen=True, slots=True)
class Decoding:
    """How a page's bytes were read: the encoding used, what the page declared (None: no
    usable label), and how many U+FFFD replacement characters the text still holds."""

    encoding: str
    declared: str | None
    replacements: int = 0

    @property
    def relabelled(self) -> bool:
        """The page declared a charset its bytes are not in."""
        return self.declared is not None and self.declared != self.encoding


def text_encoding(label: str | None) -> str | None:
    """Python's codec name for a charset label, None when it names no text encoding
    (`rot13`, `base64`, a typo). GB2312 and GBK labels read as GB18030, their superset, as
    browsers do."""
    if not label:
        return None
    try:
        info = codecs.lookup(label.strip())
    except LookupError:
        return None
    if not getattr(info, "_is_text_encoding", True):
        return None
    return "gb18030" if info.name in ("gb2312", "gbk") else info.name


def _strict(body: bytes, encoding: str) -> bool:
    try:
        body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def _replacements(body: bytes, encoding: str) -> int:
    return body.decode(encoding, "replace").count("\ufffd")


def _detected(body: bytes) -> str | None:
    """charset-normalizer's guess, for bytes no declared or Chinese encoding reads."""
    from charset_normalizer import from_bytes

    best = from_bytes(body).best()
    return text_encoding(best.encoding) if best is not None else None


def _arbitrated(body: bytes, label: str) -> str:
    """A non-GB CJK label (Big5, Shift-JIS …) whose bytes GB18030 reads as well: Big5 and
    GBK share most byte ranges, so a short GBK page labelled Big5 decodes without error
    either way. charset-normalizer judges which reading is language; the label if unsure."""
    from charset_normalizer import from_bytes

    best = from_bytes(body, cp_isolation=[label, "gb18030"]).best()
    return (text_encoding(best.encoding) if best is not None else None) or label


def choose_encoding(body: bytes, declared: Iterable[str | None] = ()) -> Decoding:
    """The encoding that reads `body` right, given the labels it came with (header first,
    then `<meta>`).

    A BOM wins. Then valid UTF-8 wins whatever the label: GBK text is practically never
    valid UTF-8, while UTF-8 Chinese text often *is* valid GB18030 (E4 B8 AD E6 96 87, 中文,
    reads as 涓枃), so a GBK label cannot be trusted merely because it decodes. Then the
    first declared label that decodes strictly (labels that decode anything, such as
    latin-1, prove nothing and are skipped; a Big5-like label GB18030 also reads is
    arbitrated by charset-normalizer), then GB18030. A page none of them reads
    without error gets the candidate leaving the fewest replacement characters, unless even
    that leaves many: only then is charset-normalizer asked, as a last resort.
    """
    labels = [text_encoding(label) for label in declared if label]
    usable = [label for label in dict.fromkeys(labels) if label]
    first = usable[0] if usable else None
    bom_encoding, _ = read_bom(body)
    if bom_encoding:
        return Decoding(text_encoding(bom_encoding) or bom_encoding, first)
    if body.isascii():
        return Decoding(first if first and first not in ("utf-16", "utf-32") else "utf-8", first)
    candidates = [*dict.fromkeys(["utf-8", *(e for e in usable if e not in _PERMISSIVE)])]
    candidates += [e for e in ("gb18030",) if e not in candidates]
    for encoding in candidates:
        if _strict(body, encoding):
            if encoding not in ("utf-8", "gb18030") and _strict(body, "gb18030"):
                encoding = _arbitrated(body, encoding)
            return Decoding(encoding, first)
    if first in _PERMISSIVE:
        candidates.append(first)
    counts = {encoding: _replacements(body, encoding) for encoding in candidates}
    best = min(candidates, key=counts.__getitem__)  # ties: the earlier (more trusted) one
    if counts[best] > max(1, len(body) * _FEW_REPLACEMENTS):
        detected = _detected(body)
        if detected and detected not in counts:
            counts[detected] = _replacements(body, detected)
            best = min(counts, key=counts.__getitem__)
    return Decoding(best, first, counts[best])


def declared_encodings(response: Any) -> list[str | None]:
    """The charset labels a response came with: its Content-Type header's, then its page's
    `<meta>` (unresolved: `choose_encoding` judges them)."""
    content_type = response.headers.get(b"Content-Type") or b""
    header = http_content_type_encoding(content_type.decode("latin-1"))
    return [header, html_body_declared_encoding(response.body)]


def _prepared(document: bytes) -> bytes:
    """`document` without the `</html>`/`</body>` tags more elements follow, and without
    the text of `<style>` blocks (kept empty). A style's text is dropped only when no other
    tag starts inside it, so a `<style>` quoted in a comment or a script never eats markup."""
    pieces, position, start = [], 0, 0
    while match := _LANDMARK.search(document, start):
        start = match.end()
        if match.group().startswith(b"</"):
            if _ELEMENT_START.search(document, start):
                pieces.append(document[position : match.start()])
                position = start
            continue
        next_tag = document.find(b"<", start)
        if next_tag > start and document[next_tag : next_tag + 7].lower() == _STYLE_END:
            pieces.append(document[position:start])
            position = start = next_tag
    return b"".join([*pieces, document[position:]]) if pieces else document


def parse_html(document: str | bytes) -> Selector:
    """Selector over a page given as text or as UTF-8 bytes.

    Parsed by lxml's plain HTML parser: elements without `lxml.html`'s per-element class
    lookup, and without parsel's extra copies of the text.

    Raises `UnparsablePage` for a page with more than `MAX_TAGS` tags (refused before
    parsing: bounded memory) or nested deeper than libxml2 parses (its body would be lost
    and the page mistaken for an empty shell).
    """
    if isinstance(document, str):
        document = document.encode("utf-8", "replace")
    if page_bounds_reason(document):
        raise UnparsablePage("too_many_elements", f"more than {MAX_TAGS} tags")
    document = _prepared(document).translate(_CONTROLS, b"\x00")
    parser = etree.HTMLParser(recover=True, encoding="utf-8", huge_tree=True)
    root = etree.fromstring(document, parser) if document.strip() else None
    if parser.error_log.filter_types([_DEPTH_LIMIT]):
        raise UnparsablePage("too_deep", "nested deeper than the parser reads")
    if root is None:
        root = etree.fromstring(b"<html/>", parser)
    return Selector(root=root, type="html")


def response_text(response: Any) -> str:
    """A `TextResponse`'s text, never an exception: a charset label that names no text
    encoding (`<meta charset="rot13">`: LookupError in Scrapy) or a decoding left with
    replacement characters is decided again by `choose_encoding`. In a crawl the
    `CharsetMiddleware` has already done this, so `response.text` is used as is."""
    try:
        text: str = response.text
    except LookupError:
        text = "\ufffd"
    if "\ufffd" in text:
        decoding = choose_encoding(response.body, declared_encodings(response))
        text = response.body.decode(decoding.encoding, "replace")
    return text


def parse_response(response: Any) -> Selector:
    """Selector over a Scrapy `TextResponse`'s page (its own bytes when they are UTF-8 that
    decoded without a replacement character)."""
    text = response_text(response)
    if "\ufffd" not in text and text_encoding(response.encoding) == "utf-8":
        return parse_html(response.body)
    return parse_html(text)


def saved_response(html: bytes | str, url: str, decoding: Decoding | None = None) -> Any:
    """A saved page as the response a crawl would get: its bytes read by `choose_encoding`
    (BOM, valid UTF-8, its meta charset, GB18030, a detector), as the crawl's
    `CharsetMiddleware` reads them (`decoding`: that choice, when already made)."""
    from scrapy.http import HtmlResponse

    if isinstance(html, str):
        return HtmlResponse(url=url, body=html.encode("utf-8", "replace"), encoding="utf-8")
    decoding = decoding or choose_encoding(html, [html_body_declared_encoding(html)])
    return HtmlResponse(url=url, body=html, encoding=decoding.encoding)


def parse_saved(html: bytes | str, url: str) -> Selector:
    """Selector over a saved page, read as `parse_response(saved_response(…))` reads it.

    Bytes proven valid UTF-8 without a BOM (most pages) are parsed as they are: no response
    is built and they are not decoded a second time (0.5 ms of a 400 KB page). Raises
    `UnparsablePage` as `parse_html` does.
    """
    if isinstance(html, bytes) and not html.startswith(codecs.BOM_UTF8):
        decoding = choose_encoding(html, [html_body_declared_encoding(html)])
        if decoding.encoding == "utf-8" and not decoding.replacements:
            return parse_html(html)
        return parse_response(saved_response(html, url, decoding))
    return parse_response(saved_response(html, url))
