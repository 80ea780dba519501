"""Uploaded files are recognised by their content and served back as inert downloads."""

import hashlib
import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.core.files.storage import FileSystemStorage
from django.db.models import FileField
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from coopess.common.uploads import (
    KIND_LABELS,
    KINDS,
    UploadInfo,
    UploadRejected,
    human_size,
    inspect_upload,
    protected_file_response,
    safe_filename,
    storage_name,
)
from tests.common import upload_samples as samples
from tests.common.upload_samples import upload

MB = 1_000_000


def inspect(name: str, data: bytes, *, allowed=KINDS, max_bytes=10 * MB, **limits) -> UploadInfo:
    return inspect_upload(
        upload(name, data), allowed_kinds=set(allowed), max_bytes=max_bytes, **limits
    )


def rejection(name: str, data: bytes, **kwargs) -> UploadRejected:
    with pytest.raises(UploadRejected) as caught:
        inspect(name, data, **kwargs)
    return caught.value


class RecordingBytesIO(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.read_lengths: list[int] = []

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.read_lengths.append(len(data))
        return data


# --- Accepted kinds --------------------------------------------------------------------------

ACCEPTED = [
    ("statuts.pdf", samples.pdf(), "pdf", "application/pdf", "pdf"),
    ("logo.png", samples.png(), "png", "image/png", "png"),
    ("photo.jpeg", samples.jpeg(), "jpeg", "image/jpeg", "jpg"),
    (
        "statuts.docx",
        samples.ooxml("docx"),
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "docx",
    ),
    (
        "comptes.xlsx",
        samples.ooxml("xlsx"),
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xlsx",
    ),
    (
        "projet.pptx",
        samples.ooxml("pptx"),
        "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "pptx",
    ),
    ("statuts.odt", samples.odf("odt"), "odt", "application/vnd.oasis.opendocument.text", "odt"),
    (
        "comptes.ods",
        samples.odf("ods"),
        "ods",
        "application/vnd.oasis.opendocument.spreadsheet",
        "ods",
    ),
    (
        "projet.odp",
        samples.odf("odp"),
        "odp",
        "application/vnd.oasis.opendocument.presentation",
        "odp",
    ),
    ("statuts.doc", samples.doc(), "doc", "application/msword", "doc"),
    ("comptes.xls", samples.xls(), "xls", "application/vnd.ms-excel", "xls"),
    ("adherents.csv", samples.CSV_UTF8, "csv", "text/csv", "csv"),
    ("adherents.csv", samples.CSV_LATIN1, "csv", "text/csv", "csv"),
    ("compte-rendu.txt", samples.TEXT, "txt", "text/plain", "txt"),
]


@pytest.mark.parametrize(("name", "data", "kind", "mime_type", "extension"), ACCEPTED)
def test_each_kind_is_recognised_from_its_content(name, data, kind, mime_type, extension):
    uploaded = upload(name, data, content_type="application/octet-stream")
    info = inspect_upload(uploaded, allowed_kinds={kind}, max_bytes=10 * MB)
    assert info == UploadInfo(
        kind=kind,
        mime_type=mime_type,
        extension=extension,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        original_name=name,
        display_name=f"{name.rpartition('.')[0]}.{extension}",
    )
    assert uploaded.tell() == 0, "the file is rewound for whoever saves it next"
    assert uploaded.read() == data


@pytest.mark.parametrize(("name", "data", "kind", "mime_type", "extension"), ACCEPTED)
def test_a_name_without_extension_gets_the_canonical_one(name, data, kind, mime_type, extension):
    info = inspect("Pièce jointe", data)
    assert info.kind == ("txt" if kind == "csv" else kind)  # only the name tells CSV from text
    assert info.original_name == "Pièce jointe"
    assert info.display_name == f"Pièce jointe.{info.extension}"


def test_an_uppercase_or_alias_extension_is_the_same_kind():
    assert inspect("STATUTS.PDF", samples.pdf()).display_name == "STATUTS.pdf"
    assert inspect("photo.JPG", samples.jpeg()).display_name == "photo.jpg"


def test_the_browser_content_type_is_ignored():
    real_pdf = upload("statuts.pdf", samples.pdf(), content_type="text/html")
    assert inspect_upload(real_pdf, allowed_kinds={"pdf"}, max_bytes=MB).mime_type == (
        "application/pdf"
    )
    fake_pdf = upload("statuts.pdf", samples.HTML_PAGE, content_type="application/pdf")
    with pytest.raises(UploadRejected):
        inspect_upload(fake_pdf, allowed_kinds={"pdf"}, max_bytes=MB)


def test_a_kind_that_is_not_allowed_is_refused_with_the_allowed_list_in_french():
    error = rejection("statuts.docx", samples.ooxml("docx"), allowed={"png", "pdf", "odt"})
    assert error.code == "unsupported_type"
    assert error.message == (
        "Ce type de fichier n'est pas accepté. "
        "Formats acceptés : PDF, image PNG, document OpenDocument (.odt)."
    )


def test_unknown_allowed_kinds_are_a_programming_error():
    with pytest.raises(ValueError, match="allowed_kinds"):
        inspect("a.pdf", samples.pdf(), allowed={"pdf", "gif"})


def test_a_rejection_is_a_validation_error_with_a_code():
    error = rejection("vide.pdf", b"")
    assert isinstance(error, ValidationError)
    assert error.messages == ["Le fichier « vide.pdf » est vide."]
    assert error.code == "empty"


# --- Refused content -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        (
            "statuts.pdf",
            samples.HTML_PAGE,
            "Le fichier « statuts.pdf » n'est pas un PDF : "
            "son contenu ressemble à une page web (HTML).",
        ),
        (
            "statuts.pdf",
            samples.ooxml("docx"),
            "Le fichier « statuts.pdf » n'est pas un PDF : "
            "son contenu ressemble à un document Word (.docx).",
        ),
        (
            "logo.png",
            samples.SVG_WITH_SCRIPT,
            "Le fichier « logo.png » n'est pas une image PNG : "
            "son contenu ressemble à une image SVG.",
        ),
        (
            "comptes.pdf",
            samples.EXECUTABLE,
            "Le fichier « comptes.pdf » n'est pas un PDF : "
            "son contenu ressemble à un programme exécutable.",
        ),
        (
            "comptes.xlsx",
            samples.pdf(),
            "Le fichier « comptes.xlsx » n'est pas un tableur Excel (.xlsx) : "
            "son contenu ressemble à un PDF.",
        ),
        (
            "notes.txt",
            samples.HTML_PAGE,
            "Le fichier « notes.txt » n'est pas un texte brut (.txt) : "
            "son contenu ressemble à une page web (HTML).",
        ),
        (
            "adherents.csv",
            b"nom;ville\n\x00\x01\x02binaire",
            "Le fichier « adherents.csv » n'est pas un fichier CSV (.csv) : "
            "son contenu n'est pas reconnu.",
        ),
        (
            "statuts.doc",
            samples.ole2(["\x05SummaryInformation", "Property", "_Validation"]),  # an .msi
            "Le fichier « statuts.doc » n'est pas un document Word 97-2003 (.doc) : "
            "son contenu n'est pas reconnu.",
        ),
    ],
)
def test_content_that_contradicts_the_extension_is_refused(name, data, expected):
    error = rejection(name, data)
    assert error.code == "extension_mismatch"
    assert error.message == expected


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("dessin.svg", samples.SVG_WITH_SCRIPT),
        ("page.html", samples.HTML_PAGE),
        ("installer.exe", samples.EXECUTABLE),
        ("programme", samples.EXECUTABLE),
        ("archive.zip", samples._zip([("statuts.pdf", samples.pdf())])),
        ("image.gif", b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00,"),
        ("presentation.ppt", samples.ole2(["PowerPoint Document", "Current User"])),
        ("coupe.doc.bin", samples.doc()[:700]),  # truncated compound file
        ("lettre.odt.zip", samples.odf("odt", mimetype_first=False)),
    ],
)
def test_other_files_are_refused(name, data):
    error = rejection(name, data)
    assert error.code == "unsupported_type"
    assert error.message.startswith("Ce type de fichier n'est pas accepté. Formats acceptés : PDF,")


def test_text_with_html_split_across_two_chunks_is_refused():
    chunk = 64 * 1024  # Django's default chunk size
    data = b"a;b\n" * (chunk // 4 - 1) + b"x;<scr" + b"ipt>alert(1)</script>\n"
    assert data.index(b"<script") < chunk < data.index(b"ipt>")

    def check(content: bytes) -> UploadInfo:  # a file on disk is read 64 KiB at a time
        file = File(io.BytesIO(content), name="adherents.csv")
        return inspect_upload(file, allowed_kinds={"csv"}, max_bytes=MB)

    with pytest.raises(UploadRejected) as caught:
        check(data)
    assert caught.value.code == "extension_mismatch"
    assert check(data.replace(b"<scr", b"scr")).kind == "csv"


def test_a_word_file_whose_directory_spans_several_sectors_is_recognised():
    names = [f"Stream{i}" for i in range(9)] + ["WordDocument"]  # three directory sectors
    assert inspect("statuts.doc", samples.ole2(names)).kind == "doc"


def test_a_pdf_hiding_a_web_page_is_refused():
    error = rejection("statuts.pdf", samples.polyglot_pdf())
    assert error.code == "polyglot"
    assert error.message == (
        "Le fichier « statuts.pdf » a été refusé : il contient du code de page web (HTML ou script)."
    )


def test_a_png_hiding_a_web_page_is_refused():
    assert rejection("logo.png", samples.png(text=b"<svg onload=alert(1)>")).code == "polyglot"


def test_markup_after_the_first_kilobyte_of_a_pdf_is_not_a_polyglot():
    data = samples.pdf(padding=2000, comment=b"") + b"%<html>\n"
    assert inspect("statuts.pdf", data).kind == "pdf"


# --- Archives --------------------------------------------------------------------------------


def test_a_zip_bomb_is_refused_without_being_decompressed():
    data = samples.zip_bomb(100)
    assert len(data) < 200_000
    file = RecordingBytesIO(data)
    with pytest.raises(UploadRejected) as caught:
        inspect_upload(File(file, name="statuts.docx"), allowed_kinds={"docx"}, max_bytes=MB)
    assert caught.value.code == "unsafe_archive"
    assert caught.value.message == (
        "Le fichier « statuts.docx » a été refusé : une fois décompressé, il dépasserait 52,4 Mo."
    )
    # one pass to hash, then the central directory only: the entry is never inflated
    assert sum(file.read_lengths) < len(data) + 1000


def test_an_entry_compressed_more_than_a_hundred_times_is_refused_under_the_total_limit():
    error = rejection("statuts.docx", samples.zip_bomb(5))
    assert error.message == (
        "Le fichier « statuts.docx » a été refusé : "
        "il contient un élément anormalement compressé (bombe de décompression)."
    )


def test_a_small_highly_compressible_entry_is_allowed():
    styles = b'<w:style w:type="paragraph"/>' * 2000  # 58 kB that compress about 1:200
    data = samples.ooxml("docx", extra=[("word/styles.xml", styles)])
    assert inspect("statuts.docx", data).kind == "docx"


def test_the_uncompressed_total_limit_is_configurable():
    data = samples.docx_with_stored_noise(300_000)
    assert inspect("statuts.docx", data, max_uncompressed_bytes=400_000).kind == "docx"
    error = rejection("statuts.docx", data, max_uncompressed_bytes=250_000)
    assert error.message.endswith("une fois décompressé, il dépasserait 250 Ko.")


def test_at_most_two_thousand_entries():
    assert inspect("statuts.docx", samples.docx_with_entries(2000)).kind == "docx"
    error = rejection("statuts.docx", samples.docx_with_entries(2001))
    assert error.message.endswith("il contient plus de 2 000 éléments.")


@pytest.mark.parametrize(
    "entry", ["../evil.sh", "word/../../evil.sh", "/etc/cron.d/evil", "C:/evil.bat", "a\\..\\b"]
)
def test_entries_that_climb_out_of_the_archive_are_refused(entry):
    data = samples.ooxml("docx", extra=[(entry, b"x")])
    error = rejection("statuts.docx", data)
    assert error.message.endswith("il contient un chemin de fichier interdit.")


# --- Names and sizes -------------------------------------------------------------------------


def test_a_path_in_the_name_is_dropped():
    uploaded = upload("statuts.pdf", samples.pdf())
    uploaded.name = "..\\..\\windows\\statuts.pdf"  # Django only strips "/" paths on Linux
    info = inspect_upload(uploaded, allowed_kinds={"pdf"}, max_bytes=MB)
    assert info.original_name == "statuts.pdf"


def test_an_empty_file_is_refused():
    error = rejection("statuts.pdf", b"")
    assert (error.code, error.message) == ("empty", "Le fichier « statuts.pdf » est vide.")


def test_a_file_exactly_at_the_limit_is_accepted_and_one_byte_more_is_refused():
    limit = 10 * MB
    assert inspect("comptes.pdf", samples.pdf_of_size(limit), max_bytes=limit).size == limit
    error = rejection("comptes.pdf", samples.pdf_of_size(limit + 1), max_bytes=limit)
    assert error.code == "too_large"
    assert error.message == (
        "Le fichier « comptes.pdf » dépasse la taille maximale autorisée (10 Mo)."
    )


def test_the_size_limit_holds_when_the_declared_size_is_wrong():
    uploaded = upload("comptes.pdf", samples.pdf_of_size(3000))
    uploaded.size = 10
    with pytest.raises(UploadRejected) as caught:
        inspect_upload(uploaded, allowed_kinds={"pdf"}, max_bytes=2500)
    assert caught.value.code == "too_large"
    assert uploaded.tell() == 0


@pytest.mark.parametrize(
    "data", [samples.pdf_of_size(300_000), samples.docx_with_stored_noise(300_000), samples.doc()]
)
def test_a_file_on_disk_is_read_in_bounded_pieces(data):
    # Large uploads are TemporaryUploadedFile, read through File.chunks() like this one.
    file = RecordingBytesIO(data)
    info = inspect_upload(File(file, name="piece"), allowed_kinds=set(KINDS), max_bytes=MB)
    assert info.sha256 == hashlib.sha256(data).hexdigest()
    assert sum(file.read_lengths) >= len(data)
    assert max(file.read_lengths) <= 64 * 1024
    assert file.tell() == 0


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\x\\y.pdf", "y.pdf"),
        ("/var/www/../statuts.pdf", "statuts.pdf"),
        ("statuts\x00.pdf", "statuts.pdf"),
        ("compte\r\nrendu\t2024.pdf", "compte rendu 2024.pdf"),
        ("facture\u202efdp.exe", "facturefdp.exe"),  # right-to-left override
        (".htaccess", "htaccess"),
        ("...", "document"),
        ("", "document"),
        ("   ", "document"),
        ("../", "document"),
        ("rapport. ", "rapport"),
        ("  Comptes   2024  .pdf", "Comptes 2024 .pdf"),
        ('<script>"a|b?*".pdf', "_script__a_b___.pdf"),
        ("Assemble\u0301e ge\u0301ne\u0301rale.odt", "Assemblée générale.odt"),  # NFD to NFC
        ("Bilan financier de l'année — Œuvre.pdf", "Bilan financier de l'année — Œuvre.pdf"),
    ],
)
def test_safe_filename(name, expected):
    assert safe_filename(name) == expected


def test_safe_filename_keeps_the_extension_when_it_cuts():
    long_name = "Procès-verbal de l'assemblée générale extraordinaire " * 5 + ".pdf"
    result = safe_filename(long_name)
    assert len(result) == 120
    assert result == long_name[:116] + ".pdf"
    assert safe_filename("é" * 300) == "é" * 120


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, "0 octet"),
        (1, "1 octet"),
        (999, "999 octets"),
        (1000, "1 Ko"),
        (1234, "1,2 Ko"),
        (999_960, "1 Mo"),
        (2_500_000, "2,5 Mo"),
        (10_000_000, "10 Mo"),
        (10 * 1024 * 1024, "10,5 Mo"),
        (3_250_000_000, "3,3 Go"),
        (1_500_000_000_000, "1 500 Go"),
    ],
)
def test_human_size(n, expected):
    assert human_size(n) == expected


def test_human_size_refuses_negative_sizes():
    with pytest.raises(ValueError, match="negative"):
        human_size(-1)


def test_every_kind_has_a_french_label():
    assert set(KIND_LABELS) == KINDS
    assert KIND_LABELS["pdf"] == "PDF"
    assert KIND_LABELS["docx"] == "document Word (.docx)"
    assert KIND_LABELS["ods"] == "tableur OpenDocument (.ods)"


# --- Storage and download --------------------------------------------------------------------


def test_storage_names_are_unguessable_and_carry_the_canonical_extension():
    today = timezone.localdate()
    names = {storage_name("jpeg") for _ in range(50)}
    assert len(names) == 50
    for name in names:
        assert re.fullmatch(rf"documents/{today:%Y}/{today:%m}/[0-9a-f]{{32}}\.jpg", name)
    with pytest.raises(ValueError, match="Unknown kind"):
        storage_name("../../etc")


@pytest.fixture
def stored(tmp_path):
    storage = FileSystemStorage(location=tmp_path)

    def store(kind: str, data: bytes) -> FieldFile:
        name = storage.save(storage_name(kind), ContentFile(data))
        return FieldFile(instance=None, field=FileField(storage=storage), name=name)

    return store


def download(response) -> bytes:
    try:
        return b"".join(response.streaming_content)
    finally:
        # close the file only: response.close() fires request_finished, which touches the
        # database connection these tests do not have
        response.file_to_stream.close()


def test_a_stored_file_is_served_as_an_inert_attachment(stored):
    data = samples.ooxml("docx")
    response = protected_file_response(stored("docx", data), download_name="statuts.docx")
    assert download(response) == data
    assert response["Content-Disposition"] == 'attachment; filename="statuts.docx"'
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert response["Content-Length"] == str(len(data))
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert response["Cache-Control"] == "private, no-store"


def test_an_accented_download_name_uses_rfc_6266(stored):
    response = protected_file_response(stored("pdf", samples.pdf()), download_name="Bilan été.pdf")
    download(response)
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''Bilan%20%C3%A9t%C3%A9.pdf"
    )


def test_the_content_type_comes_from_the_stored_kind_not_the_download_name(stored):
    response = protected_file_response(stored("pdf", samples.pdf()), download_name="page.html")
    download(response)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="page.html"'


def test_the_download_name_cannot_inject_a_path_or_a_header(stored):
    response = protected_file_response(
        stored("pdf", samples.pdf()), download_name='../../x\r\nSet-Cookie: a=b".pdf'
    )
    download(response)
    assert response["Content-Disposition"] == 'attachment; filename="x Set-Cookie_ a=b_.pdf"'
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize(
    ("kind", "data", "disposition"),
    [
        ("pdf", samples.pdf(), 'inline; filename="statuts"'),
        ("png", samples.png(), 'inline; filename="statuts"'),
        ("docx", samples.ooxml("docx"), 'attachment; filename="statuts"'),
        ("txt", samples.TEXT, 'attachment; filename="statuts"'),
    ],
)
def test_only_pdf_and_images_may_be_shown_inline(stored, kind, data, disposition):
    response = protected_file_response(stored(kind, data), download_name="statuts", inline=True)
    download(response)
    assert response["Content-Disposition"] == disposition
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
