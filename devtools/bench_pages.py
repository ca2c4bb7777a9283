"""Seeding the analyst's pages benchmark (`make bench-pages`) and timing its pages over HTTP.

The data has the shape of issue 17's measurements, scaled by N items: N items, N/10 cases,
0.42 N annotations (300 of them on one case), N/20 people as subjects, owned round-robin by
500 agencies. Each object holds the permission rows the services would leave: its owner's
group view … manage, and one share (a Share row and its view row) to another agency. The
analyst's agency (the first) owns 0.2 % of everything and sees 2.45 % in all: 1.25 % shared
with the agency itself, 0.8 % with a fusion center it is an active member of, 0.2 % (TLP:CLEAR)
with the whole network, so each of its three visibility groups holds rows. "firearm" is in
16 % of the items' and cases' texts; the name "Adaeze Okonkwo" in 0.05 % of the items, and it is
the name of 1 in 1,000 people linked as subjects. A third of the cases are in two states, each
with its state-line alert. The rows span the year before the day of seeding (the dashboard's
12-week windows hold a quarter of them).

Seeding is set-based on PostgreSQL: every table is one INSERT ... SELECT over
generate_series, with PostgreSQL's own hash of the row number (hashint4) in place of a random
generator, so the same N always gives the same rows. During the load the foreign-key and
sort-key triggers are off (session_replication_role = replica: every permission row is written
with its object's updated_at, which is what the trigger would copy) and the tables' plain
indexes are dropped and made again after the rows, as a restore does.
"""

import http.client
import math
import statistics
import threading
import time
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection, transaction
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies import mfa
from agencies.models import FusionCenter, Membership, User
from agencies.sessions import ACTIVE_AT, SIGNED_IN_AT
from cases.models import Case, IntelligenceItem
from core.handling import LEVEL_ACTIONS, Level
from devtools.bench_api import bench_agencies
from sharing.permissions import network_group, permission_ids

AGENCIES = 500
CENTER_MEMBERS = 20
CENTER_NAME = "Benchmark Pages Fusion Center"
ANALYST = "bench_pages_analyst"
WRITER = "bench_pages_writer_"
YEAR_SECONDS = 365 * 24 * 3600


# The rows span the year before the day of seeding, so that the dashboard's windows (the last
# 12 weeks) hold a quarter of them, as a portal in use would; a database seeded long ago has
# drifted out of them: --rebuild it.
def seed_start(today=None):
    today = (today or datetime.now(UTC)).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - timedelta(seconds=YEAR_SECONDS)


# Out of 100,000 (the row's hash): who the one share of an object goes to.
TO_ANALYST_AGENCY = 1250
TO_CENTER = 2050
TO_NETWORK = 2250
COMMON_WORD = "firearm"
NAME = "Adaeze Okonkwo"
BIG_CASE_NOTES = 300

FIRST_NAMES = [
    "Adaeze", "Bruno", "Carmen", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jamal",
    "Keiko", "Luis", "Maya", "Nikolai", "Olga", "Pedro", "Quinn", "Rosa", "Samir", "Tara",
    "Uma", "Victor", "Wen", "Ximena", "Yusuf", "Zara", "Andre", "Beatriz", "Cyrus", "Dana",
    "Emeka", "Fatima", "Gustavo", "Hana", "Ivan", "Julia", "Kofi", "Lena", "Mateo", "Nadia",
]
LAST_NAMES = [
    "Okonkwo", "Alvarez", "Brennan", "Castillo", "Duarte", "Eriksen", "Fontaine", "Garza",
    "Haddad", "Ivanova", "Jensen", "Kowalski", "Lindqvist", "Moreau", "Nakamura", "Ortega",
    "Petrov", "Quintero", "Rossi", "Santos", "Tanaka", "Underwood", "Valdez", "Whitaker", "Yilmaz",
]
PHRASES = [
    "vehicle seen near the port", "cash couriers on the interstate", "stolen cargo resold online",
    "suspicious purchases at a hardware store", "drone flights over the substation",
    "counterfeit documents at a traffic stop", "threats posted on a forum",
    "storage unit visited at night",
]
SENTENCES = [
    "Observed a white van, plate partially read, twice this week near the loading docks.",
    "The caller reported two men moving boxes between cars after midnight.",
    "A clerk noticed repeated cash payments just under the reporting threshold.",
    "Patrol found the gate open and fresh tire tracks leading to the rear lot.",
    "The informant says the group meets on Thursdays at a closed restaurant.",
    "Records show the same phone number on three rental agreements this month.",
]
LOREM = (
    "Reviewed the timeline against the toll records and the rental contracts; the dates line up "
    "with the sightings reported by the county and the port authority. "
)


def _array(values):
    return "ARRAY[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


# The rows' plan: one hash per row number decides its owner, its share and its words.
HASH = "((hashint4({g})::bigint + 2147483648) % 100000)"
WORDS = "((hashint4(-{g})::bigint + 2147483648) % 10000)"
STAMP = (
    "%(start)s::timestamptz + (({g}::bigint * 7919) % {year}) * interval '1 second' "
    "+ ({g} % 997) * interval '1 microsecond'"
).replace("{year}", str(YEAR_SECONDS))


def _plan_sql(table, count, salt):
    """A temporary table of `count` rows: g (the id), owner (0-based agency index), share kind
    (agency / center / network / other), the other agency's index, the words' hash, the time."""
    g = f"(g * {salt})" if salt != 1 else "g"
    return f"""
        CREATE TEMPORARY TABLE {table} ON COMMIT DROP AS
        SELECT g, g % {AGENCIES} AS owner, h, w, other,
               CASE WHEN h < {TO_ANALYST_AGENCY} AND g % {AGENCIES} <> 0 THEN 'analyst'
                    WHEN h >= {TO_ANALYST_AGENCY} AND h < {TO_CENTER} THEN 'center'
                    WHEN h >= {TO_CENTER} AND h < {TO_NETWORK} THEN 'network'
                    WHEN other <> g % {AGENCIES} THEN 'other' END AS share,
               {STAMP.format(g='g')} AS at
        FROM (SELECT g, {HASH.format(g=g)} AS h, {WORDS.format(g=g)} AS w,
                     (g * 7 + 13) % ({AGENCIES} - 1) + 1 AS other
              FROM generate_series(1, {count}) AS g) AS rows
    """


def _text_sql(words):
    """A body of two sentences, with the common word in 16 % and the name in 0.05 % of rows."""
    return (
        f"({_array(SENTENCES)})[g % {len(SENTENCES)} + 1] || ' ' || "
        f"({_array(SENTENCES)})[(g / 7) % {len(SENTENCES)} + 1]"
        f" || CASE WHEN {words} < 1600 THEN ' A {COMMON_WORD} was seen in the cab.' ELSE '' END"
        f" || CASE WHEN {words} >= 9995 THEN ' The driver gave the name {NAME}.' ELSE '' END"
    )


def bench_network():
    """The agencies, their writers (one user each), the center of the first 20, the network
    group and the analyst of the first agency: (agencies, center, analyst). Idempotent."""
    agencies = bench_agencies(AGENCIES)
    home = agencies[0]
    center = FusionCenter.objects.filter(name=CENTER_NAME).first()
    if center is None:
        center = FusionCenter.objects.create(
            name=CENTER_NAME, short_name="BPFC", state=home.home_state,
            kind=FusionCenter.Kind.RECOGNIZED,
        )
        Membership.objects.bulk_create(
            Membership(center=center, agency=agency) for agency in agencies[:CENTER_MEMBERS]
        )
    network_group()
    have = set(User.objects.filter(username__startswith=WRITER).values_list("username", flat=True))
    User.objects.bulk_create(
        User(username=f"{WRITER}{n}", agency=agency, password="!", role=User.Role.ANALYST)
        for n, agency in enumerate(agencies) if f"{WRITER}{n}" not in have
    )
    analyst = User.objects.filter(username=ANALYST).first()
    if analyst is None:
        analyst = User.objects.create_user(username=ANALYST, agency=home, role=User.Role.ANALYST)
    return agencies, center, analyst


def _plain_indexes(tables):
    """(name, definition) of the indexes of these tables that no constraint owns."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT i.indexname, i.indexdef FROM pg_indexes i
               WHERE i.tablename = ANY(%s) AND i.schemaname = current_schema()
               AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)""",
            [list(tables)],
        )
        return cursor.fetchall()


LOADED_TABLES = [
    "cases_case", "cases_intelligenceitem", "cases_annotation", "cases_jurisdiction",
    "cases_timelineevent", "cases_entity", "cases_caseentity", "cases_itementity",
    "sharing_share", "sharing_casegroupobjectpermission", "sharing_itemgroupobjectpermission",
    "sharing_casealert",
]


def seed_pages(*, count, agencies, center, progress=print):
    """Insert `count` items and everything around them (see the module's docstring), set-based,
    into an empty benchmark database. Returns the big case's id."""
    if connection.vendor != "postgresql":
        raise RuntimeError("The pages benchmark seeds PostgreSQL only.")
    cases = max(1, count // 10)
    people = max(1, count // 20)
    notes = max(BIG_CASE_NOTES + 1, count * 42 // 100)
    agency_ids = [a.id for a in agencies]
    group_ids = [a.group_id for a in agencies]
    writers = dict(User.objects.filter(username__startswith=WRITER).values_list("agency_id", "id"))
    writer_ids = [writers[a] for a in agency_ids]
    states = [a.home_state for a in agencies]
    item_perms = permission_ids(IntelligenceItem)
    case_perms = permission_ids(Case)
    levels = list(LEVEL_ACTIONS)
    params = {
        "start": seed_start(), "agencies": agency_ids, "groups": group_ids, "writers": writer_ids,
        "states": states, "center": center.id, "center_group": center.group_id,
        "network": Group.objects.get(name=network_group().name).id,
        "analyst_group": agencies[0].group_id,
        "item_perms": [item_perms[level] for level in levels],
        "case_perms": [case_perms[level] for level in levels],
        "item_view": item_perms[Level.VIEW], "case_view": case_perms[Level.VIEW],
        "view": int(Level.VIEW),
    }
    # The share's group, by the plan's share kind.
    share_group = """CASE p.share WHEN 'analyst' THEN %(analyst_group)s
        WHEN 'center' THEN %(center_group)s WHEN 'network' THEN %(network)s
        ELSE (%(groups)s::int[])[p.other + 1] END"""
    share_target = """CASE p.share WHEN 'center' THEN 'center' WHEN 'network' THEN 'network'
        ELSE 'agency' END"""
    share_agency = """CASE p.share WHEN 'analyst' THEN (%(agencies)s::int[])[1]
        WHEN 'other' THEN (%(agencies)s::int[])[p.other + 1] END"""
    steps = [
        ("plans", [
            _plan_sql("item_plan", count, 1),
            _plan_sql("case_plan", cases, 3),
            "CREATE INDEX ON item_plan (g)", "CREATE INDEX ON case_plan (g)",
            "ANALYZE item_plan", "ANALYZE case_plan",
        ]),
        ("cases", [f"""
            INSERT INTO cases_case (id, tlp, les, version, created_at, updated_at, number, title,
                                    summary, status, created_by_id, lead_center_id, owner_id,
                                    share_with_involved_centers)
            SELECT p.g, CASE WHEN p.share = 'network' THEN 'CLEAR' WHEN p.g % 3 = 0 THEN 'GREEN'
                             ELSE 'AMBER' END,
                   p.g % 7 = 0, 1, p.at - interval '20 days', p.at, 'BP-' || p.g,
                   'Case ' || p.g || ': ' || ({_array(PHRASES)})[p.g % {len(PHRASES)} + 1],
                   {_text_sql('p.w')},
                   (ARRAY['open', 'open', 'open', 'open', 'open', 'open', 'open', 'closed',
                          'closed', 'archived'])[p.g % 10 + 1],
                   (%(writers)s::int[])[p.owner + 1], %(center)s,
                   (%(agencies)s::int[])[p.owner + 1], false
            FROM case_plan p""",
            """INSERT INTO cases_jurisdiction (state, county, city, added_at, case_id)
            SELECT (%(states)s::text[])[p.owner + 1], '', '', p.at - interval '20 days', p.g
            FROM case_plan p
            UNION ALL
            SELECT (%(states)s::text[])[(p.owner + 1) % 500 + 1], '', '', p.at, p.g
            FROM case_plan p
            WHERE p.g % 3 = 0 AND (%(states)s::text[])[(p.owner + 1) % 500 + 1]
                                  <> (%(states)s::text[])[p.owner + 1]""",
            # A case in two states alerted both states' centers when it came to span them.
            """INSERT INTO sharing_casealert (case_id, state, center_id, created_at)
            SELECT j.case_id, j.state, NULL, p.at
            FROM cases_jurisdiction j JOIN case_plan p ON p.g = j.case_id
            WHERE p.g % 3 = 0 AND (%(states)s::text[])[(p.owner + 1) % 500 + 1]
                                  <> (%(states)s::text[])[p.owner + 1]""",
            """INSERT INTO cases_timelineevent (kind, occurred_at, summary, actor_id, agency_id,
                                                case_id)
            SELECT 'created', p.at - interval '20 days', 'Case opened',
                   (%(writers)s::int[])[p.owner + 1], (%(agencies)s::int[])[p.owner + 1], p.g
            FROM case_plan p""",
        ]),
        ("items", [f"""
            INSERT INTO cases_intelligenceitem (id, tlp, les, version, created_at, updated_at,
                                                kind, title, body, review_by, case_id,
                                                created_by_id, in_response_to_id, owner_id,
                                                intelligence_status, predicate, criminal_activity,
                                                no_protected_activity, control_official_id,
                                                sensitivity, source_reliability,
                                                content_validity, validated_at)
            SELECT p.g, CASE WHEN p.share = 'network' THEN 'CLEAR' WHEN p.g % 3 = 0 THEN 'GREEN'
                             ELSE 'AMBER' END,
                   p.g % 7 = 0, 1, p.at - interval '3 days', p.at,
                   k.kind,
                   initcap(k.kind)
                       || ' ' || p.g || ': ' || ({_array(PHRASES)})[p.g % {len(PHRASES)} + 1],
                   {_text_sql('p.w')},
                   -- 28 CFR Part 23: the kinds about people are criminal intelligence, with a
                   -- predicate and the labels, reviewed within five years.
                   CASE WHEN k.cfr23 THEN (p.at - interval '3 days')::date + 5 * 365 END,
                   CASE WHEN p.g % 4 = 0 THEN (p.g / 4) % {cases} + 1 END,
                   (%(writers)s::int[])[p.owner + 1], NULL, (%(agencies)s::int[])[p.owner + 1],
                   CASE WHEN k.cfr23 THEN 'intelligence' ELSE '' END,
                   CASE WHEN k.cfr23 THEN 'Reasonable suspicion of trafficking' ELSE '' END,
                   CASE WHEN k.cfr23 THEN 'drugs' ELSE '' END,
                   k.cfr23,
                   CASE WHEN k.cfr23 THEN (%(writers)s::int[])[p.owner + 1] END,
                   CASE WHEN k.cfr23 THEN 'routine' ELSE '' END,
                   CASE WHEN k.cfr23 THEN 'B' ELSE '' END,
                   CASE WHEN k.cfr23 THEN '2' ELSE '' END,
                   CASE WHEN k.cfr23 THEN p.at - interval '3 days' END
            FROM item_plan p,
                 LATERAL (SELECT (ARRAY['tip', 'sar', 'rfi', 'bulletin', 'report'])[p.g % 5 + 1]
                                 AS kind) AS named,
                 LATERAL (SELECT named.kind, named.kind IN ('tip', 'sar', 'report') AS cfr23) AS k"""]),
        ("permission rows", [
            f"""INSERT INTO sharing_{kind}groupobjectpermission
                    (content_object_id, group_id, permission_id, updated_at)
            SELECT p.g, (%(groups)s::int[])[p.owner + 1], perm, p.at
            FROM {plan} p, unnest(%({perms})s::int[]) AS perm
            UNION ALL
            SELECT p.g, {share_group}, %({view})s, p.at FROM {plan} p WHERE p.share IS NOT NULL
            """
            for kind, plan, perms, view in (
                ("case", "case_plan", "case_perms", "case_view"),
                ("item", "item_plan", "item_perms", "item_view"),
            )
        ] + [
            f"""INSERT INTO sharing_share (target, level, created_at, updated_at, {field}_id,
                                           granted_by_id, granted_by_agency_id, group_id,
                                           target_agency_id, target_center_id)
            SELECT {share_target}, %(view)s, p.at, p.at, p.g, (%(writers)s::int[])[p.owner + 1],
                   (%(agencies)s::int[])[p.owner + 1], {share_group}, {share_agency},
                   CASE WHEN p.share = 'center' THEN %(center)s END
            FROM {plan} p WHERE p.share IS NOT NULL"""
            for field, plan in (("case", "case_plan"), ("item", "item_plan"))
        ]),
        ("subjects", [f"""
            INSERT INTO cases_entity (id, kind, key, label, created_at)
            SELECT e + 1, 'person', lower(name) || '|' || ('1940-01-01'::date + e / 1000),
                   name, %(start)s
            FROM (SELECT e, ({_array(FIRST_NAMES)})[e % {len(FIRST_NAMES)} + 1] || ' ' ||
                            ({_array(LAST_NAMES)})[(e / {len(FIRST_NAMES)}) % {len(LAST_NAMES)}
                                                   + 1] AS name
                  FROM generate_series(0, {people - 1}) AS e) AS people""",
            f"""INSERT INTO cases_itementity (role, linked_at, entity_id, item_id, linked_by_id,
                                               label)
            SELECT 'subject', p.at, e.id, p.g, (%(writers)s::int[])[p.owner + 1], e.label
            FROM item_plan p JOIN cases_entity e ON e.id = (p.g / 10) % {people} + 1
            WHERE p.g % 10 = 0""",
            f"""INSERT INTO cases_caseentity (role, linked_at, case_id, entity_id, linked_by_id,
                                               label)
            SELECT 'suspect', p.at, p.g, e.id, (%(writers)s::int[])[p.owner + 1], e.label
            FROM case_plan p JOIN cases_entity e ON e.id = (p.g * 7) % {people} + 1""",
        ]),
        ("annotations", [f"""
            INSERT INTO cases_annotation (body, version, created_at, updated_at, agency_id,
                                          author_id, case_id, item_id)
            SELECT 'Note ' || n || ': ' || repeat(%(lorem)s, 9), 1,
                   %(start)s::timestamptz + n * interval '1 hour',
                   %(start)s::timestamptz + n * interval '1 hour',
                   (%(agencies)s::int[])[1], (%(writers)s::int[])[1], {AGENCIES}, NULL
            FROM generate_series(1, {BIG_CASE_NOTES}) AS n""",
            f"""INSERT INTO cases_annotation (body, version, created_at, updated_at, agency_id,
                                          author_id, case_id, item_id)
            SELECT 'Note ' || n || ': ' || (%(sentences)s::text[])[n % 6 + 1], 1, at, at,
                   (%(agencies)s::int[])[owner + 1], (%(writers)s::int[])[owner + 1],
                   CASE WHEN n % 3 < 2 THEN target END, CASE WHEN n % 3 = 2 THEN target END
            FROM (SELECT n, at, target, target % {AGENCIES} AS owner
                  FROM (SELECT n, {STAMP.format(g='n')} AS at,
                               CASE WHEN n % 3 = 2 THEN (n * 17) % {count} + 1
                                    WHEN (n * 13) % {cases} + 1 = {AGENCIES} THEN 1
                                    ELSE (n * 13) % {cases} + 1 END AS target
                        FROM generate_series(1, {notes - BIG_CASE_NOTES}) AS n) AS spread
                  ) AS notes""",
        ]),
    ]
    params.update(lorem=LOREM, sentences=SENTENCES)
    indexes = _plain_indexes(LOADED_TABLES)
    started = time.monotonic()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        cursor.execute("SET LOCAL work_mem = '64MB'")
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        for name, statements in steps:
            for sql in statements:
                # The modulo is written " % " in the statements above; psycopg2 wants it doubled.
                cursor.execute(sql.replace(" % ", " %% "), params)
            progress(f"  {name}: {time.monotonic() - started:.0f} s")
        for _, definition in indexes:
            cursor.execute(definition)
        progress(f"  indexes: {time.monotonic() - started:.0f} s")
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")
        for table in LOADED_TABLES:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )
    with connection.cursor() as cursor:
        # VACUUM runs outside a transaction only (a test's database is inside one).
        cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
    progress(f"  vacuum analyze: {time.monotonic() - started:.0f} s")
    return AGENCIES  # the big case: the first case the analyst's agency owns


def session_cookie(user):
    """A signed-in session for `user`, made in the database as log-in would leave it (without
    the log-in form, so the benchmark does not depend on how one signs in): its key."""
    session = SessionStore()
    now = time.time()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = settings.AUTHENTICATION_BACKENDS[0]
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session[SIGNED_IN_AT] = now
    session[ACTIVE_AT] = now
    # The second factor passed, as a typed authenticator code leaves it (agencies.mfa).
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="bench", defaults={"confirmed": True})
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[mfa.SECOND_FACTOR] = "totp"
    session.create()
    return session.session_key


# Over HTTP -----------------------------------------------------------------------------------


class Hit:
    """One response: its status, Django's time (Server-Timing), the client's time on loopback,
    the queries it made and its size."""

    __slots__ = ("status", "server_ms", "client_ms", "queries", "size")

    def __init__(self, status, server_ms, client_ms, queries, size):
        self.status, self.server_ms, self.client_ms = status, server_ms, client_ms
        self.queries, self.size = queries, size


def get(port, path, cookie, timeout=120):
    """GET `path` from the server on 127.0.0.1:`port` with the session cookie `cookie` (a
    (name, key) pair), as the proxy in front of it would (X-Forwarded-Proto: https)."""
    started = time.perf_counter()
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        client.request("GET", path, headers={
            "Host": "127.0.0.1", "X-Forwarded-Proto": "https",
            "Cookie": f"{cookie[0]}={cookie[1]}", "Connection": "close",
        })
        response = client.getresponse()
        body = response.read()
    finally:
        client.close()
    client_ms = (time.perf_counter() - started) * 1000
    timing = response.getheader("Server-Timing") or ""
    server_ms = float(timing.partition("dur=")[2] or "nan")
    return Hit(response.status, server_ms, client_ms,
               int(response.getheader("X-Bench-Queries") or -1), len(body))


def percentile(values, share):
    """The nearest-rank percentile (`share` 0.5, 0.95) of a non-empty list."""
    ordered = sorted(values)
    return ordered[min(len(ordered), max(1, math.ceil(share * len(ordered)))) - 1]


def throughput(port, path, cookie, *, concurrency, seconds, bound):
    """`concurrency` clients in threads, each requesting `path` one request after the other
    until `seconds` have passed or `bound` requests in all were made: (requests per second,
    p95 client ms, non-200 answers)."""
    times, failures, lock = [], [0], threading.Lock()
    deadline = time.perf_counter() + seconds

    def client():
        while time.perf_counter() < deadline:
            with lock:
                if len(times) >= bound:
                    return
            hit = get(port, path, cookie)
            with lock:
                times.append(hit.client_ms)
                if hit.status != 200:
                    failures[0] += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return len(times) / elapsed, percentile(times, 0.95), failures[0]


def summary(hits):
    """p50 and p95 of the server time, of the client time, the queries (max) and the size."""
    server = [h.server_ms for h in hits]
    client = [h.client_ms for h in hits]
    return {
        "p50_ms": round(percentile(server, 0.5), 1), "p95_ms": round(percentile(server, 0.95), 1),
        "client_p50_ms": round(percentile(client, 0.5), 1),
        "client_p95_ms": round(percentile(client, 0.95), 1),
        "queries": max(h.queries for h in hits), "queries_min": min(h.queries for h in hits),
        "bytes": round(statistics.median(h.size for h in hits)),
    }
