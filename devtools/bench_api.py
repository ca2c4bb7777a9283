"""Seeding and measuring the partner pull of /api/v1/items/ (`make bench-api`, and the query-count
tests at 10 and 500 rows).

Seeding writes straight into the tables, as the services would leave them: items owned by many
agencies, the owner's permission rows (view, annotate, change, manage) and the shares, some
subjects. On PostgreSQL it streams rows with COPY; elsewhere it uses bulk_create in batches.
"""

import io
import random
import statistics
import time
from datetime import UTC, datetime, timedelta

import orjson
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agencies.models import Agency
from cases.api.serializers import item_rows
from cases.models import Entity, IntelligenceItem, ItemEntity
from core.handling import LEVEL_ACTIONS, Level
from core.states import STATE_CODES
from sharing.models import ItemGroupObjectPermission
from sharing.permissions import forget_visibility, visibility_group_ids, visible_page_ids

BATCH = 20_000
START = datetime(2025, 1, 1, tzinfo=UTC)


def item_permission_ids():
    """{level: permission id} of the guardian permissions of items, view … manage."""
    ids = dict(
        Permission.objects.filter(content_type__app_label="cases").values_list("codename", "id")
    )
    return {level: ids[f"{action}_intelligenceitem"] for level, action in LEVEL_ACTIONS.items()}


def case_view_permission_id():
    return Permission.objects.get(
        content_type__app_label="cases", codename=f"{LEVEL_ACTIONS[Level.VIEW]}_case"
    ).id


def bench_agencies(count):
    """`count` agencies of the benchmark (ORI XXB0000nn), created if missing, in id order."""
    states = sorted(STATE_CODES)
    existing = {a.ori: a for a in Agency.objects.filter(ori__contains="B0")}
    agencies = []
    for n in range(count):
        ori = f"{states[n % len(states)]}B{n:06d}"
        agency = existing.get(ori)
        if agency is None:
            agency = Agency.objects.create(
                name=f"Benchmark agency {n}",
                ori=ori,
                level="local",
                home_state=states[n % len(states)],
            )
        agencies.append(agency)
    return agencies


def _copy(table, columns, rows):
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join("\\N" if v is None else str(v) for v in row))
        buffer.write("\n")
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)


def _next_id(model):
    last = model.objects.order_by("-id").values_list("id", flat=True).first()
    return (last or 0) + 1


def _reset_sequence(model):
    if connection.vendor == "postgresql":
        table = model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )


def seed_items(*, count, agencies, partner, share_fraction, seed=7, progress=None):
    """Insert `count` items owned round-robin by `agencies`; `partner` (one of them) receives a
    view share on `share_fraction` of the others' items; every item is also shared with one
    other random agency (realistic table sizes). Returns the ids of the items the partner sees.

    Ids are assigned here so that items, permission rows and links stream in one pass.
    """
    rng = random.Random(seed)
    perms = item_permission_ids()
    owner_perm_ids = [
        perms[level] for level in (Level.VIEW, Level.ANNOTATE, Level.EDIT, Level.MANAGE)
    ]
    view = perms[Level.VIEW]
    group_of = {a.id: a.group_id for a in agencies}
    agency_ids = [a.id for a in agencies]
    first_item = _next_id(IntelligenceItem)
    first_perm = _next_id(ItemGroupObjectPermission)
    entity_count = max(1, count // 20)
    first_entity = _next_id(Entity)
    entities = [
        (
            first_entity + n,
            "phone",
            f"+1407555{n:07d}"[:16] + f"-{seed}-{n}",
            f"Phone {n}",
            START.isoformat(),
        )
        for n in range(entity_count)
    ]
    visible = []
    perm_id = first_perm
    link_id = _next_id(ItemEntity)
    use_copy = connection.vendor == "postgresql"
    with transaction.atomic():
        if use_copy:
            _copy(Entity._meta.db_table, ["id", "kind", "key", "label", "created_at"], entities)
        else:
            Entity.objects.bulk_create(
                [
                    Entity(id=e[0], kind=e[1], key=e[2], label=e[3], created_at=START)
                    for e in entities
                ],
                batch_size=BATCH,
            )
        linker = agencies[0].users.first()
        for start in range(0, count, BATCH):
            items, rows, links = [], [], []
            for n in range(start, min(count, start + BATCH)):
                pk = first_item + n
                owner = agency_ids[n % len(agency_ids)]
                updated = START + timedelta(
                    seconds=rng.randrange(365 * 24 * 3600), microseconds=rng.randrange(1_000_000)
                )
                items.append(
                    (
                        pk,
                        owner,
                        "tip",
                        f"Tip {n}: vehicle seen near the port",
                        "Observed a white van, plate partially read, twice this week. " * 3,
                        "AMBER",
                        False,
                        1,
                        updated,
                        updated,
                        # 28 CFR Part 23: criminal intelligence with its predicate and labels,
                        # validated when it last changed, due for review within five years.
                        "intelligence",
                        "Reasonable suspicion of drug trafficking through the port.",
                        "drugs",
                        True,
                        "sensitive",
                        "B",
                        "2",
                        updated,
                        (updated + timedelta(days=rng.randrange(5 * 365))).date(),
                    )
                )
                for permission in owner_perm_ids:
                    rows.append((perm_id, group_of[owner], permission, pk, updated))
                    perm_id += 1
                other = agency_ids[rng.randrange(len(agency_ids))]
                if owner != partner.id and rng.random() < share_fraction:
                    other = partner.id
                if other != owner:
                    rows.append((perm_id, group_of[other], view, pk, updated))
                    perm_id += 1
                if owner == partner.id or other == partner.id:
                    visible.append(pk)
                if n % 10 == 0 and linker is not None:
                    links.append(
                        (
                            link_id,
                            pk,
                            first_entity + rng.randrange(entity_count),
                            "",
                            f"Subject {link_id}",
                            updated.isoformat(),
                            linker.id,
                        )
                    )
                    link_id += 1
            _insert_batch(use_copy, items, rows, links)
            if progress:
                progress(min(count, start + BATCH))
        for model in (IntelligenceItem, ItemGroupObjectPermission, Entity, ItemEntity):
            _reset_sequence(model)
    return visible


ITEM_COLUMNS = [
    "id",
    "owner_id",
    "kind",
    "title",
    "body",
    "tlp",
    "les",
    "version",
    "created_at",
    "updated_at",
    "intelligence_status",
    "predicate",
    "criminal_activity",
    "no_protected_activity",
    "sensitivity",
    "source_reliability",
    "content_validity",
    "validated_at",
    "review_by",
]
PERM_COLUMNS = ["id", "group_id", "permission_id", "content_object_id", "updated_at"]
LINK_COLUMNS = ["id", "item_id", "entity_id", "role", "label", "linked_at", "linked_by_id"]


def _insert_batch(use_copy, items, rows, links):
    if use_copy:
        _copy(
            IntelligenceItem._meta.db_table,
            ITEM_COLUMNS,
            [(*i[:6], "true" if i[6] else "false", *i[7:13], "true" if i[13] else "false",
              *i[14:]) for i in items],
        )
        _copy(ItemGroupObjectPermission._meta.db_table, PERM_COLUMNS, rows)
        if links:
            _copy(ItemEntity._meta.db_table, LINK_COLUMNS, links)
        return
    IntelligenceItem.objects.bulk_create(
        [IntelligenceItem(**dict(zip(ITEM_COLUMNS, i, strict=True))) for i in items],
        batch_size=2000,
    )
    ItemGroupObjectPermission.objects.bulk_create(
        [ItemGroupObjectPermission(**dict(zip(PERM_COLUMNS, r, strict=True))) for r in rows],
        batch_size=2000,
    )
    ItemEntity.objects.bulk_create(
        [ItemEntity(**dict(zip(LINK_COLUMNS, r, strict=True))) for r in links], batch_size=2000
    )


# Measuring ----------------------------------------------------------------------------------

# The floors: the same page as the API's (the same rows, fields and values, checked by the
# benchmark) fetched by one hand-written statement, decoded by psycopg2 and encoded by orjson.
# Everything the API works out per row is done in SQL here: the handling label, the entities
# (json_agg), and the linked case or answered RFI given only when the partner may see it.

PAGE_ROWS_SQL = """
SELECT i.id, i.kind, i.title, i.body, i.tlp, i.les,
       'TLP:' || i.tlp || CASE WHEN i.les THEN ' · LES' ELSE '' END AS handling,
       i.owner_id, a.ori AS owner_ori,
       CASE WHEN i.case_id IS NULL THEN NULL
            WHEN EXISTS (SELECT 1 FROM sharing_casegroupobjectpermission c
                         WHERE c.content_object_id = i.case_id AND c.group_id = ANY(%(groups)s)
                           AND c.permission_id = %(case_view)s) THEN i.case_id END AS case_id,
       CASE WHEN i.in_response_to_id IS NULL THEN NULL
            WHEN EXISTS (SELECT 1 FROM sharing_itemgroupobjectpermission r
                         WHERE r.content_object_id = i.in_response_to_id
                           AND r.group_id = ANY(%(groups)s) AND r.permission_id = %(view)s)
            THEN i.in_response_to_id END AS in_response_to_id,
       i.review_by, i.version, i.created_at, i.updated_at,
       i.intelligence_status, i.predicate, i.criminal_activity, i.no_protected_activity,
       i.sensitivity, i.source_reliability, i.content_validity, i.validated_at, i.reviewed_at,
       CASE WHEN cb.id IS NULL THEN NULL ELSE COALESCE(NULLIF(concat_ws(' ',
           NULLIF(cb.first_name, ''), NULLIF(cb.last_name, '')), ''), cb.username) END
           AS submitted_by,
       CASE WHEN co.id IS NULL THEN NULL ELSE COALESCE(NULLIF(concat_ws(' ',
           NULLIF(co.first_name, ''), NULLIF(co.last_name, '')), ''), co.username) END
           AS control_official,
       (i.intelligence_status = 'intelligence' AND i.predicate = '') AS predicate_missing,
       COALESCE((SELECT json_agg(json_build_object('id', e.id, 'kind', e.kind, 'key', e.key,
                                                   'label', l.label, 'role', l.role)
                                 ORDER BY l.entity_id)
                 FROM cases_itementity l JOIN cases_entity e ON e.id = l.entity_id
                 WHERE l.item_id = i.id), '[]') AS entities
FROM page
JOIN cases_intelligenceitem i ON i.id = page.id
JOIN agencies_agency a ON a.id = i.owner_id
LEFT JOIN agencies_user cb ON cb.id = i.created_by_id
LEFT JOIN agencies_user co ON co.id = i.control_official_id
ORDER BY page.updated_at, page.id
"""

# The keys by the semi-join of the items with the agency's permission rows (DESIGN.md's shape).
SEMI_JOIN_KEYS = """
    SELECT i.id, i.updated_at FROM cases_intelligenceitem i
    WHERE i.id IN (SELECT content_object_id FROM sharing_itemgroupobjectpermission
                   WHERE group_id = ANY(%(groups)s) AND permission_id = %(view)s)
    AND i.updated_at <= %(until)s {after}
    ORDER BY i.updated_at, i.id
    LIMIT 500
"""
# The keys from the permission rows' sort key: one range scan per visibility group, the
# shape the API uses (sharing.permissions.visible_page_ids).
SORT_KEY_KEYS = """
    SELECT DISTINCT content_object_id AS id, updated_at FROM ({parts}) AS k
    ORDER BY updated_at, id
    LIMIT 500
"""
SORT_KEY_PART = """SELECT * FROM (SELECT content_object_id, updated_at
    FROM sharing_itemgroupobjectpermission
    WHERE group_id = %(group_{n})s AND permission_id = %(view)s
      AND updated_at <= %(until)s {after}
    ORDER BY updated_at, content_object_id LIMIT 500) AS g{n}"""


def floor_page(group_ids, permission_ids, after=None, *, sort_key=False):
    """The page of 500 items after `after` (an (updated_at, id) cursor, or None), by one
    hand-written statement + orjson: the floor the API is measured against. `permission_ids`:
    {"view": the item view permission, "case_view": the case view permission}.
    `sort_key`: pick the keys as the API does; otherwise by the semi-join."""
    # Up to the settle horizon, as the API (core.api.pagination.PageRequest).
    until = timezone.now() - settings.API_SYNC_SETTLE
    params = {"groups": list(group_ids), "until": until, **permission_ids}
    if after:
        params.update(after_at=after[0], after_id=after[1])
    if sort_key:
        condition = "AND (updated_at, content_object_id) > (%(after_at)s, %(after_id)s)"
        parts = " UNION ALL ".join(
            SORT_KEY_PART.format(after=condition if after else "", n=n)
            for n in range(len(group_ids))
        )
        params.update({f"group_{n}": group_id for n, group_id in enumerate(group_ids)})
        keys = SORT_KEY_KEYS.format(parts=parts)
    else:
        condition = "AND (i.updated_at, i.id) > (%(after_at)s, %(after_id)s)"
        keys = SEMI_JOIN_KEYS.format(after=condition if after else "")
    sql = f"WITH page AS MATERIALIZED ({keys}){PAGE_ROWS_SQL}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = [c.name for c in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    return orjson.dumps({"results": rows})


def read_path_page(principal, after=None):
    """The same page through the API's read path alone: the permission service picks the keys,
    the row builder reads the rows, orjson encodes them. No HTTP, key check, throttle or
    access-log row: what the API adds on top of this is its per-request cost."""
    forget_visibility(principal)  # the API reads the agency's groups on every request
    keys = visible_page_ids(
        IntelligenceItem, principal, limit=501, cursor=after,
        until=timezone.now() - settings.API_SYNC_SETTLE,
    )
    selected = IntelligenceItem.objects.filter(id__in=keys).order_by("updated_at", "id")
    return orjson.dumps({"results": item_rows(selected, principal=principal)[:500]})


def timed(functions, repeat):
    """{name: (median ms, p90 ms, last result)} of `repeat` rounds that call each of
    `functions` ({name: function}) once, in turn, after one warm-up round. Interleaved, so that
    whatever else the machine does weighs on each of them alike."""
    times = {name: [] for name in functions}
    results = {}
    for round_ in range(repeat + 1):
        for name, function in functions.items():
            started = time.perf_counter()
            results[name] = function()
            if round_:
                times[name].append((time.perf_counter() - started) * 1000)
    figures = {}
    for name, taken in times.items():
        taken.sort()
        p90 = taken[min(len(taken) - 1, int(round(0.9 * (len(taken) - 1))))]
        figures[name] = (statistics.median(taken), p90, results[name])
    return figures


def count_queries(function):
    with CaptureQueriesContext(connection) as queries:
        function()
    return len(queries.captured_queries)


def network_group_ids(agency):
    return visibility_group_ids(Agency.objects.get(pk=agency.pk))


def group_exists(name):
    return Group.objects.filter(name=name).exists()
