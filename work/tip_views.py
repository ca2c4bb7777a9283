"""The tip pages: the call-taker's intake (with the subjects and duplicate hints fetched as they
type), a tip's triage page and its buttons, the agency's queue (filters, bulk assign) and a
center's queue.

A tip is reached through the permission service (get_visible_or_404): for an agency that does
not see it, it does not exist (404). Who may do what is work.tip_services's to decide."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agencies.gate import center_for_admin_or_404
from audit.services import log_access
from cases.forms import apply_errors
from cases.models import Case, IntelligenceItem
from core.errors import InsufficientLevel, StaleVersion
from sharing.permissions import cases_visible_to, get_visible_or_404

from . import tip_selectors as selectors
from . import tip_services as services
from .models import TipTriage
from .tip_forms import BulkAssignForm, TipActionForm, TipIntakeForm, keyed, subject_value

Status = TipTriage.Status
ACTIONS = ("assign", "review", "accept", "close")


def _no_agency(request):
    if request.user.agency_id is None:
        raise Http404("No agency.")


def _offered(form_data, text):
    """The subjects recognised in `text`, each with its checkbox's value and whether it stays
    ticked (a box the call-taker unticked stays so while the text is retyped)."""
    shown_before = set(form_data.getlist("subject_offered"))
    ticked = set(form_data.getlist("subject"))
    offered = []
    for subject in selectors.subjects_in(text):
        value = subject_value(subject)
        offered.append({**subject, "value_field": value,
                        "ticked": value in ticked or value not in shown_before})
    return offered


def _hints_for(request, subjects):
    """The hints of these subjects, as the reader may be told them now. What was told goes to
    the access log (the tips and cases named; the agencies pointed to), as a deconfliction
    notice leaves its trace: asking what the portal holds is never silent."""
    hints = selectors.hints_shown(request.user,
                                  selectors.hint_refs(subjects, now=timezone.now()))
    if hints:
        log_access(action="list", actor=request.user, object_type="intelligenceitem",
                   object_ids=[hint["id"] for hint in hints if hint["visible"]
                               and hint["type"] == "tip"],
                   detail={"list": "tip intake hints",
                           "cases": [hint["id"] for hint in hints
                                     if hint["visible"] and hint["type"] == "case"],
                           "pointers": sorted({hint["ori"] for hint in hints
                                               if not hint["visible"]})})
    return hints


@login_required
@require_http_methods(["GET", "POST"])
def tip_new(request):
    """The call-taker's form: one screen, keyboard only (see the page's shortcuts)."""
    _no_agency(request)
    centers = services.centers_of(request.user.agency)
    form = TipIntakeForm(request.POST or None, centers=centers)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    triage = services.tip_take_down(
                        by=request.user, what=data["what"], subjects=form.subjects(),
                        caller_name=data["caller_name"], caller_phone=data["caller_phone"],
                        anonymous=data["anonymous"], where=data["where"], when=data["when"],
                        tlp=data["tlp"], center=data.get("center"))
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, f"Tip {triage.number} taken down: it is new in the "
                                          "queue.")
                return redirect("tip-detail", pk=triage.tip_id)
        status = 400
    text = f"{request.POST.get('what', '')}\n{request.POST.get('where', '')}"
    offered = _offered(request.POST, text) if request.method == "POST" else []
    return render(request, "work/tip_new.html", {
        "form": form, "offered": offered, "hints": _hints_for(request, offered) if offered else [],
        "section": "tips"}, status=status)


@login_required
@require_POST
def tip_subjects(request):
    """What the call-taker's text names (htmx, as they type): the subjects to keep, and the
    records that already hold one (named if the reader's agency sees them; else by pointer,
    within the blind rules; else nothing)."""
    _no_agency(request)
    text = f"{request.POST.get('what', '')}\n{request.POST.get('where', '')}"
    offered = _offered(request.POST, text)
    form = TipIntakeForm(request.POST, centers=())
    other = []
    if form.is_valid():
        try:
            other = keyed(form.subjects()[len(request.POST.getlist("subject")):])
        except ValidationError:
            other = []
    return render(request, "work/_tip_subjects.html", {
        "offered": offered, "hints": _hints_for(request, [*offered, *other])})


def _tip(request, pk, *, record_read=True):
    tip = get_visible_or_404(request.user, IntelligenceItem, pk, record_read=record_read,
                             queryset=IntelligenceItem.objects.select_related("owner", "case"))
    triage = selectors.triage_of(tip) if tip.kind == IntelligenceItem.Kind.TIP else None
    if triage is None:
        raise Http404("No tip in a triage queue here.")
    return tip, triage


# How many cases the accept menu offers: the agency's own open cases, newest first (those its
# people may edit).
CASES_OFFERED = 50


def _own_open_cases(request):
    return (cases_visible_to(request.user)
            .filter(owner_id=request.user.agency_id, status=Case.Status.OPEN)
            .order_by("-updated_at", "-id")[:CASES_OFFERED])


def triage_context(request, tip, triage):
    ours = services.on_queue_side(request.user, triage)
    triage.overdue = triage.is_overdue()
    context = {"tip": tip, "triage": triage, "ours": ours, "section": "tips",
               "hints": selectors.hints_shown(request.user, triage.hints),
               "deadline_hours": selectors.deadline_hours(triage.center)}
    if ours and triage.is_open:
        context.update(
            assignees=selectors.triagers_of(triage.agency),
            can_review=triage.status in (Status.NEW, Status.ASSIGNED)
            and triage.assignee_id in (None, request.user.pk),
            can_accept=triage.status == Status.IN_REVIEW,
            cases=list(_own_open_cases(request)),
        )
    return context


@login_required
@require_GET
def tip_detail(request, pk):
    """A tip's triage page: what was taken down, its subjects' hints as the reader may be told
    them now, its status, age and deadline, and the buttons of its agency's people."""
    tip, triage = _tip(request, pk)
    return render(request, "work/tip_detail.html", triage_context(request, tip, triage))


@login_required
@require_POST
def tip_action(request, pk, tip_action):
    """A tip's button (assign, review, accept, close): back where it was pressed, saying what
    changed or why not."""
    if tip_action not in ACTIONS:
        raise Http404("No such action.")
    tip, triage = _tip(request, pk, record_read=False)
    form = TipActionForm(request.POST, assignees=selectors.triagers_of(triage.agency),
                         cases=cases_visible_to(request.user))
    back = reverse("tip-queue") if request.POST.get("back") == "queue" else \
        reverse("tip-detail", args=[tip.pk])
    if not form.is_valid():
        messages.error(request, "That button did not say what to do: "
                       + " ".join(str(e) for errors in form.errors.values() for e in errors)
                       + " Nothing changed.")
        return redirect(back)
    data = form.cleaned_data
    by, version = request.user, data["version"]
    try:
        if tip_action == "assign":
            changed = services.tip_assign(triage=triage, by=by, assignee=data["assignee"],
                                          version=version)
        elif tip_action == "review":
            changed = services.tip_start_review(triage=triage, by=by, version=version)
        elif tip_action == "close":
            changed = services.tip_close(triage=triage, by=by, reason=data["reason"],
                                         version=version)
        else:
            new_case = None
            if data["case"] is None and (data["new_case_title"] or data["new_case_number"]):
                new_case = {"number": data["new_case_number"],
                            "title": data["new_case_title"] or tip.title,
                            "lead_center": triage.center,
                            "jurisdictions": [{"state": tip.owner.home_state}]}
            changed = services.tip_accept(triage=triage, by=by, case=data["case"],
                                          new_case=new_case, version=version)
    except StaleVersion:
        messages.error(request, "The tip was changed by someone else since the page was shown; "
                                "nothing changed. Here it is as it is now.")
    except InsufficientLevel:
        raise
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Tip {changed.number}: {changed.get_status_display().lower()}"
                         + (f", assigned to {changed.assignee.get_full_name() or changed.assignee.username}"
                            if tip_action == "assign" else "") + ".")
    return redirect(back)


def _choice(request):
    return {"status": request.GET.get("status") or "open",
            "assignee": request.GET.get("assignee") or "",
            "overdue": request.GET.get("overdue") == "1",
            "older_than": request.GET.get("older_than") or ""}


def _queue(request, template, *, agency=None, center=None, extra=None):
    choice = _choice(request)
    now = timezone.now()
    context = {"rows": [], "next_cursor": None, "choice": choice, "section": "tips",
               "statuses": selectors.STATUS_CHOICES, "first_page": not request.GET.get("cursor"),
               "ages": [("", "Any age"), ("4", "Older than 4 hours"),
                        ("24", "Older than a day"), ("72", "Older than three days")],
               **(extra or {})}
    try:
        context["rows"], context["next_cursor"] = selectors.queue_page(
            request.user, now=now, agency=agency, center=center,
            cursor=request.GET.get("cursor"), **choice)
    except ValidationError as error:
        context["page_error"] = " ".join(error.messages)
        return render(request, template, context, status=400)
    seen = [row.tip_id for row in context["rows"] if row.seen]
    if seen:
        log_access(action="list", actor=request.user, object_ids=seen,
                   object_type="intelligenceitem", detail={"list": "tip queue"})
    query = request.GET.copy()
    query.pop("cursor", None)
    context["query"] = query.urlencode()
    return render(request, template, context)


@login_required
@require_GET
def tip_queue(request):
    """My agency's triage queue: newest first, filters, overdue marked, bulk assign."""
    _no_agency(request)
    assignees = selectors.triagers_of(request.user.agency)
    return _queue(request, "work/tip_queue.html", agency=request.user.agency, extra={
        "assignees": assignees, "centers": selectors.queue_centers(request.user)})


@login_required
@require_GET
def tip_center_queue(request, center_id):
    """A center's queue, for its center admins: the tips its member agencies filed to it, those
    the admin's agency does not see by pointer only (agency, status, age)."""
    center = center_for_admin_or_404(request.user, center_id)
    return _queue(request, "work/tip_center_queue.html", center=center, extra={
        "center": center, "deadline_hours": selectors.deadline_hours(center)})


@login_required
@require_POST
def tip_deadline(request, center_id):
    """A center admin sets the center's triage deadline, in hours."""
    center = center_for_admin_or_404(request.user, center_id)
    try:
        hours = int(request.POST.get("hours", ""))
    except ValueError:
        hours = None
    try:
        services.triage_deadline_set(center=center, by=request.user, hours=hours)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages) + " The deadline did not change.")
    else:
        messages.success(request, f"{center.label} gives its member agencies {hours} hours to "
                                  "decide a new tip, from the next one taken down.")
    return redirect("tip-center-queue", center_id=center.pk)


@login_required
@require_POST
def tip_bulk_assign(request):
    """Assign the ticked tips of my agency's queue to one person: all or none."""
    _no_agency(request)
    form = BulkAssignForm(request.POST, assignees=selectors.triagers_of(request.user.agency))
    back = reverse("tip-queue") + (f"?{request.POST['query']}" if request.POST.get("query") else "")
    chosen = request.POST.getlist("tip")
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["assignee"]) + " No tip was assigned.")
        return redirect(back)
    try:
        ids = [int(value) for value in chosen]
        versions = {int(key.removeprefix("version_")): int(value)
                    for key, value in request.POST.items() if key.startswith("version_")}
    except ValueError:
        messages.error(request, "The list of tips was altered; no tip was assigned.")
        return redirect(back)
    # A tip the reader's agency does not see is the 404 of a missing one, whatever else was
    # ticked: nothing is assigned.
    triages = selectors.triages_visible(request.user, ids)
    if len(triages) != len(set(ids)):
        raise Http404("No such tip.")
    try:
        done = services.tips_assign(triages=triages, by=request.user,
                                    assignee=form.cleaned_data["assignee"],
                                    versions={t.pk: versions.get(t.tip_id) for t in triages})
    except InsufficientLevel:
        raise
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        assignee = form.cleaned_data["assignee"]
        messages.success(request, f"{len(done)} tip{'s' if len(done) != 1 else ''} assigned to "
                                  f"{assignee.get_full_name() or assignee.username}.")
    return redirect(back)
