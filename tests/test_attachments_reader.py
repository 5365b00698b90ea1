"""Reading attachments: each format from files the tests write, sniffing, caps, reasons.

The `make_*` writers are shared with the fuzz and pipeline tests.
"""

from __future__ import annotations

import io
import struct
import zipfile

import pytest

from govcrawl.attachments import Limits, read_attachment, sniff
from govcrawl.record import record_schema

NOTICE = ["关于开展2024年度安全生产检查的通知", "各乡镇人民政府，县直各单位：", "特此通知。"]


# --- writers -------------------------------------------------------------------------------


def make_pdf(pages: list[list[str]], password: str | None = None) -> bytes:
    """A PDF with Chinese text (reportlab's built-in Adobe CJK font: no font file)."""
    from reportlab.lib.pdfencrypt import StandardEncryption
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    encrypt = StandardEncryption(password, canPrint=1) if password else None
    pdf = canvas.Canvas(buffer, encrypt=encrypt)
    for lines in pages:
        pdf.setFont("STSong-Light", 12)
        for number, line in enumerate(lines):
            pdf.drawString(72, 760 - 20 * number, line)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def make_docx(paragraphs: list[str], table: list[list[str]] = ()) -> bytes:  # type: ignore[assignment]
    from docx import Document

    document = Document()
    document.add_paragraph(paragraphs[0])
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    for paragraph in paragraphs[1:]:
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def make_xlsx(rows: list[list[object]], title: str = "名单") -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def make_xls(rows: list[list[object]], title: str = "名单") -> bytes:
    import xlwt

    workbook = xlwt.Workbook()
    sheet = workbook.add_sheet(title)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def make_ole(streams: dict[str, bytes]) -> bytes:
    """A minimal OLE compound file (CFB v3) holding `streams` (at most 3, each padded to
    4096 bytes so none needs the mini stream): enough for olefile and our readers."""
    sector = 512
    padded = {
        name: data.ljust(max(4096, -(-len(data) // sector) * sector), b"\0")
        for name, data in streams.items()
    }
    fat = [0xFFFFFFFD, 0xFFFFFFFE]  # sector 0: the FAT; sector 1: the directory
    starts, sizes = [], []
    for name, data in padded.items():
        starts.append(len(fat))
        count = len(data) // sector
        fat += [len(fat) + i + 1 for i in range(count - 1)] + [0xFFFFFFFE]
        sizes.append(len(streams[name]) if len(streams[name]) >= 4096 else len(data))
    assert len(fat) <= 128
    fat += [0xFFFFFFFF] * (128 - len(fat))

    def entry(name: str, kind: int, left: int, right: int, child: int, start: int, size: int):
        encoded = (name + "\0").encode("utf-16-le") if name else b""
        return (
            encoded.ljust(64, b"\0")
            + struct.pack("<HBB3I", len(encoded), kind, 1, left, right, child)
            + b"\0" * 36
            + struct.pack("<IQ", start, size)
        )

    none = 0xFFFFFFFF
    names = list(padded)
    # A red-black tree with all nodes black is accepted; children chained as right siblings.
    directory = entry("Root Entry", 5, none, none, 1, 0xFFFFFFFE, 0)
    for i, name in enumerate(names):
        right = i + 2 if i + 1 < len(names) else none
        directory += entry(name, 2, none, right, none, starts[i], sizes[i])
    directory = directory.ljust(sector, b"\0")
    for offset in range(len(directory) // 128):  # unused entries: no siblings
        if directory[offset * 128 : offset * 128 + 2] == b"\0\0":
            directory = (
                directory[: offset * 128 + 68]
                + struct.pack("<3I", none, none, none)
                + directory[offset * 128 + 80 :]
            )
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\0" * 16
        + struct.pack(
            "<HHHHH6sIIIIIIIII",
            0x3E,
            3,
            0xFFFE,
            9,
            6,
            b"\0" * 6,
            0,
            1,
            1,
            0,
            4096,
            0xFFFFFFFE,
            0,
            0xFFFFFFFE,
            0,
        )
        + struct.pack("<109I", 0, *([0xFFFFFFFF] * 108))
    )
    body = struct.pack("<128I", *fat) + directory + b"".join(padded.values())
    return header + body


def make_doc(text: str, *, ascii_prefix: str = "", encrypted: bool = False) -> bytes:
    """A Word 97 file: FIB, one 8-bit piece (`ascii_prefix`) and one UTF-16 piece (`text`)."""
    word = bytearray(0x1400)
    struct.pack_into("<H", word, 0, 0xA5EC)
    struct.pack_into("<H", word, 0x0A, 0x0200 | (0x0100 if encrypted else 0))  # 1Table
    struct.pack_into("<i", word, 0x4C, len(ascii_prefix) + len(text))  # ccpText
    word[0x1000 : 0x1000 + len(ascii_prefix)] = ascii_prefix.encode("cp1252")
    unicode_at = 0x800
    word[unicode_at : unicode_at + 2 * len(text)] = text.encode("utf-16-le")
    cps = [0, len(ascii_prefix), len(ascii_prefix) + len(text)]
    pcds = struct.pack("<HIH", 0, (0x1000 * 2) | 0x40000000, 0) + struct.pack(
        "<HIH", 0, unicode_at, 0
    )
    plc = struct.pack("<3I", *cps) + pcds
    clx = b"\x01" + struct.pack("<h", 2) + b"\0\0" + b"\x02" + struct.pack("<I", len(plc)) + plc
    struct.pack_into("<II", word, 0x01A2, 0, len(clx))
    return make_ole({"WordDocument": bytes(word), "1Table": clx})


OFD_NS = "http://www.ofdspec.org/2016"


def make_ofd(pages: list[list[tuple[float, str]]]) -> bytes:
    """An OFD whose pages hold TextObjects at (y, text); two objects with one y are one line."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "OFD.xml",
            f'<ofd:OFD xmlns:ofd="{OFD_NS}"><ofd:DocBody>'
            "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>",
        )
        archive.writestr("Doc_0/Document.xml", f'<ofd:Document xmlns:ofd="{OFD_NS}"/>')
        for number, objects in enumerate(pages):
            xml = "".join(
                f'<ofd:TextObject ID="{i}" Boundary="{10 + 40 * (i % 2)} {y} 100 5" Font="1" Size="4">'
                f'<ofd:TextCode X="0" Y="4">{text}</ofd:TextCode></ofd:TextObject>'
                for i, (y, text) in enumerate(objects)
            )
            archive.writestr(
                f"Doc_0/Pages/Page_{number}/Content.xml",
                f'<ofd:Page xmlns:ofd="{OFD_NS}"><ofd:Content><ofd:Layer>{xml}'
                "</ofd:Layer></ofd:Content></ofd:Page>",
            )
    return buffer.getvalue()


def make_zip(members: dict[str, bytes], *, gbk_names: bool = False) -> bytes:
    """A ZIP; with `gbk_names`, names are stored as GBK bytes without the UTF-8 flag, as
    Chinese Windows archivers write them."""
    buffer = io.BytesIO()
    placeholders = {}
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for number, (name, data) in enumerate(members.items()):
            stored = name
            if gbk_names:
                raw = name.encode("gbk")
                stored = f"{number:0{len(raw)}d}"
                placeholders[stored.encode()] = raw
            archive.writestr(stored, data)
    data = buffer.getvalue()
    for placeholder, raw in placeholders.items():
        data = data.replace(placeholder, raw)
    return data


# --- formats -------------------------------------------------------------------------------


def read(data: bytes, name: str = "file", content_type: str | None = None, **limits):
    return read_attachment(data, name, content_type, Limits(**limits) if limits else None)


def test_pdf_pages_are_read_in_order():
    result = read(make_pdf([NOTICE[:2], NOTICE[2:]]), "通知.pdf")
    assert (result.kind, result.read_error) == ("pdf", None)
    assert result.text == "\n".join(NOTICE)


def test_docx_paragraphs_and_table_rows_in_document_order():
    result = read(make_docx(NOTICE, [["单位", "人数"], ["县政府", "12"]]), "通知.docx")
    assert result.text == "\n".join([NOTICE[0], "单位 | 人数", "县政府 | 12", *NOTICE[1:]])


def test_xlsx_and_xls_sheets_and_rows():
    rows = [["姓名", "得分"], ["张三", 90], [None, 3.5]]
    assert read(make_xlsx(rows), "名单.xlsx").text == "[名单]\n姓名 | 得分\n张三 | 90\n3.5"
    assert read(make_xls(rows), "名单.xls").text == "[名单]\n姓名 | 得分\n张三 | 90\n3.5"


def test_word97_doc_reads_both_piece_encodings_and_field_results():
    body = '第一段。\r单位\x07人数\x07\x07\r详见\x13 HYPERLINK "http://x" \x14附件一\x15。\r'
    result = read(make_doc(body, ascii_prefix="Notice No. 5\r"), "通知.doc")
    assert (result.kind, result.read_error) == ("doc", None)
    assert result.text == "Notice No. 5\n第一段。\n单位 | 人数\n详见附件一。"


def test_wps_is_read_as_word97():
    assert read(make_doc("文字处理文件。\r"), "报告.wps").text == "文字处理文件。"


def test_ofd_text_objects_become_lines_by_position():
    pages = [[(20.0, "关于开展"), (20.3, "检查的通知"), (30.0, "各单位：")], [(20.0, "特此通知。")]]
    result = read(make_ofd(pages), "通知.ofd")
    assert (result.kind, result.text) == ("ofd", "关于开展检查的通知\n各单位：\n特此通知。")


def test_zip_members_listed_and_read_with_gbk_names_and_nesting():
    inner = make_zip({"附件2.docx": make_docx(["附件二正文。"])})
    archive = make_zip(
        {
            "附件1.pdf": make_pdf([["附件一正文。"]]),
            "内层.zip": inner,
            "照片.jpg": b"\xff\xd8\xff\xe0 not read",
        },
        gbk_names=True,
    )
    result = read(archive, "附件.zip")
    assert (
        result.text
        == "[附件1.pdf]\n附件一正文。\n[内层.zip]\n[附件2.docx]\n附件二正文。\n[照片.jpg]"
    )


# --- sniffing ------------------------------------------------------------------------------


def test_magic_bytes_win_over_name_and_content_type():
    assert sniff(make_docx(NOTICE), "download.jsp", "application/octet-stream") == "docx"
    assert sniff(make_pdf([NOTICE]), "file.doc", "application/msword") == "pdf"
    assert sniff(make_xlsx([[1]]), "x.zip") == "xlsx"
    assert sniff(make_ofd([[(1.0, "字")]]), "x.zip") == "ofd"
    assert sniff(make_doc("字"), "x.xls") == "ole"
    assert sniff("纯文本".encode(), "说明.txt") == "text"
    assert sniff(b"a,b\n1,2\n", "data", "text/csv; charset=utf-8") == "text"


# --- reasons -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "name", "reason"),
    [
        (b"", "a.pdf", "empty"),
        (b"<html><body>404 Not Found</body></html>", "a.pdf", "broken_file"),
        (b"%PDF-1.4\n1 0 obj garbage", "a.pdf", "broken_file"),
        (b"PK\x03\x04 truncated", "a.docx", "broken_file"),
        (b"Rar!\x1a\x07\x00 archive", "a.rar", "unsupported_type"),
        (b"\x89PNG\r\n\x1a\n image", "a.png", "unsupported_type"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 truncated ole", "a.doc", "broken_file"),
    ],
)
def test_unreadable_files_give_a_reason(data, name, reason):
    result = read(data, name)
    assert (result.text, result.read_error) == (None, reason)
    assert result.size == len(data) and len(result.sha256) == 64


def test_encrypted_files():
    assert read(make_pdf([NOTICE], password="secret"), "a.pdf").read_error == "encrypted"
    assert read(make_doc("机密", encrypted=True), "a.doc").read_error == "encrypted"
    ooxml_with_password = make_ole(
        {"EncryptionInfo": b"\x04\x00", "EncryptedPackage": b"\x00" * 64}
    )
    assert read(ooxml_with_password, "a.docx").read_error == "encrypted"


def test_unknown_ole_content_is_unsupported():
    assert read(make_ole({"PowerPoint Document": b"x"}), "a.ppt").read_error == "unsupported_type"


def test_pdf_without_a_text_layer_is_empty():
    assert read(make_pdf([[]]), "scan.pdf").read_error == "empty"


def test_too_large_is_refused_before_parsing():
    assert read(make_pdf([NOTICE]), "a.pdf", max_bytes=100).read_error == "too_large"


def test_text_is_capped_and_flagged():
    pages = [[f"第{n}页第{i}行内容" for i in range(30)] for n in range(40)]
    result = read(make_pdf(pages), "long.pdf", max_chars=500)
    assert result.truncated and len(result.text) <= 500
    assert result.text.startswith("第0页第0行内容")


def test_zip_bomb_and_member_caps():
    bomb = make_zip({"a.txt": b"0" * 5_000_000})
    assert read(bomb, "a.zip").read_error == "zip_bomb"
    many = make_zip({f"{n}.txt": f"第{n}个".encode() for n in range(10)})
    result = read(many, "many.zip", max_members=3)
    assert result.text.splitlines()[-1] == "[… 7 more files not read]"
    assert result.text.count("[") == 4
    assert read(make_zip({}), "none.zip").read_error == "empty"


def test_fields_are_the_schema_attachment_keys():
    keys = set(record_schema()["properties"]["attachments"]["items"]["properties"])
    assert set(read(make_pdf([NOTICE])).fields()) == keys - {"url", "name"}
