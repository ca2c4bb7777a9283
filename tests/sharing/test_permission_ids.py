"""Visibility queries name the view permission by its id (a literal the planner can use), and
the ids are read again whenever migrate or a flush recreates the permissions."""

from django.apps import apps
from django.contrib.auth.models import Permission
from django.db import connection
from django.db.models.signals import post_migrate
from django.test.utils import CaptureQueriesContext

from cases.models import Case, IntelligenceItem
from core.handling import LEVEL_ACTIONS, Level
from sharing import permissions
from sharing.permissions import (
    cases_visible_to,
    items_visible_to,
    permission_ids,
    visible_page_ids,
)


def test_the_ids_are_the_guardian_permissions_of_each_level(db):
    for model in (Case, IntelligenceItem):
        ids = permission_ids(model)
        assert set(ids) == set(LEVEL_ACTIONS)
        for level, permission_id in ids.items():
            permission = Permission.objects.get(pk=permission_id)
            assert permission.codename == f"{LEVEL_ACTIONS[level]}_{model._meta.model_name}"


def test_no_visibility_query_joins_the_permission_table(analyst_fl, trafficking_case):
    with CaptureQueriesContext(connection) as queries:
        assert list(cases_visible_to(analyst_fl)) == [trafficking_case]
        list(items_visible_to(analyst_fl))
        page = visible_page_ids(Case, analyst_fl, limit=10)
        assert list(Case.objects.filter(id__in=page)) == [trafficking_case]
    assert queries.captured_queries
    for query in queries.captured_queries:
        assert "auth_permission" not in query["sql"], query["sql"]
        assert "codename" not in query["sql"], query["sql"]


def test_post_migrate_reads_the_ids_again(db, monkeypatch):
    """A flush recreates the permissions under new ids: the ids remembered before are stale."""
    stale = {level: -1 for level in LEVEL_ACTIONS}
    key = permissions._permission_key("default", Case)
    monkeypatch.setitem(permissions._PERMISSION_IDS, key, stale)
    assert permission_ids(Case)[Level.VIEW] == -1
    sharing = apps.get_app_config("sharing")
    post_migrate.send(sender=sharing, app_config=sharing, using="default", verbosity=0,
                      interactive=False, plan=[], apps=apps)
    assert permission_ids(Case)[Level.VIEW] == Permission.objects.get(codename="view_case").pk
