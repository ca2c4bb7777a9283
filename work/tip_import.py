"""Bulk intake: many tips at once, from a CSV file or a JSON list, for one agency.

Every row is checked first, and every bad row is reported by its place (a CSV file's line, a
JSON list's index), the field and the reason. All or nothing: one bad row and nothing is written,
unless the caller asks for the good rows only (`good_only`), when the bad ones are reported and
the good ones imported. A row names its `source_id` (the tip's id in the agency's own system,
unique per agency): a row whose source id the agency imported already is skipped and counted as
already imported, so that importing the same file twice creates nothing twice.

The rows are written as tip_take_down writes one tip (the same helpers decide the title, the 28
CFR Part 23 status, the center, its deadline and the triage fields), but in batched INSERTs
inside one transaction: items, their permission rows, entities, links and triage rows, and one
access-log row naming every tip created. The duplicate hints are read in bulk, from the links
that already exist of the file's subjects (and the file's own earlier rows). An imported tip's
links are deconflicted, and their watchers told, after the commit by workers
(deconflict_imported), or by beat's sweep if that hand-over was lost (untold_sweep)."""

import csv
import io
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from agencies.models import User
from audit.services import log_access
from cases import services as case_services
from cases.entities import typed_label, typed_values
from cases.models import CaseEntity, Entity, IntelligenceItem, ItemEntity
from core.handling import TLP, Level
from core.text import without_bidi_controls
from sharing.permissions import grant_rows_new

from . import tasks, tip_selectors
from .models import TipImportJob, TipTriage
from .tip_services import center_for, tip_title, triage_fields

logger = logging.getLogger(__name__)

COLUMNS = ("source_id", "what", "where", "when", "caller_name", "caller_phone", "anonymous",
           "subjects")
REQUIRED_COLUMNS = ("source_id", "what")
LIMITS = {"source_id": 100, "what": 20_000, "where": 300, "caller_name": 200, "caller_phone": 40}
MAX_ROWS = 50_000
MAX_SUBJECTS = 50
BATCH_SIZE = 500
TRUE, FALSE = {"1", "true", "yes", "y"}, {"", "0", "false", "no", "n"}
SUBJECT_KINDS = set(Entity.Kind.values)


class ImportRefused(ValidationError):
    """The file as a whole cannot be read (not UTF-8, not a CSV with the columns, not a JSON
    list, too many rows); `code` names why."""


@dataclass
class Row:
    place: dict  # {"line": n} (CSV) or {"index": n} (JSON)
    values: dict


@dataclass
class ImportResult:
    total: int = 0
    created: int = 0
    already: int = 0
    errors: list = field(default_factory=list)
    tip_ids: list = field(default_factory=list)
    written: bool = False

    def as_dict(self):
        return {"total": self.total, "created": self.created, "already_imported": self.already,
                "bad_rows": len({str(error.get("line", error.get("index"))) for error in
                                 self.errors}),
                "errors": self.errors, "written": self.written}


# Reading ------------------------------------------------------------------------------------


def rows_from_csv(data):
    """The rows of a CSV file (bytes or text; UTF-8, a BOM allowed; a quoted field may hold
    newlines), each with the file line its record starts on."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise ImportRefused("The file is not UTF-8 text: save it as CSV UTF-8.",
                                code="import_not_utf8") from error
    data = data.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(data, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as error:
        raise ImportRefused(f"The file is not CSV: {error}.", code="import_not_csv") from error
    if not header:
        raise ImportRefused("The file is empty: its first line names the columns.",
                            code="import_empty")
    header = [name.strip().lower() for name in header]
    unknown = [name for name in header if name not in COLUMNS]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if unknown or missing:
        raise ImportRefused(
            "The first line names the columns: " + "; ".join(
                ([f"unknown column(s) {', '.join(unknown)}"] if unknown else [])
                + ([f"missing column(s) {', '.join(missing)}"] if missing else []))
            + f". The columns are {', '.join(COLUMNS)}.", code="import_columns")
    rows, last_line = [], reader.line_num
    try:
        for record in reader:
            start, last_line = last_line + 1, reader.line_num
            if not record or all(not value.strip() for value in record):
                continue
            values = dict(zip(header, record, strict=False))
            if len(record) > len(header):
                values["__extra__"] = len(record) - len(header)
            rows.append(Row({"line": start}, values))
            _check_count(rows)
    except csv.Error as error:
        raise ImportRefused(f"Line {reader.line_num} is not CSV: {error}.",
                            code="import_not_csv") from error
    return rows


def rows_from_json(data):
    """The rows of a JSON list of objects (or {"tips": [...]}), each with its index."""
    if isinstance(data, (bytes, str)):
        try:
            data = json.loads(data)
        except (UnicodeDecodeError, ValueError) as error:
            raise ImportRefused(f"The file is not JSON: {error}.", code="import_not_json") \
                from error
    if isinstance(data, dict) and "tips" in data:
        data = data["tips"]
    if not isinstance(data, list):
        raise ImportRefused('Send a JSON list of tips (or {"tips": [...]}).',
                            code="import_not_list")
    rows = []
    for index, values in enumerate(data):
        rows.append(Row({"index": index}, values if isinstance(values, dict) else
                        {"__not_object__": True}))
        _check_count(rows)
    return rows


def rows_from_file(name, data):
    """The rows of an uploaded file, CSV or JSON by its name's ending."""
    if (name or "").lower().endswith(".json"):
        return rows_from_json(data)
    if (name or "").lower().endswith(".csv"):
        return rows_from_csv(data)
    raise ImportRefused("Import a .csv or a .json file.", code="import_file_type")


def _check_count(rows):
    if len(rows) > MAX_ROWS:
        raise ImportRefused(f"At most {MAX_ROWS:,} tips an import: split the file.",
                            code="import_too_many")


# Checking -----------------------------------------------------------------------------------


def _text(values, name):
    value = values.get(name)
    if value is None:
        return ""
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise ValueError(f"{name} is text.")
    return without_bidi_controls(str(value)).strip()


def _when(value, now):
    if not value:
        return None
    moment = parse_datetime(value)
    if moment is None:
        day = parse_date(value)
        if day is None:
            raise ValueError
        moment = datetime.combine(day, time())
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    if moment > now + timedelta(minutes=5):
        raise OverflowError
    return moment


def _anonymous(value):
    if isinstance(value, bool):
        return value
    text = str(value or "").strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise ValueError


def _subjects_given(value):
    """`kind:value` strings (a CSV cell separates them with ';'; a plate is
    `vehicle:STATE:PLATE`) or, in JSON, objects {kind, value, state}."""
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = [part for part in value.split(";") if part.strip()]
    if not isinstance(value, list):
        raise ValueError("subjects is a list")
    given = []
    for subject in value:
        if isinstance(subject, dict):
            kind = str(subject.get("kind") or "").strip()
            text = str(subject.get("value") or "")
            state = str(subject.get("state") or "")
        elif isinstance(subject, str) and ":" in subject:
            kind, text = (part.strip() for part in subject.split(":", 1))
            state = ""
            if kind == "vehicle" and ":" in text:
                state, text = (part.strip() for part in text.split(":", 1))
        else:
            raise ValueError(f"{subject!r} is not kind:value")
        given.append({"kind": kind.lower(), "value": text.strip(), "state": state.upper()})
    return given


def _keyed(subject):
    """The subject with its normalised key, or a ValidationError naming what is wrong."""
    if subject["kind"] not in SUBJECT_KINDS:
        raise ValidationError(f"{subject['kind'] or '(none)'} is not a kind of subject: "
                              f"{', '.join(sorted(SUBJECT_KINDS))}.")
    values = typed_values(subject["kind"], subject["value"], state=subject["state"])
    return {**subject, "key": Entity.normalise(subject["kind"], **values)}


def check_row(values, now):
    """The tip a row describes, or the list of what is wrong with it as (field, code, reason)."""
    if values.get("__not_object__"):
        return None, [("", "import_row_not_object", "Each tip is a JSON object.")]
    problems, tip = [], {}
    if values.get("__extra__"):
        problems.append(("", "import_row_extra_cells",
                         f"{values['__extra__']} more cell(s) than the first line has columns."))
    unknown = sorted(set(values) - set(COLUMNS) - {"__extra__"})
    if unknown:
        problems.append((unknown[0], "import_unknown_field",
                         f"Unknown field(s): {', '.join(unknown)}."))
    for name in ("source_id", "what", "where", "caller_name", "caller_phone"):
        try:
            tip[name] = _text(values, name)
        except ValueError as error:
            problems.append((name, "import_not_text", str(error)))
            tip[name] = ""
            continue
        if len(tip[name]) > LIMITS[name]:
            problems.append((name, "import_too_long",
                             f"{name} is {len(tip[name]):,} characters long: at most "
                             f"{LIMITS[name]:,}."))
    if not tip["source_id"]:
        problems.append(("source_id", "import_source_id_missing",
                         "Give the tip's id in your system (source_id): it is what makes a "
                         "second import of the same file create nothing twice."))
    if not tip["what"]:
        problems.append(("what", "tip_what_missing", "Say what the caller reported (what)."))
    try:
        tip["when"] = _when(_text(values, "when"), now)
    except ValueError:
        problems.append(("when", "import_when_invalid",
                         f"{values.get('when')!r} is not an ISO date or date and time "
                         "(2026-03-01 or 2026-03-01T14:30)."))
    except OverflowError:
        problems.append(("when", "import_when_future", "when is in the future."))
    try:
        tip["anonymous"] = _anonymous(values.get("anonymous"))
    except ValueError:
        problems.append(("anonymous", "import_anonymous_invalid",
                         "anonymous is true or false (or empty)."))
    else:
        if tip["anonymous"] and (tip["caller_name"] or tip["caller_phone"]):
            problems.append(("anonymous", "tip_anonymous_named",
                             "An anonymous caller has no name or phone on record."))
    try:
        given = _subjects_given(values.get("subjects"))
    except ValueError as error:
        problems.append(("subjects", "import_subject_invalid", f"Subjects: {error}."))
        given = []
    subjects, keys = [], set()
    for subject in given:
        try:
            keyed = _keyed(subject)
        except ValidationError as error:
            problems.append(("subjects", "import_subject_invalid",
                             f"{subject['kind']}:{subject['value']}: {' '.join(error.messages)}"))
            continue
        if (keyed["kind"], keyed["key"]) not in keys:
            keys.add((keyed["kind"], keyed["key"]))
            subjects.append(keyed)
    if len(subjects) > MAX_SUBJECTS:
        problems.append(("subjects", "import_too_many_subjects",
                         f"At most {MAX_SUBJECTS} subjects a tip."))
    if problems:
        return None, problems
    tip["subjects"] = subjects
    return tip, []


def _with_recognised(tip):
    """The tip's subjects and those its text names (tip_selectors.subjects_in, as the intake
    form offers them), each once: read for the rows to write only, since it is the slowest
    step of a row (phonenumbers' matcher) and what it finds is never a bad subject."""
    keys = {(subject["kind"], subject["key"]) for subject in tip["subjects"]}
    for found in tip_selectors.subjects_in(f"{tip['what']}\n{tip['where']}"):
        if (found["kind"], found["key"]) not in keys:
            keys.add((found["kind"], found["key"]))
            tip["subjects"].append(found)
    return tip


def check_rows(rows, *, now=None):
    """(tips, errors): the tips of the good rows, in order, each with its place; and every
    problem of every bad row, {line|index, field, code, reason}. A source id seen on an earlier
    row of the same file is a problem of the later row."""
    now = now or timezone.now()
    tips, errors, first_of = [], [], {}
    for row in rows:
        tip, problems = check_row(row.values, now)
        source_id = tip["source_id"] if tip else _plain(row.values.get("source_id"))
        if source_id and source_id in first_of:
            where = first_of[source_id]
            problems.append(("source_id", "import_source_id_repeated",
                             f"source_id {source_id} is on "
                             f"{'line' if 'line' in where else 'index'} "
                             f"{where.get('line', where.get('index'))} already."))
        elif source_id:
            first_of[source_id] = row.place
        if problems:
            errors.extend({**row.place, "field": name, "code": code, "reason": reason}
                          for name, code, reason in problems)
            continue
        tips.append({**tip, "place": row.place})
    return tips, errors


def _plain(value):
    return str(value).strip() if isinstance(value, (str, int)) else ""


# Writing ------------------------------------------------------------------------------------


def _chunks(sequence, size=BATCH_SIZE):
    for start in range(0, len(sequence), size):
        yield sequence[start:start + size]


def _already_imported(agency, source_ids):
    found = set()
    for chunk in _chunks(list(source_ids)):
        found.update(TipTriage.objects.filter(agency=agency, source_id__in=chunk)
                     .values_list("source_id", flat=True))
    return found


def _entities_of(pairs, labels):
    """{(kind, key): entity id} of `pairs`, the missing ones created (their label as first
    typed). One SELECT and at most one INSERT and one SELECT a batch of keys per kind."""
    ids = {}
    by_kind = {}
    for kind, key in pairs:
        by_kind.setdefault(kind, []).append(key)
    for kind, keys in by_kind.items():
        for chunk in _chunks(keys):
            ids.update(((kind, key), pk) for pk, key in Entity.objects.filter(
                kind=kind, key__in=chunk).values_list("pk", "key"))
            missing = [key for key in chunk if (kind, key) not in ids]
            if missing:
                Entity.objects.bulk_create(
                    [Entity(kind=kind, key=key, label=labels[(kind, key)][:300] or key)
                     for key in missing], ignore_conflicts=True)
                ids.update(((kind, key), pk) for pk, key in Entity.objects.filter(
                    kind=kind, key__in=missing).values_list("pk", "key"))
    return ids


def _held_before(entity_ids, now):
    """{entity id: [("item"|"case", id), ...]} of the links that exist of `entity_ids` (recent
    tips, and cases), newest first, at most HINT_LINKS_READ each: tip_selectors.hint_refs's rules,
    read for a whole import in a query or two a batch."""
    held = {}
    for chunk in _chunks(list(entity_ids)):
        for model, rows in (
            ("item", ItemEntity.objects.filter(
                entity_id__in=chunk, item__kind=IntelligenceItem.Kind.TIP,
                item__created_at__gte=now - timedelta(days=tip_selectors.RECENT_TIP_DAYS))
             .exclude(item__intelligence_status="purged")
             .order_by("-linked_at", "-id").values_list("entity_id", "item_id")),
            ("case", CaseEntity.objects.filter(entity_id__in=chunk)
             .order_by("-linked_at", "-id").values_list("entity_id", "case_id")),
        ):
            for entity_id, pk in rows.iterator(chunk_size=2000):
                refs = held.setdefault(entity_id, {}).setdefault(model, [])
                if len(refs) < tip_selectors.HINT_LINKS_READ:
                    refs.append(pk)
    return held


def _hints(tip, entity_of, held, earlier):
    refs, seen = [], set()
    for model in ("item", "case"):
        for subject in tip["subjects"]:
            entity_id = entity_of[(subject["kind"], subject["key"])]
            found = held.get(entity_id, {}).get(model, [])
            if model == "item":
                found = [*reversed(earlier.get(entity_id, [])), *found]
            for pk in found:
                if (model, pk) not in seen and len(refs) < 2 * tip_selectors.HINT_LINKS_READ:
                    seen.add((model, pk))
                    refs.append({"type": model, "id": pk, "subject": subject["value"]})
    return refs


def _progress_key(job_id):
    return f"work:tip-import:{job_id}:done"


def progress_of(job):
    """How many rows of a running job are done: the task's figure (the cache, since the rows are
    written in one transaction that a reader does not see until it commits), else the job's."""
    if job.finished:
        return job.total
    return cache.get(_progress_key(job.pk), job.done)


def tips_import(*, by, rows, good_only=False, source="", job_id=None, tlp=TLP.AMBER):
    """Import `rows` (rows_from_csv / rows_from_json) as tips of `by`'s agency, filed to its
    home state's center with that center's deadline. Returns an ImportResult: `written` is False
    when a bad row refused the lot (and then nothing was written), the bad rows in `errors`.

    The actor's agency owns each tip (information pending review, 28 CFR Part 23, as a tip taken
    down by hand); one access-log row records the import and names the tips created."""
    if by.agency_id is None:
        raise ImportRefused("Only a member of an agency imports tips.", code="import_no_agency")
    agency = by.agency
    now = timezone.now()
    result = ImportResult(total=len(rows))
    tips, result.errors = check_rows(rows, now=now)
    if result.errors and not good_only:
        return result
    center = center_for(agency)
    hours = tip_selectors.deadline_hours(center)
    done = result.total - len(tips)
    try:
        _write(result, tips, by=by, agency=agency, center=center, hours=hours, now=now,
               source=source, job_id=job_id, tlp=tlp, done=done)
    except IntegrityError as clash:
        # Only the (agency, source_id) constraint can clash: another import of the same rows
        # committed first. Nothing of this one was written.
        raise ImportRefused(
            "Another import of some of these rows finished first; nothing of this one was "
            "written. Import the file again: the rows imported already are skipped.",
            code="import_concurrent") from clash
    result.written = True
    told = list(result.tip_ids)
    transaction.on_commit(lambda: hand_over_deconfliction(by.pk, told), robust=True)
    return result


# Deconfliction of imported subjects: after the import commits, in batches ---------------------

DECONFLICT_BATCH = 200
# An imported tip whose subjects are still untold this long after its import: its hand-over was
# lost (the broker down), and the sweep tells them.
UNTOLD_AFTER = timedelta(minutes=2)


def hand_over_deconfliction(by_id, tip_ids):
    """Hand the imported tips' subjects to workers, DECONFLICT_BATCH tips a task. The broker is
    tried once, briefly: if it is down, the tips stay untold and the sweep tells them."""
    for start in range(0, len(tip_ids), DECONFLICT_BATCH):
        batch = tip_ids[start:start + DECONFLICT_BATCH]
        try:
            tasks.tip_import_deconflict_task.apply_async(args=[by_id, batch], retry=False)
        except Exception:  # the broker unreachable, or (in process) a failure of the task
            logger.exception("Subjects of imported tips %s..%s not told now; the sweep will",
                             batch[0], batch[-1])


def deconflict_imported(by_id, tip_ids):
    """Deconflict the subjects of imported tips and tell their watchers, as a link made by hand
    is (cases.services.deconflict, tell_watchers: each match and each watcher told once, however
    often this runs), then mark them told. Returns how many links were read."""
    by = User.objects.select_related("agency").get(pk=by_id)
    untold = list(TipTriage.objects.filter(tip_id__in=tip_ids, subjects_told=False)
                  .values_list("tip_id", flat=True))
    links = list(ItemEntity.objects.filter(item_id__in=untold)
                 .select_related("entity", "item").order_by("id"))
    for link in links:
        with transaction.atomic():
            case_services.deconflict(entity=link.entity, target=link.item, by=by)
            case_services.tell_watchers(entity=link.entity, target=link.item, by=by)
    TipTriage.objects.filter(tip_id__in=untold).update(subjects_told=True)
    return len(links)


def untold_sweep(now=None):
    """The imported tips whose subjects were not told UNTOLD_AFTER their import (their hand-over
    lost), told now, a batch per importer; and the jobs still queued that long after their
    upload, run now (import_job_run runs a job once). Beat runs this every minute."""
    now = now or timezone.now()
    stale = now - UNTOLD_AFTER
    for job_id in TipImportJob.objects.filter(status=TipImportJob.Status.QUEUED,
                                              created_at__lt=stale).values_list("pk", flat=True)[:5]:
        import_job_run(job_id)
    untold = (TipTriage.objects.filter(subjects_told=False, created_at__lt=stale)
              .order_by("created_at").values_list("tip_id", "tip__created_by_id")
              [:DECONFLICT_BATCH * 5])
    by_importer = {}
    for tip_id, by_id in untold:
        by_importer.setdefault(by_id, []).append(tip_id)
    for by_id, tip_ids in by_importer.items():
        deconflict_imported(by_id, tip_ids)


def _write(result, tips, *, by, agency, center, hours, now, source, job_id, tlp, done):
    with transaction.atomic():
        already = _already_imported(agency, [tip["source_id"] for tip in tips])
        new = [_with_recognised(tip) for tip in tips if tip["source_id"] not in already]
        result.already = len(tips) - len(new)
        done += result.already
        labels = {}
        for tip in new:
            for subject in tip["subjects"]:
                labels.setdefault((subject["kind"], subject["key"]), typed_label(
                    subject["kind"], subject["value"], state=subject.get("state", "")))
        entity_of = _entities_of(list(labels), labels)
        held = _held_before(set(entity_of.values()), now)
        earlier = {}
        for batch in _chunks(new):
            items = [case_services.item_unsaved(by=by, kind=IntelligenceItem.Kind.TIP,
                                                title=tip_title(tip["what"]), body=tip["what"],
                                                tlp=tlp) for tip in batch]
            for item in items:
                item.created_at = item.updated_at = now
            items = IntelligenceItem.objects.bulk_create(items)
            ids = [item.pk for item in items]
            grant_rows_new(IntelligenceItem, ids, agency.group_id, Level.OWNER)
            links, triages = [], []
            for tip, item in zip(batch, items, strict=True):
                hints = _hints(tip, entity_of, held, earlier)
                for subject in tip["subjects"]:
                    entity_id = entity_of[(subject["kind"], subject["key"])]
                    links.append(ItemEntity(
                        item_id=item.pk, entity_id=entity_id, linked_by=by, linked_at=now,
                        label=labels[(subject["kind"], subject["key"])][:300]))
                    earlier.setdefault(entity_id, []).append(item.pk)
                triages.append(TipTriage(
                    tip_id=item.pk, source_id=tip["source_id"], hints=hints,
                    subjects_told=not tip["subjects"],
                    **triage_fields(agency=agency, center=center, anonymous=tip["anonymous"],
                                    caller_name=tip["caller_name"],
                                    caller_phone=tip["caller_phone"], where=tip["where"],
                                    when=tip["when"], now=now, hours=hours)))
            ItemEntity.objects.bulk_create(links, batch_size=1000)
            TipTriage.objects.bulk_create(triages)
            result.tip_ids.extend(ids)
            done += len(batch)
            if job_id is not None:
                cache.set(_progress_key(job_id), done, 3600)
        result.created = len(result.tip_ids)
        log_access(action="create", actor=by, object_type="intelligenceitem",
                   object_ids=result.tip_ids,
                   detail={"tip": "imported", "source": source[:200], "rows": result.total,
                           "created": result.created, "already_imported": result.already,
                           "bad_rows": result.as_dict()["bad_rows"],
                           "center_id": getattr(center, "pk", None)})


# Jobs: an import run in the background, its progress polled by the page ----------------------


def import_job_of(user, pk):
    """An import job of the user's agency, or the 404 of a missing one (another agency's job
    is one)."""
    job = TipImportJob.objects.filter(pk=pk, agency_id=user.agency_id).first() \
        if user.agency_id is not None else None
    if job is None:
        raise Http404("No such import.")
    return job


@transaction.atomic
def import_job_start(*, by, file_name, data, good_only=False):
    """Read the file (a file that cannot be read is refused now, ImportRefused) and queue its
    rows for work.tasks.tip_import_run, enqueued once the job is committed."""
    if by.agency_id is None:
        raise ImportRefused("Only a member of an agency imports tips.", code="import_no_agency")
    rows = rows_from_file(file_name, data)
    if not rows:
        raise ImportRefused("The file holds no tip.", code="import_empty")
    job = TipImportJob.objects.create(
        agency_id=by.agency_id, created_by=by, file_name=(file_name or "")[:200],
        good_only=good_only, total=len(rows),
        rows=[{"place": row.place, "values": row.values} for row in rows])
    # robust: in the embedded default the task runs here, in-process; a failure of it marks the
    # job failed (the page and the API say so) rather than failing the upload's answer.
    transaction.on_commit(lambda: _hand_over_job(job.pk), robust=True)
    return job


def _hand_over_job(job_id):
    """The broker is tried once, briefly (a commit never waits for Redis): if it is down, the job
    stays queued and the sweep (untold_sweep) runs it."""
    try:
        tasks.tip_import_run_task.apply_async(args=[job_id], retry=False)
    except Exception:  # the broker unreachable, or (in process) a failure the job records
        logger.exception("Tip import %s not handed over now; the sweep will", job_id)


def import_job_run(job_id):
    """Run a queued job once (a second delivery of the task finds it claimed and does nothing):
    the import, then the job's figures and bad rows; its rows are cleared."""
    claimed = TipImportJob.objects.filter(pk=job_id, status=TipImportJob.Status.QUEUED) \
        .update(status=TipImportJob.Status.RUNNING)
    if not claimed:
        return None
    job = TipImportJob.objects.select_related("created_by__agency").get(pk=job_id)
    rows = [Row(row["place"], row["values"]) for row in job.rows]
    try:
        result = tips_import(by=job.created_by, rows=rows, good_only=job.good_only,
                             source=job.file_name, job_id=job.pk)
    except ImportRefused as refusal:
        job.status, job.errors = TipImportJob.Status.FAILED, [
            {"field": "", "code": refusal.code or "import_refused",
             "reason": " ".join(refusal.messages)}]
    except Exception:
        # Nothing was written (one transaction); the job says so rather than staying "running".
        job.status, job.errors = TipImportJob.Status.FAILED, [
            {"field": "", "code": "import_failed",
             "reason": "The import failed and wrote nothing: try it again."}]
        job.rows, job.finished_at = [], timezone.now()
        job.save()
        raise
    else:
        job.status = (TipImportJob.Status.DONE if result.written
                      else TipImportJob.Status.REFUSED)
        job.created, job.already, job.errors = result.created, result.already, result.errors
    job.done, job.rows, job.finished_at = job.total, [], timezone.now()
    job.save()
    cache.delete(_progress_key(job.pk))
    return job


def import_job_row(job):
    """What the page and the API tell of a job."""
    return {"id": job.pk, "status": job.status, "file_name": job.file_name,
            "good_only": job.good_only, "total": job.total, "done": progress_of(job),
            "created": job.created, "already_imported": job.already,
            "bad_rows": len({str(error.get("line", error.get("index"))) for error in job.errors
                             if "line" in error or "index" in error}),
            "errors": job.errors, "created_at": job.created_at, "finished_at": job.finished_at}
