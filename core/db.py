"""Database helpers shared by the apps.

`field__in_ids=[...]`: membership in a list of ids sent as ONE parameter, `= ANY(%s)` on
PostgreSQL and `IN (SELECT value FROM json_each(%s))` on SQLite. Django's `__in` writes one
placeholder per value and prepares each value in Python, which for a page of 500 ids costs about
as much as the query itself; the API's queries by a page's ids (linked cases and RFIs, tombstones,
the directory) use this instead. Registered on every field by the cases app (cases.apps).

`JSONArrayAgg`: a group's values as one JSON array, for the correlated subqueries that give each
API row its entities and states in the rows query itself.
"""

import json

from django.db.models import Aggregate, JSONField, Lookup


class InIds(Lookup):
    lookup_name = "in_ids"
    prepare_rhs = False

    def get_prep_lookup(self):
        try:
            return [int(value) for value in self.rhs]
        except (TypeError, ValueError):
            raise TypeError(f"in_ids takes a list of integer ids, not {self.rhs!r}") from None

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s::bigint[])", [*lhs_params, self.rhs]
        return f"{lhs} IN (SELECT value FROM json_each(%s))", [*lhs_params, json.dumps(self.rhs)]


class JSONArrayAgg(Aggregate):
    """The values of a group as one JSON array: JSONB_AGG on PostgreSQL, JSON_GROUP_ARRAY on
    SQLite. In no particular order (SQLite before 3.44 cannot order an aggregate's input)."""

    function = "JSON_GROUP_ARRAY"
    output_field = JSONField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="JSONB_AGG", **extra_context)
