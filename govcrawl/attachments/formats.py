"""One line generator per file type. Each yields text lines lazily, so the caller's text
cap also stops the parsing (a 2,000-page PDF is not read past the cap).

Raise `Unreadable(reason)` for a reason worth counting; anything else a parser raises on
broken bytes is counted as `broken_file` by the caller.
"""

from __future__ import annotations

import io
import logging
import re
import struct
import zipfile
from collections.abc import Iterator
from xml.etree import ElementTree

from govcrawl.attachments.reader import Limits, Lines, Unreadable, _read

# pypdf logs a warning for each defect of a broken PDF; the file's outcome is already a
# counted reason, so only its errors are worth a log line.
logging.getLogger("pypdf").setLevel(logging.ERROR)


def encrypted(data: bytes, limits: Limits, depth: int) -> Lines:
    raise Unreadable("encrypted")


def plain_lines(data: bytes, limits: Limits, depth: int) -> Lines:
    """Plain text in UTF-8, else GB18030 (what Chinese Windows writes)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            yield from data.decode(encoding).splitlines()
            return
        except UnicodeDecodeError:
            continue
    raise Unreadable("broken_file")


def pdf_lines(data: bytes, limits: Limits, depth: int) -> Lines:
    """Text of each page (pypdf). Encrypted with an empty user password is still read."""
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        try:
            if not reader.decrypt(""):
                raise Unreadable("encrypted")
        except (FileNotDecryptedError, NotImplementedError):
            raise Unreadable("encrypted") from None
    for page in reader.pages:
        yield from (page.extract_text() or "").splitlines()


def docx_lines(data: bytes, limits: Limits, depth: int) -> Lines:
    """Paragraphs and table rows in document order (python-docx); a row's cells joined by
    ` | ` as in a record's text, merged cells once."""
    from docx import Document
    from docx.table import Table

    document = Document(io.BytesIO(data))
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                yield _row(cell.text for cell in row.cells)
        else:
            yield block.text


def _row(cells: Iterator[object]) -> str:
    values: list[str] = []
    for cell in cells:
        text = "" if cell is None else _cell_text(cell)
        if text and (not values or values[-1] != text):
            values.append(text)
    return " | ".join(values)


def _cell_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def xlsx_lines(data: bytes, limits: Limits, depth: int) -> Lines:
    """Each sheet's name, then its rows' values (openpyxl read-only, cached values)."""
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        for sheet in workbook.worksheets:
            yield f"[{sheet.title}]"
            for values in sheet.iter_rows(values_only=True):
                yield _row(iter(values))
    finally:
        workbook.close()


def xls_lines(data: bytes, limits: Limits, depth: int) -> Lines:
    """Each sheet's name, then its rows' values (xlrd; dates stay Excel serial numbers)."""
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True)
    except xlrd.XLRDError as error:
        if "encrypted" in str(error).lower():
            raise Unreadable("encrypted") from None
        raise
    for index in range(book.nsheets):
        sheet = book.sheet_by_index(index)
        yield f"[{sheet.name}]"
        for row in range(sheet.nrows):
            yield _row(iter(sheet.row_values(row)))


# --- Word 97-2003 (.doc) and WPS: the piece table ------------------------------------------

_FIB_MAGIC = 0xA5EC
_F_ENCRYPTED, _F_WHICH_TABLE = 0x0100, 0x0200
_CCP_TEXT, _FC_CLX = 0x004C, 0x01A2  # FibRgLw97.ccpText, FibRgFcLcb97.fcClx
_FIELD = re.compile(r"\x13[^\x13\x14\x15]*(?:\x14([^\x13\x14\x15]*))?\x15")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f]")


def doc_lines(data: bytes, limits: Limits, depth: int) -> Lines:
    """Main-document text of a Word 97-2003 file (WPS writes the same format).

    The text is not stored in order: the table stream's piece table (CLX) maps character
    positions to runs of the WordDocument stream, each 8-bit (cp1252) or UTF-16. That is
    all we read ([MS-DOC] 2.4.1): no formatting, headers, footnotes or embedded objects.
    Field codes (\\x13 code \\x14 result \\x15) keep their result only.
    """
    import olefile

    with olefile.OleFileIO(data) as ole:
        word = ole.openstream("WordDocument").read()
        if len(word) < _FC_CLX + 8 or struct.unpack_from("<H", word, 0)[0] != _FIB_MAGIC:
            raise Unreadable("broken_file")
        flags = struct.unpack_from("<H", word, 0x0A)[0]
        if flags & _F_ENCRYPTED:
            raise Unreadable("encrypted")
        table_name = "1Table" if flags & _F_WHICH_TABLE else "0Table"
        if not ole.exists(table_name):
            raise Unreadable("broken_file")
        table = ole.openstream(table_name).read()
    ccp_text = struct.unpack_from("<i", word, _CCP_TEXT)[0]
    fc_clx, lcb_clx = struct.unpack_from("<II", word, _FC_CLX)
    text = "".join(_pieces(word, table[fc_clx : fc_clx + lcb_clx], ccp_text))
    text = _FIELD.sub(lambda m: m.group(1) or "", text)
    # A cell ends with \x07, a row with one more: cells joined by " | " as in record text.
    text = text.replace("\x07\x07", "\n").replace("\x07", " | ")
    text = text.replace("\r", "\n").replace("\x0b", "\n")
    yield from _CONTROL.sub("", text.replace("\x0c", "\n")).splitlines()


def _pieces(word: bytes, clx: bytes, ccp_text: int) -> Iterator[str]:
    position = 0
    while position < len(clx) and clx[position] == 0x01:  # Prc: formatting, skipped
        position += 3 + struct.unpack_from("<h", clx, position + 1)[0]
    if position + 5 > len(clx) or clx[position] != 0x02:
        raise Unreadable("broken_file")
    lcb = struct.unpack_from("<I", clx, position + 1)[0]
    plc = clx[position + 5 : position + 5 + lcb]
    count = (len(plc) - 4) // 12
    if count <= 0:
        raise Unreadable("broken_file")
    cps = struct.unpack_from(f"<{count + 1}I", plc)
    for index in range(count):
        start, end = cps[index], min(cps[index + 1], ccp_text)
        if start >= ccp_text:
            break
        if end <= start:
            continue
        fc = struct.unpack_from("<I", plc, 4 * (count + 1) + 8 * index + 2)[0]
        if fc & 0x40000000:  # fCompressed: 8-bit characters at fc / 2
            offset = (fc & 0x3FFFFFFF) // 2
            yield word[offset : offset + end - start].decode("cp1252", "replace")
        else:
            yield word[fc : fc + 2 * (end - start)].decode("utf-16-le", "replace")


# --- OFD (GB/T 33190, China's fixed-layout format) ---------------------------------------

_OFD_PAGE = re.compile(r"^Doc_(\d+)/Pages/Page_(\d+)/Content\.xml$", re.IGNORECASE)
_LINE_TOLERANCE = 1.0  # mm: text objects this close vertically sit on one line


def ofd_lines(data: bytes, limits: Limits, depth: int) -> Lines:
    """Text of an OFD: a ZIP of XML pages whose TextObjects hold TextCode strings. Objects
    are joined into lines by their vertical position (Boundary y), pages in order."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        pages = sorted(
            (int(m.group(1)), int(m.group(2)), info)
            for info in archive.infolist()
            if (m := _OFD_PAGE.match(info.filename))
        )
        if not pages:
            raise Unreadable("empty")
        budget = limits.max_unpacked
        for _, _, info in pages:
            content = _read_member(archive, info, limits, budget)
            budget -= len(content)
            yield from _ofd_page_lines(content)


def _ofd_page_lines(content: bytes) -> Lines:
    line: list[str] = []
    last_y: float | None = None
    for element in ElementTree.fromstring(content).iter():
        if not element.tag.endswith("TextObject"):
            continue
        y = _boundary_y(element.get("Boundary", ""))
        if line and (y is None or last_y is None or abs(y - last_y) > _LINE_TOLERANCE):
            yield "".join(line)
            line = []
        last_y = y
        line.extend(code.text or "" for code in element if code.tag.endswith("TextCode"))
    if line:
        yield "".join(line)


def _boundary_y(boundary: str) -> float | None:
    parts = boundary.split()
    try:
        return float(parts[1])
    except (IndexError, ValueError):
        return None


# --- ZIP ------------------------------------------------------------------------------------


def _read_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits, budget: int
) -> bytes:
    """A member's bytes, refusing what would break the caps: more than the budget left,
    or an inflation ratio only a bomb has. Reads at most cap+1 bytes whatever the header
    claims."""
    cap = min(limits.max_bytes, budget)
    if info.file_size > cap:
        raise Unreadable("too_large")
    if info.compress_size and info.file_size / info.compress_size > limits.max_ratio:
        raise Unreadable("zip_bomb")
    with archive.open(info) as member:
        content = member.read(cap + 1)
    if len(content) > cap:
        raise Unreadable("zip_bomb")  # the header lied about the size
    return content


def zip_lines(data: bytes, limits: Limits, depth: int) -> Lines:
    """Each member's name as a line, then the text of those we can read (nested ZIPs up to
    `max_depth`). Stops at `max_members` or when `max_unpacked` bytes were unpacked.
    Names without the UTF-8 flag are decoded as GB18030 (Chinese Windows archivers)."""
    with zipfile.ZipFile(io.BytesIO(data), metadata_encoding="gb18030") as archive:
        members = [info for info in archive.infolist() if not info.is_dir()]
        if not members:
            raise Unreadable("empty")
        if all(info.flag_bits & 0x1 for info in members):
            raise Unreadable("encrypted")
        budget = limits.max_unpacked
        for info in members[: limits.max_members]:
            yield f"[{info.filename}]"
            if info.flag_bits & 0x1 or depth >= limits.max_depth:
                continue
            try:
                content = _read_member(archive, info, limits, budget)
            except Unreadable as unreadable:
                if unreadable.reason == "zip_bomb":
                    raise
                continue
            budget -= len(content)
            inner = _read(content, info.filename, None, limits, depth + 1)
            yield from (inner.text or "").splitlines()
        if len(members) > limits.max_members:
            yield f"[… {len(members) - limits.max_members} more files not read]"
