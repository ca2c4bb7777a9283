"""The services that change cases: their validation, their optimistic locking, the normalised
subjects, and attachments. MBI (analyst_fl) owns the cases unless a test says otherwise."""

import hashlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from audit.models import AccessLog
from cases import services
from cases.models import (
    Annotation,
    AnnotationRevision,
    Attachment,
    Case,
    CaseEntity,
    Entity,
    Jurisdiction,
)
from core.errors import InsufficientLevel, NotVisible
from core.handling import TLP, Level
from sharing.services import share
from tests.conftest import fresh

# Case numbers ---------------------------------------------------------------------------------


def test_two_agencies_may_use_the_same_case_number(make_case, analyst_fl, analyst_la):
    mine = make_case(analyst_fl, number="2015-0042")
    theirs = make_case(analyst_la, number="2015-0042")
    assert mine.number == theirs.number
    assert mine.owner != theirs.owner


def test_one_agency_may_not_use_a_case_number_twice(make_case, analyst_fl, agency_admin_fl):
    make_case(analyst_fl, number="MBI-2015-0042")
    # Another analyst of the same agency, and the number typed with spaces around it.
    with pytest.raises(ValidationError) as refused:
        make_case(agency_admin_fl, number="  MBI-2015-0042 ")
    assert "MBI-2015-0042" in refused.value.message_dict["number"][0]
    assert refused.value.error_dict["number"][0].code == "case_number_taken"
    assert Case.objects.filter(number="MBI-2015-0042").count() == 1


def test_a_number_taken_by_a_concurrent_request_gets_the_same_message(
    make_case, analyst_fl, monkeypatch
):
    """The other request commits between our check and our insert: the unique constraint
    refuses the insert, and the analyst reads the same words, not a server error."""
    make_case(analyst_fl, number="MBI-2015-0042")
    real_exists = QuerySet.exists
    calls = []

    def first_check_misses(queryset):
        calls.append(queryset.model)
        return False if len(calls) == 1 else real_exists(queryset)

    monkeypatch.setattr(QuerySet, "exists", first_check_misses)
    monkeypatch.setattr(services, "_full_clean", lambda instance, exclude=None: None)
    with pytest.raises(ValidationError) as refused:
        make_case(analyst_fl, number="MBI-2015-0042")
    assert refused.value.error_dict["number"][0].code == "case_number_taken"
    monkeypatch.undo()
    assert Case.objects.filter(number="MBI-2015-0042").count() == 1


def test_the_database_refuses_a_duplicate_case_number_too(trafficking_case, cfix):
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.create(owner=trafficking_case.owner, lead_center=cfix,
                            number=trafficking_case.number, title="Copy")


def test_a_case_needs_a_number(make_case, analyst_fl):
    with pytest.raises(ValidationError) as refused:
        make_case(analyst_fl, number="   ")
    assert "number" in refused.value.error_dict
    assert not Case.objects.exists()


# Jurisdictions -------------------------------------------------------------------------------


@pytest.mark.parametrize("state", ["XX", "ZZ", "", "Florida"])
def test_a_jurisdiction_in_no_state_is_refused(trafficking_case, analyst_fl, state):
    before = list(trafficking_case.jurisdictions.values_list("state", flat=True))
    with pytest.raises(ValidationError) as refused:
        services.jurisdiction_add(case=trafficking_case, by=analyst_fl, state=state)
    assert "state" in refused.value.error_dict
    assert list(trafficking_case.jurisdictions.values_list("state", flat=True)) == before


def test_a_case_opened_with_a_bad_state_is_not_opened_at_all(make_case, analyst_fl):
    with pytest.raises(ValidationError):
        make_case(analyst_fl, number="MBI-1", states=("FL", "XX"))
    assert not Case.objects.exists()
    assert not Jurisdiction.objects.exists()
    assert not AccessLog.objects.filter(action="create").exists()


def test_jurisdictions_are_normalised_and_say_when_a_state_is_new(make_case, analyst_fl):
    case = make_case(analyst_fl, states=("FL",))
    place, new_state = services.jurisdiction_add(case=case, by=analyst_fl, state=" la ",
                                                 city="Shreveport")
    assert (place.state, place.city, new_state) == ("LA", "Shreveport", True)
    place, new_state = services.jurisdiction_add(case=case, by=analyst_fl, state="LA",
                                                 city="Baton Rouge")
    assert new_state is False
    assert case.states == ["FL", "LA"] and case.spans_state_lines
    with pytest.raises(ValidationError):
        services.jurisdiction_add(case=case, by=analyst_fl, state="LA", city="Baton Rouge")
    assert Jurisdiction.objects.filter(case=case).count() == 3


# Optimistic locking --------------------------------------------------------------------------


def test_a_stale_case_update_is_refused_and_overwrites_nothing(trafficking_case, analyst_fl,
                                                               nopd, analyst_la):
    share(obj=trafficking_case, by=analyst_fl, agency=nopd, level=Level.EDIT)
    read_by_both = trafficking_case.version
    services.case_update(case=trafficking_case, by=analyst_fl, version=read_by_both,
                         title="Three suspects identified")
    row_before = Case.objects.filter(pk=trafficking_case.pk).values().get()
    logged_before = AccessLog.objects.count()

    with pytest.raises(services.StaleVersion) as refused:
        services.case_update(case=trafficking_case, by=fresh(analyst_la), version=read_by_both,
                             title="Suspect arrested in New Orleans")
    assert f"you had version {read_by_both}" in str(refused.value)
    assert f"now at version {read_by_both + 1}" in str(refused.value)
    assert Case.objects.filter(pk=trafficking_case.pk).values().get() == row_before
    assert AccessLog.objects.count() == logged_before


def test_case_update_records_before_and_after(trafficking_case, analyst_fl):
    updated = services.case_update(case=trafficking_case, by=analyst_fl, version=1,
                                   status=Case.Status.CLOSED)
    assert (updated.status, updated.version) == (Case.Status.CLOSED, 2)
    entry = AccessLog.objects.filter(action="update").get()
    assert entry.detail == {
        "fields": ["status"], "before": {"status": "open"}, "after": {"status": "closed"}
    }


def test_case_update_records_which_content_changed_but_not_the_content(trafficking_case,
                                                                        analyst_fl):
    services.case_update(case=trafficking_case, by=analyst_fl, version=1, title="Renamed")
    entry = AccessLog.objects.filter(action="update").get()
    assert entry.detail == {"fields": ["title"], "before": {}, "after": {}}


def test_only_the_owner_changes_the_marking(trafficking_case, analyst_fl, nopd, analyst_la):
    share(obj=trafficking_case, by=analyst_fl, agency=nopd, level=Level.EDIT)
    with pytest.raises(InsufficientLevel):
        services.case_update(case=trafficking_case, by=fresh(analyst_la), version=1,
                             tlp=TLP.CLEAR)
    assert Case.objects.get(pk=trafficking_case.pk).tlp == TLP.AMBER
    services.case_update(case=trafficking_case, by=analyst_fl, version=1, tlp=TLP.RED)
    assert Case.objects.get(pk=trafficking_case.pk).tlp == TLP.RED


@pytest.mark.parametrize("field", ["number", "owner", "created_by", "les_reviewed"])
def test_case_update_refuses_fields_that_are_not_editable(trafficking_case, analyst_fl, field):
    with pytest.raises(ValidationError, match=field):
        services.case_update(case=trafficking_case, by=analyst_fl, version=1, **{field: None})
    assert Case.objects.get(pk=trafficking_case.pk).version == 1


def test_an_annotation_edit_keeps_the_earlier_text(trafficking_case, analyst_fl):
    note = services.annotation_add(by=analyst_fl, case=trafficking_case,
                                   body="Victim seen in Shreveport")
    edited = services.annotation_edit(annotation=note, by=analyst_fl, version=1,
                                      body="Victim seen in Shreveport and Baton Rouge")
    assert (edited.version, edited.body, edited.edited) == (
        2, "Victim seen in Shreveport and Baton Rouge", True,
    )
    revision = AnnotationRevision.objects.get(annotation=note)
    assert (revision.version, revision.body, revision.written_by) == (
        1, "Victim seen in Shreveport", analyst_fl,
    )


def test_a_stale_annotation_edit_is_refused_and_loses_nothing(trafficking_case, analyst_fl):
    note = services.annotation_add(by=analyst_fl, case=trafficking_case, body="First text")
    services.annotation_edit(annotation=note, by=analyst_fl, version=1, body="Second text")
    with pytest.raises(services.StaleVersion):
        services.annotation_edit(annotation=note, by=analyst_fl, version=1, body="Other text")
    current = Annotation.objects.get(pk=note.pk)
    assert (current.version, current.body) == (2, "Second text")
    assert list(AnnotationRevision.objects.values_list("version", "body")) == [(1, "First text")]


def test_only_the_author_edits_an_annotation(trafficking_case, analyst_fl, agency_admin_fl,
                                             nopd, analyst_la):
    share(obj=trafficking_case, by=analyst_fl, agency=nopd, level=Level.ANNOTATE)
    note = services.annotation_add(by=fresh(analyst_la), case=trafficking_case, body="NOPD note")
    for other in (analyst_fl, agency_admin_fl):
        with pytest.raises(ValidationError) as refused:
            services.annotation_edit(annotation=note, by=other, version=1, body="Rewritten")
        assert refused.value.code == "not_author"
    assert Annotation.objects.get(pk=note.pk).body == "NOPD note"
    assert not AnnotationRevision.objects.exists()


@pytest.mark.parametrize("body", ["", "   \n "])
def test_an_annotation_needs_text(trafficking_case, analyst_fl, body):
    with pytest.raises(ValidationError):
        services.annotation_add(by=analyst_fl, case=trafficking_case, body=body)
    note = services.annotation_add(by=analyst_fl, case=trafficking_case, body="Text")
    with pytest.raises(ValidationError):
        services.annotation_edit(annotation=note, by=analyst_fl, version=1, body=body)
    assert list(Annotation.objects.values_list("body", flat=True)) == ["Text"]


# Subjects, recognised across agencies --------------------------------------------------------


@pytest.mark.parametrize("typed", [
    "(504) 555-0142", "504-555-0142", "504.555.0142", "+1 504 555 0142", "1 (504) 555 0142",
    "+15045550142",
])
def test_a_phone_number_has_one_e164_key(typed):
    assert Entity.normalise(Entity.Kind.PHONE, number=typed) == "+15045550142"


@pytest.mark.parametrize("plate,state", [
    ("abc 1234", "FL"), ("ABC-1234", "fl"), (" abc1234 ", " FL "),
])
def test_a_plate_key_is_its_state_and_characters(plate, state):
    assert Entity.normalise(Entity.Kind.VEHICLE, plate=plate, state=state) == "FL:ABC1234"


@pytest.mark.parametrize("kind,values", [
    (Entity.Kind.PHONE, {"number": "555"}),
    (Entity.Kind.PHONE, {"number": "call me"}),
    (Entity.Kind.VEHICLE, {"plate": "ABC1234", "state": "XX"}),
    (Entity.Kind.VEHICLE, {"plate": " - ", "state": "FL"}),
    (Entity.Kind.VIN, {"vin": "1HGCM82633A00435"}),
    (Entity.Kind.EMAIL, {"address": "not-an-address"}),
    (Entity.Kind.PERSON, {"name": "Jane Roe", "dob": "2001-13-45"}),
])
def test_a_key_that_cannot_be_normalised_is_refused(kind, values):
    with pytest.raises(ValidationError):
        Entity.normalise(kind, **values)


def test_the_same_subject_linked_by_two_agencies_is_one_entity(
    make_case, analyst_fl, analyst_la
):
    fl_case = make_case(analyst_fl, number="MBI-1")
    la_case = make_case(analyst_la, number="NOPD-1", states=("LA",))
    phone_fl = services.entity_link(by=analyst_fl, case=fl_case, kind="phone",
                                    number="(504) 555-0142", role="suspect's phone")
    phone_la = services.entity_link(by=analyst_la, case=la_case, kind="phone",
                                    number="+1 504 555 0142")
    car_fl = services.entity_link(by=analyst_fl, case=fl_case, kind="vehicle", plate="abc 1234",
                                  state="FL")
    car_la = services.entity_link(by=analyst_la, case=la_case, kind="vehicle", plate="ABC-1234",
                                  state="fl")
    assert phone_fl == phone_la and phone_fl.key == "+15045550142"
    assert car_fl == car_la and car_fl.key == "FL:ABC1234"
    assert Entity.objects.count() == 2
    assert CaseEntity.objects.filter(entity=phone_fl).count() == 2


def test_linking_the_same_subject_twice_links_it_once(trafficking_case, analyst_fl):
    for typed in ("Jane.Roe@Example.com", " jane.roe@example.com "):
        services.entity_link(by=analyst_fl, case=trafficking_case, kind="email", address=typed)
    link = CaseEntity.objects.get()
    assert link.entity.key == "jane.roe@example.com"


# Attachments ---------------------------------------------------------------------------------


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def stored_files():
    """The attachments a test stored, removed afterwards from the attachment root."""
    created = []
    yield created
    for attachment in created:
        attachment.file.delete(save=False)


def _upload(name="victim-statement.pdf", content=PDF, content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_an_attachment_is_hashed_and_kept_in_the_private_root(trafficking_case, analyst_fl,
                                                              stored_files):
    attachment = services.attachment_add(by=analyst_fl, case=trafficking_case,
                                         uploaded_file=_upload())
    stored_files.append(attachment)
    assert attachment.sha256 == hashlib.sha256(PDF).hexdigest()
    stored = Attachment.objects.get(pk=attachment.pk)
    assert (stored.sha256, stored.size, stored.filename, stored.content_type) == (
        hashlib.sha256(PDF).hexdigest(), len(PDF), "victim-statement.pdf", "application/pdf",
    )
    path = Path(stored.file.path).resolve()
    root = Path(settings.STORAGES["default"]["OPTIONS"]["location"]).resolve()
    assert path.is_relative_to(root)
    assert path.read_bytes() == PDF
    # Nothing a static file server publishes; and the stored name carries no uploaded name.
    public = [Path(settings.STATIC_ROOT), *map(Path, settings.STATICFILES_DIRS),
              Path(settings.BASE_DIR) / "static"]
    for folder in public:
        assert not path.is_relative_to(folder.resolve())
        assert not root.is_relative_to(folder.resolve())
    assert "victim-statement" not in stored.file.name
    assert stored.file.name.startswith(f"{stored.sha256[:2]}/{stored.sha256}")


def test_an_attachment_over_the_limit_is_refused(trafficking_case, analyst_fl, settings):
    settings.ATTACHMENT_MAX_BYTES = 2 * 1024 * 1024
    big = _upload(content=b"x" * (2 * 1024 * 1024 + 1), content_type="text/plain")
    with pytest.raises(ValidationError) as refused:
        services.attachment_add(by=analyst_fl, case=trafficking_case, uploaded_file=big)
    assert refused.value.message_dict["file"] == ["The file is larger than the 2 MB limit."]
    assert not Attachment.objects.exists()


@pytest.mark.parametrize("content_type", [
    "application/x-msdownload", "text/html", "application/javascript", "application/pdf", "",
])
def test_an_executable_is_refused_whatever_type_it_is_sent_as(
    trafficking_case, analyst_fl, content_type
):
    with pytest.raises(ValidationError) as refused:
        services.attachment_add(by=analyst_fl, case=trafficking_case,
                                uploaded_file=_upload("run.exe", b"MZ", content_type))
    message = refused.value.message_dict["file"][0]
    assert "content of type application/x-msdownload (.exe), which is not accepted" in message
    assert not Attachment.objects.exists()


def test_attaching_needs_annotate(trafficking_case, analyst_fl, nopd, analyst_la, outsider,
                                  stored_files):
    share(obj=trafficking_case, by=analyst_fl, agency=nopd, level=Level.VIEW)
    with pytest.raises(InsufficientLevel):
        services.attachment_add(by=fresh(analyst_la), case=trafficking_case,
                                uploaded_file=_upload())
    with pytest.raises(NotVisible):
        services.attachment_add(by=fresh(outsider), case=trafficking_case,
                                uploaded_file=_upload())
    assert not Attachment.objects.exists()
    share(obj=trafficking_case, by=analyst_fl, agency=nopd, level=Level.ANNOTATE)
    attachment = services.attachment_add(by=fresh(analyst_la), case=trafficking_case,
                                         uploaded_file=_upload())
    stored_files.append(attachment)
    assert attachment.agency == nopd
    assert default_storage.exists(attachment.file.name)
