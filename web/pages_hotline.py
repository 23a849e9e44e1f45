"""The 12345 hotline desk (接诉即办) for call-takers: one page per call."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from web.pages_work import coordinate
from web.security import context, login_required
from workflows.domain.errors import FieldErrors
from workflows.services import hotline, map_data

bp = Blueprint("hotline", __name__)


@bp.route("/hotline", methods=["GET", "POST"])
@login_required
def desk():
    ctx = context()
    hotline.desk_unit(ctx, g.actor)  # ForbiddenError → 403 for anyone else
    errors: dict = {}
    values: Mapping[str, str] = request.form
    if request.method == "POST":
        try:
            detail = hotline.take_call(ctx, g.actor, _call(values))
        except FieldErrors as err:
            errors = err.fields
        else:
            number = detail.case.number
            if values.get("action") == "answer":
                flash(
                    _(
                        "Answered and closed as %(number)s; the return visit comes back to you",
                        number=number,
                    )
                )
            else:
                flash(_("Work order %(number)s created", number=number))
            return redirect(url_for("hotline.desk", last=number))
    return render_template(
        "hotline.html",
        errors=errors,
        values=values,
        last=request.args.get("last"),
        grids=map_data.grid_outlines(ctx),
    ), (400 if errors else 200)


def _call(values: Mapping[str, str]) -> hotline.Call:
    answering = values.get("action") == "answer"
    return hotline.Call(
        caller_name=values.get("caller_name", ""),
        caller_phone=values.get("caller_phone", ""),
        category=values.get("category", ""),
        description=values.get("description", "").strip(),
        event_code=values.get("event_code") or None,
        address=values.get("address", "").strip(),
        grid=values.get("grid") or None,
        lat=coordinate(values.get("lat")),
        lon=coordinate(values.get("lon")),
        priority=values.get("priority") or "normal",
        answer=values.get("answer", "") if answering else None,
    )
