"""28 CFR 23.20(h): the purge of a record and the corrections of one (cases.services.item_purge,
item_update, overdue_purge). A purge leaves nothing of the content anywhere (every text column
of every table, the files on disk, search, the API) and tells every agency the record reached;
a correction tells them what changed. Services first, then the pages and the API."""

import json
import re
from datetime import date, timedelta

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models, transaction
from django.urls import reverse
from rest_framework.test import APIClient

from agencies.api_keys import api_key_create
from agencies.models import User
from agencies.services import NotAllowed, agency_set_auto_purge
from audit.models import AccessLog
from cases import intelligence as cfr23
from cases import services
from cases.models import (
    Annotation,
    AnnotationRevision,
    Attachment,
    Entity,
    IntelligenceItem,
    ItemCorrection,
    TimelineEvent,
)
from cases.tasks import review_queue_daily
from core.errors import InsufficientLevel, NotVisible
from core.handling import TLP, Level
from notifications import webhooks
from notifications.models import EmailDelivery, Notification, OutboxEvent, WebhookDelivery
from sharing.models import Share, Tombstone
from sharing.permissions import items_visible_to
from sharing.services import unshare
from tests.base import HttpsClient, deliver_all, messages_of
from tests.conftest import PASSWORD, cfr23_labels, fresh

from .attach import PDF

# The record's content: every one of these must be gone after the purge.
SECRET = "Zanzibarquartz"
TITLE = f"Courier {SECRET} seen at the motel"
BODY = f"The courier {SECRET}-body drives a white van."
PREDICATE = f"Reasonable suspicion: {SECRET}-predicate moves minors across state lines."
NOTE = f"Called the motel about {SECRET}-note."
PERSON = f"Dwayne {SECRET}"


@pytest.fixture
def admin_nopd(nopd):
    return User.objects.create_user(username="admin_nopd", password=PASSWORD, agency=nopd,
                                    role=User.Role.AGENCY_ADMIN, email="admin_nopd@example.gov")


@pytest.fixture
def admin_ocso(ocso):
    return User.objects.create_user(username="admin_ocso", password=PASSWORD, agency=ocso,
                                    role=User.Role.AGENCY_ADMIN, email="admin_ocso@example.gov")


@pytest.fixture
def nopd_endpoint(admin_nopd):
    return webhooks.endpoint_register(by=admin_nopd, url="https://rms.nopd.example.gov/h")


@pytest.fixture
def record(analyst_fl, reviewer_fl, nopd, cfix, ocso, trafficking_case,
           django_capture_on_commit_callbacks, remove_stored_files):
    """MBI's criminal intelligence on a case, with its content everywhere it can be: a subject
    of its own and one it shares with the case, an annotation edited once, a file, shares with
    NOPD and with CFIX (so OCSO, a CFIX member, sees it too)."""
    labels = {**cfr23_labels(analyst_fl), "predicate": PREDICATE}
    with django_capture_on_commit_callbacks(execute=True):
        item = services.item_create(by=analyst_fl, kind="tip", title=TITLE, body=BODY,
                                    tlp=TLP.GREEN, case=trafficking_case, **labels)
        services.entity_link(by=analyst_fl, item=item, kind="person", label=PERSON,
                             name=PERSON, dob="1988-11-27")
        services.entity_link(by=analyst_fl, item=item, kind="phone", label="(504) 555-0142",
                             number="504-555-0142")
        services.entity_link(by=analyst_fl, case=trafficking_case, kind="phone",
                             label="504 555 0142", number="504-555-0142")
        note = services.annotation_add(by=analyst_fl, item=item, body=f"{NOTE} first")
        services.annotation_edit(annotation=note, by=analyst_fl, version=note.version, body=NOTE)
        services.attachment_add(by=analyst_fl, item=item, uploaded_file=SimpleUploadedFile(
            f"{SECRET}-receipt.pdf", PDF, "application/pdf"))
        services.share_grant(obj=item, by=analyst_fl, level=Level.VIEW, agency=nopd,
                             reason="NOPD holds the motel's guest list.")
        services.share_grant(obj=item, by=analyst_fl, level=Level.VIEW, center=cfix,
                             target=Share.Target.CENTER, reason="The corridor's agencies.")
    item.refresh_from_db()
    return item


def texts_holding(token):
    """(model, field) of every text or JSON column of every table that holds `token`. The access
    log's rows of the searches a test ran hold the reader's own query, not the record: left out."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        rows = model.objects.all()
        if model is AccessLog:
            rows = rows.exclude(detail__list="search")
        for field in model._meta.concrete_fields:
            if isinstance(field, (models.CharField, models.TextField)):
                lookup = {f"{field.name}__icontains": token}
            elif isinstance(field, models.JSONField):
                values = rows.values_list(field.name, flat=True)
                if any(token.lower() in json.dumps(value).lower() for value in values):
                    found.append(f"{model._meta.label}.{field.name}")
                continue
            else:
                continue
            if rows.filter(**lookup).exists():
                found.append(f"{model._meta.label}.{field.name}")
    return found


def purge(record, reviewer, reason="Not validated: the investigation closed without charges."):
    with transaction.atomic():
        return services.item_purge(item=record, by=reviewer, reason=reason)


# The purge ------------------------------------------------------------------------------------


def test_the_fixture_puts_the_content_in_many_places(record):
    """The purge test below is not vacuous: before it, the content is in all of these."""
    holding = set(texts_holding(SECRET))
    assert {"cases.IntelligenceItem.title", "cases.IntelligenceItem.body",
            "cases.IntelligenceItem.predicate", "cases.Annotation.body",
            "cases.AnnotationRevision.body", "cases.Attachment.filename", "cases.Entity.key",
            "cases.ItemEntity.label", "cases.TimelineEvent.summary"} <= holding


def test_a_purge_leaves_nothing_of_the_content_in_the_database_or_on_disk(
    record, reviewer_fl, nopd_endpoint, django_capture_on_commit_callbacks
):
    # A webhook delivered before the purge carried the title (NOPD saw it then).
    with django_capture_on_commit_callbacks(execute=True):
        services.item_update(item=record, by=fresh(record.created_by), version=record.version,
                             body=f"{BODY} Seen again.")
    deliver_all()
    assert any(SECRET in json.dumps(d.payload) for d in WebhookDelivery.objects.all())
    def found_by_search():
        client = HttpsClient()
        client.force_login(fresh(record.created_by))
        results = client.get(reverse("search"), {"q": SECRET}).context["results"]
        return [len(rows) for name, rows in (("cases", results.cases), ("items", results.items),
                                            ("notes", results.annotations))]

    assert found_by_search() == [0, 1, 1]  # the item, and its annotation
    stored = Attachment.objects.get(item=record).file
    storage, name = stored.storage, stored.name
    assert storage.exists(name)

    with django_capture_on_commit_callbacks(execute=True):
        purged = purge(record, reviewer_fl)

    assert texts_holding(SECRET) == []
    assert found_by_search() == [0, 0, 0]  # the stored search vectors (PostgreSQL) too
    assert not storage.exists(name)
    assert (purged.title, purged.body, purged.predicate) == (services.PURGED_TITLE, "", "")
    assert purged.intelligence_status == cfr23.Status.PURGED
    assert (purged.purged_by, purged.case_id) == (reviewer_fl, None)
    assert not Annotation.objects.filter(item=record).exists()
    assert not AnnotationRevision.objects.exists()
    assert not Attachment.objects.filter(item=record).exists()
    assert not record.subject_links.exists()
    # The person only this record named is gone; the phone the case links too stays, with the
    # label the case's link typed.
    assert not Entity.objects.filter(kind="person").exists()
    assert Entity.objects.get(kind="phone").label == "504 555 0142"
    assert TimelineEvent.objects.filter(summary__contains="since purged").count() == 1
    # The tombstone and the records the rule keeps stay.
    assert purged.disseminations.filter(channel="share").count() == 2
    assert AccessLog.objects.filter(action="purge", object_id=record.pk).exists()


def test_nobody_sees_a_purged_record_and_partner_systems_get_its_tombstone(
    record, reviewer_fl, analyst_fl, analyst_la, analyst_fl2, mbi, nopd, ocso
):
    purge(record, reviewer_fl)
    for user in (analyst_fl, reviewer_fl, analyst_la, analyst_fl2):
        assert not items_visible_to(fresh(user)).filter(pk=record.pk).exists()
    assert not Share.objects.filter(item=record).exists()
    told = set(Tombstone.objects.filter(object_type="item", object_id=record.pk,
                                        reason="purged").values_list("agency_id", flat=True))
    assert told == {mbi.pk, nopd.pk, ocso.pk}


def test_every_agency_it_reached_is_told_without_its_content(
    record, reviewer_fl, nopd, ocso, transit_fl, admin_nopd, admin_ocso, nopd_endpoint,
    django_capture_on_commit_callbacks, mailoutbox
):
    # NOPD's share was withdrawn since: it was disseminated to, so it is told all the same.
    with transaction.atomic():
        unshare(share_record=Share.objects.get(item=record, target_agency=nopd),
                by=fresh(record.created_by))
    with django_capture_on_commit_callbacks(execute=True):
        purged = purge(record, reviewer_fl)
    deliver_all()
    assert purged.agencies_told == 2
    notices = Notification.objects.filter(kind=OutboxEvent.Kind.PURGED)
    assert set(notices.values_list("agency_id", flat=True)) == {nopd.pk, ocso.pk}
    # A CFIX member outside law enforcement never received it, so is not told.
    assert not notices.filter(agency=transit_fl).exists()
    notice = notices.get(agency=nopd)
    assert notice.title == (f"Metropolitan Bureau of Investigation purged criminal intelligence "
                            f"it disseminated to your agency (item #{record.pk})")
    assert dict(notice.lines)["What to do"].startswith("destroy every copy")
    mails = [m for m in mailoutbox if "purged" in m.subject]
    assert {m.to[0] for m in mails} == {admin_nopd.email, admin_ocso.email}
    hook = WebhookDelivery.objects.get(endpoint=nopd_endpoint, event__kind="purged")
    assert hook.payload["event"] == "item.purged"
    assert hook.payload["item"]["id"] == record.pk
    for text in [notice.title, json.dumps(notice.lines), json.dumps(hook.payload),
                 *(m.subject + m.body for m in mails)]:
        assert SECRET not in text


def test_purge_refusals(record, analyst_fl, reviewer_fl, analyst_la, make_item):
    with pytest.raises(InsufficientLevel):
        purge(record, fresh(analyst_fl))  # sees it, is not a reviewer
    analyst_la.intelligence_reviewer = True
    analyst_la.save()
    with pytest.raises(InsufficientLevel):
        purge(record, fresh(analyst_la))  # a reviewer of a recipient agency
    with pytest.raises(ValidationError) as refused:
        purge(record, reviewer_fl, reason="  ")
    assert refused.value.error_dict["reason"][0].code == "reason_missing"
    pending = make_item(analyst_fl, pending=True)
    with pytest.raises(services.PurgeRefused) as refused:
        purge(pending, reviewer_fl)
    assert refused.value.code == "cfr23_not_purgeable"
    purge(record, reviewer_fl)
    with pytest.raises(NotVisible):  # gone for everyone, its reviewers too
        purge(IntelligenceItem.objects.get(pk=record.pk), fresh(reviewer_fl))


def test_information_rejected_as_intelligence_may_be_purged(analyst_fl, reviewer_fl, make_item):
    rejected = services.item_review(item=make_item(analyst_fl, pending=True), by=reviewer_fl,
                                    decision="reject", reason="No predicate.")
    assert purge(rejected, reviewer_fl).is_purged


# The automatic purge of overdue records -------------------------------------------------------


def test_nothing_is_purged_without_a_decision_unless_the_agency_chose_it(
    analyst_fl, reviewer_fl, agency_admin_fl, mbi, make_item, django_capture_on_commit_callbacks,
    mailoutbox
):
    day = date(2031, 3, 10)  # the frozen clock: the task is given its day
    overdue = [make_item(analyst_fl, title=f"Overdue {n}") for n in range(3)]
    due_today = make_item(analyst_fl, title="Due today")
    for item in overdue:
        IntelligenceItem.objects.filter(pk=item.pk).update(review_by=day - timedelta(days=1))
    IntelligenceItem.objects.filter(pk=due_today.pk).update(review_by=day)
    assert services.overdue_purge(today=day) == 0
    assert not IntelligenceItem.objects.filter(intelligence_status="purged").exists()

    with transaction.atomic():
        agency_set_auto_purge(agency=mbi, by=agency_admin_fl, enabled=True,
                              reason="Privacy officer's decision of March 2031.")
    with django_capture_on_commit_callbacks(execute=True):
        assert services.overdue_purge(today=day) == 3
    purged = IntelligenceItem.objects.filter(intelligence_status="purged")
    assert set(purged.values_list("pk", flat=True)) == {item.pk for item in overdue}
    assert all(item.purged_by is None and "Automatic purge" in item.purge_reason for item in purged)
    assert IntelligenceItem.objects.get(pk=due_today.pk).is_intelligence
    deliver_all()
    notice = Notification.objects.get(kind=OutboxEvent.Kind.AUTO_PURGED, user=analyst_fl)
    assert notice.title == ("3 overdue records of Metropolitan Bureau of Investigation purged "
                            "automatically (28 CFR 23.20(h))")
    assert dict(notice.lines)["Records"] == ", ".join(f"#{item.pk}" for item in overdue)
    assert EmailDelivery.objects.filter(event__kind="auto_purged", user=analyst_fl).count() == 1
    # Run again the same day: nothing left to purge, nobody told twice.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.overdue_purge(today=day) == 0
    assert OutboxEvent.objects.filter(kind="auto_purged").count() == 1


def test_the_daily_task_purges_then_tells(monkeypatch):
    calls = []
    monkeypatch.setattr(services, "overdue_purge", lambda today: calls.append("purge") or 2)
    monkeypatch.setattr(services, "review_queue_notify", lambda today: calls.append("notify") or 1)
    assert review_queue_daily() == {"purged": 2, "officials_told": 1}
    assert calls == ["purge", "notify"]


def test_only_an_agency_admin_turns_the_automatic_purge_on_with_a_reason(
    mbi, agency_admin_fl, analyst_fl, admin_nopd
):
    for user in (analyst_fl, admin_nopd):
        with pytest.raises(NotAllowed):
            agency_set_auto_purge(agency=mbi, by=user, enabled=True, reason="r")
    with pytest.raises(ValidationError):
        agency_set_auto_purge(agency=mbi, by=agency_admin_fl, enabled=True, reason=" ")
    agency_set_auto_purge(agency=mbi, by=agency_admin_fl, enabled=True, reason="Decided.")
    mbi.refresh_from_db()
    assert mbi.auto_purge_overdue
    row = AccessLog.objects.filter(detail__operation="agency_set_auto_purge").get()
    assert row.detail["after"] == {"auto_purge_overdue": True}


# Corrections ----------------------------------------------------------------------------------


def test_a_correction_tells_every_agency_it_reached_what_changed(
    record, analyst_fl, nopd, ocso, mbi, nopd_endpoint, django_capture_on_commit_callbacks,
    mailoutbox, admin_nopd
):
    with django_capture_on_commit_callbacks(execute=True):
        edited = services.item_update(item=record, by=fresh(analyst_fl), version=record.version,
                                      body="The courier drives a silver van, not a white one.")
    correction = ItemCorrection.objects.get(item=record)
    assert (correction.fields, correction.version, correction.agencies_told) == (
        ["body"], edited.version, 2)
    deliver_all()
    notices = Notification.objects.filter(kind=OutboxEvent.Kind.CORRECTED)
    assert set(notices.values_list("agency_id", flat=True)) == {nopd.pk, ocso.pk}
    assert not notices.filter(agency=mbi).exists()
    assert dict(notices.get(agency=nopd).lines)["Changed"] == "body"
    hook = WebhookDelivery.objects.get(endpoint=nopd_endpoint, event__kind="corrected")
    assert hook.payload["event"] == "item.corrected"
    assert hook.payload["changed"] == ["body"]
    assert hook.payload["item"]["title"] == TITLE  # NOPD sees it
    assert [m.to for m in mailoutbox if "corrected" in m.subject] == [[admin_nopd.email]]


def test_a_recipient_that_no_longer_sees_the_record_is_told_without_its_title(
    record, analyst_fl, nopd, nopd_endpoint, django_capture_on_commit_callbacks
):
    with transaction.atomic():
        unshare(share_record=Share.objects.get(item=record, target_agency=nopd), by=analyst_fl)
    record.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.item_update(item=record, by=fresh(analyst_fl), version=record.version,
                             title="Courier seen at the motel on Route 90")
    deliver_all()
    hook = WebhookDelivery.objects.get(endpoint=nopd_endpoint, event__kind="corrected")
    assert hook.payload["item"]["title"] is None
    assert hook.payload["changed"] == ["title"]
    notice = Notification.objects.get(kind="corrected", agency=nopd)
    assert "Route 90" not in notice.title + json.dumps(notice.lines)


def test_no_correction_notice_for_what_reached_nobody_or_changed_no_content(
    record, analyst_fl, make_item
):
    own = make_item(analyst_fl, title="Kept in house")
    services.item_update(item=own, by=analyst_fl, version=own.version, body="Changed.")
    services.item_update(item=record, by=analyst_fl, version=record.version,
                         review_by=record.review_by - timedelta(days=30))
    record.refresh_from_db()
    services.item_update(item=record, by=analyst_fl, version=record.version, title=record.title)
    assert not ItemCorrection.objects.exists()
    assert not OutboxEvent.objects.filter(kind="corrected").exists()


def test_the_item_page_lists_the_corrections_sent(record, analyst_fl, analyst_la):
    services.item_update(item=record, by=analyst_fl, version=record.version, body="Corrected.")
    for reader in (analyst_fl, analyst_la):
        client = HttpsClient()
        client.force_login(fresh(reader))
        page = client.get(reverse("item-detail", args=[record.pk])).content.decode()
        assert "Corrections sent" in page and "body changed" in page


# The pages ------------------------------------------------------------------------------------


def client_of(user):
    client = HttpsClient()
    client.force_login(fresh(user))
    return client


def test_the_purge_page_says_what_is_destroyed_and_needs_a_reason(record, reviewer_fl):
    client = client_of(reviewer_fl)
    url = reverse("item-purge", args=[record.pk])
    page = client.get(url).content.decode()
    assert "1 annotation, 1 attachment" in page and "2 subject links" in page
    assert "The 2 agencies it reached are told" in page
    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 400
    assert "Give the reason for the purge" in refused.content.decode()
    assert IntelligenceItem.objects.get(pk=record.pk).is_intelligence
    done = client.post(url, {"reason": "Not validated."})
    assert done.status_code == 302 and done.url == reverse("review-queue")
    assert "the 2 agencies it reached were told to destroy their copies" in " ".join(messages_of(done))
    assert IntelligenceItem.objects.get(pk=record.pk).is_purged


def test_the_purge_page_is_for_the_owners_reviewers(record, analyst_fl, analyst_la, outsider):
    url = reverse("item-purge", args=[record.pk])
    missing = reverse("item-purge", args=[record.pk + 1000])
    assert client_of(analyst_fl).get(url).status_code == 403
    assert client_of(analyst_la).get(url).status_code == 403  # a recipient
    existing = client_of(outsider).get(url)
    assert existing.status_code == 404
    assert client_of(outsider).get(missing).content == existing.content
    assert client_of(outsider).post(url, {"reason": "r"}).status_code == 404
    assert IntelligenceItem.objects.get(pk=record.pk).is_intelligence


def test_a_purged_record_shows_its_tombstone_to_its_agency_alone(
    record, reviewer_fl, analyst_fl, analyst_la, outsider
):
    purge(record, reviewer_fl)
    url = reverse("item-detail", args=[record.pk])
    tombstone = client_of(analyst_fl).get(url)
    assert tombstone.status_code == 410
    page = tombstone.content.decode()
    assert "purged" in page and "Not validated: the investigation closed" in page
    assert SECRET not in page
    never = client_of(outsider).get(reverse("item-detail", args=[record.pk + 1000]))
    for reader in (analyst_la, outsider):
        gone = client_of(reader).get(url)
        assert gone.status_code == 404 and gone.content == never.content
    # Its dissemination record stays its agency's to read, and nobody else's.
    record_url = reverse("item-disseminations", args=[record.pk])
    kept = client_of(analyst_fl).get(record_url)
    assert kept.status_code == 200 and "NOPD holds the motel" in kept.content.decode()
    assert client_of(analyst_la).get(record_url).status_code == 404
    assert client_of(outsider).get(record_url).status_code == 404
    queue = client_of(reviewer_fl).get(reverse("review-queue")).content.decode()
    assert f"#{record.pk}" in queue and "Not validated: the investigation closed" in queue


def test_the_review_queue_turns_the_automatic_purge_on_for_an_admin(agency_admin_fl, analyst_fl):
    url = reverse("review-queue-auto-purge")
    assert client_of(analyst_fl).post(url, {"enabled": "1", "reason": "r"}).status_code == 403
    admin = client_of(agency_admin_fl)
    page = admin.get(reverse("review-queue")).content.decode()
    assert "Turn the automatic purge on" in page
    # Once, in the page's body (not also in its <title>).
    assert page.count('id="auto-purge-title"') == 1
    assert re.search(r"<title>Review queue[^<]*</title>", page)
    assert admin.post(url, {"enabled": "1", "reason": ""}).status_code == 400
    done = admin.post(url, {"enabled": "1", "reason": "Privacy officer's decision."})
    assert done.status_code == 302
    assert "Turn the automatic purge off" in admin.get(reverse("review-queue")).content.decode()
    assert admin.post(url, {"enabled": "1", "reason": "again"}).status_code == 400


# The API --------------------------------------------------------------------------------------


@pytest.fixture
def key_of():
    def make(user, scope="read"):
        admin = user
        if not user.is_agency_admin:
            admin = User.objects.filter(username=f"admin_{user.username}").first() or \
                User.objects.create_user(username=f"admin_{user.username}", password=PASSWORD,
                                         agency=user.agency, role=User.Role.AGENCY_ADMIN)
        key = api_key_create(by=admin, name=f"{user.username} system", scope=scope)
        if user.intelligence_reviewer:
            User.objects.filter(pk=key.key.user_id).update(intelligence_reviewer=True)
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {key.plaintext}")
        return api

    return make


def test_the_api_purges_with_a_reviewers_write_key_and_refuses_the_rest(
    record, reviewer_fl, analyst_fl, outsider, key_of
):
    url = f"/api/v1/items/{record.pk}/purge/"
    assert key_of(reviewer_fl, "read").post(url, {"reason": "r"}, secure=True,
                                            format="json").status_code == 403
    assert key_of(analyst_fl, "write").post(url, {"reason": "r"}, secure=True,
                                            format="json").status_code == 403
    assert key_of(outsider, "write").post(url, {"reason": "r"}, secure=True,
                                          format="json").status_code == 404
    writer = key_of(reviewer_fl, "write")
    missing = writer.post(url, {}, secure=True, format="json")
    assert missing.status_code == 400 and "reason" in missing.json()["fields"]
    done = writer.post(url, {"reason": "Not validated."}, secure=True, format="json")
    assert done.status_code == 200, done.content
    assert done.json()["intelligence_status"] == "purged"
    assert done.json()["agencies_told"] == 2
    assert writer.get(f"/api/v1/items/{record.pk}/", secure=True).status_code == 404


# Notices that carry content are disseminations ------------------------------------------------


def test_a_notice_that_carries_the_title_lands_in_the_dissemination_record(
    record, analyst_fl, nopd, cfix, django_capture_on_commit_callbacks
):
    """The share notices (NOPD, and CFIX's members) and the correction notices carry the title
    to audiences that see it: each is a dissemination (23.20(g)), once per notice."""
    deliver_all()
    with django_capture_on_commit_callbacks(execute=True):
        services.item_update(item=record, by=fresh(analyst_fl), version=record.version,
                             body="Corrected once.")
    deliver_all()
    deliver_all()  # nothing pending: nothing written twice
    notices = record.disseminations.filter(channel="notification")
    assert sorted(notices.values_list("recipient_label", "reason")) == [
        ("New Orleans Police Department (LA0360200)",
         "The item's title in the notice of its correction"),
        ("New Orleans Police Department (LA0360200)",
         "The item's title in the notice of its share"),
        ("Orange County Sheriff's Office (FL0480000)",
         "The item's title in the notice of its correction"),
        (f"every member agency of {cfix.label}", "The item's title in the notice of its share"),
    ]
