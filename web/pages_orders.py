"""The volunteer order pool's pages (社区点单·党员接单), made for a phone first: the pool a party
member browses and claims from, one order (claim, withdraw; on the poster's side the
members, the street's arrangement and the confirmation of who served), posting an order,
"my service" with points, and the ranking of members and branches with its CSV."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _

from web.form_widgets import parse_local_time, uploads
from web.i18n import said
from web.pages_work import coordinate
from web.security import context, login_required
from workflows.domain.errors import ConflictError, FieldErrors
from workflows.domain.permissions import CLAIM_ORDERS, POST_ORDERS, SEE_SERVICE_RECORDS
from workflows.domain.service_orders import OrderDraft
from workflows.services import map_data, service_orders, service_records
from workflows.services.service_orders import MemberResult

bp = Blueprint("orders", __name__, url_prefix="/orders")


def _may(capability: str) -> bool:
    return context().permissions.has(g.actor, capability)


@bp.get("")
@login_required
def pool():
    """Members: the pool. Posters: their orders and the steps waiting for them."""
    ctx = context()
    member, poster = _may(CLAIM_ORDERS), _may(POST_ORDERS)
    if not (member or poster):
        abort(403)
    items = service_orders.pool(ctx, g.actor) if member else []
    posted, steps = service_orders.managed(ctx, g.actor) if poster else ([], [])
    return render_template(
        "orders.html", items=items, posted=posted, steps=steps, member=member, poster=poster
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    ctx = context()
    units = service_orders.posting_units(ctx, g.actor)
    if not units:
        abort(403)
    errors: dict = {}
    values = request.form
    if request.method == "POST":
        zone = ctx.calendar.timezone
        try:
            needed = values.get("needed", "").strip()
            draft = OrderDraft(
                kind=values.get("kind", ""),
                title=values.get("title", ""),
                description=values.get("description", ""),
                address=values.get("address", ""),
                starts_at=parse_local_time(values.get("starts_at"), zone, "starts_at"),
                ends_at=parse_local_time(values.get("ends_at"), zone, "ends_at"),
                needed=int(needed) if needed.isdigit() else None,
                claim_deadline=parse_local_time(
                    values.get("claim_deadline"), zone, "claim_deadline"
                ),
                lat=coordinate(values.get("lat")),
                lon=coordinate(values.get("lon")),
            )
            order = service_orders.post_order(ctx, g.actor, draft, values.get("unit") or None)
        except FieldErrors as err:
            errors = {("location" if k in ("lat", "lon") else k): v for k, v in err.fields.items()}
        else:
            flash(_("The order is posted: party members of the district can sign up now."))
            return redirect(url_for("orders.order", order_id=order.id))
    return render_template(
        "orders_new.html",
        errors=errors,
        values=values,
        units=units,
        grids=map_data.grid_outlines(ctx),
    ), (400 if errors else 200)


@bp.get("/<int:order_id>")
@login_required
def order(order_id: int):
    shown = service_orders.view(context(), g.actor, order_id)
    return render_template(
        "orders_order.html",
        v=shown,
        errors={},
        default_hours=service_orders.default_hours(shown.order),
    )


def _act(order_id: int, action, done: str):
    """Run a member's action; a refusal (full, closed) is flashed on the order's page."""
    try:
        action(context(), g.actor, order_id)
    except ConflictError as err:
        flash(said(err), "error")
    else:
        flash(done)
    return redirect(url_for("orders.order", order_id=order_id))


@bp.post("/<int:order_id>/claim")
@login_required
def claim(order_id: int):
    return _act(order_id, service_orders.claim, _("You are signed up. Thank you!"))


@bp.post("/<int:order_id>/withdraw")
@login_required
def withdraw(order_id: int):
    return _act(order_id, service_orders.withdraw, _("You have given your place back."))


@bp.post("/<int:order_id>/arrange")
@login_required
def arrange(order_id: int):
    ctx = context()
    try:
        service_orders.arrange(ctx, g.actor, order_id, request.form.get("arrangement", ""))
    except FieldErrors as err:
        return _order_page(order_id, err.fields)
    flash(_("Recorded how the gaps were filled."))
    return redirect(url_for("orders.order", order_id=order_id))


@bp.post("/<int:order_id>/confirm")
@login_required
def confirm(order_id: int):
    ctx = context()
    form = request.form
    results, photos, errors = [], {}, {}
    for raw in form.getlist("member"):
        if not raw.isdigit():
            continue
        claim_id = int(raw)
        answer = form.get(f"served-{claim_id}", "")
        if answer not in ("yes", "no"):
            continue  # the service names the member without an answer
        try:
            hours = float(form.get(f"hours-{claim_id}") or 0)
        except ValueError:
            errors[f"member-{claim_id}"] = [_("hours are a number")]
            continue
        comment = form.get(f"comment-{claim_id}", "")
        results.append(MemberResult(claim_id, answer == "yes", hours, comment))
        files = uploads(f"photo-{claim_id}")
        if [f for f in files if f.file_name]:
            photos[claim_id] = files
    try:
        if errors:
            raise FieldErrors(errors)
        service_orders.confirm(ctx, g.actor, order_id, results, photos, form.get("note", ""))
    except FieldErrors as err:
        return _order_page(order_id, err.fields)
    flash(_("The service is confirmed; points are added to each member and branch."))
    return redirect(url_for("orders.order", order_id=order_id))


def _order_page(order_id: int, errors: dict):
    shown = service_orders.view(context(), g.actor, order_id)
    page = render_template(
        "orders_order.html",
        v=shown,
        errors=errors,
        default_hours=service_orders.default_hours(shown.order),
    )
    return page, 400


@bp.get("/<int:order_id>/photos/<int:claim_id>")
@login_required
def photo(order_id: int, claim_id: int):
    row, path = service_orders.photo(context(), g.actor, order_id, claim_id)
    return send_file(path, mimetype=row.content_type, download_name=row.file_name)


@bp.route("/mine", methods=["GET", "POST"])
@login_required
def mine():
    ctx = context()
    if not _may(CLAIM_ORDERS):
        abort(403)
    errors: dict = {}
    if request.method == "POST":
        try:
            service_records.save_profile(
                ctx,
                g.actor,
                g.actor.username,
                branch=request.form.get("branch", ""),
                phone=request.form.get("phone", ""),
            )
        except FieldErrors as err:
            errors = err.fields
        else:
            flash(_("Saved."))
            return redirect(url_for("orders.mine"))
    found = service_records.my_service(ctx, g.actor)
    return render_template("orders_mine.html", s=found, errors=errors), (400 if errors else 200)


@bp.get("/ranking")
@login_required
def ranking():
    ctx = context()
    if not _may(SEE_SERVICE_RECORDS):
        abort(403)
    args = request.args
    found = service_records.ranking(
        ctx, g.actor, args.get("period") or None, args.get("unit") or None, args.get("by", "member")
    )
    return render_template("orders_ranking.html", r=found)
