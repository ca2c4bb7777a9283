"""Bulk intake of tips (work.tip_import): each kind of bad row named by its line (CSV) or index
(JSON) and its reason, nothing written while a row is bad, a re-import creating nothing twice,
the rules of a tip taken down by hand, and a query count that grows by batches, not by rows."""

import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AccessLog
from cases import services as case_services
from cases.models import Entity, IntelligenceItem, ItemEntity, SubjectMatch
from sharing.permissions import level_of
from work import tasks, tip_import
from work.models import TipImportJob, TipTriage, TriageDeadline
from work.tip_import import ImportRefused, rows_from_csv, rows_from_json, tips_import
from work.tip_services import tip_take_down

# The import task runs in process once handed over, in the PostgreSQL + Redis run too.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tasks_in_process")]

HEADER = "source_id,what,where,when,caller_name,caller_phone,subjects\n"


def csv_of(*lines):
    return (HEADER + "".join(f"{line}\n" for line in lines)).encode()


def errors_at(result):
    return {(error.get("line", error.get("index")), error["field"], error["code"])
            for error in result.errors}


def good_csv(count, start=0):
    return csv_of(*(f"S-{n},Van seen near school call 407-555-{n % 10000:04d},Orlando FL,"
                    f"2026-03-01T10:00,,," for n in range(start, start + count)))


# Bad rows

def test_each_kind_of_bad_row_is_named_by_its_line_and_nothing_is_written(analyst_fl, cfix):
    data = csv_of(
        "S-1,A van by the school,,,,,",                        # line 2: good
        "S-2,,Orlando,,,,",                                    # line 3: what missing
        "S-3,Seen at night,,yesterday,,,",                     # line 4: bad date
        f"S-4,Seen,{'x' * 301},,,,",                           # line 5: where too long
        f"S-5,Seen,,,{'n' * 201},,",                           # line 6: caller name too long
        "S-1,Again the van,,,,,",                              # line 7: source id repeated
        "S-7,Seen,,,,,phone:not a number",                     # line 8: bad subject
        "S-8,Seen,,,,,spaceship:X1",                           # line 9: unknown kind
        ",Seen without id,,,,,",                               # line 10: no source id
        "S-9,Seen,,2099-01-01,,,",                             # line 11: in the future
    )
    before = IntelligenceItem.objects.count()
    result = tips_import(by=analyst_fl, rows=rows_from_csv(data))
    assert not result.written
    assert errors_at(result) == {
        (3, "what", "tip_what_missing"), (4, "when", "import_when_invalid"),
        (5, "where", "import_too_long"), (6, "caller_name", "import_too_long"),
        (7, "source_id", "import_source_id_repeated"), (8, "subjects", "import_subject_invalid"),
        (9, "subjects", "import_subject_invalid"), (10, "source_id", "import_source_id_missing"),
        (11, "when", "import_when_future")}
    repeated = next(e for e in result.errors if e["code"] == "import_source_id_repeated")
    assert "line 2" in repeated["reason"]
    assert result.as_dict()["bad_rows"] == 9
    assert IntelligenceItem.objects.count() == before
    assert not TipTriage.objects.exists()
    assert not AccessLog.objects.filter(detail__tip="imported").exists()


def test_good_only_imports_the_good_rows_and_reports_the_bad(analyst_fl, cfix):
    result = tips_import(by=analyst_fl, good_only=True, rows=rows_from_csv(csv_of(
        "S-1,A van by the school,,,,,", "S-2,,,,,,", "S-3,Seen again,,,,,")))
    assert result.written and result.created == 2
    assert errors_at(result) == {(3, "what", "tip_what_missing")}
    assert set(TipTriage.objects.values_list("source_id", flat=True)) == {"S-1", "S-3"}


def test_json_bad_rows_are_named_by_their_index(analyst_fl, cfix):
    rows = rows_from_json(json.dumps([
        {"source_id": "J-1", "what": "ok"},
        {"source_id": "J-2", "what": "x", "when": "31/02/2026"},
        "not an object",
        {"source_id": "J-4", "what": "x", "subjects": [{"kind": "vehicle", "value": "ABC123"}]},
        {"source_id": "J-5", "what": "x", "colour": "red"},
    ]))
    result = tips_import(by=analyst_fl, rows=rows)
    assert errors_at(result) == {(1, "when", "import_when_invalid"),
                                 (2, "", "import_row_not_object"),
                                 (3, "subjects", "import_subject_invalid"),
                                 (4, "colour", "import_unknown_field")}
    assert not IntelligenceItem.objects.exists()


@pytest.mark.parametrize(("data", "code"), [
    (b"\xff\xfe not utf-8", "import_not_utf8"),
    (b"", "import_empty"),
    (b"id,what\n1,x\n", "import_columns"),
])
def test_a_file_that_cannot_be_read_is_refused_by_name(data, code):
    with pytest.raises(ImportRefused) as refusal:
        rows_from_csv(data)
    assert refusal.value.code == code


# What is written

def test_an_imported_tip_follows_the_rules_of_a_tip_taken_down(analyst_fl, cfix, mbi):
    TriageDeadline.objects.create(center=cfix, hours=6)
    result = tips_import(by=analyst_fl, source="calls.csv", rows=rows_from_csv(csv_of(
        'S-1,"Van, white, FL plate LKR-7Q2\nsecond line",Orlando,2026-03-01,Ann Lee,'
        '407-555-0100,email:ann@example.com')))
    assert result.created == 1
    triage = TipTriage.objects.select_related("tip").get()
    by_hand = tip_take_down(by=analyst_fl, what="By hand")
    item = triage.tip
    assert item.kind == "tip" and item.owner == mbi and item.tlp == by_hand.tip.tlp
    assert item.intelligence_status == by_hand.tip.intelligence_status == "pending"
    assert item.title == "Van, white, FL plate LKR-7Q2"
    assert triage.center == by_hand.center == cfix and triage.status == "new"
    assert triage.due_at - triage.created_at == by_hand.due_at - by_hand.created_at
    assert triage.caller_name == "Ann Lee" and triage.place == "Orlando"
    assert triage.occurred_at.date().isoformat() == "2026-03-01"
    assert level_of(analyst_fl, item) == level_of(analyst_fl, by_hand.tip)
    assert set(ItemEntity.objects.filter(item=item).values_list("entity__kind", "entity__key")) \
        == {("email", "ann@example.com"), ("vehicle", "FL:LKR7Q2")} | {
            (e.kind, e.key) for e in Entity.objects.filter(kind="phone", item_links__item=item)}
    log = AccessLog.objects.get(detail__tip="imported")
    assert log.object_ids == [item.pk] and log.detail["source"] == "calls.csv"


def test_a_bom_and_quoted_newlines_keep_each_record_on_its_first_line(analyst_fl, cfix):
    data = "\ufeff".encode() + csv_of('S-1,"one\nand two\nand three",,,,,', "S-2,,,,,,")
    result = tips_import(by=analyst_fl, rows=rows_from_csv(data))
    assert errors_at(result) == {(5, "what", "tip_what_missing")}


def test_imported_tips_hint_at_the_records_that_held_their_subjects(analyst_fl, cfix):
    earlier = tip_take_down(by=analyst_fl, what="Earlier call 407-555-0148",
                            subjects=[{"kind": "phone", "value": "407-555-0148"}])
    tips_import(by=analyst_fl, rows=rows_from_csv(csv_of(
        "S-1,Again 407-555-0148,,,,,", "S-2,And once more 407 555 0148,,,,,")))
    first, second = (TipTriage.objects.get(source_id=s) for s in ("S-1", "S-2"))
    assert [ref["id"] for ref in first.hints] == [earlier.tip_id]
    assert [ref["id"] for ref in second.hints] == [first.tip_id, earlier.tip_id]


# Idempotence

def test_a_re_import_creates_nothing_twice(analyst_fl, cfix):
    first = tips_import(by=analyst_fl, rows=rows_from_csv(good_csv(5)))
    counts = (IntelligenceItem.objects.count(), ItemEntity.objects.count(), Entity.objects.count())
    again = tips_import(by=analyst_fl, rows=rows_from_csv(good_csv(5)))
    assert (first.created, first.already) == (5, 0)
    assert (again.created, again.already, again.written) == (0, 5, True)
    assert (IntelligenceItem.objects.count(), ItemEntity.objects.count(),
            Entity.objects.count()) == counts


def test_a_mixed_re_import_creates_only_the_new_rows(analyst_fl, cfix):
    tips_import(by=analyst_fl, rows=rows_from_csv(good_csv(5)))
    again = tips_import(by=analyst_fl, rows=rows_from_csv(good_csv(8)))
    assert (again.created, again.already) == (3, 5)
    assert TipTriage.objects.count() == 8
    assert TipTriage.objects.filter(source_id="S-7").exists()


def test_an_import_that_loses_the_race_for_its_source_ids_writes_nothing(
        analyst_fl, cfix, monkeypatch):
    tips_import(by=analyst_fl, rows=rows_from_csv(good_csv(2)))
    # As if another import committed the same rows between this one's read and its write.
    monkeypatch.setattr(tip_import, "_already_imported", lambda agency, source_ids: set())
    counts = (IntelligenceItem.objects.count(), ItemEntity.objects.count())
    with pytest.raises(ImportRefused) as refusal:
        tips_import(by=analyst_fl, rows=rows_from_csv(good_csv(3)))
    assert refusal.value.code == "import_concurrent"
    assert (IntelligenceItem.objects.count(), ItemEntity.objects.count()) == counts
    assert TipTriage.objects.count() == 2


def test_another_agency_may_use_the_same_source_ids(analyst_fl, analyst_fl2, cfix):
    tips_import(by=analyst_fl, rows=rows_from_csv(good_csv(3)))
    other = tips_import(by=analyst_fl2, rows=rows_from_csv(good_csv(3)))
    assert other.created == 3


# Cost

def _queries(user, count, start):
    with CaptureQueriesContext(connection) as captured:
        result = tips_import(by=user, rows=rows_from_csv(good_csv(count, start)))
    assert result.created == count
    return len(captured)


def test_the_import_costs_queries_by_batch_not_by_row(analyst_fl, cfix):
    small = _queries(analyst_fl, 100, 0)
    large = _queries(analyst_fl, 1000, 10_000)
    # Per batch of BATCH_SIZE rows: the source ids and the entities read, the entities, items,
    # permission rows, links and triage rows written. SQLite caps a statement at 999 parameters,
    # so Django splits each batch's INSERTs into statements of 999 // columns rows (an item has
    # ~30 columns: 33 items a statement): still batches, of a size the database sets. By row,
    # tip_take_down's way, 900 more rows would cost over 10,000 more queries.
    assert large - small <= 900 // 10, (small, large)
    assert large <= 1000 // 8, large


# The command

def test_the_command_prints_counts_and_each_bad_row(analyst_fl, cfix, tmp_path, capsys):
    good = tmp_path / "calls.csv"
    good.write_bytes(good_csv(3))
    call_command("import_tips", str(good), agency="FL0480400", user="analyst_fl")
    assert "3 rows: 3 created, 0 already imported, 0 bad." in capsys.readouterr().out
    call_command("import_tips", str(good), agency="FL0480400", user="analyst_fl")
    assert "3 created" not in capsys.readouterr().out
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"source_id": "X", "what": ""}]))
    with pytest.raises(CommandError, match="nothing imported"):
        call_command("import_tips", str(bad), agency="FL0480400", user="analyst_fl")
    assert "index 0 what: Say what the caller reported" in capsys.readouterr().out


def test_the_command_refuses_a_user_of_another_agency(analyst_la, tmp_path):
    path = tmp_path / "calls.csv"
    path.write_bytes(good_csv(1))
    with pytest.raises(CommandError, match="not a person of the agency"):
        call_command("import_tips", str(path), agency="FL0480400", user="analyst_la")


# Deconfliction of imported subjects, after the commit ------------------------------------------

PHONE_ROW = "S-1,Caller gives the recruiter's number 407-555-0148,,,,,"


@pytest.fixture
def houston_holds_the_phone(make_case, outsider):
    case = make_case(outsider, states=("TX",), title="Houston stash house")
    case_services.entity_link(by=outsider, kind="phone", label="Stash house phone",
                              number="407-555-0148", case=case)
    return case


def test_an_imported_subject_is_deconflicted_once_the_import_commits(
        analyst_fl, cfix, houston_holds_the_phone, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = tips_import(by=analyst_fl, rows=rows_from_csv(csv_of(PHONE_ROW)))
    assert callbacks, "the deconfliction is handed over after the commit"
    tip_id = result.tip_ids[0]
    match = SubjectMatch.objects.get()
    assert (match.new_item_id, match.held_case) == (tip_id, houston_holds_the_phone)
    assert TipTriage.objects.get(tip_id=tip_id).subjects_told
    # Run again (a task delivered twice, or swept): nobody is told twice.
    tip_import.deconflict_imported(analyst_fl.pk, [tip_id])
    TipTriage.objects.filter(tip_id=tip_id).update(subjects_told=False)
    tip_import.deconflict_imported(analyst_fl.pk, [tip_id])
    assert SubjectMatch.objects.count() == 1


def test_a_lost_hand_over_is_told_by_the_sweep(analyst_fl, cfix, houston_holds_the_phone,
                                              django_capture_on_commit_callbacks, monkeypatch):
    def broker_down(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(tasks.tip_import_deconflict_task, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        result = tips_import(by=analyst_fl, rows=rows_from_csv(csv_of(PHONE_ROW)))
    triage = TipTriage.objects.get(tip_id=result.tip_ids[0])
    assert not triage.subjects_told and not SubjectMatch.objects.exists()
    tip_import.untold_sweep()  # too soon: the hand-over may still be under way
    assert not SubjectMatch.objects.exists()
    tip_import.untold_sweep(now=triage.created_at + tip_import.UNTOLD_AFTER + timedelta(seconds=1))
    triage.refresh_from_db()
    assert triage.subjects_told and SubjectMatch.objects.get().new_item_id == triage.tip_id


def test_a_job_whose_hand_over_was_lost_is_run_by_the_sweep(
        analyst_fl, cfix, django_capture_on_commit_callbacks, monkeypatch):
    def broker_down(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(tasks.tip_import_run_task, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        job = tip_import.import_job_start(by=analyst_fl, file_name="tips.csv",
                                          data=csv_of(PHONE_ROW))
    job.refresh_from_db()
    assert job.status == TipImportJob.Status.QUEUED
    monkeypatch.undo()
    tip_import.untold_sweep(now=job.created_at + tip_import.UNTOLD_AFTER + timedelta(seconds=1))
    job.refresh_from_db()
    assert (job.status, job.created) == (TipImportJob.Status.DONE, 1)


def test_the_sweep_is_on_beats_schedule_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["tip-import-sweep"]
    assert (entry["task"], entry["schedule"]) == ("work.tasks.tip_import_sweep", 60.0)
    assert tasks.tip_import_sweep_task.name == entry["task"]
