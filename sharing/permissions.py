"""The permission service: the one place that decides who sees and does what.

Every view, API endpoint, search, export, task and notification reads cases and items
through `cases_visible_to` / `items_visible_to` / `get_visible_or_404` and checks what an
agency may do with `level_of` / `require_level`. Nothing else queries cases or items for a
user.

How visibility is answered: every agency, every fusion center and the network as a whole
has one auth Group. Ownership and every share are materialised as django-guardian rows
(`CaseGroupObjectPermission`, `ItemGroupObjectPermission`, direct foreign keys) for the
owner's group and each recipient group; a level adds the guardian permission of every level
up to it. An agency's visibility groups are its own group, the groups of the centers where
its membership is active, and the network group. "Visible to A" is then a single semi-join
on the unique (group, permission, object) index, with no OR across subqueries
(DESIGN.md, Performance). Suspending a membership drops that center's group from the list,
so center-wide shares stop reaching the agency at that moment.
"""

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import BooleanField, CharField, Exists, ExpressionWrapper, F, Q, Value, When
from django.db.models import Case as Choose
from django.db.models.expressions import RawSQL

from agencies.models import Agency, Membership
from audit.services import log_access
from cases import intelligence as cfr23
from cases.models import (
    Annotation,
    Case,
    CaseEntity,
    CaseTask,
    Entity,
    IntelligenceItem,
    ItemEntity,
)
from core.errors import InsufficientLevel, NotVisible
from core.handling import LEVEL_ACTIONS, TLP, Level
from products.models import Portion, Product, least_restrictive

from .models import CaseGroupObjectPermission, ItemGroupObjectPermission, Share

NETWORK_GROUP_NAME = "network:all"

PERMISSION_MODELS = {
    Case: CaseGroupObjectPermission,
    IntelligenceItem: ItemGroupObjectPermission,
}
SHARE_FIELD = {Case: "case", IntelligenceItem: "item"}


class ShareRefused(ValidationError):
    """A share that breaks a rule; `code` names the rule, the message explains it."""


def network_group():
    group, _ = Group.objects.get_or_create(name=NETWORK_GROUP_NAME)
    return group


def _agency_of(principal):
    if isinstance(principal, Agency):
        return principal
    agency = getattr(principal, "agency", None)
    if agency is None:
        return None
    return agency


def visibility_group_ids(principal):
    """The groups whose permission rows count for this user or agency (one query, memoised)."""
    agency = _agency_of(principal)
    if agency is None:
        return []
    cached = getattr(principal, "_visibility_group_ids", None)
    if cached is not None:
        return cached
    others = Group.objects.filter(
        Q(fusion_center__memberships__agency=agency,
          fusion_center__memberships__status=Membership.Status.ACTIVE)
        | Q(name=NETWORK_GROUP_NAME)
    ).values_list("id", flat=True)
    group_ids = [agency.group_id, *others]
    principal._visibility_group_ids = group_ids
    return group_ids


def forget_visibility(principal):
    """Drop the memoised groups (after a membership of this agency changed)."""
    principal.__dict__.pop("_visibility_group_ids", None)


def _codename(model, level):
    return f"{LEVEL_ACTIONS[level]}_{model._meta.model_name}"


# The guardian permission ids of cases and items, by database and model: {level: id}. Every
# visibility query names the view permission by its id, a literal the planner can use in its
# estimates (a join on the codename hid it: 269 rows estimated where 24,509 were visible, and
# the whole visible set pulled into every list). Permissions are created by `migrate` (and again
# by a test's flush) and never change otherwise: both send post_migrate, which refills this.
_PERMISSION_IDS = {}


def _permission_key(using, model):
    return (connections[using].settings_dict["NAME"], model)


def _load_permission_ids(using, model):
    by_codename = dict(
        Permission.objects.using(using).filter(
            content_type__app_label=model._meta.app_label,
            content_type__model=model._meta.model_name,
        ).values_list("codename", "id")
    )
    ids = {level: by_codename.get(_codename(model, level)) for level in LEVEL_ACTIONS}
    if None not in ids.values():
        _PERMISSION_IDS[_permission_key(using, model)] = ids
    return ids


def permission_ids(model, using=DEFAULT_DB_ALIAS):
    """{level: guardian permission id} of a case or item (one query per process, then none)."""
    ids = _PERMISSION_IDS.get(_permission_key(using, model))
    return ids if ids is not None else _load_permission_ids(using, model)


def view_permission_id(model):
    return permission_ids(model)[Level.VIEW]


def remember_permission_ids(*, using=DEFAULT_DB_ALIAS, **kwargs):
    """post_migrate: forget the ids of this database and read them again once they exist."""
    for model in PERMISSION_MODELS:
        _PERMISSION_IDS.pop(_permission_key(using, model), None)
        _load_permission_ids(using, model)


def _outside_law_enforcement(model, principal):
    """The agency of a reader that criminal intelligence never reaches (28 CFR 23.20(e)), when
    the model is items and the reader's agency is not law enforcement; else None."""
    agency = _agency_of(principal)
    if model is IntelligenceItem and agency is not None and not agency.law_enforcement:
        return agency
    return None


def _visible_ids(model, principal):
    return _visible_ids_query(model, principal).values("content_object_id")


def _visible_ids_query(model, principal):
    rows = PERMISSION_MODELS[model].objects.filter(
        group_id__in=visibility_group_ids(principal), permission_id=view_permission_id(model),
    )
    foreign = _agency_of(principal)
    if foreign is not None and foreign.foreign_partner:
        # LES and criminal intelligence never reach a foreign partner, whatever share reached
        # it (a center-wide share, one granted before the agency became a foreign partner): of
        # those it sees its own only. A finished product reaches it through its tearline
        # (products.tearline), which withholds every portion not released to it.
        allowed = Q(content_object__owner_id=foreign.id) | Q(content_object__les=False)
        if model is IntelligenceItem:
            allowed = Q(content_object__owner_id=foreign.id) | Q(
                content_object__product__isnull=False
            ) | (Q(content_object__les=False) & Q(content_object__intelligence_status=""))
        rows = rows.filter(allowed)
    partner = _outside_law_enforcement(model, principal)
    if partner is not None:
        # A center-wide share reaches every member; a partner that is not law enforcement
        # sees, of the items under 28 CFR Part 23, its own only.
        rows = rows.filter(
            Q(content_object__owner_id=partner.id) | Q(content_object__intelligence_status="")
        )
    return rows


def visible_ids(model, principal):
    """The ids of the cases or items visible to the principal, as a subquery of the visibility
    rows alone: for a filter on another table's case or item id (e.g. an alert's case), where
    `cases_visible_to(...).values("id")` would look each case up as well."""
    return _visible_ids(model, principal)


def visible_changed_since(model, principal, since):
    """The ids of the cases or items visible to the principal that changed at or after `since`,
    as a subquery: the visibility rows of its groups read by range on the (group, permission,
    updated_at, object) index, so the cost follows what changed in the window, not the whole
    visible set. A case or item created at or after `since` changed then too, so its
    creations in a window are among these (the dashboard's figures per week)."""
    return _visible_ids_query(model, principal).filter(updated_at__gte=since).values(
        "content_object_id"
    )


def cases_visible_to(principal):
    """Every case this user's (or this agency's) agency may see, as a queryset."""
    if _agency_of(principal) is None:
        return Case.objects.none()
    return Case.objects.filter(id__in=_visible_ids(Case, principal))


def items_visible_to(principal):
    """Every intelligence item this user's (or this agency's) agency may see."""
    if _agency_of(principal) is None:
        return IntelligenceItem.objects.none()
    return IntelligenceItem.objects.filter(id__in=_visible_ids(IntelligenceItem, principal))


VISIBLE = {Case: cases_visible_to, IntelligenceItem: items_visible_to}


def pointers_of(principal, model, ids):
    """What a reader may be shown of these cases or items, whether it sees them or not, in one
    query: {id: {"number", "owner", "owner_ori", "title", "seen"}}. The pointer (the case
    number, the owner agency) for every one; the title only for one the principal's agency
    sees now, else None (DESIGN.md, "Pointers, not content"). For a log that names objects
    the reader may not see (the access log of a center's member agencies)."""
    if not ids:
        return {}
    rows = model.objects.filter(pk__in=ids)
    if _agency_of(principal) is None:
        rows = rows.annotate(seen=Value(False), shown_title=Value(None, output_field=CharField()))
    else:
        seen = Q(id__in=_visible_ids(model, principal))
        rows = rows.annotate(
            seen=ExpressionWrapper(seen, output_field=BooleanField()),
            shown_title=Choose(
                When(seen, then=F("title")), default=Value(None), output_field=CharField()
            ),
        )
    number = "number" if model is Case else None
    return {
        row["pk"]: {
            "number": row.get("number"), "owner": row["owner__name"],
            "owner_ori": row["owner__ori"], "title": row["shown_title"], "seen": row["seen"],
        }
        for row in rows.values("pk", "owner__name", "owner__ori", "shown_title", "seen",
                               *([number] if number else []))
    }


def annotations_visible_to(principal):
    """Every annotation on a case or item this agency may see (they share their subject's fate)."""
    if _agency_of(principal) is None:
        return Annotation.objects.none()
    return Annotation.objects.filter(
        Q(case_id__in=_visible_ids(Case, principal))
        | Q(item_id__in=_visible_ids(IntelligenceItem, principal))
    )


def tasks_visible_to(principal):
    """Every task on a case this agency may see (a task shares its case's fate: when the case
    stops being visible, its tasks vanish with it)."""
    if _agency_of(principal) is None:
        return CaseTask.objects.none()
    return CaseTask.objects.filter(case_id__in=_visible_ids(Case, principal))


def entities_visible_to(principal):
    """Every entity linked to a case or item this agency may see; the rest do not exist for it."""
    if _agency_of(principal) is None:
        return Entity.objects.none()
    via_cases = CaseEntity.objects.filter(case_id__in=_visible_ids(Case, principal))
    via_items = ItemEntity.objects.filter(item_id__in=_visible_ids(IntelligenceItem, principal))
    return Entity.objects.filter(
        Q(id__in=via_cases.values("entity_id")) | Q(id__in=via_items.values("entity_id"))
    )


def visible_page_ids(model, principal, *, limit, after=None, cursor=None, until=None,
                     descending=False, matching=None, narrow=None):
    """The ids of the first `limit` cases or items visible to the principal, by (updated_at, id),
    ascending (newest last) or `descending`: those changed after `after`, beyond `cursor` (an
    (updated_at, id) pair) and not after `until`, when given. A subquery for `id__in=` (the
    caller orders the rows it selects), or None when the principal sees nothing. The same
    objects as the first `limit` of `visible_queryset(...)` in that order.

    `matching`, an (SQL condition, params) pair on the object's own row (named `obj`), keeps
    only the objects that meet it: each permission row is joined to its object by primary key,
    so that the planner may walk the visible rows newest first and stop at `limit` matches (a
    condition most rows meet), or start from an index of the condition and keep the visible
    ones (a condition few rows meet). Search takes its candidates this way.

    `narrow`, a function that narrows a queryset of the model (a list's filters, e.g. a
    FilterSet's filter_queryset), keeps only the objects it would keep: it is applied to the
    object of each permission row, by its key (a correlated EXISTS on the object alone, whose
    selectivity the planner then estimates right), so that a filtered list walks the visible
    rows newest first and stops at `limit`, as the unfiltered one does, where a semi-join on
    the whole visible set read and sorted every visible object.

    Reads the permission rows alone: they carry their object's updated_at (kept equal by
    triggers, migration sharing 0005), so each visibility group costs one range scan of the
    (group, permission, updated_at, object) index, however many objects there are and whatever
    share of them the principal sees. The partner API pages with it, and so do the analyst's
    lists in their default order.
    """
    group_ids = visibility_group_ids(principal)
    if not group_ids:
        return None
    table = PERMISSION_MODELS[model]._meta.db_table
    adapt = connection.ops.adapt_datetimefield_value
    beyond, order = ("<", "DESC") if descending else (">", "ASC")
    condition, condition_params = "", []
    if after is not None:
        condition += " AND perm.updated_at > %s"
        condition_params.append(adapt(after))
    if cursor is not None:
        stamp, pk = cursor
        condition += (
            f" AND perm.updated_at {beyond}= %s AND (perm.updated_at {beyond} %s"
            f" OR perm.content_object_id {beyond} %s)"
        )
        condition_params += [adapt(stamp), adapt(stamp), pk]
    if until is not None:
        condition += " AND perm.updated_at <= %s"
        condition_params.append(adapt(until))
    partner = _outside_law_enforcement(model, principal)
    if partner is not None:
        partner_rule = ("obj.owner_id = %s OR obj.intelligence_status = ''", [partner.id])
        matching = partner_rule if matching is None else (
            f"({matching[0]}) AND ({partner_rule[0]})", [*matching[1], *partner_rule[1]]
        )
    foreign = _agency_of(principal)
    if foreign is not None and foreign.foreign_partner:
        # The rule of _visible_ids_query: LES and criminal intelligence never reach a foreign
        # partner, a finished product reaches it (torn: products.tearline).
        foreign_rule = "obj.owner_id = %s OR NOT obj.les"
        if model is IntelligenceItem:
            foreign_rule = (
                "obj.owner_id = %s OR (NOT obj.les AND obj.intelligence_status = '') OR EXISTS "
                f"(SELECT 1 FROM {connection.ops.quote_name(Product._meta.db_table)} AS product "
                "WHERE product.item_id = obj.id)"
            )
        matching = (foreign_rule, [foreign.id]) if matching is None else (
            f"({matching[0]}) AND ({foreign_rule})", [*matching[1], foreign.id]
        )
    joined = ""
    if matching is not None:
        object_table = connection.ops.quote_name(model._meta.db_table)
        joined = f" JOIN {object_table} AS obj ON obj.id = perm.content_object_id"
        condition += f" AND ({matching[0]})"
        condition_params += list(matching[1])
    if narrow is not None:
        # The permission row's own object, and nothing else: what `narrow` keeps of it.
        inner = narrow(model.objects.filter(pk=RawSQL("perm.content_object_id", [])))
        inner_sql, inner_params = inner.order_by().values("pk").query.sql_with_params()
        condition += f" AND EXISTS ({inner_sql})"
        condition_params += list(inner_params)
    permission_id = view_permission_id(model)
    parts, params = [], []
    for n, group_id in enumerate(group_ids):
        parts.append(
            f"SELECT * FROM (SELECT perm.content_object_id, perm.updated_at "
            f"FROM {table} AS perm{joined} "
            f"WHERE perm.group_id = %s AND perm.permission_id = %s{condition} "
            f"ORDER BY perm.updated_at {order}, perm.content_object_id {order} LIMIT %s) AS g{n}"
        )
        params += [group_id, permission_id, *condition_params, limit]
    # The groups' scans merged in order (Merge Append) and read only as far as the page needs:
    # a group whose rows are older is barely read, where a GROUP BY of every part's `limit`
    # rows read them all (for search, `limit` matching rows of every group). An object seen
    # through several groups appears once: its rows share one updated_at, so they come together
    # and DISTINCT keeps one (a Unique node over the merged order, which streams).
    sql = (
        f"SELECT content_object_id FROM (SELECT DISTINCT updated_at, content_object_id "
        f"FROM ({' UNION ALL '.join(parts)}) AS keys "
        f"ORDER BY updated_at {order}, content_object_id {order} LIMIT %s) AS page"
    )
    return RawSQL(sql, [*params, limit])


def newest_visible(model, principal, *, limit, matching=None):
    """The `limit` most recently changed cases or items visible to the principal (of those
    meeting `matching`, see visible_page_ids), as a queryset: one statement on the permission
    rows, with no second semi-join on the visible set to mislead the planner's estimates."""
    ids = visible_page_ids(model, principal, limit=limit, descending=True, matching=matching)
    return model.objects.filter(id__in=ids) if ids is not None else model.objects.none()


def visible_queryset(model, principal):
    return VISIBLE[model](principal)


def get_visible_or_404(principal, model, pk, *, record_read=True, queryset=None):
    """Fetch one case or item that the principal may see, or raise the same 404 as a missing one.

    Writes a `read` row to the access log unless `record_read` is False (used by writes, which
    log their own action).
    """
    qs = visible_queryset(model, principal)
    if queryset is not None:
        qs = queryset & qs
    try:
        obj = qs.get(pk=pk)
    except (model.DoesNotExist, ValueError, TypeError):
        raise NotVisible(model) from None
    if record_read:
        log_access(action="read", actor=_user_of(principal), agency=_agency_of(principal), obj=obj)
    return obj


def _user_of(principal):
    return None if isinstance(principal, Agency) else principal


def get_child_or_404(principal, model, pk, *, queryset=None):
    """(child, parent): an annotation, attachment or share (`model`) of a case or item the
    principal may see, reached through that parent; anything else is the 404 of a missing one.

    A share is reached only by those the page shows it to: the owner, and a recipient for the
    shares that reached it or that its own agency granted (`shares_seen_by`). Writes no
    access-log row: the caller logs what it does with the child. `queryset`: the child's rows
    as the caller wants them read (e.g. with select_related).
    """
    agency = _agency_of(principal)
    if agency is None:
        raise NotVisible(model)
    # A child of a case or an item (annotations, attachments, shares), or of a case only (tasks).
    on_items = any(field.name == "item" for field in model._meta.get_fields())
    parents = Q(case_id__in=_visible_ids(Case, principal))
    if on_items:
        parents |= Q(item_id__in=_visible_ids(IntelligenceItem, principal))
    visible = (queryset if queryset is not None else model.objects.all()).filter(parents)
    try:
        child = visible.get(pk=pk)
    except (model.DoesNotExist, ValueError, TypeError):
        raise NotVisible(model) from None
    parent_model = Case if child.case_id else IntelligenceItem
    parent = get_visible_or_404(
        principal, parent_model, child.case_id or child.item_id, record_read=False
    )
    if model is Share and parent.owner_id != agency.id and not shares_seen_by(
        principal, [child]
    ):
        raise NotVisible(model)
    return child, parent


def shares_seen_by(principal, shares):
    """Of these shares of one object that the principal's agency does not own, those it is
    shown: who else holds an object is the owner's to know, so a recipient sees the shares
    that reached it (its agency, a center of its active memberships, the network) and those
    its own agency granted onward."""
    agency = _agency_of(principal)
    groups = set(visibility_group_ids(principal))
    return [s for s in shares if s.group_id in groups or s.granted_by_agency_id == agency.id]


# Who sees an object: for notifications and tombstones ----------------------------------------


def viewer_group_ids(model, object_ids):
    """The groups holding view on any of these cases or items (owner groups included)."""
    return set(
        PERMISSION_MODELS[model]
        .objects.filter(
            content_object_id__in=object_ids, permission_id=view_permission_id(model)
        )
        .values_list("group_id", flat=True)
    )


def agency_ids_reached_by(group_ids):
    """The agencies that a permission row of any of these groups reaches: the agency of an agency
    group, the active members of a center group, every agency for the network group."""
    group_ids = list(group_ids)
    if not group_ids:
        return set()
    if Group.objects.filter(id__in=group_ids, name=NETWORK_GROUP_NAME).exists():
        return set(Agency.objects.values_list("id", flat=True))
    reached = set(Agency.objects.filter(group_id__in=group_ids).values_list("id", flat=True))
    reached |= set(
        Membership.objects.filter(
            center__group_id__in=group_ids, status=Membership.Status.ACTIVE
        ).values_list("agency_id", flat=True)
    )
    return reached


def who_sees(obj):
    """The ids of every agency that may see this case or item now: its owner and every agency
    its shares reach (through an agency, an active center membership or the network)."""
    agencies = agency_ids_reached_by(viewer_group_ids(type(obj), [obj.pk]))
    agencies.add(obj.owner_id)
    return agencies


def agencies_holding(obj, level, *, through_groups=None):
    """The agencies that hold at least `level` on a case or item now, as a queryset of
    subqueries (one query when it is read): the owner, and every agency that a permission row of
    that level reaches, as visibility_group_ids reaches it (the agency of an agency group, the
    active members of a center group, every agency for the network group). Criminal
    intelligence reaches law-enforcement agencies only (28 CFR 23.20(e)); a purged record is held
    by nobody.

    `through_groups`: only the rows of these groups count. Who else holds an object is the
    owner's to know: a recipient is told of the holders that the shares it is shown reach
    (shares_seen_by), and of the owner."""
    model = type(obj)
    if getattr(obj, "intelligence_status", "") == cfr23.Status.PURGED:
        return Agency.objects.none()
    if level >= Level.OWNER:
        return Agency.objects.filter(pk=obj.owner_id)
    rows = PERMISSION_MODELS[model].objects.filter(
        content_object_id=obj.pk, permission_id=permission_ids(model)[level]
    )
    if through_groups is not None:
        rows = rows.filter(group_id__in=list(through_groups))
    groups = rows.values("group_id")
    members = Membership.objects.filter(
        center__group_id__in=groups, status=Membership.Status.ACTIVE
    ).values("agency_id")
    reached = (Q(group_id__in=groups) | Q(pk__in=members)
               | Q(Exists(rows.filter(group__name=NETWORK_GROUP_NAME))))
    if model is IntelligenceItem and obj.intelligence_status:
        reached &= Q(law_enforcement=True)
    return Agency.objects.filter(Q(pk=obj.owner_id) | reached)


def agencies_holding_known_to(principal, obj, level, *, shares=None):
    """agencies_holding(obj, level) as the principal's agency may know them: all of them for the
    owner; for a recipient, the owner and the holders reached by the shares it is shown
    (`shares`: the object's Share rows when the caller read them already). A queryset."""
    agency = _agency_of(principal)
    if agency is None:
        return Agency.objects.none()
    if agency.id == obj.owner_id:
        return agencies_holding(obj, level)
    if shares is None:
        shares = list(Share.objects.filter(**{SHARE_FIELD[type(obj)]: obj}))
    seen = shares_seen_by(principal, shares)
    return agencies_holding(obj, level, through_groups={share.group_id for share in seen})


def group_sees(group_ids, obj):
    """Whether any of these groups holds view on the case or item (e.g. a center's group and
    the network's: what the center as a whole may see)."""
    model = type(obj)
    return PERMISSION_MODELS[model].objects.filter(
        content_object=obj, group_id__in=list(group_ids),
        permission_id=view_permission_id(model),
    ).exists()


def objects_through_group(model, group_id):
    """The ids of the cases or items that this one group holds view on, as a subquery."""
    return PERMISSION_MODELS[model].objects.filter(
        group_id=group_id, permission_id=view_permission_id(model)
    ).values("content_object_id")


def _withheld_from_foreign_partner(obj):
    """LES and criminal intelligence never reach a foreign partner (a finished product does,
    as its tearline): the rule of the visibility rows, for one object."""
    if not (obj.les or getattr(obj, "intelligence_status", "")):
        return False
    if isinstance(obj, IntelligenceItem):
        return not Portion.objects.filter(product__item_id=obj.pk).exists()
    return True


def level_of(principal, obj):
    """The level the principal's agency holds on obj: Level.OWNER … Level.VIEW, or None. A
    purged record (28 CFR 23.20(h)) is held by nobody, its owner included: only its tombstone
    remains, which the owner reads on a page of its own."""
    agency = _agency_of(principal)
    if agency is None:
        return None
    if getattr(obj, "intelligence_status", "") == cfr23.Status.PURGED:
        return None
    if obj.owner_id == agency.id:
        return Level.OWNER
    model = type(obj)
    if _outside_law_enforcement(model, principal) is not None and obj.intelligence_status:
        return None
    if agency.foreign_partner and _withheld_from_foreign_partner(obj):
        return None
    held = PERMISSION_MODELS[model].objects.filter(
        group_id__in=visibility_group_ids(principal), content_object=obj
    ).values_list("permission_id", flat=True)
    by_id = {permission_id: level for level, permission_id in permission_ids(model).items()}
    levels = [by_id[p] for p in held if p in by_id]
    return max(levels) if levels else None


def require_level(principal, obj, level):
    """Raise NotVisible (404) if the agency cannot see obj, InsufficientLevel (403) if it sees
    it but holds less than `level`. Returns the level held."""
    held = level_of(principal, obj)
    if held is None:
        raise NotVisible(type(obj))
    if held < level:
        raise InsufficientLevel(
            f"Your agency holds {Level(held).label.lower()} on this {obj._meta.verbose_name}; "
            f"this needs {Level(level).label.lower()}."
        )
    return held


# Materialising ownership and shares as guardian rows ----------------------------------------


def _permission_ids(model, up_to_level):
    return [pid for level, pid in permission_ids(model).items() if level <= up_to_level]


def grant_rows(obj, group_id, level):
    """Make the guardian rows of `group_id` on obj say exactly `level` (MANAGE for an owner)."""
    model = type(obj)
    rows = PERMISSION_MODELS[model]
    rows.objects.filter(content_object=obj, group_id=group_id).delete()
    rows.objects.bulk_create(
        rows(content_object=obj, group_id=group_id, permission_id=perm_id)
        for perm_id in _permission_ids(model, min(level, Level.MANAGE))
    )


def grant_rows_new(model, object_ids, group_id, level, *, batch_size=1000):
    """The guardian rows of `group_id` at `level` on objects of `model` created just now (none
    has a row yet, so nothing is deleted first): grant_rows for many, in batched INSERTs."""
    rows = PERMISSION_MODELS[model]
    perm_ids = _permission_ids(model, min(level, Level.MANAGE))
    rows.objects.bulk_create(
        [rows(content_object_id=pk, group_id=group_id, permission_id=perm_id)
         for pk in object_ids for perm_id in perm_ids], batch_size=batch_size)


def revoke_rows(obj, group_id):
    PERMISSION_MODELS[type(obj)].objects.filter(content_object=obj, group_id=group_id).delete()


# The handling rules of sharing --------------------------------------------------------------


def shares_beyond_marking(obj, tlp):
    """The shares of obj that the marking `tlp` would not allow, as (share, rule) pairs.

    A stricter marking must not leave standing what it forbids: RED allows only shares the
    owner granted to named agencies, without manage; AMBER+STRICT only the owner's, without
    manage; below CLEAR nothing network-wide.
    """
    field = SHARE_FIELD[type(obj)]
    records = Share.objects.filter(**{field: obj}).select_related(
        "target_agency", "target_center", "granted_by_agency"
    )
    beyond = []
    for record in records.order_by("id"):
        from_recipient = record.granted_by_agency_id != obj.owner_id
        if tlp == TLP.RED and record.target != Share.Target.AGENCY:
            beyond.append((record, "named agencies only"))
        elif tlp in (TLP.RED, TLP.AMBER_STRICT) and from_recipient:
            beyond.append((record, "no recipient may share it on"))
        elif tlp in (TLP.RED, TLP.AMBER_STRICT) and record.level == Level.MANAGE:
            beyond.append((record, "manage cannot be held"))
        elif tlp != TLP.CLEAR and record.target == Share.Target.NETWORK:
            beyond.append((record, "only TLP:CLEAR goes network-wide"))
    return beyond


def _refuse(code, message):
    raise ShareRefused(message, code=code)


def _active_center_ids(agency):
    return set(
        Membership.objects.filter(agency=agency, status=Membership.Status.ACTIVE).values_list(
            "center_id", flat=True
        )
    )


def _check_criminal_intelligence_share(obj, target, target_agency):
    """28 CFR Part 23: information pending review (or rejected) is not shared at all; criminal
    intelligence goes to law-enforcement agencies only: a named agency that is not is refused,
    and a share with a center or the network reaches its law-enforcement agencies only (the
    visibility selectors leave the others out)."""
    if not isinstance(obj, IntelligenceItem):
        return
    if obj.intelligence_status == cfr23.Status.PENDING:
        _refuse("cfr23_pending_review", cfr23.PENDING_NOT_SHARED)
    if obj.intelligence_status == cfr23.Status.REJECTED:
        _refuse("cfr23_rejected", cfr23.REJECTED_NOT_SHARED)
    if obj.intelligence_status != cfr23.Status.INTELLIGENCE:
        return
    if target == Share.Target.AGENCY and target_agency is not None and not target_agency.law_enforcement:
        _refuse(
            "cfr23_law_enforcement_only",
            f"{cfr23.LAW_ENFORCEMENT_ONLY} {target_agency.name} is not a law-enforcement agency.",
        )


def _portions_of(obj):
    if not isinstance(obj, IntelligenceItem):
        return None
    portions = list(Portion.objects.filter(product__item_id=obj.pk).prefetch_related("rel_to"))
    return portions or None


def _check_foreign_partner_share(obj, target, target_agency, portions):
    """LES and criminal intelligence never reach a foreign partner; a finished product reaches
    it only when at least one of its portions is released to it (REL TO), and then as its
    tearline."""
    if target != Share.Target.AGENCY or target_agency is None or not target_agency.foreign_partner:
        return
    if portions is not None:
        if not any(target_agency in portion.rel_to.all() for portion in portions):
            _refuse(
                "foreign_partner_not_released",
                f"Foreign partner: no portion of this product is released to {target_agency.name} "
                "(REL TO); it would receive nothing.",
            )
        return
    if obj.les:
        _refuse(
            "foreign_partner_les",
            f"LES never reaches a foreign partner: {target_agency.name} is one.",
        )
    if getattr(obj, "intelligence_status", "") == cfr23.Status.INTELLIGENCE:
        _refuse(
            "foreign_partner_criminal_intelligence",
            f"Criminal intelligence never reaches a foreign partner: {target_agency.name} is one.",
        )


def check_share(*, principal, obj, target, target_agency=None, target_center=None, level):
    """Refuse, with an error naming the rule, a share that the handling marking or the sharer's
    own level does not allow. Returns the sharer's level. Raises NotVisible if the sharer cannot
    see the object at all."""
    agency = _agency_of(principal)
    held = level_of(principal, obj)
    if held is None:
        raise NotVisible(type(obj))
    is_owner = held == Level.OWNER
    portions = _portions_of(obj)
    # A finished product's share is bounded by its least restrictive portion: each recipient
    # gets the portions that the share allows (products.tearline) and the rest as notices.
    tlp = least_restrictive([p.tlp for p in portions]) if portions else obj.tlp

    # An unknown level (0, 9, None from a form or the API) is a refusal, not a crash.
    if level not in (Level.VIEW, Level.ANNOTATE, Level.EDIT, Level.MANAGE):
        _refuse("invalid_level", "A share grants view, annotate, edit or manage.")
    level = Level(level)
    _check_criminal_intelligence_share(obj, target, target_agency)
    _check_foreign_partner_share(obj, target, target_agency, portions)
    if held < Level.MANAGE:
        _refuse(
            "sharer_level",
            "Only the owner agency or an agency holding manage may share this "
            f"{obj._meta.verbose_name}; yours holds {Level(held).label.lower()}.",
        )
    if level > held:
        _refuse(
            "above_own_level",
            f"You cannot grant {level.label.lower()}: it is above your agency's own level "
            f"({Level(held).label.lower()}).",
        )
    if target == Share.Target.AGENCY:
        if target_agency is None:
            _refuse("no_recipient", "Choose the agency to share with.")
        if target_agency.id == obj.owner_id:
            _refuse("recipient_is_owner", "The owner agency already holds every right on it.")
        if target_agency.id == agency.id:
            _refuse("recipient_is_self", "Your agency already holds access to it.")
    elif target == Share.Target.CENTER:
        if target_center is None:
            _refuse("no_recipient", "Choose the fusion center to share with.")
    elif target != Share.Target.NETWORK:
        _refuse("no_recipient", "Share with an agency, a fusion center or the whole network.")

    if tlp == TLP.RED:
        if not is_owner:
            _refuse("red_no_reshare", "TLP:RED: only the owner shares it; no recipient may share it on.")
        if target != Share.Target.AGENCY:
            _refuse(
                "red_named_agencies_only",
                "TLP:RED: the owner shares with named agencies only, never center-wide or "
                "network-wide.",
            )
        if level == Level.MANAGE:
            _refuse(
                "red_no_manage", "TLP:RED: no recipient may share it on, so manage cannot be granted."
            )
    elif tlp == TLP.AMBER_STRICT:
        if not is_owner:
            _refuse(
                "amber_strict_own_agency_only",
                "TLP:AMBER+STRICT: a recipient may not share it beyond its own agency.",
            )
        if level == Level.MANAGE:
            _refuse(
                "amber_strict_no_manage",
                "TLP:AMBER+STRICT: a recipient may not share it beyond its own agency, so manage "
                "cannot be granted.",
            )
    elif tlp == TLP.AMBER and not is_owner:
        own_centers = _active_center_ids(agency)
        if target == Share.Target.CENTER and target_center.id not in own_centers:
            _refuse(
                "amber_own_centers_only",
                "TLP:AMBER: a recipient may share it on only within its own fusion center(s); "
                f"your agency is not an active member of {target_center}.",
            )
        if target == Share.Target.AGENCY and not (own_centers & _active_center_ids(target_agency)):
            _refuse(
                "amber_own_centers_only",
                "TLP:AMBER: a recipient may share it on only within its own fusion center(s); "
                f"{target_agency} is not an active member of any of them.",
            )
    if target == Share.Target.NETWORK and tlp != TLP.CLEAR:
        _refuse(
            "network_needs_clear",
            f"{TLP(tlp).label}: only TLP:CLEAR may be shared with every agency in the network.",
        )
    return held
