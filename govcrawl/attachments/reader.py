"""Read the text of an attachment (PDF, Word, Excel, OFD, ZIP …) from its bytes.

Government portals publish the substance of many notices only as an attachment, so a
record without its attachment's text misses the document. The bytes come from strangers:
the type is sniffed from magic bytes first (servers send `application/octet-stream`, links
end in `.jsp`), the extension second; every reader runs under size and text caps; and any
failure becomes a reason, never an exception.
"""

from __future__ import annotations

import hashlib
import io
import logging
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

logger = logging.getLogger(__name__)

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
# Archives we do not unpack (no pure-Python reader worth the dependency): named, counted.
_UNSUPPORTED_MAGICS = (b"Rar!\x1a\x07", b"7z\xbc\xaf\x27\x1c")
_TEXT_TYPES = ("text/plain", "text/csv")
_TEXT_EXTENSIONS = (".txt", ".csv")
_KNOWN_EXTENSIONS = {
    ".pdf": "pdf",
    ".docx": "docx",
    ".xlsx": "xlsx",
    ".xls": "xls",
    ".et": "xls",
    ".doc": "doc",
    ".wps": "doc",
    ".ofd": "ofd",
    ".zip": "zip",
}


@dataclass(frozen=True)
class Limits:
    """Caps that keep one hostile or huge file from stalling a crawl."""

    max_bytes: int = 50 * 1024 * 1024  # a file larger than this is not read
    max_chars: int = 200_000  # text kept per attachment
    max_members: int = 200  # ZIP members looked at
    max_unpacked: int = 100 * 1024 * 1024  # bytes unpacked from one ZIP, all members
    max_ratio: int = 200  # a member that inflates more than this is a bomb
    max_depth: int = 2  # levels of ZIPs inside a ZIP whose members are read


class Unreadable(Exception):
    """A file we cannot read, with the reason recorded in `read_error`."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class AttachmentText:
    """What reading gave: the text, or why there is none (`read_error`)."""

    kind: str  # detected type: pdf, docx, xlsx, xls, doc, ofd, zip, text, unknown
    text: str | None
    read_error: str | None
    sha256: str
    size: int
    truncated: bool = False

    def fields(self) -> dict[str, Any]:
        """The keys an `attachments[]` entry of a record gains."""
        return {
            "text": self.text,
            "sha256": self.sha256,
            "size": self.size,
            "read_error": self.read_error,
        }


Lines = Iterator[str]
Reader = Callable[[bytes, Limits, int], Lines]


def sniff(data: bytes, name: str = "", content_type: str | None = None) -> str:
    """The file's type: magic bytes first, then the name's extension, then content type."""
    head = data[:1024]
    if b"%PDF-" in head:
        return "pdf"
    if data.startswith(ZIP_MAGICS):
        return _zip_kind(data)
    if data.startswith(OLE_MAGIC):
        return "ole"
    if data.startswith(_UNSUPPORTED_MAGICS):
        return "unsupported"
    extension = PurePosixPath(name.lower()).suffix
    if extension in _KNOWN_EXTENSIONS:
        return "mislabelled"  # says it is a document, bytes say otherwise (an error page …)
    mime = (content_type or "").split(";")[0].strip().lower()
    if extension in _TEXT_EXTENSIONS or mime in _TEXT_TYPES:
        return "text"
    return "unknown"


def _zip_kind(data: bytes) -> str:
    """OOXML, OFD and plain ZIP share the container; the member names tell them apart."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = {n.lower() for n in archive.namelist()}
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return "broken"
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "ofd.xml" in names:
        return "ofd"
    if "ppt/presentation.xml" in names:
        return "unsupported"
    return "zip"


def read_attachment(
    data: bytes, name: str, content_type: str | None, limits: Limits | None = None
) -> AttachmentText:
    """The text of a downloaded attachment, or the reason it has none: `too_large`,
    `unsupported_type`, `broken_file`, `encrypted`, `empty`, `zip_bomb`. Never raises."""
    return _read(data, name, content_type, limits or Limits(), depth=0)


def _read(
    data: bytes, name: str, content_type: str | None, limits: Limits, depth: int
) -> AttachmentText:
    digest, size = hashlib.sha256(data).hexdigest(), len(data)

    def result(kind: str, text: str | None, error: str | None, cut: bool = False) -> AttachmentText:
        return AttachmentText(kind, text, error, digest, size, cut)

    if not data:
        return result("unknown", None, "empty")
    if size > limits.max_bytes:
        return result("unknown", None, "too_large")
    kind = sniff(data, name, content_type)
    if kind == "ole":
        kind = _ole_kind(data)
    reader = _readers().get(kind)
    if reader is None:
        error = "broken_file" if kind in ("broken", "mislabelled") else "unsupported_type"
        return result(kind, None, error)
    try:
        text, truncated = _collect(reader(data, limits, depth), limits.max_chars)
    except Unreadable as unreadable:
        return result(kind, None, unreadable.reason)
    except Exception as error:
        logger.debug("Cannot read %s (%s): %r", name, kind, error)
        return result(kind, None, "broken_file")
    if not text:
        return result(kind, None, "empty")
    return result(kind, text, None, truncated)


def _collect(lines: Lines, max_chars: int) -> tuple[str, bool]:
    """Non-empty lines, whitespace folded, until the text cap (the reader stops there)."""
    kept: list[str] = []
    total = 0
    for raw in lines:
        line = " ".join(raw.split())
        if not line:
            continue
        if total + len(line) > max_chars:
            kept.append(line[: max(max_chars - total, 0)])
            return "\n".join(kept).strip(), True
        kept.append(line)
        total += len(line) + 1
    return "\n".join(kept), False


def _ole_kind(data: bytes) -> str:
    """Old Office files are OLE compound files; their streams say what they hold."""
    import olefile

    try:
        with olefile.OleFileIO(data) as ole:
            streams = {"/".join(entry) for entry in ole.listdir()}
    except Exception:
        return "broken"
    if "EncryptedPackage" in streams:
        return "encrypted"  # a password-protected .docx/.xlsx
    if "WordDocument" in streams:
        return "doc"
    if "Workbook" in streams or "Book" in streams:
        return "xls"
    return "unsupported"


def _readers() -> dict[str, Reader]:
    from govcrawl.attachments import formats

    return {
        "pdf": formats.pdf_lines,
        "docx": formats.docx_lines,
        "xlsx": formats.xlsx_lines,
        "xls": formats.xls_lines,
        "doc": formats.doc_lines,
        "ofd": formats.ofd_lines,
        "zip": formats.zip_lines,
        "text": formats.plain_lines,
        "encrypted": formats.encrypted,
    }
