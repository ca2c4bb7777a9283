"""Attachments are typed by their content: a file is stored as what its bytes prove it to be, and
refused when its content is not accepted or its name or declared type says otherwise."""

import io
import zipfile

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.urls import reverse

from cases import services
from cases.models import Attachment
from cases.uploads import DOCX, XLSX, content_type_of

from .attach import PDF

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
WINDOWS_EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56


def archive(*parts):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        for part in parts:
            # A fixed date: the bytes (and the test ids made from them) are the same in every
            # process of the suite.
            zipped.writestr(zipfile.ZipInfo(part, date_time=(2026, 1, 1, 0, 0, 0)), "<xml/>")
    return buffer.getvalue()


WORD = archive("[Content_Types].xml", "_rels/.rels", "word/document.xml")
EXCEL = archive("[Content_Types].xml", "_rels/.rels", "xl/workbook.xml")
WORD_WITH_MACROS = archive("[Content_Types].xml", "word/document.xml", "word/vbaProject.bin")
PLAIN_ZIP = archive("payload/run.sh")


def upload(name, content, declared):
    return SimpleUploadedFile(name, content, content_type=declared)


@pytest.mark.parametrize(("name", "content", "declared", "stored"), [
    ("statement.pdf", PDF, "application/pdf", "application/pdf"),
    ("plate.PNG", PNG, "image/png", "image/png"),
    ("scene.jpeg", JPEG, "image/jpeg", "image/jpeg"),
    ("scene.jpg", JPEG, "image/pjpeg", "image/jpeg"),
    ("notes.txt", "Témoin: plate ABC-1234\r\n\tseen 02:10\n".encode(), "text/plain", "text/plain"),
    ("calls.csv", b"number,when\n555-0199,2026-11-30\n", "text/csv", "text/csv"),
    # Windows names a CSV after Excel where Excel is installed.
    ("calls.csv", b"number,when\n555-0199,2026-11-30\n", "application/vnd.ms-excel", "text/csv"),
    ("report.docx", WORD, DOCX, DOCX),
    ("ledger.xlsx", EXCEL, XLSX, XLSX),
    ("ledger.xlsx", EXCEL, "application/octet-stream", XLSX),
    ("ledger.xlsx", EXCEL, "", XLSX),
])
def test_a_file_is_stored_as_what_its_content_is(name, content, declared, stored):
    assert content_type_of(upload(name, content, declared)) == stored


@pytest.mark.parametrize(("name", "content", "declared", "said"), [
    # What the issue found: an executable named and declared as a PDF.
    ("report.pdf", WINDOWS_EXE, "application/pdf", "content of type application/x-msdownload (.exe)"),
    ("notes.txt", ELF, "text/plain", "content of type application/x-executable (.elf)"),
    ("report.pdf", PNG, "application/pdf", "named “report.pdf” but holds a PNG image"),
    ("plate.png", PDF, "image/png", "named “plate.png” but holds a PDF"),
    ("statement.pdf", PDF, "image/png", "sent as image/png but holds a PDF"),
    ("report.docx", PLAIN_ZIP, DOCX, "is a ZIP archive, which is not accepted"),
    ("report.docx", WORD_WITH_MACROS, DOCX, "holds macros"),
    ("report.docx", b"PK\x03\x04 not really an archive", DOCX, "damaged ZIP archive"),
    ("report.xlsx", WORD, XLSX, "named “report.xlsx” but holds a Word document"),
    ("notes.txt", "UTF-16 text".encode("utf-16"), "text/plain", "binary data"),
    ("notes.txt", b"line one\x00\x01\x02", "text/plain", "binary data"),
    ("page.html", b"<html><script>alert(1)</script></html>", "text/html",
     "named “page.html” but holds text"),
    ("run", b"#!/bin/sh\nrm -rf /\n", "application/x-sh", "named “run” but holds text"),
    ("empty.txt", b"", "text/plain", "The file is empty."),
])
def test_a_file_that_is_not_what_it_says_is_refused(name, content, declared, said):
    with pytest.raises(ValidationError) as refused:
        content_type_of(upload(name, content, declared))
    assert said in refused.value.message_dict["file"][0]


def test_text_is_checked_to_its_last_chunk():
    """A text head followed by binary data further in is binary (the check reads every chunk of
    a file spooled to disk, not only the first)."""
    spooled = TemporaryUploadedFile("notes.txt", "text/plain", 0, None)
    spooled.write(b"plain words\n" * 100_000 + b"\x00\x00binary tail")
    spooled.size = spooled.tell()
    with pytest.raises(ValidationError) as refused:
        content_type_of(spooled)
    assert "binary data" in refused.value.message_dict["file"][0]
    spooled.close()


def test_a_type_narrowed_out_by_the_settings_is_refused_by_content(settings):
    settings.ATTACHMENT_CONTENT_TYPES = ["application/pdf"]
    with pytest.raises(ValidationError) as refused:
        content_type_of(upload("plate.png", PNG, "image/png"))
    assert refused.value.message_dict["file"] == [
        "This file holds a PNG image, which is not accepted here. Accepted: PDF."
    ]


def test_a_type_the_portal_cannot_recognise_is_a_configuration_error(settings):
    settings.ATTACHMENT_CONTENT_TYPES = ["application/pdf", "application/x-msdownload"]
    with pytest.raises(ImproperlyConfigured, match="application/x-msdownload"):
        content_type_of(upload("statement.pdf", PDF, "application/pdf"))


def test_the_file_is_left_at_its_start_for_the_digest_and_the_storage():
    uploaded = upload("report.docx", WORD, DOCX)
    content_type_of(uploaded)
    assert uploaded.read() == WORD


@pytest.mark.usefixtures("remove_stored_files")
def test_the_service_stores_the_content_type_and_refuses_a_disguised_executable(
    trafficking_case, analyst_fl
):
    with pytest.raises(ValidationError):
        services.attachment_add(by=analyst_fl, case=trafficking_case,
                                uploaded_file=upload("report.pdf", WINDOWS_EXE, "application/pdf"))
    assert not Attachment.objects.exists()
    attachment = services.attachment_add(
        by=analyst_fl, case=trafficking_case,
        uploaded_file=upload("calls.csv", b"a,b\n1,2\n", "application/vnd.ms-excel"),
    )
    assert Attachment.objects.get().content_type == "text/csv" == attachment.content_type


@pytest.mark.usefixtures("remove_stored_files")
def test_the_attach_form_says_why_and_stores_nothing(client, trafficking_case, analyst_fl):
    client.force_login(analyst_fl)
    response = client.post(
        reverse("case-attach", args=[trafficking_case.pk]),
        {"file": upload("report.pdf", WINDOWS_EXE, "application/pdf")},
    )
    assert response.status_code == 400
    assert "application/x-msdownload (.exe)" in str(response.context["attachment_form"].errors)
    assert not Attachment.objects.exists()
