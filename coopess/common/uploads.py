"""Files that representatives attach to an application (statutes, last accounts, ...).

The kind of a file is read from its content (magic bytes), never from its name or from the
content type the browser sent. Stored files get an unguessable name (``storage_name``) and are
served back as downloads that a browser will neither sniff nor run (``protected_file_response``).
"""

import hashlib
import re
import struct
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db.models.fields.files import FieldFile
from django.http import FileResponse
from django.utils import timezone


@dataclass(frozen=True, slots=True)
class _Kind:
    extension: str
    mime_type: str
    label: str
    feminine: bool = False


_OOXML = "application/vnd.openxmlformats-officedocument."
_ODF = "application/vnd.oasis.opendocument."
_KINDS: dict[str, _Kind] = {
    "pdf": _Kind("pdf", "application/pdf", "PDF"),
    "png": _Kind("png", "image/png", "image PNG", feminine=True),
    "jpeg": _Kind("jpg", "image/jpeg", "image JPEG", feminine=True),
    "docx": _Kind("docx", _OOXML + "wordprocessingml.document", "document Word (.docx)"),
    "xlsx": _Kind("xlsx", _OOXML + "spreadsheetml.sheet", "tableur Excel (.xlsx)"),
    "pptx": _Kind("pptx", _OOXML + "presentationml.presentation", "présentation PowerPoint (.pptx)", feminine=True),
    "odt": _Kind("odt", _ODF + "text", "document OpenDocument (.odt)"),
    "ods": _Kind("ods", _ODF + "spreadsheet", "tableur OpenDocument (.ods)"),
    "odp": _Kind("odp", _ODF + "presentation", "présentation OpenDocument (.odp)", feminine=True),
    "doc": _Kind("doc", "application/msword", "document Word 97-2003 (.doc)"),
    "xls": _Kind("xls", "application/vnd.ms-excel", "tableur Excel 97-2003 (.xls)"),
    "csv": _Kind("csv", "text/csv", "fichier CSV (.csv)"),
    "txt": _Kind("txt", "text/plain", "texte brut (.txt)"),
}  # fmt: skip

KINDS: frozenset[str] = frozenset(_KINDS)
"""Every kind ``inspect_upload`` can accept; callers choose a subset with ``allowed_kinds``."""

KIND_LABELS: dict[str, str] = {kind: spec.label for kind, spec in _KINDS.items()}
"""French labels, in the order formats are listed to users."""

# What a user's extension promises; a file whose content disagrees is refused.
_EXTENSION_KINDS: dict[str, str] = {
    **{spec.extension: kind for kind, spec in _KINDS.items()},
    "jpeg": "jpeg",
    "jpe": "jpeg",
    "jfif": "jpeg",
}
_CANONICAL_EXTENSION_KINDS: dict[str, str] = {spec.extension: k for k, spec in _KINDS.items()}

# Kinds recognised only to explain a refusal.
_REFUSED_KIND_DESCRIPTIONS = {
    "html": "une page web (HTML)",
    "svg": "une image SVG",
    "executable": "un programme exécutable",
    "zip": "une archive ZIP",
}

# Browsers can render these in place; everything else is always downloaded.
INLINE_KINDS: frozenset[str] = frozenset({"pdf", "png", "jpeg"})

DEFAULT_MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
DEFAULT_MAX_ZIP_ENTRIES = 2000
DEFAULT_MAX_COMPRESSION_RATIO = 100
# Small entries (XML full of repeated styles) may legitimately compress better than 1:100 and
# cannot hurt anyone; like Apache POI's ZipSecureFile, judge the ratio only above 100 KiB.
_RATIO_GRACE_BYTES = 100 * 1024

_HEAD_BYTES = 1024
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_OLE2_SIGNATURE = bytes.fromhex("d0cf11e0a1b11ae1")
_EXECUTABLE_SIGNATURES = (
    b"MZ",  # Windows
    b"\x7fELF",  # Linux
    b"\xfe\xed\xfa\xce",  # Mach-O, both widths and byte orders, and fat binaries
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
)
_MARKUP = re.compile(
    rb"<(?:!doctype\s+html|(html|head|body|script|svg|iframe|object|embed|meta|style|img|link"
    rb"|form)[\s/>])",
    re.IGNORECASE,
)
# C0 controls other than tab, line feed, form feed and carriage return, and DEL.
_BINARY_BYTES = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_ODF_MIME_TYPES = {_KINDS[kind].mime_type.encode(): kind for kind in ("odt", "ods", "odp")}
_OOXML_PARTS = (("word/", "docx"), ("xl/", "xlsx"), ("ppt/", "pptx"))

MAX_FILENAME_LENGTH = 120
_FILENAME_FALLBACK = "document"
_WINDOWS_RESERVED = str.maketrans(dict.fromkeys('<>:"|?*', "_"))


class UploadRejected(ValidationError):
    """A refused file; ``message`` is French and meant for the person who sent it.

    Codes: ``empty``, ``too_large``, ``unsupported_type``, ``extension_mismatch``, ``polyglot``,
    ``unsafe_archive``.
    """

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message, code=code)


@dataclass(frozen=True, slots=True)
class UploadInfo:
    kind: str
    mime_type: str
    extension: str  # canonical, from the detected kind
    size: int
    sha256: str
    original_name: str  # the sender's name, sanitised
    display_name: str  # the sender's name with the canonical extension


def inspect_upload(
    uploaded_file: File,
    *,
    allowed_kinds: set[str],
    max_bytes: int,
    max_uncompressed_bytes: int = DEFAULT_MAX_UNCOMPRESSED_BYTES,
    max_zip_entries: int = DEFAULT_MAX_ZIP_ENTRIES,
    max_compression_ratio: int = DEFAULT_MAX_COMPRESSION_RATIO,
) -> UploadInfo:
    """Identify an uploaded file from its content, or raise ``UploadRejected``.

    The file is read once in chunks (hash, size, text checks), then only the parts a format
    needs (a ZIP's central directory, an OLE2 directory); it is rewound before returning.
    ZIP entries are never decompressed, apart from an OpenDocument ``mimetype`` of a few bytes.
    """
    unknown = set(allowed_kinds) - KINDS
    if unknown or not allowed_kinds:
        raise ValueError(f"allowed_kinds must be a non-empty subset of {sorted(KINDS)}")
    if max_bytes <= 0:
        raise ValueError("max_bytes must be positive")

    name = safe_filename(uploaded_file.name or "")
    user_extension = _extension(name)
    try:
        declared_size = getattr(uploaded_file, "size", None)
        if declared_size is not None and declared_size > max_bytes:
            raise _too_large(name, max_bytes)
        digest = hashlib.sha256()
        size = 0
        head = b""
        text = _TextSniffer()
        for chunk in uploaded_file.chunks():
            size += len(chunk)
            if size > max_bytes:  # the declared size may be wrong: trust the bytes read
                raise _too_large(name, max_bytes)
            digest.update(chunk)
            if len(head) < _HEAD_BYTES:
                head += chunk[: _HEAD_BYTES - len(head)]
            text.feed(chunk)
        if size == 0:
            raise UploadRejected(f"Le fichier « {name} » est vide.", code="empty")
        uploaded_file.seek(0)
        limits = _ArchiveLimits(max_uncompressed_bytes, max_zip_entries, max_compression_ratio)
        kind = _detect(uploaded_file, head=head, text=text, name=name, limits=limits)
    finally:
        uploaded_file.seek(0)

    expected = _EXTENSION_KINDS.get(user_extension)
    if expected is not None and kind != expected:
        looks_like = (
            "son contenu n'est pas reconnu"
            if kind is None
            else f"son contenu ressemble à {_with_article(kind)}"
        )
        raise UploadRejected(
            f"Le fichier « {name} » n'est pas {_with_article(expected)} : {looks_like}.",
            code="extension_mismatch",
        )
    if kind not in allowed_kinds:
        formats = ", ".join(label for k, label in KIND_LABELS.items() if k in allowed_kinds)
        raise UploadRejected(
            f"Ce type de fichier n'est pas accepté. Formats acceptés : {formats}.",
            code="unsupported_type",
        )
    spec = _KINDS[kind]
    stem = name[: -len(user_extension) - 1] if expected is not None else name
    return UploadInfo(
        kind=kind,
        mime_type=spec.mime_type,
        extension=spec.extension,
        size=size,
        sha256=digest.hexdigest(),
        original_name=name,
        display_name=safe_filename(f"{stem}.{spec.extension}"),
    )


def safe_filename(name: str) -> str:
    """A file name fit to show and to offer as a download, never empty.

    Keeps the last path component only (``/`` and ``\\`` both separate), drops control and
    invisible format characters (NUL, line breaks, right-to-left override), replaces characters
    Windows forbids, strips leading dots, keeps accents (NFC) and cuts to 120 characters while
    keeping the extension.
    """
    name = unicodedata.normalize("NFC", name or "")
    name = "".join(
        " " if char.isspace() else char
        for char in name
        if char.isspace() or unicodedata.category(char) not in {"Cc", "Cf", "Cs"}
    )
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = name.translate(_WINDOWS_RESERVED)
    name = re.sub(r" {2,}", " ", name).lstrip(". ").rstrip(". ")
    if len(name) > MAX_FILENAME_LENGTH:
        stem, dot, extension = name.rpartition(".")
        if dot and stem and len(extension) <= 16:
            stem = stem[: MAX_FILENAME_LENGTH - len(extension) - 1].rstrip(". ")
            name = f"{stem}.{extension}"
        else:
            name = name[:MAX_FILENAME_LENGTH].rstrip(". ")
    return unicodedata.normalize("NFC", name) or _FILENAME_FALLBACK


def storage_name(kind: str) -> str:
    """An unguessable storage path such as ``documents/2026/11/<uuid4 hex>.pdf``.

    Nothing the sender chose goes into it; the extension is the kind's canonical one, which
    ``protected_file_response`` reads back to pick the content type.
    """
    if kind not in _KINDS:
        raise ValueError(f"Unknown kind {kind!r}")
    today = timezone.localdate()
    return f"documents/{today:%Y}/{today:%m}/{uuid.uuid4().hex}.{_KINDS[kind].extension}"


def protected_file_response(
    field_file: FieldFile, *, download_name: str, inline: bool = False
) -> FileResponse:
    """Serve a stored file so that no browser runs or sniffs it. Permissions are the caller's.

    The content type comes from the stored name's extension (set by ``storage_name`` from the
    detected kind), never from ``download_name``. ``inline`` is honoured for PDF and images
    only; anything else is always a download.

    The file is read through its storage (``FieldFile.open``), never through a filesystem path
    or a storage URL: the same code serves local files (``MEDIA_ROOT``) and objects of a private
    S3 bucket (``MEDIA_STORAGE=s3``, ``coopess.common.storage``), and no address that would
    bypass the caller's permission check is ever handed out.
    """
    kind = _CANONICAL_EXTENSION_KINDS.get(_extension(field_file.name or ""))
    field_file.open("rb")
    response = FileResponse(
        field_file,
        as_attachment=not (inline and kind in INLINE_KINDS),
        filename=safe_filename(download_name),
        content_type=_KINDS[kind].mime_type if kind else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response


def human_size(n: int) -> str:
    """A size the French way: ``"850 octets"``, ``"1,2 Ko"``, ``"2,5 Mo"``, ``"10 Mo"``.

    Decimal units, as disk makers and the French administration count them:
    1 Ko = 1 000 octets, 1 Mo = 1 000 000 octets, 1 Go = 1 000 000 000 octets.
    One decimal at most, with a decimal comma.
    """
    if n < 0:
        raise ValueError("a size cannot be negative")
    if n < 1000:
        return f"{n} octets" if n >= 2 else f"{n} octet"
    for unit, factor in (("Ko", 10**3), ("Mo", 10**6), ("Go", 10**9)):
        value = (Decimal(n) / factor).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        if value < 1000 or unit == "Go":  # 999 960 octets make "1 Mo", not "1 000 Ko"
            number = f"{value:,.1f}".replace(",", " ").replace(".", ",").removesuffix(",0")
            return f"{number} {unit}"
    raise AssertionError("unreachable")


# --- Detection -------------------------------------------------------------------------------


class _TextSniffer:
    """Follows the chunks of a file: is it plain text, and does it hold HTML?

    Text is UTF-8 or Latin-1 (Windows-1252, as French spreadsheets export CSV): either way only
    control bytes betray a binary file, since every byte from 0x80 up is part of a letter.
    """

    def __init__(self) -> None:
        self.binary = False
        self.markup: str | None = None  # "html" or "svg"
        self._tail = b""

    def feed(self, chunk: bytes) -> None:
        if self.binary:
            return
        if _BINARY_BYTES.search(chunk):
            self.binary = True
            return
        if self.markup is None:
            window = self._tail + chunk  # a tag may straddle two chunks
            match = _MARKUP.search(window)
            if match:
                tag = (match.group(1) or b"").lower()
                self.markup = "svg" if tag == b"svg" else "html"
            self._tail = window[-32:]


class _ArchiveLimits(NamedTuple):
    max_uncompressed_bytes: int
    max_entries: int
    max_ratio: int


def _detect(
    file: File, *, head: bytes, text: _TextSniffer, name: str, limits: _ArchiveLimits
) -> str | None:
    """The kind of the file (an accepted kind, a kind kept to explain a refusal, or None)."""
    kind: str | None = None
    if head.startswith(b"%PDF-"):
        kind = "pdf"
    elif head.startswith(_PNG_SIGNATURE) and head[12:16] == b"IHDR":
        kind = "png"
    elif head.startswith(b"\xff\xd8\xff"):
        kind = "jpeg"
    elif head.startswith(b"PK\x03\x04"):
        return _zip_kind(file, name=name, limits=limits)
    elif head.startswith(_OLE2_SIGNATURE):
        return _ole2_kind(file)
    elif head.startswith(_EXECUTABLE_SIGNATURES):
        return "executable"
    elif not text.binary:
        if text.markup:
            return text.markup
        return "csv" if _extension(name) == "csv" else "txt"  # only the name tells them apart
    if kind is not None and _MARKUP.search(head):
        # A browser that sniffs content would take this for a web page (polyglot file).
        raise UploadRejected(
            f"Le fichier « {name} » a été refusé : il contient du code de page web "
            "(HTML ou script).",
            code="polyglot",
        )
    return kind


def _zip_kind(file: File, *, name: str, limits: _ArchiveLimits) -> str | None:
    try:
        with zipfile.ZipFile(file) as archive:
            entries = archive.infolist()
            _check_archive(entries, name=name, limits=limits)
            first = entries[0] if entries else None
            if first and first.filename == "mimetype" and first.file_size <= 100:
                odf_kind = _ODF_MIME_TYPES.get(archive.read(first).strip())
                if odf_kind:
                    return odf_kind
            names = [entry.filename for entry in entries]
            if "[Content_Types].xml" in names:
                for prefix, kind in _OOXML_PARTS:
                    if any(entry_name.startswith(prefix) for entry_name in names):
                        return kind
            return "zip"
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError, struct.error):
        return None


def _check_archive(entries: list[zipfile.ZipInfo], *, name: str, limits: _ArchiveLimits) -> None:
    """Refuse archives that would hurt whoever opens them (zip bombs, path traversal)."""

    def refuse(reason: str) -> UploadRejected:
        return UploadRejected(
            f"Le fichier « {name} » a été refusé : {reason}.", code="unsafe_archive"
        )

    if len(entries) > limits.max_entries:
        raise refuse(f"il contient plus de {limits.max_entries:,} éléments".replace(",", " "))
    total = 0
    for entry in entries:
        if _is_unsafe_member(entry.filename):
            raise refuse("il contient un chemin de fichier interdit")
        total += entry.file_size
        if total > limits.max_uncompressed_bytes:
            limit = human_size(limits.max_uncompressed_bytes)
            raise refuse(f"une fois décompressé, il dépasserait {limit}")
        ratio = entry.file_size / max(entry.compress_size, 1)
        if entry.file_size > _RATIO_GRACE_BYTES and ratio > limits.max_ratio:
            raise refuse("il contient un élément anormalement compressé (bombe de décompression)")


def _is_unsafe_member(member: str) -> bool:
    if "\x00" in member or member.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", member):
        return True
    return ".." in re.split(r"[\\/]", member)


# OLE2 compound files (MS-CFB): the root storage's streams tell a Word file from an Excel one
# (and from an installer .msi, a .msg, a PowerPoint 97 file...).
_CFB_END_OF_CHAIN = 0xFFFFFFFE
_CFB_NO_STREAM = 0xFFFFFFFF
_CFB_MAX_SECTOR = 0xFFFFFFFA


class _Corrupt(Exception):
    pass


def _ole2_kind(file: File) -> str | None:
    try:
        names = _ole2_root_names(file)
    except (_Corrupt, struct.error, UnicodeDecodeError, OSError):
        return None
    if "WordDocument" in names:
        return "doc"
    if names & {"Workbook", "Book"}:
        return "xls"
    return None


def _ole2_root_names(file: File) -> set[str]:
    file.seek(0, 2)
    file_size = file.tell()
    file.seek(0)
    header = file.read(512)
    if len(header) < 512:
        raise _Corrupt
    sector_shift = struct.unpack_from("<H", header, 30)[0]
    if sector_shift not in (9, 12):
        raise _Corrupt
    sector_size = 1 << sector_shift
    sector_count = file_size // sector_size
    fat_sector_count, first_directory = struct.unpack_from("<II", header, 44)
    first_difat, difat_sector_count = struct.unpack_from("<II", header, 68)
    if fat_sector_count > sector_count or difat_sector_count > sector_count:
        raise _Corrupt

    def sector(number: int) -> bytes:
        if number > _CFB_MAX_SECTOR or number >= sector_count:
            raise _Corrupt
        file.seek((number + 1) * sector_size)
        data = file.read(sector_size)
        if len(data) != sector_size:
            raise _Corrupt
        return data

    ids_per_sector = sector_size // 4
    fat_sectors = list(struct.unpack_from("<109I", header, 76))
    next_difat = first_difat
    for _ in range(difat_sector_count):
        ids = struct.unpack(f"<{ids_per_sector}I", sector(next_difat))
        fat_sectors.extend(ids[:-1])
        next_difat = ids[-1]
    fat: list[int] = []
    for number in fat_sectors[:fat_sector_count]:
        fat.extend(struct.unpack(f"<{ids_per_sector}I", sector(number)))

    directory = bytearray()
    seen: set[int] = set()
    number = first_directory
    while number != _CFB_END_OF_CHAIN:
        if number in seen or number >= len(fat):
            raise _Corrupt
        seen.add(number)
        directory += sector(number)
        number = fat[number]

    entries = [directory[offset : offset + 128] for offset in range(0, len(directory), 128)]
    if not entries or entries[0][66] != 5:  # the first entry is the root storage
        raise _Corrupt
    names: set[str] = set()
    visited: set[int] = set()
    pending = [struct.unpack_from("<I", entries[0], 76)[0]]  # the root's children form a tree
    while pending:
        index = pending.pop()
        if index == _CFB_NO_STREAM:
            continue
        if index in visited or index >= len(entries):
            raise _Corrupt
        visited.add(index)
        entry = entries[index]
        name_length = struct.unpack_from("<H", entry, 64)[0]
        if 2 <= name_length <= 64 and entry[66] in (1, 2):
            names.add(bytes(entry[: name_length - 2]).decode("utf-16-le"))
        left, right = struct.unpack_from("<II", entry, 68)
        pending += [left, right]
    return names


# --- Helpers ---------------------------------------------------------------------------------


def _extension(name: str) -> str:
    stem, dot, extension = name.rpartition(".")
    return extension.lower() if dot and stem else ""


def _with_article(kind: str) -> str:
    if kind in _REFUSED_KIND_DESCRIPTIONS:
        return _REFUSED_KIND_DESCRIPTIONS[kind]
    spec = _KINDS[kind]
    return f"{'une' if spec.feminine else 'un'} {spec.label}"


def _too_large(name: str, max_bytes: int) -> UploadRejected:
    return UploadRejected(
        f"Le fichier « {name} » dépasse la taille maximale autorisée ({human_size(max_bytes)}).",
        code="too_large",
    )
