"""A list page in its default order reads the rows of one page, however many objects there are
and whatever share of them the reader sees: checked on the plan PostgreSQL executes (EXPLAIN
ANALYZE) for the query the list really sends, over 8,000 items of which the reader sees about
one in a hundred. Walking the items newest first instead reads about a hundred rows for each
row shown."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agencies.models import User
from cases.filters import ItemFilter
from cases.models import IntelligenceItem
from cases.selectors import PAGE_SIZE, item_list_queryset, sorted_page, visible_sorted_page
from devtools.bench_api import bench_agencies, seed_items
from sharing.permissions import items_visible_to, visibility_group_ids

TABLES = {"cases_intelligenceitem", "sharing_itemgroupobjectpermission"}


def plan_nodes(plan):
    """Every node of an executed plan."""
    stack = [plan]
    while stack:
        node = stack.pop()
        yield node
        stack += node.get("Plans", [])


def scanned_rows(plan):
    """Rows the scans of TABLES produced in the executed plan (rows × loops), summed."""
    total, stack = 0, [plan]
    while stack:
        node = stack.pop()
        if node.get("Relation Name") in TABLES:
            total += node["Actual Rows"] * node["Actual Loops"]
        stack += node.get("Plans", [])
    return total


@pytest.fixture
def partner(db):
    agencies = bench_agencies(100)
    seed_items(count=8000, agencies=agencies, partner=agencies[0], share_fraction=0.002)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE cases_intelligenceitem")
            cursor.execute("ANALYZE sharing_itemgroupobjectpermission")
    return agencies[0]


def test_the_default_item_list_reads_one_page_of_rows(partner):
    with CaptureQueriesContext(connection) as queries:
        rows, _ = visible_sorted_page(item_list_queryset(partner), partner, narrowed=False)
    assert len(rows) == PAGE_SIZE
    assert rows == sorted_page(item_list_queryset(partner), sort="updated")[0]
    if connection.vendor != "postgresql":
        return  # SQLite gives the same page; its plans are not what production runs
    (page_query,) = [q["sql"] for q in queries.captured_queries
                     if q["sql"].startswith('SELECT "cases_intelligenceitem"')]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {page_query}")
        explained = cursor.fetchone()[0]
    plan = (json.loads(explained) if isinstance(explained, str) else explained)[0]["Plan"]
    groups = len(visibility_group_ids(partner))
    # Per row of the page: its permission row in each group's range scan, the item itself, and
    # the visibility semi-join the list's queryset keeps (checked by id): nothing more.
    assert scanned_rows(plan) <= (PAGE_SIZE + 1) * (groups + 2)


@pytest.fixture
def wide_reader(db):
    """An analyst whose agency sees about 8 % of 16,000 items (as few as walking the items newest
    first pays for), half of them SARs."""
    agencies = bench_agencies(20)
    seed_items(count=16_000, agencies=agencies, partner=agencies[0], share_fraction=0.03)
    sars = IntelligenceItem.objects.order_by("id").values_list("id", flat=True)[::2]
    IntelligenceItem.objects.filter(id__in=list(sars)).update(kind=IntelligenceItem.Kind.SAR)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE cases_intelligenceitem")
            cursor.execute("ANALYZE sharing_itemgroupobjectpermission")
    return User.objects.create_user(username="wide_reader", agency=agencies[0])


def test_a_filtered_item_list_reads_a_page_of_rows_not_the_visible_set(wide_reader, rf):
    request = rf.get("/intel/", {"kind": "sar"})
    request.user = wide_reader
    filterset = ItemFilter(request.GET, queryset=item_list_queryset(wide_reader), request=request)
    assert filterset.is_valid()
    with CaptureQueriesContext(connection) as queries:
        rows, _ = visible_sorted_page(filterset.qs, wide_reader, narrowed=True,
                                      narrow=filterset.filter_queryset)
    # The same page as the semi-join on the visible set gives, SARs only.
    assert len(rows) == PAGE_SIZE and {row.kind for row in rows} == {"sar"}
    assert rows == sorted_page(filterset.qs, sort="updated")[0]
    visible = items_visible_to(wide_reader).count()
    assert visible > 20 * PAGE_SIZE
    if connection.vendor != "postgresql":
        return
    (page_query,) = [q["sql"] for q in queries.captured_queries
                     if q["sql"].startswith('SELECT "cases_intelligenceitem"')]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {page_query}")
        explained = cursor.fetchone()[0]
    plan = (json.loads(explained) if isinstance(explained, str) else explained)[0]["Plan"]
    groups = len(visibility_group_ids(wide_reader))
    # Each visibility group's permission rows are walked newest first on their sort key and
    # the walk stops at the page: half the visible items are SARs, so about two rows a row
    # shown. (A semi-join on the visible set reads all of them, 2,000 here and 24,576 at
    # 1,000,000 items, wherever the planner finds that cheaper.)
    walks = [node for node in plan_nodes(plan)
             if node.get("Index Name") == "item_perm_sort_key"
             and node.get("Scan Direction") == "Backward"]
    assert len(walks) == groups
    assert all(walk["Actual Rows"] <= 3 * (PAGE_SIZE + 1) for walk in walks)
    assert scanned_rows(plan) <= 2 * (PAGE_SIZE + 1) * (groups + 3) < visible
