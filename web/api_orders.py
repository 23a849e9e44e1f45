"""/api/v1/orders: the volunteer order pool — post, browse, claim, withdraw, arrange,
confirm, and the ranking of who served (JSON and CSV)."""

from __future__ import annotations

from flask import Blueprint, g, request

from web.exports import download
from web.order_schemas import (
    ArrangeSchema,
    ConfirmSchema,
    OrderCreateSchema,
    OrderDetailSchema,
    PoolItemSchema,
    PostedOrdersSchema,
    RankingQuerySchema,
    RankingSchema,
)
from web.order_tables import ranking_table, records_table
from web.request_body import json_body
from web.security import context, login_required
from workflows.domain.service_orders import OrderDraft
from workflows.services import service_orders, service_records
from workflows.services.service_orders import MemberResult

bp = Blueprint("api_orders", __name__, url_prefix="/api/v1/orders")


@bp.get("")
@login_required
def posted():
    """Orders posted by the units I post for, and the steps waiting for me."""
    orders, steps = service_orders.managed(context(), g.actor)
    return PostedOrdersSchema().dump({"orders": orders, "steps": steps})


@bp.post("")
@login_required
def post_order():
    """Post a volunteer order."""
    data = OrderCreateSchema().load(json_body())
    unit = data.pop("unit")
    order = service_orders.post_order(context(), g.actor, OrderDraft(**data), unit)
    return OrderDetailSchema().dump(service_orders.view(context(), g.actor, order.id)), 201


@bp.get("/pool")
@login_required
def pool():
    """Orders I may sign up for."""
    return PoolItemSchema(many=True).dump(service_orders.pool(context(), g.actor))


@bp.get("/<int:order_id>")
@login_required
def order(order_id: int):
    """One order."""
    return OrderDetailSchema().dump(service_orders.view(context(), g.actor, order_id))


@bp.post("/<int:order_id>/claim")
@login_required
def claim(order_id: int):
    """Take a place."""
    return OrderDetailSchema().dump(service_orders.claim(context(), g.actor, order_id))


@bp.post("/<int:order_id>/withdraw")
@login_required
def withdraw(order_id: int):
    """Give my place back."""
    return OrderDetailSchema().dump(service_orders.withdraw(context(), g.actor, order_id))


@bp.post("/<int:order_id>/arrange")
@login_required
def arrange(order_id: int):
    """How the street filled the gaps."""
    text = ArrangeSchema().load(json_body())["arrangement"]
    shown = service_orders.arrange(context(), g.actor, order_id, text)
    return OrderDetailSchema().dump(shown)


@bp.post("/<int:order_id>/confirm")
@login_required
def confirm(order_id: int):
    """Confirm each member's service."""
    data = ConfirmSchema().load(json_body())
    results = [MemberResult(**m) for m in data["members"]]
    shown = service_orders.confirm(context(), g.actor, order_id, results, note=data["note"])
    return OrderDetailSchema().dump(shown)


@bp.get("/ranking")
@login_required
def ranking():
    """Members or branches by points."""
    query = RankingQuerySchema().load(request.args)
    found = service_records.ranking(context(), g.actor, query["period"], query["unit"], query["by"])
    return RankingSchema().dump(found)


@bp.get("/ranking.csv")
@login_required
def ranking_csv():
    """The ranking or its records as CSV."""
    query = RankingQuerySchema().load(request.args)
    ctx = context()
    if request.args.get("kind") == "records":
        lines = service_records.records(ctx, g.actor, query["period"], query["unit"])
        headings, rows = records_table(ctx, lines)
        return download(headings, rows, "service-records", "csv")
    found = service_records.ranking(ctx, g.actor, query["period"], query["unit"], query["by"])
    headings, rows = ranking_table(ctx, found)
    return download(headings, rows, f"service-ranking-{found.by}", "csv")
