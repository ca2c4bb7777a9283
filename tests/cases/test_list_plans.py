"""A list page in its default order reads the rows of one page, however many objects there are
and whatever share of them the reader sees: checked on the plan PostgreSQL executes (EXPLAIN
ANALYZE) for the query the list really sends, over 8,000 items of which the reader sees about
one in a hundred. Walking the items newest first instead reads about a hundred rows for each
row shown."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.selectors import PAGE_SIZE, item_list_queryset, sorted_page, visible_sorted_page
from devtools.bench_api import bench_agencies, seed_items
from sharing.permissions import visibility_group_ids

TABLES = {"cases_intelligenceitem", "sharing_itemgroupobjectpermission"}


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
