"""What an uploaded file is, decided by its bytes.

A browser names a file's type after its extension, and a client may declare anything; neither
says what the file holds. The portal stores a file only as the type its content proves it to
be (a signature for PDF and images, the parts of the archive for Word and Excel, plain
characters for text), and refuses it when its name or declared type says something else: a
"report.pdf" that holds an executable is refused, not stored as a PDF.
"""

import zipfile
from pathlib import PurePosixPath

import filetype
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
TEXT = "text/plain"
CSV = "text/csv"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# What a file of each type is called in a sentence and in a list, and the extensions it may carry.
KINDS = {
    PDF: ("a PDF", "PDF", (".pdf",)),
    JPEG: ("a JPEG image", "JPEG", (".jpg", ".jpeg")),
    PNG: ("a PNG image", "PNG", (".png",)),
    TEXT: ("text", "text", (".txt", ".text", ".log", ".md")),
    CSV: ("CSV text", "CSV", (".csv",)),
    DOCX: ("a Word document", "Word (.docx)", (".docx",)),
    XLSX: ("an Excel workbook", "Excel (.xlsx)", (".xlsx",)),
}
# Types a browser or client may declare for a file of the type on the left: Windows declares a
# CSV as application/vnd.ms-excel where Excel is installed. Anything not listed here or equal to
# the content's type is a mismatch; application/octet-stream or nothing declares no type.
DECLARED_ALIASES = {
    JPEG: {"image/pjpeg", "image/jpg"},
    TEXT: {"text/markdown", "text/x-log", "text/x-markdown"},
    CSV: {"application/vnd.ms-excel", "application/csv", "text/x-csv",
          "text/comma-separated-values", TEXT},
}
UNDECLARED = {"", "application/octet-stream"}
# The archive part that makes a ZIP a Word document or an Excel workbook, and the part that
# would make it macro-enabled (a .docm or .xlsm renamed).
OOXML_PARTS = {DOCX: "word/document.xml", XLSX: "xl/workbook.xml"}
MACRO_PARTS = ("word/vbaProject.bin", "xl/vbaProject.bin")
# Bytes that never occur in text: the C0 controls but tab, line feed, form feed and carriage
# return (a UTF-16 file, which is full of NULs, is refused here too).
CONTROL_BYTES = bytes(b for b in range(0x20) if b not in (0x09, 0x0A, 0x0C, 0x0D))
# The rest: deleting them from a chunk (bytes.translate, in C) leaves its control bytes.
NOT_CONTROL_BYTES = bytes(b for b in range(256) if b not in CONTROL_BYTES)
HEAD_BYTES = 8192


def accepted_types():
    """The types the deployment accepts: ATTACHMENT_CONTENT_TYPES, each one this module knows
    how to recognise."""
    unknown = sorted(set(settings.ATTACHMENT_CONTENT_TYPES) - KINDS.keys())
    if unknown:
        raise ImproperlyConfigured(
            f"ATTACHMENT_CONTENT_TYPES lists {', '.join(unknown)}, which the portal cannot "
            f"recognise by content; it can accept {', '.join(KINDS)}."
        )
    return settings.ATTACHMENT_CONTENT_TYPES


def accepted_summary(types):
    """"Accepted: PDF, JPEG, text." for the accepted `types`."""
    return f"Accepted: {', '.join(KINDS[t][1] for t in types)}."


def refuse(message):
    raise ValidationError({"file": message})


def content_type_of(uploaded_file):
    """The content type that `uploaded_file`'s bytes prove, or ValidationError (on `file`) that
    says why the file is refused. Leaves the file at its start."""
    types = accepted_types()
    uploaded_file.seek(0)
    head = uploaded_file.read(HEAD_BYTES)
    uploaded_file.seek(0)
    if not head:
        refuse("The file is empty.")
    detected = detect(uploaded_file, head)
    label, _, extensions = KINDS[detected]
    if detected not in types:
        refuse(f"This file holds {label}, which is not accepted here. {accepted_summary(types)}")
    name = uploaded_file.name or ""
    extension = PurePosixPath(name.replace("\\", "/")).suffix.lower()
    if extension not in extensions:
        refuse(f"The file is named “{name}” but holds {label}; a file of that kind must end in "
               f"{' or '.join(extensions)}. Rename it, or attach the file you meant.")
    declared = (uploaded_file.content_type or "").split(";")[0].strip().lower()
    if declared not in UNDECLARED and declared != detected and \
            declared not in DECLARED_ALIASES.get(detected, ()):
        refuse(f"The file was sent as {declared} but holds {label}; it was not attached.")
    return detected


def detect(uploaded_file, head):
    """The accepted type the content is, or ValidationError naming what it is instead."""
    if head.startswith(b"PK\x03\x04"):
        return office_document(uploaded_file)
    kind = filetype.guess(head)
    if kind is not None:
        if kind.mime in (PDF, JPEG, PNG):
            return kind.mime
        refuse(f"This file holds content of type {kind.mime} (.{kind.extension}), which is not "
               f"accepted. {accepted_summary(accepted_types())}")
    for chunk in uploaded_file.chunks():
        if chunk.translate(None, delete=NOT_CONTROL_BYTES):
            uploaded_file.seek(0)
            refuse("This file holds binary data of a kind the portal does not accept (text must "
                   f"be saved as UTF-8). {accepted_summary(accepted_types())}")
    uploaded_file.seek(0)
    suffix = PurePosixPath((uploaded_file.name or "").replace("\\", "/")).suffix.lower()
    return CSV if suffix == ".csv" else TEXT


def office_document(uploaded_file):
    """DOCX or XLSX, by the parts of the archive; refused if it is another ZIP, a damaged one,
    or holds macros."""
    try:
        with zipfile.ZipFile(uploaded_file) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        refuse("This file is a damaged ZIP archive; it was not attached.")
    finally:
        uploaded_file.seek(0)
    if any(part in names for part in MACRO_PARTS):
        refuse("This document holds macros, which are not accepted; save it as a plain .docx or "
               ".xlsx without macros.")
    if "[Content_Types].xml" in names:
        for content_type, part in OOXML_PARTS.items():
            if part in names:
                return content_type
    refuse(f"This file is a ZIP archive, which is not accepted. "
           f"{accepted_summary(accepted_types())}")
