"""Tasks on a case: adding one from the case page, a case's task list, changing a task, its
status buttons, and the tasks assigned to me.

A task is reached through its case (sharing.permissions.get_child_or_404): for an agency that
does not see the case, the task does not exist (404). Who may add, assign and close one is
decided by cases.services (annotate on the case).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agencies.models import User
from audit.services import log_access
from core.handling import Level
from sharing.permissions import get_child_or_404, get_visible_or_404, level_of, require_level

from .. import selectors, services
from ..forms import TaskEditForm, TaskForm, TaskStatusForm, apply_errors
from ..models import Case, CaseTask
from .pages import case_page, handling_context, visible


def _assignee(form):
    """The person the valid form names (its menu offered only people who may be assigned), or
    None for nobody."""
    pk = form.cleaned_data.get("assignee")
    return User.objects.select_related("agency").filter(pk=pk).first() if pk else None


def _task_of(request, pk):
    return get_child_or_404(
        request.user, CaseTask, pk,
        queryset=CaseTask.objects.select_related("assignee__agency", "case"),
    )


def _case_tasks_url(case):
    return reverse("case-detail", args=[case.pk]) + "#tasks"


@login_required
@require_POST
def case_task_add(request, pk):
    """The case page's small form: a task, perhaps assigned and due. A refusal comes back on the
    case page with the form's errors."""
    case = visible(request, Case, pk)
    form = TaskForm(request.POST, assignees=selectors.task_assignees(request.user, case))
    if form.is_valid():
        data = form.cleaned_data
        try:
            task = services.task_add(case=case, by=request.user, title=data["title"],
                                     assignee=_assignee(form), due_date=data["due_date"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Task added" + (
                f" and assigned to {task.assignee.get_full_name() or task.assignee.username}."
                if task.assignee_id else "."))
            return redirect(_case_tasks_url(case))
    return case_page(request, case, status=400, task_form=form)


@login_required
@require_GET
def case_tasks(request, pk):
    """Every task of a case, open ones by default (or done ones, or all), soonest due first, a
    page at a time."""
    case = get_visible_or_404(request.user, Case, pk,
                              queryset=Case.objects.select_related("owner"))
    level = level_of(request.user, case)
    status = request.GET.get("status") or "open"
    context = {
        "case": case, "obj": case, "level": level, "can_annotate": level >= Level.ANNOTATE,
        "status": status, "statuses": [("open", "Open"), ("done", "Done"), ("all", "All")],
        "tasks": [], "next_cursor": None, **handling_context(case),
    }
    try:
        context["tasks"], context["next_cursor"] = selectors.case_tasks_page(
            case, today=timezone.localdate(), status=status, cursor=request.GET.get("cursor"))
    except ValidationError as error:
        context["page_error"] = " ".join(error.messages)
        return render(request, "cases/case_tasks.html", context, status=400)
    return render(request, "cases/case_tasks.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def task_edit(request, pk):
    """Change a task: its title, status, assignee, due date (annotate on its case). A stale
    change is refused (409) with what the task says now; what was typed is kept."""
    task, case = _task_of(request, pk)
    require_level(request.user, case, Level.ANNOTATE)
    assignees = selectors.task_assignees(request.user, case)
    context = {"task": task, "case": case, "obj": case, **handling_context(case)}
    if request.method == "GET":
        log_access(action="read", actor=request.user, obj=case, detail={"task_id": task.pk})
        context["form"] = TaskEditForm.for_task(task, assignees)
        return render(request, "cases/task_edit.html", context)
    form = TaskEditForm(request.POST, assignees=assignees, current=task.assignee)
    context["form"] = form
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.task_update(
                task=task, by=request.user, version=data["version"], title=data["title"],
                status=data["status"], assignee=_assignee(form), due_date=data["due_date"],
            )
        except services.StaleVersion as error:
            # What was typed stays, now against the version the task is at; what it says now
            # is shown above it.
            data = request.POST.copy()
            data["version"] = error.obj.version
            form = TaskEditForm(data, assignees=assignees, current=task.assignee)
            form.is_valid()
            form.add_error(None, str(error))
            context.update(form=form, stale=error.obj)
            status = 409
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Task saved.")
            return redirect(_case_tasks_url(case))
    return render(request, "cases/task_edit.html", context, status=status)


@login_required
@require_POST
def task_status(request, pk):
    """A task's button (done, start, reopen) on the case page, the case's task list or my
    tasks: back to that page, saying what changed or why not."""
    task, case = _task_of(request, pk)
    form = TaskStatusForm(request.POST)
    back = {
        "case-tasks": reverse("case-tasks", args=[case.pk]),
        "my-tasks": reverse("my-tasks"),
    }.get(request.POST.get("back"), _case_tasks_url(case))
    if not form.is_valid():
        messages.error(request, "That button did not say what to do; nothing changed.")
        return redirect(back)
    try:
        changed = services.task_update(task=task, by=request.user,
                                       version=form.cleaned_data["version"],
                                       status=form.cleaned_data["status"])
    except services.StaleVersion:
        messages.error(request, "The task was changed by someone else since the page was shown; "
                                "nothing changed. Here it is as it is now.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Task “{changed.title}”: {changed.get_status_display().lower()}.")
    return redirect(back)


@login_required
@require_GET
def my_tasks(request):
    """The tasks assigned to me and not done yet, on the cases my agency still sees, soonest due
    first (overdue ones marked), a page at a time."""
    context = {"tasks": [], "next_cursor": None, "first_page": not request.GET.get("cursor")}
    try:
        context["tasks"], context["next_cursor"] = selectors.my_tasks_page(
            request.user, today=timezone.localdate(), cursor=request.GET.get("cursor"))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return render(request, "cases/my_tasks.html", context, status=400)
    if context["tasks"]:
        # Each row names its case by number and title: a list read like the case list's.
        log_access(action="list", actor=request.user,
                   object_ids=sorted({task.case_id for task in context["tasks"]}),
                   detail={"list": "my tasks",
                           "task_ids": [task.pk for task in context["tasks"]]})
    return render(request, "cases/my_tasks.html", context)
