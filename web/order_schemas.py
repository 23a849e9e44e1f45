"""marshmallow schemas of the volunteer order pool's API, and its part of the OpenAPI
document (``describe``, called by ``web/openapi.py`` with its helpers)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from marshmallow import EXCLUDE, Schema, fields, validate

from web.api_schemas import unit_ref


class OrderCreateSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    kind = fields.String(required=True, validate=validate.Length(max=30))
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    description = fields.String(load_default="", validate=validate.Length(max=4000))
    address = fields.String(required=True, validate=validate.Length(min=1, max=300))
    lat = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-90, 90))
    lon = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-180, 180))
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)
    needed = fields.Integer(required=True, validate=validate.Range(1, 200))
    claim_deadline = fields.AwareDateTime(required=True)
    unit = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))


class OrderSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    title = fields.String()
    description = fields.String()
    address = fields.String()
    lat = fields.Float(allow_none=True)
    lon = fields.Float(allow_none=True)
    unit = fields.Function(lambda o: unit_ref(o.unit_key), metadata={"type": "object"})
    street = fields.Function(lambda o: unit_ref(o.street_key), metadata={"type": "object"})
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    needed = fields.Integer()
    claimed = fields.Integer()
    full = fields.Boolean()
    claim_deadline = fields.DateTime()
    escalate_at = fields.DateTime()
    stage = fields.String()
    escalated_at = fields.DateTime(allow_none=True)
    arrangement = fields.String()
    done_at = fields.DateTime(allow_none=True)


class PoolItemSchema(Schema):
    order = fields.Nested(OrderSchema)
    tier = fields.Integer(metadata={"description": "0 home community, 1 street, 2 district"})
    mine = fields.Boolean()


class OrderMemberSchema(Schema):
    claim_id = fields.Function(lambda m: m[0].id, metadata={"type": "integer"})
    username = fields.Function(lambda m: m[1].username, metadata={"type": "string"})
    name = fields.Function(lambda m: m[1].display_name, metadata={"type": "string"})
    branch = fields.Function(lambda m: m[0].branch, metadata={"type": "string"})
    served = fields.Function(lambda m: m[0].served, metadata={"type": "boolean"})
    hours = fields.Function(lambda m: m[0].hours, metadata={"type": "number"})
    points = fields.Function(lambda m: m[0].points, metadata={"type": "number"})


class MyClaimSchema(Schema):
    id = fields.Integer()
    state = fields.String()
    claimed_at = fields.DateTime()
    served = fields.Boolean(allow_none=True)
    hours = fields.Float()
    points = fields.Float()


class OrderStepSchema(Schema):
    id = fields.String()
    name = fields.String(attribute="element_id")
    title = fields.String()
    role = fields.String(allow_none=True)
    unit = fields.Function(lambda t: unit_ref(t.unit_key), metadata={"type": "object"})


class OrderDetailSchema(Schema):
    order = fields.Nested(OrderSchema)
    manages = fields.Boolean()
    claims_open = fields.Boolean()
    may_claim = fields.Boolean()
    may_withdraw = fields.Boolean()
    my_claim = fields.Nested(MyClaimSchema, allow_none=True)
    members = fields.List(fields.Nested(OrderMemberSchema))
    steps = fields.List(fields.Nested(OrderStepSchema), attribute="tasks")


class WaitingStepSchema(Schema):
    step = fields.Nested(OrderStepSchema, attribute="task")
    order = fields.Nested(OrderSchema)


class PostedOrdersSchema(Schema):
    orders = fields.List(fields.Nested(OrderSchema))
    steps = fields.List(fields.Nested(WaitingStepSchema))


class ArrangeSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    arrangement = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class MemberResultSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    claim_id = fields.Integer(required=True)
    served = fields.Boolean(required=True)
    hours = fields.Float(load_default=None, allow_none=True)
    comment = fields.String(load_default="", validate=validate.Length(max=2000))


class ConfirmSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    members = fields.List(fields.Nested(MemberResultSchema), required=True)
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class RankingQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    period = fields.String(load_default=None, validate=validate.Length(max=10))
    unit = fields.String(load_default=None, validate=validate.Length(max=40))
    by = fields.String(load_default="member", validate=validate.OneOf(("member", "branch")))


class RankedRowSchema(Schema):
    key = fields.String()
    name = fields.String()
    branch = fields.String()
    home = fields.Function(lambda r: unit_ref(r.home_unit_key), metadata={"type": "object"})
    services = fields.Integer()
    hours = fields.Float()
    points = fields.Float()


class RankingSchema(Schema):
    period = fields.Function(lambda r: r.period.text, metadata={"type": "string"})
    start = fields.Function(
        lambda r: r.period.start.isoformat() if r.period.start else None,
        metadata={"type": "string", "nullable": True},
    )
    end = fields.Function(
        lambda r: r.period.end.isoformat() if r.period.end else None,
        metadata={"type": "string", "nullable": True},
    )
    by = fields.String()
    unit = fields.Function(lambda r: unit_ref(r.unit.key) if r.unit else None)
    rows = fields.List(fields.Nested(RankedRowSchema))
    total_hours = fields.Float()
    total_points = fields.Float()


SCHEMAS = {
    "OrderCreate": OrderCreateSchema,
    "Order": OrderSchema,
    "PoolItem": PoolItemSchema,
    "OrderDetail": OrderDetailSchema,
    "PostedOrders": PostedOrdersSchema,
    "Arrange": ArrangeSchema,
    "Confirm": ConfirmSchema,
    "Ranking": RankingSchema,
}


def describe(
    spec: Any,
    op: Callable[..., dict[str, Any]],
    file_op: Callable[..., dict[str, Any]],
    path_param: Callable[[str], dict[str, Any]],
    query: Callable[..., dict[str, Any]],
) -> None:
    """Add the order pool's schemas and operations to the OpenAPI document."""
    for name, schema in SCHEMAS.items():
        spec.components.schema(name, schema=schema)
    spec.path(
        "/api/v1/orders",
        operations={
            "get": op(
                "Orders posted by the units I post for, and the order steps waiting for me",
                "PostedOrders",
            ),
            "post": op(
                "Post a volunteer order (community dispatchers, street party offices)",
                "OrderDetail",
                "201",
                body="OrderCreate",
            ),
        },
    )
    spec.path(
        "/api/v1/orders/pool",
        operations={
            "get": op(
                "Orders I may sign up for (volunteers): my community's first, then my "
                "street's, then the district's; and those I hold a place on",
                "[PoolItem]",
            )
        },
    )
    spec.path(
        "/api/v1/orders/{order_id}",
        parameters=[path_param("order_id")],
        operations={"get": op("One order, with what I may do on it", "OrderDetail")},
    )
    for action, summary in (
        ("claim", "Take a place (409 名额已满 when the order is full)"),
        ("withdraw", "Give my place back before the claim deadline"),
    ):
        spec.path(
            f"/api/v1/orders/{{order_id}}/{action}",
            parameters=[path_param("order_id")],
            operations={"post": op(summary, "OrderDetail")},
        )
    spec.path(
        "/api/v1/orders/{order_id}/arrange",
        parameters=[path_param("order_id")],
        operations={
            "post": op(
                "The street party office says how it filled an unfilled order's gaps",
                "OrderDetail",
                body="Arrange",
            )
        },
    )
    spec.path(
        "/api/v1/orders/{order_id}/confirm",
        parameters=[path_param("order_id")],
        operations={
            "post": op(
                "The poster confirms each member's service (served, hours, comment)",
                "OrderDetail",
                body="Confirm",
            )
        },
    )
    ranking_params = [query("period"), query("unit"), query("by")]
    spec.path(
        "/api/v1/orders/ranking",
        operations={
            "get": op(
                "Members or branches by confirmed points and hours over a period",
                "Ranking",
                params=ranking_params,
            )
        },
    )
    spec.path(
        "/api/v1/orders/ranking.csv",
        operations={
            "get": file_op(
                "The ranking (or with kind=records every confirmed service) as CSV",
                "text/csv",
                [*ranking_params, query("kind")],
            )
        },
    )
