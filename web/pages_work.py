"""Pages for handlers: inbox, task, report, case (with its diagram) and files."""

from __future__ import annotations

from collections.abc import Mapping

from flask import (
    Blueprint,
    Response,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _

from web.form_widgets import fields_for, flash_errors, parse_local_time, read_form, uploads
from web.i18n import split_title
from web.labels import why_waiting
from web.pages_supervise import override_panel
from web.request_body import files
from web.security import context, local_path, login_required
from workflows.domain.errors import FieldErrors
from workflows.services import (
    attachments,
    care_visits,
    cases,
    deadlines,
    delegation,
    duplicates,
    key_persons,
    map_data,
    notifications,
)
from workflows.services.context import GridcaseContext

bp = Blueprint("work", __name__)


@bp.get("/inbox")
@login_required
def inbox():
    args = request.args
    flt = cases.InboxFilter(
        status=args.get("status") or None,
        category=args.get("category") or None,
        overdue=args.get("overdue") == "1" or None,
        mine=args.get("mine") == "1" or None,
        search=args.get("q") or None,
    )
    ctx = context()
    page = cases.inbox(ctx, g.actor, flt, page=args.get("page", 1, type=int))
    to_decide = deadlines.extensions_to_decide(ctx, g.actor)
    care = care_visits.my_tasks(ctx, g.actor)
    return render_template("inbox.html", page=page, to_decide=to_decide, care=care)


@bp.get("/notices")
@login_required
def notices():
    """The person's notices, newest first; opening the page does not mark them read."""
    return render_template("notices.html", notices=notifications.for_actor(context(), g.actor))


@bp.get("/notices/unread.json")
@login_required
def unread_notices():
    """The header badge's count, polled by notices.js."""
    return jsonify({"unread": notifications.unread_count(context(), g.actor)})


@bp.post("/notices/<int:notification_id>/read")
@login_required
def read_notice(notification_id: int):
    notifications.mark_read(context(), g.actor, notification_id)
    return redirect(local_path(request.form.get("next", "")) or url_for("work.notices"))


@bp.post("/notices/read-all")
@login_required
def read_all_notices():
    notifications.mark_all_read(context(), g.actor)
    return redirect(url_for("work.notices"))


@bp.post("/extensions/<int:request_id>/decide")
@login_required
def decide_extension(request_id: int):
    """The dispatcher approves (the deadline moves) or refuses a request for more time."""
    approve = request.form.get("approve") == "yes"
    comment = request.form.get("comment", "").strip()
    decided = deadlines.decide_extension(context(), g.actor, request_id, approve, comment)
    flash(_("Extension approved") if decided.status == "approved" else _("Extension refused"))
    return redirect(url_for("work.inbox"))


@bp.post("/tasks/<task_id>/claim")
@login_required
def claim(task_id: str):
    cases.claim(context(), g.actor, task_id)
    return redirect(request.form.get("next") or url_for("work.task", task_id=task_id))


@bp.post("/tasks/<task_id>/unclaim")
@login_required
def unclaim(task_id: str):
    cases.unclaim(context(), g.actor, task_id)
    return redirect(request.form.get("next") or url_for("work.inbox"))


@bp.route("/tasks/<task_id>", methods=["GET", "POST"])
@login_required
def task(task_id: str):
    ctx = context()
    view, detail = cases.get_task(ctx, g.actor, task_id)
    schema = view.form_schema or {"properties": {}}
    values: dict = {}
    if "department" in schema["properties"] and detail.suggested_department is not None:
        values["department"] = detail.suggested_department.key  # routing's suggestion
    errors: dict = {}
    status = 200
    if request.method == "POST":
        values = read_form(schema, request.form, ctx.calendar.timezone)
        reason = request.form.get("override_reason", "")
        try:
            done = cases.complete_step(
                ctx, g.actor, task_id, values, photos=files(), reason=reason
            )
        except FieldErrors as err:
            errors, status = err.fields, 400
        else:
            return _to_the_next(ctx, view, done)
    fields = fields_for(schema, values, errors, ctx.catalog, ctx.directory)
    # A step that can merge its case (并单) shows the possible duplicates beside it.
    mergeable = "duplicate_of" in schema["properties"] and view.task.state == "ready"
    return render_template(
        "task.html",
        view=view,
        detail=detail,
        pending_extension=deadlines.pending_extension(ctx, task_id),
        fields=fields,
        errors=errors,
        overriding=view.may_complete_in_place,
        colleagues=delegation.colleagues(ctx, g.actor, task_id) if view.may_complete else [],
        duplicates=duplicates.candidates(ctx, g.actor, detail.case.number) if mergeable else [],
        duplicate_rule=ctx.catalog.duplicates,
    ), status


def _to_the_next(ctx: GridcaseContext, view: cases.TaskView, done: cases.Completed) -> Response:
    """After a submission: straight to the next thing to do (办理下一件)."""
    finished = split_title(view.task.title)
    following = cases.next_task(ctx, g.actor, done)
    if following is None:
        flash(_("Done: %(task)s. Nothing else is waiting for you.", task=finished))
        return redirect(url_for("work.case", number=done.number))
    if following.case.number == done.number:
        flash(
            _(
                "Done: %(task)s. Next on this case: %(next)s",
                task=finished,
                next=split_title(following.task.title),
            )
        )
    else:
        flash(
            _(
                "Done: %(task)s (%(number)s). Next from your inbox: %(next)s",
                task=finished,
                number=done.number,
                next=split_title(following.task.title),
            )
        )
    return redirect(url_for("work.task", task_id=following.task.id))


@bp.post("/tasks/<task_id>/delegate")
@login_required
def delegate(task_id: str):
    form = request.form
    try:
        view = delegation.delegate(
            context(), g.actor, task_id, form.get("to", ""), form.get("reason", "")
        )
    except FieldErrors as err:
        flash_errors(err)
        return redirect(url_for("work.task", task_id=task_id))
    flash(_("Delegated to %(user)s", user=view.task.assignee))
    return redirect(url_for("work.inbox"))


@bp.route("/away", methods=["GET", "POST"])
@login_required
def away():
    """Out of office: name a substitute for a date range, see where you stand in."""
    ctx, form = context(), request.form
    errors: dict = {}
    if request.method == "POST":
        zone = ctx.calendar.timezone
        try:
            starts = parse_local_time(form.get("starts_at"), zone, "starts_at")
            ends = parse_local_time(form.get("ends_at"), zone, "ends_at")
            if starts is None or ends is None:
                raise FieldErrors({"ends_at": [_("give the start and the end")]})
            delegation.set_substitute(
                ctx, g.actor, form.get("substitute", ""), starts, ends, form.get("reason", "")
            )
        except FieldErrors as err:
            errors = err.fields
        else:
            flash(_("Substitute set"))
            return redirect(url_for("work.away"))
    mine, standing_in = delegation.substitutions(ctx, g.actor)
    return render_template(
        "away.html", mine=mine, standing_in=standing_in, errors=errors, values=form
    ), (400 if errors else 200)


@bp.post("/away/<int:substitution_id>/cancel")
@login_required
def cancel_away(substitution_id: int):
    delegation.cancel_substitute(context(), g.actor, substitution_id)
    flash(_("Substitution ended"))
    return redirect(url_for("work.away"))


@bp.post("/tasks/<task_id>/extension")
@login_required
def extension(task_id: str):
    ctx = context()
    try:
        until = parse_local_time(request.form.get("until"), ctx.calendar.timezone)
        reason = request.form.get("reason", "")
        if until is None or not reason.strip():
            raise FieldErrors({"until": [_("give a reason and a new deadline")]})
        deadlines.request_extension(ctx, g.actor, task_id, reason, until)
    except FieldErrors as err:
        flash_errors(err)
    else:
        flash(_("Extension requested"))
    return redirect(url_for("work.task", task_id=task_id))


@bp.route("/report", methods=["GET", "POST"])
@login_required
def report():
    ctx = context()
    errors: dict = {}
    values = request.form
    if request.method == "POST":
        try:
            reported = cases.report(ctx, g.actor, _new_case(values), uploads("photos"))
        except FieldErrors as err:
            errors = err.fields
        else:
            flash(_("Reported as %(number)s", number=reported.number))
            return redirect(url_for("work.case", number=reported.number))
    return render_template(
        "report.html",
        errors=errors,
        values=values,
        grids=ctx.directory.grids(),
        outlines=map_data.grid_outlines(ctx),
    ), (400 if errors else 200)


def _new_case(values: Mapping[str, str]) -> cases.NewCase:
    return cases.NewCase(
        category=values.get("category", ""),
        description=values.get("description", "").strip(),
        title=values.get("title", "").strip(),
        priority=values.get("priority") or "normal",
        channel=values.get("channel") or "grid_worker",
        grid=values.get("grid") or None,
        lat=coordinate(values.get("lat")),
        lon=coordinate(values.get("lon")),
        address=values.get("address", "").strip(),
    )


def coordinate(raw: str | None) -> float | None:
    """A latitude or longitude from a form (empty: none).

    Raises: FieldErrors under ``lat`` for text that is no number."""
    try:
        return float(raw) if raw else None
    except ValueError:
        raise FieldErrors({"lat": [_("coordinates are numbers")]}) from None


@bp.get("/cases/<number>")
@login_required
def case(number: str):
    ctx = context()
    detail = cases.get_case(ctx, g.actor, number)
    waiting = why_waiting(detail, ctx.directory, ctx.catalog.roles)
    return render_template(
        "case.html",
        detail=detail,
        waiting_lines=waiting,
        element_names=detail.element_names,
        task_views={t.task.id: t for t in detail.tasks},
        overrides_panel=override_panel(ctx, detail),
        key_person=key_persons.person_of_device(ctx, g.actor, detail.case.device_id),
    )


@bp.get("/cases/<number>/diagram.json")
@login_required
def diagram(number: str):
    d = cases.diagram(context(), g.actor, number)
    return {"xml": d.xml, "completed": d.completed, "active": d.active, "overdue": d.overdue}


@bp.get("/files/<int:attachment_id>")
@login_required
def file(attachment_id: int):
    row, path = attachments.open_file(context(), g.actor, attachment_id)
    return send_file(path, mimetype=row.content_type, download_name=row.file_name)


@bp.get("/files/<int:attachment_id>/thumb")
@login_required
def thumbnail(attachment_id: int):
    """The small copy made at upload, for lists and side-by-side views."""
    row, path = attachments.open_file(context(), g.actor, attachment_id, thumbnail=True)
    small = path.name.endswith(attachments.THUMBNAIL_SUFFIX)
    response = send_file(path, mimetype="image/jpeg" if small else row.content_type, max_age=3600)
    response.cache_control.public = False  # a case's photo: this browser only, no shared cache
    response.cache_control.private = True
    return response
