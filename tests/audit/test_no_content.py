"""The access log records who did what to which object and which fields changed, never the
content: a center admin reviews the log of member agencies whose cases the admin's own agency
may not see (DESIGN.md, "Pointers, not content")."""

import csv
import io

from django.urls import reverse

from agencies.models import Agency
from audit.models import AccessLog
from cases import services as case_services
from sharing.permissions import cases_visible_to
from tests.base import HttpsClient

SECRETS = ("Runaway minor trafficked", "Minor from Orlando", "Renamed by the owner",
           "Moved to a new summary", "5550148", "dwayne")


def export(admin, center):
    client = HttpsClient()
    client.force_login(admin)
    response = client.get(reverse("center-access-log-csv", args=[center.pk]))
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode()


def test_a_center_admin_exports_who_changed_what_but_not_the_content(
    trafficking_case, analyst_fl, admin_cfix, cfix
):
    assert not cases_visible_to(admin_cfix).filter(pk=trafficking_case.pk).exists()
    case_services.case_update(
        case=trafficking_case, by=analyst_fl, version=trafficking_case.version,
        title="Renamed by the owner", summary="Moved to a new summary", status="closed",
    )
    case_services.entity_link(by=analyst_fl, kind="phone", label="(407) 555-0148",
                              number="(407) 555-0148", case=trafficking_case)
    case_services.entity_link(by=analyst_fl, kind="person", label="Dwayne Halvorsen-Pike",
                              name="Dwayne Halvorsen-Pike", dob="1988-11-27",
                              case=trafficking_case)
    text = export(admin_cfix, cfix)
    rows = list(csv.DictReader(io.StringIO(text)))
    update = next(row for row in rows if row["action"] == "update" and '"fields"' in row["detail"])
    # Which fields changed, and the status (a state, not content), are there.
    assert '"title"' in update["detail"] and '"summary"' in update["detail"]
    assert '"closed"' in update["detail"]
    for secret in SECRETS:
        assert secret.lower() not in text.lower(), secret


def test_rows_written_with_content_before_are_shown_without_it(admin_cfix, cfix, analyst_fl):
    """The log is append-only: rows that held content stay, and the export leaves it out."""
    AccessLog.objects.create(
        action="update", actor=analyst_fl, agency=Agency.objects.get(ori="FL0480400"),
        object_type="case", object_id=1,
        detail={"before": {"title": "Runaway minor trafficked", "status": "open"},
                "after": {"title": "Renamed by the owner", "status": "closed"},
                "key": "dwayne halvorsen-pike|1988-11-27",
                "jurisdiction_added": "Minor from Orlando"},
    )
    text = export(admin_cfix, cfix)
    assert '"closed"' in text and '"title"' in text
    for secret in SECRETS:
        assert secret.lower() not in text.lower(), secret
