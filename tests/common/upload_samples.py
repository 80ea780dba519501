"""Sample files for the upload tests, built in memory with the standard library only."""

import io
import random
import struct
import zipfile
import zlib
from functools import lru_cache

from django.core.files.uploadedfile import SimpleUploadedFile

OOXML_MIME_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
}
OOXML_MAIN_PARTS = {
    "docx": "word/document.xml",
    "xlsx": "xl/workbook.xml",
    "pptx": "ppt/presentation.xml",
}
ODF_MIME_TYPES = {
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
}


def upload(name: str, data: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def pdf(*, comment: bytes = b"", padding: int = 0) -> bytes:
    """A one-page PDF with a correct cross-reference table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    if comment:
        out += b"%" + comment + b"\n"
    if padding:
        out += b"%" + b"x" * padding + b"\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def pdf_of_size(size: int) -> bytes:
    """A valid PDF of exactly ``size`` bytes (padded with a comment line)."""
    padding = max(size - len(pdf()) - 2, 1)
    for _ in range(5):
        data = pdf(padding=padding)
        if len(data) == size:
            return data
        padding += size - len(data)
    raise ValueError(f"cannot build a PDF of {size} bytes")


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png(*, text: bytes = b"") -> bytes:
    """A 1×1 white PNG; ``text`` goes in a tEXt chunk right after the header."""
    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)  # 1×1, 8-bit greyscale
    chunks = _png_chunk(b"IHDR", header)
    if text:
        chunks += _png_chunk(b"tEXt", b"Comment\x00" + text)
    chunks += _png_chunk(b"IDAT", zlib.compress(b"\x00\xff"))
    return b"\x89PNG\r\n\x1a\n" + chunks + _png_chunk(b"IEND", b"")


def jpeg() -> bytes:
    """An 8×8 grey baseline JPEG: one quantisation table, two one-code Huffman tables."""

    def segment(marker: int, body: bytes) -> bytes:
        return struct.pack(">BBH", 0xFF, marker, len(body) + 2) + body

    jfif = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    quantisation = b"\x00" + b"\x01" * 64
    frame = struct.pack(">BHHB", 8, 8, 8, 1) + b"\x01\x11\x00"
    one_code = b"\x01" + b"\x00" * 15 + b"\x00"  # a single 1-bit code for symbol 0
    scan = b"\x01\x01\x00\x00\x3f\x00"
    return (
        b"\xff\xd8"
        + segment(0xE0, jfif)
        + segment(0xDB, quantisation)
        + segment(0xC0, frame)
        + segment(0xC4, b"\x00" + one_code)  # DC table 0
        + segment(0xC4, b"\x10" + one_code)  # AC table 0 (symbol 0 = end of block)
        + segment(0xDA, scan)
        + b"\x3f"  # DC difference 0, end of block, padded with ones
        + b"\xff\xd9"
    )


def _zip(entries: list[tuple[str, bytes]], *, stored: set[str] = frozenset()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


def ooxml_entries(kind: str = "docx") -> list[tuple[str, bytes]]:
    main = OOXML_MAIN_PARTS[kind]
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/'
        'vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/{main}" ContentType="{OOXML_MIME_TYPES[kind]}"/>'
        "</Types>"
    )
    relationships = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        f'relationships/officeDocument" Target="{main}"/>'
        "</Relationships>"
    )
    body = (
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        "<w:body><w:p><w:r><w:t>Statuts de l'association</w:t></w:r></w:p></w:body>"
        "</w:document>"
    )
    return [
        ("[Content_Types].xml", content_types.encode()),
        ("_rels/.rels", relationships.encode()),
        (main, body.encode()),
    ]


def ooxml(kind: str = "docx", *, extra: list[tuple[str, bytes]] = ()) -> bytes:
    """A minimal Office Open XML package (docx, xlsx or pptx)."""
    return _zip([*ooxml_entries(kind), *extra])


def odf(kind: str = "odt", *, mimetype_first: bool = True) -> bytes:
    """A minimal OpenDocument package: ``mimetype`` first and stored, as the standard asks."""
    mimetype = ("mimetype", ODF_MIME_TYPES[kind].encode())
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
        f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{ODF_MIME_TYPES[kind]}"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    content = (
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' office:version="1.3"><office:body/></office:document-content>'
    )
    others = [("META-INF/manifest.xml", manifest.encode()), ("content.xml", content.encode())]
    entries = [mimetype, *others] if mimetype_first else [*others, mimetype]
    return _zip(entries, stored={"mimetype"})


@lru_cache(maxsize=4)
def zip_bomb(megabytes: int = 100) -> bytes:
    """A docx-shaped ZIP with one entry of ``megabytes`` MB of zeros (about 1:1000)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in ooxml_entries("docx"):
            archive.writestr(name, data)
        zeros = bytes(1_000_000)
        with archive.open("word/media/zeros.bin", "w") as entry:
            for _ in range(megabytes):
                entry.write(zeros)
    return buffer.getvalue()


def docx_with_stored_noise(total_bytes: int) -> bytes:
    """A docx with incompressible stored entries adding up to ``total_bytes`` (ratio 1:1)."""
    noise = random.Random(0).randbytes(total_bytes // 2)
    extra = [("word/media/a.bin", noise), ("word/media/b.bin", noise)]
    return _zip([*ooxml_entries("docx"), *extra], stored={"word/media/a.bin", "word/media/b.bin"})


def docx_with_entries(count: int) -> bytes:
    """A docx holding ``count`` entries in all."""
    entries = ooxml_entries("docx")
    filler = [(f"word/media/{i}.txt", b"") for i in range(count - len(entries))]
    return _zip([*entries, *filler])


# --- OLE2 compound files (MS-CFB, version 3: 512-byte sectors) -------------------------------

_END_OF_CHAIN = 0xFFFFFFFE
_FREE = 0xFFFFFFFF
_FAT_SECTOR = 0xFFFFFFFD


def _directory_entry(name: str, kind: int, *, left=_FREE, right=_FREE, child=_FREE) -> bytes:
    encoded = name.encode("utf-16-le") + b"\x00\x00"
    start = 0 if kind == 5 else _END_OF_CHAIN
    return (
        encoded.ljust(64, b"\x00")
        + struct.pack("<HBBIII", len(encoded), kind, 1, left, right, child)
        + bytes(16 + 4 + 8 + 8)  # class id, state bits, creation and modification times
        + struct.pack("<IQ", start, 0)  # empty stream
    )


def ole2(stream_names: list[str]) -> bytes:
    """A compound file whose root storage holds empty streams named ``stream_names``.

    Sector 0 is the FAT; the directory follows, on as many sectors as it needs (four entries
    each), chained through the FAT. The root's children hang off one another's right pointer.
    """
    entries = [_directory_entry("Root Entry", 5, child=1 if stream_names else _FREE)]
    for index, name in enumerate(stream_names, start=1):
        right = index + 1 if index < len(stream_names) else _FREE
        entries.append(_directory_entry(name, 2, right=right))
    while len(entries) % 4:
        entries.append(bytes(128))
    directory_sectors = len(entries) // 4
    fat = [_FAT_SECTOR] + [n + 1 for n in range(1, directory_sectors)] + [_END_OF_CHAIN]
    fat += [_FREE] * (128 - len(fat))
    header = (
        bytes.fromhex("d0cf11e0a1b11ae1")
        + bytes(16)
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + bytes(6)
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, _END_OF_CHAIN, 0, _END_OF_CHAIN, 0)
        + struct.pack("<109I", 0, *[_FREE] * 108)
    )
    assert len(header) == 512
    return header + struct.pack("<128I", *fat) + b"".join(entries)


def doc() -> bytes:
    return ole2(["WordDocument", "1Table", "\x05SummaryInformation"])


def xls() -> bytes:
    return ole2(["Workbook", "\x05SummaryInformation"])


# --- Things to refuse ------------------------------------------------------------------------

HTML_PAGE = b"<!DOCTYPE html>\n<html><body><script>alert(document.cookie)</script></body></html>"
SVG_WITH_SCRIPT = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg">'
    b"<script>alert(1)</script></svg>"
)
EXECUTABLE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + bytes(44)
    + b"\x80\x00\x00\x00"
    + b"\x0e\x1f\xba\x0e\x00\xb4\t\xcd!\xb8\x01L\xcd!This program cannot be run in DOS mode."
    + bytes(64)
)
CSV_UTF8 = "nom;ville\nLes Jardins d'Émile;Amiens\nCafé associatif « La Fabrique »;Lille\n".encode()
CSV_LATIN1 = "nom;ville\nAssociation Éveil;Besançon\n".encode("cp1252")
TEXT = "Compte rendu de l'assemblée générale du 12 mai 2024.\r\n".encode()


def polyglot_pdf() -> bytes:
    """Starts like a PDF, but a browser sniffing it would find a web page."""
    return pdf(comment=b"<html><script>alert(document.domain)</script></html>")
