"""`manage.py seed_demo` on a database that already holds part of the network.

`make run` seeds at every start, also on a database where centers, agencies and people were
made by hand: it completes the network around them instead of failing.
"""

import io

from django.core.management import call_command

from agencies.models import FusionCenter, Membership, User
from audit.models import AccessLog
from cases.models import Case, TimelineEvent
from sharing.permissions import cases_visible_to


def seed():
    out = io.StringIO()
    call_command("seed_demo", force=True, stdout=out)
    return out.getvalue()


def test_completes_a_network_made_by_hand(cfix, analyst_fl, outsider, admin_cfix):
    # Here CFIX stands as Florida's primary center, where the list has the Florida Fusion Center.
    assert cfix.kind == "primary"

    seed()

    assert not FusionCenter.objects.filter(state="FL", kind="primary").exclude(pk=cfix.pk).exists()
    assert FusionCenter.objects.count() == 77  # the list, with CFIX standing for two of it
    # New agencies of the list join CFIX once, though the list names it twice for them.
    opd_memberships = Membership.objects.filter(agency__name="Orlando Police Department")
    assert list(opd_memberships.values_list("center__short_name", flat=True)) == ["CFIX"]
    # The existing people play their parts in the story.
    case = cases_visible_to(analyst_fl).get(number="MBI-HT-0042")
    assert case.owner == analyst_fl.agency
    assert not cases_visible_to(outsider).filter(pk=case.pk).exists()

    assert "nothing to do" in seed()


def test_a_story_a_service_refuses_is_left_out_and_named(houston):
    # analyst_la works at Houston PD here, so the trafficking case's shares never reach them
    # and their annotation on it is refused: that story is left out, the rest is seeded.
    User.objects.create_user(username="analyst_la", password="x" * 16, agency=houston)
    out, err = io.StringIO(), io.StringIO()

    call_command("seed_demo", force=True, stdout=out, stderr=err)

    assert "Left out case MBI-HT-0042: No case found." in err.getvalue()
    assert not Case.objects.filter(number="MBI-HT-0042").exists()
    assert Case.objects.count() == 44
    assert "44 cases" in out.getvalue()
    # Nothing of the refused story stayed behind: no orphan timeline, share or access-log row.
    assert not TimelineEvent.objects.filter(case__number="MBI-HT-0042").exists()
    assert not AccessLog.objects.filter(detail__number="MBI-HT-0042").exists()
