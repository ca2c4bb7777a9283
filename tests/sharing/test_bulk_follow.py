"""Bulk follow on the case list: tick cases, "Follow selected" / "Stop following selected", a plain
form post. Each case goes through follow_set; an id the agency cannot see is refused as a missing
one: never followed, never named."""

import pytest
from django.urls import reverse

from notifications.models import Follow
from tests.base import HttpsClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    return HttpsClient()


def _post(client, ids, following="1", back=""):
    return client.post(reverse("case-follow-bulk"),
                       {"ids": [str(i) for i in ids], "following": following, "back": back},
                       follow=True)


def test_the_case_list_offers_the_bulk_form(client, analyst_fl, make_case):
    case = make_case(analyst_fl)
    client.force_login(analyst_fl)
    page = client.get(reverse("case-list")).content.decode()
    assert f'action="{reverse("case-follow-bulk")}"' in page
    assert f'name="ids" value="{case.pk}"' in page
    assert "Follow selected" in page and "Stop following selected" in page


def test_follow_and_stop_following_the_ticked_cases(client, analyst_fl, make_case):
    cases = [make_case(analyst_fl) for _ in range(3)]
    Follow.objects.all().delete()  # the author follows what it opens
    client.force_login(analyst_fl)
    response = _post(client, [c.pk for c in cases[:2]], back="status=open")
    assert response.redirect_chain[-1][0] == reverse("case-list") + "?status=open"
    assert set(Follow.objects.filter(user=analyst_fl).values_list("case_id", flat=True)) == {
        cases[0].pk, cases[1].pk}
    assert cases[0].number in response.content.decode()
    _post(client, [cases[0].pk], following="0")
    assert list(Follow.objects.filter(user=analyst_fl).values_list("case_id", flat=True)) == [
        cases[1].pk]


def test_a_hidden_case_is_refused_and_never_named(client, analyst_fl, outsider, make_case):
    mine = make_case(analyst_fl)
    hidden = make_case(outsider, title="Houston only")
    client.force_login(analyst_fl)
    page = _post(client, [mine.pk, hidden.pk]).content.decode()
    assert Follow.objects.filter(user=analyst_fl, case=mine).exists()
    assert not Follow.objects.filter(user=analyst_fl, case=hidden).exists()
    assert hidden.number not in page and "Houston only" not in page
    assert "1 of the ticked cases was not found" in page
    # A missing id reads the same as the hidden one.
    missing = _post(client, [mine.pk, hidden.pk + 10_000]).content.decode()
    assert "1 of the ticked cases was not found" in missing


def test_an_outsider_follows_nothing_of_ours(client, analyst_fl, outsider, make_case):
    case = make_case(analyst_fl)
    client.force_login(outsider)
    page = _post(client, [case.pk]).content.decode()
    assert not Follow.objects.filter(user=outsider).exists() and case.number not in page


@pytest.mark.parametrize("ids", [[], ["x"], ["-1"], ["1" * 20], [str(i) for i in range(201)]])
def test_bad_input_changes_nothing_and_says_so(client, analyst_fl, make_case, ids):
    make_case(analyst_fl)
    Follow.objects.all().delete()
    client.force_login(analyst_fl)
    response = client.post(reverse("case-follow-bulk"), {"ids": ids}, follow=True)
    page = response.content.decode()
    assert "nothing was changed" in page
    assert not Follow.objects.exists()


def test_anonymous_is_sent_to_log_in(client):
    response = client.post(reverse("case-follow-bulk"), {"ids": ["1"]})
    assert response.status_code == 302 and reverse("login") in response["Location"]
