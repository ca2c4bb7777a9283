"""The share dialog offers exactly what the handling rules allow: never a share that
sharing.permissions.check_share would refuse, and every share it would accept."""

import pytest
from django.urls import reverse

from agencies.models import Agency, FusionCenter
from cases import services as case_services
from cases.models import Annotation
from cases.selectors import share_options
from core.errors import NotVisible
from core.handling import TLP, Level
from sharing.models import Share
from sharing.permissions import ShareRefused, check_share, get_child_or_404
from sharing.services import share
from tests.base import HttpsClient
from tests.conftest import fresh

LEVELS = [Level.VIEW, Level.ANNOTATE, Level.EDIT, Level.MANAGE]


@pytest.fixture
def network(mbi, ocso, nopd, lsp, anaheim, houston, cfix, la_safe, stac, ociac, txfc):
    return {"agencies": list(Agency.objects.all()), "centers": list(FusionCenter.objects.all())}


def _accepted(user, obj, **target):
    try:
        check_share(principal=user, obj=obj, **target)
    except ShareRefused:
        return False
    return True


def _agreement(user, obj, network):
    options = share_options(user, obj)
    offered_agencies = {a.pk for a in options["agencies"]}
    offered_centers = {c.pk for c in options["centers"]}
    for level in LEVELS:
        offered_level = level in options["levels"]
        for agency in network["agencies"]:
            accepted = _accepted(user, obj, target=Share.Target.AGENCY, target_agency=agency,
                                 level=level)
            assert accepted == (offered_level and agency.pk in offered_agencies), (
                obj.tlp, level, agency)
        for center in network["centers"]:
            accepted = _accepted(user, obj, target=Share.Target.CENTER, target_center=center,
                                 level=level)
            assert accepted == (offered_level and center.pk in offered_centers), (
                obj.tlp, level, center)
        accepted = _accepted(user, obj, target=Share.Target.NETWORK, level=level)
        assert accepted == (offered_level and options["network"]), (obj.tlp, level, "network")
    return options


@pytest.mark.parametrize("tlp", TLP.values)
def test_the_owner_is_offered_exactly_what_the_rules_allow(tlp, network, make_case, analyst_fl):
    case = make_case(analyst_fl, tlp=tlp)
    options = _agreement(analyst_fl, case, network)
    assert options["levels"]  # the owner may always share with someone


@pytest.mark.parametrize("tlp", TLP.values)
@pytest.mark.parametrize("held", LEVELS)
def test_a_recipient_is_offered_exactly_what_the_rules_allow(
    tlp, held, network, make_case, analyst_fl, analyst_la, nopd
):
    case = make_case(analyst_fl, tlp=tlp)
    if tlp in (TLP.RED, TLP.AMBER_STRICT) and held == Level.MANAGE:
        # Manage cannot be granted on these markings at all, so no recipient holds it.
        with pytest.raises(ShareRefused):
            share(obj=case, by=analyst_fl, agency=nopd, level=held)
        return
    share(obj=case, by=analyst_fl, agency=nopd, level=held)
    options = _agreement(fresh(analyst_la), case, network)
    if held < Level.MANAGE:
        assert options["levels"] == []


def test_amber_recipient_is_offered_only_its_own_centers(
    network, make_case, analyst_fl, analyst_la, nopd, lsp, houston, la_safe, cfix
):
    case = make_case(analyst_fl, tlp=TLP.AMBER)
    share(obj=case, by=analyst_fl, agency=nopd, level=Level.MANAGE)
    options = share_options(fresh(analyst_la), case)
    assert {a.pk for a in options["agencies"]} == {lsp.pk}
    assert [c.pk for c in options["centers"]] == [la_safe.pk]


def test_the_dialog_lists_the_offered_recipients_only(
    network, make_case, analyst_fl, nopd, houston
):
    case = make_case(analyst_fl, tlp=TLP.RED)
    client = HttpsClient()
    client.force_login(analyst_fl)
    page = client.get(reverse("case-share", args=[case.pk])).content.decode()
    assert f"agency:{nopd.pk}" in page and f"agency:{houston.pk}" in page
    assert "center:" not in page and 'value="network"' not in page
    assert "Manage" not in page  # TLP:RED: no recipient may share it on


def test_sharing_with_a_center_from_the_dialog(network, make_case, analyst_fl, la_safe):
    case = make_case(analyst_fl, tlp=TLP.GREEN)
    client = HttpsClient()
    client.force_login(analyst_fl)
    response = client.post(reverse("case-share", args=[case.pk]),
                           {"recipient": f"center:{la_safe.pk}", "level": Level.VIEW})
    assert response.status_code == 302
    record = Share.objects.get(case=case)
    assert (record.target, record.target_center, record.level) == ("center", la_safe, Level.VIEW)


def test_a_recipient_not_offered_is_refused_by_the_form(network, make_case, analyst_fl, la_safe):
    case = make_case(analyst_fl, tlp=TLP.RED)
    client = HttpsClient()
    client.force_login(analyst_fl)
    response = client.post(reverse("case-share", args=[case.pk]),
                           {"recipient": f"center:{la_safe.pk}", "level": Level.VIEW})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not Share.objects.exists()


def test_withdrawing_a_share(network, make_case, analyst_fl, nopd, analyst_la):
    case = make_case(analyst_fl)
    record = share(obj=case, by=analyst_fl, agency=nopd, level=Level.VIEW)
    client = HttpsClient()
    client.force_login(fresh(analyst_la))
    assert client.post(reverse("share-withdraw", args=[record.pk])).status_code == 403
    client.force_login(analyst_fl)
    assert client.post(reverse("share-withdraw", args=[record.pk])).status_code == 302
    assert not Share.objects.exists()
    client.force_login(fresh(analyst_la))
    assert client.get(reverse("case-detail", args=[case.pk])).status_code == 404


def test_a_recipient_sees_its_own_share_not_the_whole_distribution(
    network, make_case, analyst_fl, analyst_la, nopd, houston
):
    case = make_case(analyst_fl, tlp=TLP.GREEN)
    share(obj=case, by=analyst_fl, agency=nopd, level=Level.VIEW)
    share(obj=case, by=analyst_fl, agency=houston, level=Level.VIEW)
    client = HttpsClient()
    client.force_login(analyst_fl)
    owner_page = client.get(reverse("case-detail", args=[case.pk])).content.decode()
    assert "Houston Police Department" in owner_page and "New Orleans" in owner_page
    client.force_login(fresh(analyst_la))
    response = client.get(reverse("case-detail", args=[case.pk]))
    assert [s.target_agency for s in response.context["shares"]] == [nopd]
    assert "Houston Police Department" not in response.content.decode()


def test_a_share_the_reader_is_not_shown_does_not_exist_for_it(
    network, make_case, analyst_fl, analyst_la, nopd, houston
):
    """Withdrawing another recipient's share answered 403, which told NOPD that Houston holds
    the case. A share is reached through the permission service like any child row: the same
    404 as a share that does not exist, and the share stays."""
    case = make_case(analyst_fl, tlp=TLP.GREEN)
    share(obj=case, by=analyst_fl, agency=nopd, level=Level.MANAGE)
    houstons = share(obj=case, by=analyst_fl, agency=houston, level=Level.VIEW)
    client = HttpsClient()
    client.force_login(fresh(analyst_la))
    missing = client.post(reverse("share-withdraw", args=[houstons.pk + 1000]))
    hidden = client.post(reverse("share-withdraw", args=[houstons.pk]))
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content
    assert Share.objects.filter(pk=houstons.pk).exists()


def test_children_of_an_invisible_parent_are_missing(
    network, make_case, analyst_fl, outsider
):
    """Annotations, attachments and shares are reached through their visible parent."""
    case = make_case(analyst_fl)
    note = case_services.annotation_add(by=analyst_fl, body="Seen in Shreveport", case=case)
    record = share(obj=case, by=analyst_fl, agency=Agency.objects.get(ori="LA0360200"),
                   level=Level.VIEW)
    for model, pk in ((Annotation, note.pk), (Share, record.pk)):
        with pytest.raises(NotVisible):
            get_child_or_404(fresh(outsider), model, pk)
        child, parent = get_child_or_404(fresh(analyst_fl), model, pk)
        assert (child.pk, parent.pk) == (pk, case.pk)
