"""Time in the reader's zone (issue 18, "Time"): a setting on the user, every time on the pages
in that zone in one format, its UTC on hover; logs and their filters stay in UTC."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from agencies import services
from audit.models import AccessLog
from cases.models import Case
from tests.base import PageTests

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_https():
    from tests.base import HttpsClient

    return HttpsClient()


class TestAccountPage(PageTests):
    """Anyone signed in has it, for their own account only: there is no one else's."""

    url_name = "account"
    method = "post"

    def url(self, subject):
        return reverse(self.url_name)

    def data(self, subject):
        return {"time_zone": "America/Chicago"}

    def test_setting_the_zone_is_kept_and_logged(self, client, analyst_fl):
        client.force_login(analyst_fl)
        response = client.post(reverse("account"), {"time_zone": "America/Chicago"})
        assert response.status_code == 302
        analyst_fl.refresh_from_db()
        assert analyst_fl.time_zone == "America/Chicago"
        row = AccessLog.objects.filter(action="update", object_type="user").latest("id")
        assert (row.object_id, row.detail["after"]) == (analyst_fl.pk, "America/Chicago")

    def test_a_zone_not_offered_is_a_clear_400(self, client, analyst_fl):
        client.force_login(analyst_fl)
        response = client.post(reverse("account"), {"time_zone": "Europe/Moscow"})
        assert response.status_code == 400
        assert "valid choice" in response.content.decode()
        analyst_fl.refresh_from_db()
        assert analyst_fl.time_zone == "UTC"


def test_the_service_refuses_a_zone_it_does_not_offer(analyst_fl):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.user_time_zone_set(user=analyst_fl, time_zone="Mars/Olympus_Mons")


def test_pages_show_the_readers_zone_with_utc_on_hover(client_https, trafficking_case, analyst_fl):
    at = datetime(2026, 8, 3, 18, 50, tzinfo=UTC)
    Case.objects.filter(pk=trafficking_case.pk).update(created_at=at, updated_at=at)
    url = reverse("case-detail", args=[trafficking_case.pk])
    client_https.force_login(analyst_fl)
    page = client_https.get(url).content.decode()
    assert 'title="2026-08-03 18:50:00 UTC">Aug 3, 2026 18:50</time>' in page

    services.user_time_zone_set(user=analyst_fl, time_zone="America/New_York")
    page = client_https.get(url).content.decode()
    assert 'title="2026-08-03 18:50:00 UTC">Aug 3, 2026 14:50</time>' in page  # EDT
    assert ">America/New_York</span>" in page  # the header says which zone


def test_the_zone_ends_with_the_request(client_https, analyst_fl):
    from django.utils import timezone

    services.user_time_zone_set(user=analyst_fl, time_zone="Pacific/Honolulu")
    client_https.force_login(analyst_fl)
    client_https.get(reverse("case-list"))
    assert timezone.get_current_timezone_name() == "UTC"


def test_the_api_stays_in_utc_for_a_reader_of_another_zone(client_https, trafficking_case,
                                                            analyst_fl):
    services.user_time_zone_set(user=analyst_fl, time_zone="America/Los_Angeles")
    client_https.force_login(analyst_fl)
    answer = client_https.get(f"/api/v1/cases/{trafficking_case.pk}/").json()
    assert answer["updated_at"].endswith(("Z", "+00:00"))
