"""Directional controls (U+202E and its kin) never reach a page or an answer: an annotation, a
title, a subject or a file name that carries one is kept without it (core/text.py), whether it
came from a page, the API or a service."""

import pytest
from django.urls import reverse

from cases import services
from cases.models import Annotation, Case, CaseEntity, CaseTask
from core.text import BIDI_CONTROLS, without_bidi_controls

pytestmark = pytest.mark.django_db

RLO, PDF, RLI, PDI = "\u202e", "\u202c", "\u2067", "\u2069"
# Shown as "Plate seen: ABC-1234 exe.png" by a browser that honours the override.
DISGUISED = f"Plate seen: ABC-1234 {RLO}gnp.exe{PDF} {RLI}isolated{PDI}"
PLAIN = "Plate seen: ABC-1234 gnp.exe isolated"


def test_every_embedding_override_and_isolate_is_dropped_and_nothing_else():
    text = "".join(chr(code) for code in range(0x2000, 0x2070))
    kept = without_bidi_controls(text)
    dropped = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
    assert {chr(code) for code in BIDI_CONTROLS} == dropped
    assert not set(kept) & {chr(code) for code in BIDI_CONTROLS}
    assert len(kept) == len(text) - 9
    assert "\u200e" in kept and "\u200f" in kept  # the implicit marks stay
    assert without_bidi_controls("שלום Shalom") == "שלום Shalom"


def test_an_annotation_added_on_the_page_is_stored_and_shown_without_them(
    client, trafficking_case, analyst_fl
):
    client.force_login(analyst_fl)
    response = client.post(reverse("case-annotate", args=[trafficking_case.pk]), {"body": DISGUISED})
    assert response.status_code == 302
    assert Annotation.objects.get(case=trafficking_case).body == PLAIN
    page = client.get(reverse("case-detail", args=[trafficking_case.pk])).content.decode()
    assert PLAIN in page
    assert not set(page) & {chr(code) for code in BIDI_CONTROLS}


def test_titles_edits_subjects_and_files_lose_them_too(make_case, analyst_fl):
    case = make_case(analyst_fl, title=f"Case {RLO}txet{PDF}", summary=DISGUISED)
    assert (case.title, case.summary) == ("Case txet", PLAIN)
    services.case_update(case=case, by=analyst_fl, version=case.version, title=f"{RLI}New{PDI}")
    assert Case.objects.get(pk=case.pk).title == "New"
    services.entity_link(by=analyst_fl, kind="person", label=f"J. {RLO}eoD", role=f"{RLO}witness",
                         case=case, name="J. Doe", dob="1990-01-01")
    link = CaseEntity.objects.get(case=case)
    assert (link.label, link.role) == ("J. eoD", "witness")
    note = services.annotation_add(by=analyst_fl, case=case, body="First")
    edited = services.annotation_edit(annotation=note, by=analyst_fl, version=note.version, body=DISGUISED)
    assert edited.body == PLAIN


def test_a_tasks_title_loses_them_when_added_and_when_changed(client, trafficking_case,
                                                              analyst_fl):
    client.force_login(analyst_fl)
    response = client.post(reverse("case-task-add", args=[trafficking_case.pk]),
                           {"title": DISGUISED})
    assert response.status_code == 302
    task = CaseTask.objects.get(case=trafficking_case)
    assert task.title == PLAIN
    changed = services.task_update(task=task, by=analyst_fl, version=task.version,
                                   title=f"{RLI}Canvass{PDI} the motel")
    assert changed.title == "Canvass the motel"
