"""The handling rules of sharing (DESIGN.md, Permissions) and how each refusal is worded.

MBI (analyst_fl, CFIX) owns the case. NOPD (analyst_la) and the Louisiana State Police
(analyst_la2) are both members of LA-SAFE; Anaheim PD (analyst_ca) is a member of OCIAC; Houston
PD (outsider) of TxFC. A refusal is a ShareRefused whose `code` names the rule and whose message
explains it; a refused share changes nothing.
"""

import pytest
from django.core.exceptions import ValidationError

from agencies.models import Membership
from cases import services as case_services
from cases.models import Case, IntelligenceItem
from core.errors import InsufficientLevel, NotVisible
from core.handling import TLP, Level
from sharing.models import Share
from sharing.permissions import ShareRefused, cases_visible_to, items_visible_to, level_of
from sharing.services import share, unshare
from tests.conftest import fresh

AGENCY, CENTER, NETWORK = Share.Target.AGENCY, Share.Target.CENTER, Share.Target.NETWORK


def refused(code, *words, **share_args):
    """Share, expect the refusal `code` with a message containing `words`, and nothing written."""
    obj = share_args["obj"]
    before = list(Share.objects.order_by("id").values_list("id", "group_id", "level"))
    touched = type(obj).objects.get(pk=obj.pk).updated_at
    with pytest.raises(ShareRefused) as error:
        share(**share_args)
    assert error.value.code == code
    message = " ".join(error.value.messages)
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"
    assert list(Share.objects.order_by("id").values_list("id", "group_id", "level")) == before
    assert type(obj).objects.get(pk=obj.pk).updated_at == touched
    return message


@pytest.fixture
def case_marked(make_case, analyst_fl):
    """case_marked(tlp): a case of MBI with that marking, shared with nobody."""

    def make(tlp):
        return make_case(analyst_fl, states=("FL", "LA"), tlp=tlp)

    return make


def _marked_outside_the_services(case, tlp):
    """A marking changed where no service checked it (a data fix, an import): the sharing
    rules still hold on their own."""
    Case.objects.filter(pk=case.pk).update(tlp=tlp)
    return Case.objects.get(pk=case.pk)


# TLP:RED -------------------------------------------------------------------------------------


def test_red_owner_shares_with_a_named_agency(case_marked, analyst_fl, nopd, analyst_la):
    case = case_marked(TLP.RED)
    share(obj=case, by=analyst_fl, agency=nopd, level=Level.EDIT)
    assert level_of(fresh(analyst_la), case) == Level.EDIT


@pytest.mark.parametrize("target", [CENTER, NETWORK])
def test_red_is_never_shared_center_or_network_wide(case_marked, analyst_fl, la_safe, target):
    case = case_marked(TLP.RED)
    refused(
        "red_named_agencies_only", "TLP:RED", "named agencies only",
        obj=case, by=analyst_fl, target=target, center=la_safe if target == CENTER else None,
        level=Level.VIEW,
    )


def test_red_never_grants_manage(case_marked, analyst_fl, nopd):
    case = case_marked(TLP.RED)
    refused("red_no_manage", "TLP:RED", "manage cannot be granted",
            obj=case, by=analyst_fl, agency=nopd, level=Level.MANAGE)


def test_red_recipient_may_not_share_on_even_with_manage_from_before(
    case_marked, analyst_fl, nopd, lsp, analyst_la
):
    """Manage granted while the case was AMBER gives no right to share a RED case on."""
    case = case_marked(TLP.AMBER)
    share(obj=case, by=analyst_fl, agency=nopd, level=Level.MANAGE)
    case = _marked_outside_the_services(case, TLP.RED)
    refused("red_no_reshare", "TLP:RED", "only the owner shares it",
            obj=case, by=fresh(analyst_la), agency=lsp, level=Level.VIEW)


# TLP:AMBER+STRICT ----------------------------------------------------------------------------


def test_amber_strict_owner_shares_but_never_grants_manage(case_marked, analyst_fl, nopd):
    case = case_marked(TLP.AMBER_STRICT)
    share(obj=case, by=analyst_fl, agency=nopd, level=Level.EDIT)
    refused("amber_strict_no_manage", "TLP:AMBER+STRICT", "beyond its own agency",
            obj=case, by=analyst_fl, agency=nopd, level=Level.MANAGE)


def test_amber_strict_recipient_may_not_share_on(case_marked, analyst_fl, nopd, lsp, analyst_la):
    case = case_marked(TLP.AMBER)
    share(obj=case, by=analyst_fl, agency=nopd, level=Level.MANAGE)
    case = _marked_outside_the_services(case, TLP.AMBER_STRICT)
    # Not even to an agency of its own fusion center.
    refused("amber_strict_own_agency_only", "TLP:AMBER+STRICT", "beyond its own agency",
            obj=case, by=fresh(analyst_la), agency=lsp, level=Level.VIEW)


# TLP:AMBER -----------------------------------------------------------------------------------


@pytest.fixture
def amber_case_managed_by_nopd(case_marked, analyst_fl, nopd):
    case = case_marked(TLP.AMBER)
    share(obj=case, by=analyst_fl, agency=nopd, level=Level.MANAGE)
    return case


def test_amber_recipient_shares_within_its_own_center(
    amber_case_managed_by_nopd, analyst_la, lsp, analyst_la2, la_safe
):
    case = amber_case_managed_by_nopd
    share(obj=case, by=fresh(analyst_la), agency=lsp, level=Level.ANNOTATE)
    assert level_of(fresh(analyst_la2), case) == Level.ANNOTATE
    share(obj=case, by=fresh(analyst_la), target=CENTER, center=la_safe, level=Level.EDIT)
    assert level_of(fresh(analyst_la2), case) == Level.EDIT


def test_amber_recipient_may_not_share_outside_its_centers(
    amber_case_managed_by_nopd, analyst_la, anaheim, ociac, cfix, houston
):
    case = amber_case_managed_by_nopd
    for agency in (anaheim, houston):
        refused("amber_own_centers_only", "TLP:AMBER", "within its own fusion center", agency.name,
                obj=case, by=fresh(analyst_la), agency=agency, level=Level.VIEW)
    for center in (ociac, cfix):
        refused("amber_own_centers_only", "TLP:AMBER", "not an active member", center.label,
                obj=case, by=fresh(analyst_la), target=CENTER, center=center, level=Level.VIEW)
    refused("network_needs_clear", "TLP:AMBER", "only TLP:CLEAR",
            obj=case, by=fresh(analyst_la), target=NETWORK, level=Level.VIEW)


def test_amber_counts_active_memberships_only(amber_case_managed_by_nopd, analyst_la, lsp, la_safe):
    """Once LSP is suspended from LA-SAFE, NOPD no longer shares a center with it."""
    Membership.objects.filter(agency=lsp, center=la_safe).update(status=Membership.Status.SUSPENDED)
    refused("amber_own_centers_only", "TLP:AMBER",
            obj=amber_case_managed_by_nopd, by=fresh(analyst_la), agency=lsp, level=Level.VIEW)


def test_amber_owner_is_not_limited_to_its_centers(case_marked, analyst_fl, anaheim, analyst_ca,
                                                   stac, ociac):
    case = case_marked(TLP.AMBER)
    share(obj=case, by=analyst_fl, agency=anaheim, level=Level.VIEW)
    share(obj=case, by=analyst_fl, target=CENTER, center=stac, level=Level.VIEW)
    share(obj=case, by=analyst_fl, target=CENTER, center=ociac, level=Level.ANNOTATE)
    assert level_of(fresh(analyst_ca), case) == Level.ANNOTATE


# TLP:GREEN and TLP:CLEAR --------------------------------------------------------------------


def test_green_is_shared_anywhere_but_not_network_wide(
    case_marked, analyst_fl, nopd, analyst_la, anaheim, txfc, outsider
):
    case = case_marked(TLP.GREEN)
    share(obj=case, by=analyst_fl, agency=nopd, level=Level.MANAGE)
    # A recipient with manage shares beyond its own centers: OCIAC's Anaheim, TxFC as a whole.
    share(obj=case, by=fresh(analyst_la), agency=anaheim, level=Level.VIEW)
    share(obj=case, by=fresh(analyst_la), target=CENTER, center=txfc, level=Level.VIEW)
    assert case in cases_visible_to(fresh(outsider))
    for sharer in (analyst_fl, fresh(analyst_la)):
        refused("network_needs_clear", "TLP:GREEN", "only TLP:CLEAR",
                obj=case, by=sharer, target=NETWORK, level=Level.VIEW)


def test_clear_is_shared_network_wide(case_marked, make_item, analyst_fl, nopd, analyst_la,
                                      outsider, analyst_ca):
    case = case_marked(TLP.CLEAR)
    share(obj=case, by=analyst_fl, agency=nopd, level=Level.MANAGE)
    share(obj=case, by=fresh(analyst_la), target=NETWORK, level=Level.VIEW)
    assert level_of(fresh(outsider), case) == Level.VIEW
    assert level_of(fresh(analyst_ca), case) == Level.VIEW
    item = make_item(analyst_fl, tlp=TLP.CLEAR)
    share(obj=item, by=analyst_fl, target=NETWORK, level=Level.ANNOTATE)
    assert level_of(fresh(outsider), item) == Level.ANNOTATE


@pytest.mark.parametrize("tlp", [TLP.CLEAR, TLP.GREEN, TLP.AMBER])
def test_a_marking_never_grants_access_by_itself(
    tlp, case_marked, make_item, analyst_fl, analyst_fl2, analyst_la, outsider
):
    case = case_marked(tlp)
    item = make_item(analyst_fl, tlp=tlp)
    # Not even to another agency of the owner's own center.
    for user in (analyst_fl2, analyst_la, outsider):
        assert list(cases_visible_to(fresh(user))) == []
        assert list(items_visible_to(fresh(user))) == []
        assert level_of(fresh(user), case) is None
        assert level_of(fresh(user), item) is None


# Who may share, and with whom ----------------------------------------------------------------


@pytest.mark.parametrize("held", [Level.VIEW, Level.ANNOTATE, Level.EDIT])
def test_only_owner_or_manage_holder_shares(held, case_marked, analyst_fl, nopd, analyst_la, lsp):
    case = case_marked(TLP.CLEAR)
    share(obj=case, by=analyst_fl, agency=nopd, level=held)
    refused("sharer_level", "Only the owner agency or an agency holding manage",
            Level(held).label.lower(),
            obj=case, by=fresh(analyst_la), agency=lsp, level=Level.VIEW)


def test_an_outsider_sharing_gets_the_404(case_marked, outsider, lsp):
    case = case_marked(TLP.CLEAR)
    with pytest.raises(NotVisible):
        share(obj=case, by=fresh(outsider), agency=lsp, level=Level.VIEW)
    assert not Share.objects.exists()


@pytest.mark.parametrize("level", [Level.OWNER, 0, 9, None])
def test_nobody_grants_ownership_or_an_unknown_level(level, case_marked, analyst_fl, nopd):
    """The level cannot rise above what the sharer holds: at most manage, never ownership."""
    case = case_marked(TLP.CLEAR)
    refused("invalid_level", "view, annotate, edit or manage",
            obj=case, by=analyst_fl, agency=nopd, level=level)


def test_a_manage_holder_grants_up_to_manage(case_marked, analyst_fl, nopd, analyst_la, lsp,
                                             analyst_la2):
    case = case_marked(TLP.GREEN)
    share(obj=case, by=analyst_fl, agency=nopd, level=Level.MANAGE)
    share(obj=case, by=fresh(analyst_la), agency=lsp, level=Level.MANAGE)
    assert level_of(fresh(analyst_la2), case) == Level.MANAGE


def test_not_with_the_owner_nor_oneself(case_marked, analyst_fl, mbi, nopd, analyst_la):
    case = case_marked(TLP.GREEN)
    refused("recipient_is_owner", "owner agency already holds",
            obj=case, by=analyst_fl, agency=mbi, level=Level.VIEW)
    share(obj=case, by=analyst_fl, agency=nopd, level=Level.MANAGE)
    refused("recipient_is_owner", "owner agency already holds",
            obj=case, by=fresh(analyst_la), agency=mbi, level=Level.VIEW)
    refused("recipient_is_self", "already holds access",
            obj=case, by=fresh(analyst_la), agency=nopd, level=Level.MANAGE)


def test_sharing_again_changes_the_level(case_marked, analyst_fl, nopd, analyst_la):
    case = case_marked(TLP.AMBER)
    first = share(obj=case, by=analyst_fl, agency=nopd, level=Level.EDIT)
    again = share(obj=case, by=analyst_fl, agency=nopd, level=Level.VIEW)
    assert again.pk == first.pk
    assert Share.objects.get().level == Level.VIEW
    assert level_of(fresh(analyst_la), case) == Level.VIEW


def test_a_manage_holder_cannot_rewrite_the_owners_share(
    case_marked, analyst_fl, nopd, analyst_la, lsp, analyst_la2
):
    """NOPD may share on, but not lower (and so take over) the edit MBI granted LSP itself."""
    case = case_marked(TLP.AMBER)
    share(obj=case, by=analyst_fl, agency=nopd, level=Level.MANAGE)
    share(obj=case, by=analyst_fl, agency=lsp, level=Level.EDIT)
    refused("granted_by_another_agency", "granted by",
            obj=case, by=fresh(analyst_la), agency=lsp, level=Level.VIEW)
    assert level_of(fresh(analyst_la2), case) == Level.EDIT
    with pytest.raises(InsufficientLevel):
        unshare(share_record=Share.objects.get(target_agency=lsp), by=fresh(analyst_la))


# Withdrawing a share -------------------------------------------------------------------------


@pytest.fixture
def shared_around(case_marked, analyst_fl, nopd, analyst_la, lsp, anaheim):
    """GREEN case: MBI grants NOPD manage and Anaheim view; NOPD grants LSP view."""
    case = case_marked(TLP.GREEN)
    share(obj=case, by=analyst_fl, agency=nopd, level=Level.MANAGE)
    share(obj=case, by=analyst_fl, agency=anaheim, level=Level.VIEW)
    share(obj=case, by=fresh(analyst_la), agency=lsp, level=Level.VIEW)
    return case


def test_owner_withdraws_any_share(shared_around, analyst_fl, lsp, analyst_la2):
    by_nopd = Share.objects.get(target_agency=lsp)
    unshare(share_record=by_nopd, by=analyst_fl)
    assert not Share.objects.filter(pk=by_nopd.pk).exists()
    assert level_of(fresh(analyst_la2), shared_around) is None
    assert shared_around not in cases_visible_to(fresh(analyst_la2))


def test_granting_manage_holder_withdraws_its_own_share(shared_around, analyst_la, lsp,
                                                        analyst_la2):
    unshare(share_record=Share.objects.get(target_agency=lsp), by=fresh(analyst_la))
    assert level_of(fresh(analyst_la2), shared_around) is None


def test_manage_holder_may_not_withdraw_the_owners_shares(shared_around, analyst_la, anaheim,
                                                          analyst_ca):
    with pytest.raises(InsufficientLevel, match="Only the owner agency"):
        unshare(share_record=Share.objects.get(target_agency=anaheim), by=fresh(analyst_la))
    assert level_of(fresh(analyst_ca), shared_around) == Level.VIEW


def test_recipients_without_manage_and_outsiders_may_not_withdraw(
    shared_around, analyst_ca, analyst_la2, outsider, nopd, lsp
):
    nopd_share = Share.objects.get(target_agency=nopd)
    with pytest.raises(InsufficientLevel):
        unshare(share_record=nopd_share, by=fresh(analyst_ca))
    # LSP cannot withdraw even the share it received.
    with pytest.raises(InsufficientLevel):
        unshare(share_record=Share.objects.get(target_agency=lsp), by=fresh(analyst_la2))
    with pytest.raises(NotVisible):
        unshare(share_record=nopd_share, by=fresh(outsider))
    assert Share.objects.count() == 3


def test_a_manage_holder_who_lost_manage_may_not_withdraw(shared_around, analyst_fl, analyst_la,
                                                          nopd, lsp):
    share(obj=shared_around, by=analyst_fl, agency=nopd, level=Level.VIEW)
    with pytest.raises(InsufficientLevel):
        unshare(share_record=Share.objects.get(target_agency=lsp), by=fresh(analyst_la))


# A stricter marking does not leave standing what it forbids ---------------------------------


def _remark_refused(obj, by, tlp, *words):
    model = type(obj)
    row_before = model.objects.filter(pk=obj.pk).values().get()
    update = case_services.case_update if model is Case else case_services.item_update
    target = {"case": obj} if model is Case else {"item": obj}
    with pytest.raises(ValidationError) as refused:
        update(**target, by=by, version=obj.version, tlp=tlp)
    error = refused.value.error_dict["tlp"][0]
    assert error.code == "shares_beyond_marking"
    message = " ".join(error.messages)
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"
    assert model.objects.filter(pk=obj.pk).values().get() == row_before


def test_marking_red_is_refused_while_a_center_wide_share_stands(case_marked, analyst_fl, cfix):
    case = case_marked(TLP.AMBER)
    record = share(obj=case, by=analyst_fl, target=CENTER, center=cfix, level=Level.VIEW)
    _remark_refused(case, analyst_fl, TLP.RED, "TLP:RED", "withdraw them first",
                    "every member agency of CFIX", "named agencies only")
    unshare(share_record=record, by=analyst_fl)
    case = Case.objects.get(pk=case.pk)
    remarked = case_services.case_update(case=case, by=analyst_fl, version=case.version,
                                         tlp=TLP.RED)
    assert remarked.tlp == TLP.RED


@pytest.mark.parametrize("tlp", [TLP.RED, TLP.AMBER_STRICT])
def test_marking_strict_is_refused_while_a_recipient_holds_or_used_manage(
    tlp, case_marked, analyst_fl, nopd, analyst_la, lsp
):
    case = case_marked(TLP.AMBER)
    share(obj=case, by=analyst_fl, agency=nopd, level=Level.MANAGE)
    share(obj=case, by=fresh(analyst_la), agency=lsp, level=Level.VIEW)
    case = Case.objects.get(pk=case.pk)
    _remark_refused(case, analyst_fl, tlp, "New Orleans Police Department",
                    "manage cannot be held", "Louisiana State Police",
                    "no recipient may share it on")


def test_marking_below_clear_is_refused_while_a_network_share_stands(make_item, analyst_fl,
                                                                     outsider):
    item = make_item(analyst_fl, tlp=TLP.CLEAR)
    share(obj=item, by=analyst_fl, target=NETWORK, level=Level.VIEW)
    item = IntelligenceItem.objects.get(pk=item.pk)
    _remark_refused(item, analyst_fl, TLP.GREEN, "TLP:GREEN", "every agency in the network")
    assert level_of(fresh(outsider), item) == Level.VIEW


def test_a_marking_that_allows_every_share_is_changed(case_marked, analyst_fl, nopd, cfix):
    case = case_marked(TLP.GREEN)
    share(obj=case, by=analyst_fl, agency=nopd, level=Level.EDIT)
    share(obj=case, by=analyst_fl, target=CENTER, center=cfix, level=Level.VIEW)
    case = Case.objects.get(pk=case.pk)
    case = case_services.case_update(case=case, by=analyst_fl, version=case.version,
                                     tlp=TLP.AMBER_STRICT)
    assert case.tlp == TLP.AMBER_STRICT
    # Loosening is always possible.
    case = case_services.case_update(case=case, by=analyst_fl, version=case.version,
                                     tlp=TLP.CLEAR)
    assert case.tlp == TLP.CLEAR
