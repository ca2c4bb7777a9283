"""Request access (cases.access): from a deconfliction notice or a withheld alert, an agency asks
the owner for access with a reason; the owner grants (a share within the handling rules) or
declines with an answer, in one step; both sides are told; every step is logged. Nothing of the
record reaches the requester before a share does."""

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from audit.models import AccessLog
from cases import access, services
from cases.models import SubjectMatch
from core.errors import NotVisible
from core.handling import TLP, Level
from notifications.models import Notification
from sharing.models import AccessRequest, Share
from sharing.permissions import cases_visible_to
from tests.base import HttpsClient, deliver_all, messages_of
from tests.conftest import fresh

SECRET = "Orlando motel ring, the secret one"


def client_of(user):
    client = HttpsClient()
    client.force_login(fresh(user))
    return client


def link_phone(by, **target):
    return services.entity_link(by=by, kind="phone", label="(407) 555-0148",
                                number="407-555-0148", **target)


@pytest.fixture
def orlando(make_case, analyst_fl):
    case = make_case(analyst_fl, title=SECRET, tlp=TLP.AMBER)
    link_phone(analyst_fl, case=case)
    return case


@pytest.fixture
def match(orlando, make_case, outsider, django_capture_on_commit_callbacks):
    """Houston links the phone that MBI's Orlando case holds: a match, told to both."""
    with django_capture_on_commit_callbacks(execute=True):
        link_phone(outsider, case=make_case(outsider, states=("TX",), title="Houston stash house"))
    deliver_all()
    return SubjectMatch.objects.get()


def ask(by, reason="Our stash house case shares the phone.", **source):
    with transaction.atomic():
        return access.access_request(by=by, reason=reason, **source)


def test_from_a_deconfliction_notice_to_a_granted_share(
    match, orlando, outsider, analyst_fl, django_capture_on_commit_callbacks
):
    # The notice in Houston's inbox offers the request; its form names the owner alone.
    inbox = client_of(outsider).get(reverse("notification-inbox")).content.decode()
    url = f"{reverse('access-request')}?match={match.pk}"
    assert url.replace("&", "&amp;") in inbox
    form = client_of(outsider).get(url).content.decode()
    assert "Ask Metropolitan Bureau of Investigation for access" in form
    assert SECRET not in form and orlando.number not in form

    client = client_of(outsider)
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(reverse("access-request"), {"match": match.pk, "reason": "Same phone."})
    assert sent.status_code == 302
    request = AccessRequest.objects.get()
    assert (request.case, request.owner, request.requester, request.source) == (
        orlando, analyst_fl.agency, outsider.agency, "deconfliction")
    deliver_all()
    told = Notification.objects.get(kind="access_requested")
    assert told.agency == analyst_fl.agency and told.case == orlando
    assert dict(told.lines)["Reason"] == "Same phone."
    # Houston's list shows the request without the record.
    mine = client.get(reverse("access-requests")).content.decode()
    assert "Pending" in mine and SECRET not in mine

    owner = client_of(analyst_fl)
    assert SECRET in owner.get(reverse("access-requests")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        granted = owner.post(reverse("access-decide", args=[request.pk]),
                             {f"r{request.pk}-decision": "grant", f"r{request.pk}-level": Level.VIEW})
    assert granted.status_code == 302, granted.content.decode()[:3000]
    assert messages_of(granted) == [f"Granted: {outsider.agency.name} is told."]
    assert Share.objects.filter(case=orlando, target_agency=outsider.agency, level=Level.VIEW).exists()
    assert cases_visible_to(fresh(outsider)).filter(pk=orlando.pk).exists()
    deliver_all()
    answer = Notification.objects.get(kind="access_answered")
    assert answer.agency == outsider.agency
    assert answer.title == "Metropolitan Bureau of Investigation granted your agency access (view)"
    logged = AccessLog.objects.filter(object_type="accessrequest", object_id=request.pk)
    assert set(logged.values_list("action", flat=True)) == {"create", "update"}


def test_the_owner_declines_with_an_answer_once(match, outsider, analyst_fl):
    request = ask(outsider, match_id=match.pk)
    with pytest.raises(ValidationError):
        access.access_decide(request=request, by=analyst_fl, decision="decline", answer="")
    declined = access.access_decide(request=request, by=analyst_fl, decision="decline",
                                    answer="Not until the arrests; call Sgt. Quint.")
    assert declined.status == "declined" and not Share.objects.exists()
    with pytest.raises(ValidationError) as twice:
        access.access_decide(request=request, by=analyst_fl, decision="grant")
    assert twice.value.code == "decided"
    # Declined, the agency may ask again.
    assert ask(outsider, match_id=match.pk).status == "pending"


def test_refusals(match, orlando, outsider, analyst_la, analyst_fl, make_case):
    with pytest.raises(NotVisible):  # the match was told to Houston, not NOPD
        ask(analyst_la, match_id=match.pk)
    with pytest.raises(NotVisible):
        ask(outsider, match_id=match.pk + 1000)
    with pytest.raises(ValidationError) as no_reason:
        ask(outsider, match_id=match.pk, reason=" ")
    assert no_reason.value.error_dict["reason"][0].code == "reason_missing"
    ask(outsider, match_id=match.pk)
    with pytest.raises(ValidationError) as again:
        ask(outsider, match_id=match.pk)
    assert again.value.code == "already_requested"
    # Another agency's request is not the NOPD's to answer, nor does it exist for it.
    request = AccessRequest.objects.get()
    with pytest.raises(NotVisible):
        access.access_decide(request=request, by=analyst_la, decision="grant")
    assert client_of(analyst_la).post(reverse("access-decide", args=[request.pk]),
                                      {f"r{request.pk}-decision": "grant"}).status_code == 404


def test_of_a_red_record_the_linker_hears_nothing_and_cannot_ask(
    make_case, analyst_fl, outsider, django_capture_on_commit_callbacks
):
    link_phone(analyst_fl, case=make_case(analyst_fl, tlp=TLP.RED))
    with django_capture_on_commit_callbacks(execute=True):
        link_phone(outsider, case=make_case(outsider, states=("TX",)))
    match = SubjectMatch.objects.get()
    with pytest.raises(NotVisible):
        ask(outsider, match_id=match.pk)
    page = client_of(outsider).get(f"{reverse('access-request')}?match={match.pk}")
    missing = client_of(outsider).get(f"{reverse('access-request')}?match={match.pk + 1000}")
    assert page.status_code == missing.status_code == 404
    assert page.content == missing.content


def test_from_an_alert_whose_title_was_withheld(
    make_case, analyst_la, analyst_fl, outsider, la_safe, django_capture_on_commit_callbacks
):
    """NOPD's case spans into Florida: CFIX is alerted, MBI (a member) does not see it."""
    with django_capture_on_commit_callbacks(execute=True):
        case = make_case(analyst_la, states=("LA", "FL"), title="Baton Rouge to Orlando",
                         lead_center=la_safe)
    deliver_all()
    alert = Notification.objects.get(kind="state_lines")
    inbox = client_of(analyst_fl).get(reverse("notification-inbox")).content.decode()
    assert f"{reverse('access-request')}?alert={alert.pk}" in inbox
    request = ask(analyst_fl, alert_id=alert.pk)
    assert (request.case, request.source) == (case, "alert")
    with pytest.raises(NotVisible):  # Houston never got that alert
        ask(outsider, alert_id=alert.pk)


def test_the_request_pages_answer_bad_input_and_outsiders_plainly(match, outsider):
    client = client_of(outsider)
    assert client.get(reverse("access-request")).status_code == 404
    assert client.get(f"{reverse('access-request')}?match=abc").status_code == 404
    refused = client.post(reverse("access-request"), {"match": match.pk, "reason": ""})
    assert refused.status_code == 400
    assert "Say why your agency needs access" in refused.content.decode()
    assert client.get(reverse("access-requests")).status_code == 200


# The API -------------------------------------------------------------------------------------


@pytest.fixture
def api_of():
    from rest_framework.test import APIClient

    from agencies.api_keys import api_key_create
    from agencies.models import User

    def make(user, scope="write"):
        admin = User.objects.filter(agency=user.agency, role=User.Role.AGENCY_ADMIN).first() or \
            User.objects.create_user(username=f"admin_{user.agency.ori}", password="x" * 20,
                                     agency=user.agency, role=User.Role.AGENCY_ADMIN)
        key = api_key_create(by=admin, name=f"{user.agency.ori} system", scope=scope)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key.plaintext}")
        return client

    return make


def test_the_api_asks_lists_and_answers(match, orlando, outsider, analyst_fl, api_of):
    houston, mbi = api_of(outsider), api_of(analyst_fl)
    url = "/api/v1/access-requests/"
    assert api_of(outsider, "read").post(url, {"match_id": match.pk, "reason": "r"},
                                         format="json", secure=True).status_code == 403
    missing = houston.post(url, {"match_id": match.pk}, format="json", secure=True)
    assert missing.status_code == 400 and "reason" in missing.json()["fields"]
    assert houston.post(url, {"match_id": match.pk + 1000, "reason": "r"}, format="json",
                        secure=True).status_code == 404
    made = houston.post(url, {"match_id": match.pk, "reason": "Same phone."}, format="json",
                        secure=True)
    assert made.status_code == 201, made.content
    asked = made.json()
    assert asked["record"] is None and asked["direction"] == "outgoing"
    assert SECRET not in made.content.decode()
    listed = mbi.get(url, secure=True).json()
    assert listed[0]["record"]["title"] == SECRET and listed[0]["direction"] == "incoming"
    decide = f"{url}{asked['id']}/decide/"
    assert houston.post(decide, {"decision": "grant"}, format="json", secure=True).status_code == 404
    done = mbi.post(decide, {"decision": "grant", "level": "view"}, format="json", secure=True)
    assert done.status_code == 200 and done.json()["status"] == "granted"
    now = houston.get(url, secure=True).json()[0]
    assert now["record"] == {"type": "case", "id": orlando.pk, "title": SECRET}
    assert houston.get(f"/api/v1/cases/{orlando.pk}/", secure=True).status_code == 200
