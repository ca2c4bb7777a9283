from sharing.permissions import cases_visible_to


def test_owner_sees_its_case_and_outsider_does_not(trafficking_case, analyst_fl, outsider):
    assert list(cases_visible_to(analyst_fl)) == [trafficking_case]
    assert list(cases_visible_to(outsider)) == []
