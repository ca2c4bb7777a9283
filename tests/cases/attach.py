"""The attach form of the case and item pages: the same upload, the same checks."""

from hashlib import sha256

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.models import Attachment
from core.handling import Level
from tests.base import ObjectActionTests

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.mark.usefixtures("remove_stored_files")
class AttachPage(ObjectActionTests):
    """Attaching a file needs annotate."""

    required_level = Level.ANNOTATE

    def data(self, subject):
        return {"file": SimpleUploadedFile("motel-receipt.pdf", PDF, "application/pdf")}

    def assert_changed(self, subject, user, response):
        attachment = Attachment.objects.get()
        assert attachment.subject == subject
        assert (attachment.filename, attachment.agency, attachment.sha256) == (
            "motel-receipt.pdf", user.agency, sha256(PDF).hexdigest())
