"""The OpenAPI 3 document, generated from the app's routes.

Every ``/api/v1`` rule of the URL map becomes a path with its methods, so the document cannot
miss a route; what each operation takes and answers is described below with the marshmallow
schemas (apispec). A route not described here still appears, from its view's docstring and
marked ``x-undescribed`` — which a test refuses.
"""

from __future__ import annotations

import re
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask

from web import api_schemas as schemas
from web.order_schemas import describe as describe_orders

API_PREFIX = "/api/v1"
DOCUMENT = "gridcase_openapi"


def _json(schema: str) -> dict[str, Any]:
    """A JSON body of a component schema; ``[Name]``: a list of them."""
    if schema.startswith("["):
        return {"application/json": {"schema": {"type": "array", "items": schema[1:-1]}}}
    return {"application/json": {"schema": schema}}


def _op(
    summary: str,
    ok: str | None,
    status: str = "200",
    body: str | None = None,
    params: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    responses: dict[str, Any] = {
        "400": {"description": "Invalid input; per-field messages", "content": _json("Error")},
        "401": {"description": "Not logged in / bad token", "content": _json("Error")},
        "403": {"description": "Not your role or unit", "content": _json("Error")},
        "404": {"description": "Not found", "content": _json("Error")},
        "409": {"description": "Conflict: already completed or changed", "content": _json("Error")},
    }
    responses[status] = {"description": "OK", **({"content": _json(ok)} if ok else {})}
    op: dict[str, Any] = {"summary": summary, "responses": responses}
    if body:
        op["requestBody"] = {"required": True, "content": _json(body)}
    if params:
        op["parameters"] = params
    return op


def _lean_op(summary: str, body: str, status: str, full: str, lean: str) -> dict[str, Any]:
    """An operation that answers the full case view, or with ``view=next`` only what the
    caller needs next (no second read of the case)."""
    op = _op(
        summary,
        None,
        status,
        body=body,
        params=[
            {"name": "view", "in": "query", "schema": {"type": "string", "enum": ["full", "next"]}}
        ],
    )
    op["responses"][status]["content"] = {"application/json": {"schema": {"oneOf": [full, lean]}}}
    return op


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _file_op(summary: str, media: str, params: list[dict[str, Any]]) -> dict[str, Any]:
    """A download: the file on 200, errors as JSON."""
    op = _op(summary, None, params=params)
    op["responses"]["200"]["content"] = {media: {"schema": {"type": "string", "format": "binary"}}}
    return op


def _path_param(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def _query(name: str, kind: str = "string") -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": {"type": kind}}


def openapi_document(app: Flask) -> dict[str, Any]:
    """The document of ``app``'s API (built once per app)."""
    if DOCUMENT not in app.extensions:
        app.extensions[DOCUMENT] = _from_routes(app, _described())
    return app.extensions[DOCUMENT]


def _from_routes(app: Flask, described: dict[str, Any]) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith(API_PREFIX):
            continue
        for path in _concrete_paths(rule.rule):
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                verb = method.lower()
                op = described["paths"].get(path, {}).get(verb)
                if op is None:
                    op = _undescribed(app.view_functions[rule.endpoint], rule.arguments)
                paths.setdefault(path, {})[verb] = op
            shared = described["paths"].get(path, {}).get("parameters")
            if shared:  # path parameters written once for every method
                paths[path]["parameters"] = shared
    return {**described, "paths": paths}


def _concrete_paths(rule: str) -> list[str]:
    """``<int:number>`` → ``{number}``; ``export.<any(csv, xlsx):kind>`` → two paths."""
    path = re.sub(r"<(?:(?!any\()[a-z]+:)?([a-z_]+)>", r"{\1}", rule)
    found = re.search(r"<any\(([^)]*)\):[a-z_]+>", path)
    if not found:
        return [path]
    return [path.replace(found.group(0), kind.strip(" '\"")) for kind in found.group(1).split(",")]


def _undescribed(view: Any, arguments: set[str]) -> dict[str, Any]:
    summary = (view.__doc__ or view.__name__).strip().splitlines()[0]
    op = _op(summary, None, params=[_path_param(name) for name in sorted(arguments)] or None)
    op["x-undescribed"] = True
    return op


def _described() -> dict[str, Any]:
    spec = APISpec(
        title="gridcase API",
        version="1",
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={"description": "Case orchestration for grid-based city governance."},
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    for name in (
        "Notification",
        "ExtensionCreate",
        "ExtensionDecision",
        "Extension",
        "Reason",
        "FailedJob",
        "CaseCreate",
        "Task",
        "CaseDetail",
        "TaskPage",
        "TaskComplete",
        "Completed",
        "Reported",
        "Process",
        "Deploy",
        "DeployResult",
        "Error",
        "SensorAlert",
        "SensorIntake",
        "SpecialTaskCreate",
        "AssessmentRow",
        "Assessment",
        "CasePage",
        "Duplicates",
        "Token",
        "TokenList",
        "IssuedToken",
        "NewToken",
        "HotlineCall",
        "CallerCases",
        "Me",
    ):
        spec.components.schema(name, schema=getattr(schemas, f"{name}Schema"))
    query_params = [
        _query(n)
        for n in (
            "status",
            "category",
            "event_code",
            "unit",
            "department",
            "channel",
            "reporter",
            "reported_from",
            "reported_to",
            "closed_from",
            "closed_to",
            "q",
            "sort",
        )
    ] + [
        _query("mine", "boolean"),
        _query("overdue", "boolean"),
        _query("page", "integer"),
        _query("per_page", "integer"),
    ]
    spec.path(
        "/api/v1/cases",
        operations={
            "post": _lean_op(
                "Report a case (JSON, or multipart/form-data with files under photos); "
                "200 with the earlier case when this account sent the external_id before; "
                "view=next answers only the number, status and URL",
                "CaseCreate",
                "201",
                "CaseDetail",
                "Reported",
            ),
            "get": _op(
                "The case query: cases I may see that match", "CasePage", params=query_params
            ),
        },
    )
    for kind in ("csv", "xlsx"):
        spec.path(
            f"/api/v1/cases/export.{kind}",
            operations={"get": _op(f"The case query as {kind.upper()}", None, params=query_params)},
        )
    indicator_params = [_query(n) for n in ("from", "to", "by", "unit")]
    spec.path(
        "/api/v1/indicators",
        operations={
            "get": _op(
                "Indicator table: counts and rates (value, numerator, denominator) per row",
                None,
                params=indicator_params,
            )
        },
    )
    spec.path(
        "/api/v1/indicators/cases",
        operations={
            "get": _op(
                "The cases behind one number of an indicator table",
                "CasePage",
                params=[*indicator_params, _query("measure"), _query("key")],
            )
        },
    )
    spec.path(
        "/api/v1/indicators/care-visits",
        operations={
            "get": _op(
                "Care visits of the key-person register per grid (counts, no person): due, "
                "done, on time, missed, overdue now",
                None,
                params=[*indicator_params[:2], _query("unit")],
            )
        },
    )
    spec.path(
        "/api/v1/indicators/orders",
        operations={
            "get": _op(
                "Volunteer orders per posting community or street: posted, filled, "
                "escalated, served, hours served",
                None,
                params=[*indicator_params[:2], _query("unit")],
            )
        },
    )
    for kind in ("csv", "xlsx"):
        spec.path(
            f"/api/v1/indicators/export.{kind}",
            operations={
                "get": _op(f"An indicator table as {kind.upper()}", None, params=indicator_params)
            },
        )
    spec.path(
        "/api/v1/dashboard",
        operations={
            "get": _op(
                "The dashboard's figures: KPIs against the previous period, rankings, daily "
                "and per-category volume",
                None,
                params=[*indicator_params[:2], _query("unit"), _query("rank")],
            )
        },
    )
    for path, summary in (
        ("/api/v1/map/grids", "Grids (GeoJSON) with the matching cases they hold"),
        ("/api/v1/map/cases", "Matching cases as GeoJSON points"),
    ):
        spec.path(path, operations={"get": _op(summary, None, params=query_params)})
    spec.path(
        "/api/v1/map/cases/{number}",
        parameters=[_path_param("number")],
        operations={"get": _op("A case's grid (polygon) and point", None)},
    )
    spec.path(
        "/api/v1/cases/{number}",
        parameters=[_path_param("number")],
        operations={
            "get": _op("A case with its current tasks and full history", "CaseDetail"),
        },
    )
    spec.path(
        "/api/v1/cases/{number}/duplicates",
        parameters=[_path_param("number")],
        operations={"get": _op("Possible duplicates of a case, nearest first", "Duplicates")},
    )
    inbox_params = [_query(n) for n in ("role", "unit", "status", "category", "q")] + [
        _query("overdue", "boolean"),
        _query("mine", "boolean"),
        _query("page", "integer"),
        _query("per_page", "integer"),
    ]
    spec.path(
        "/api/v1/tasks",
        operations={
            "get": _op("Tasks I may see, most urgent first", "TaskPage", params=inbox_params),
        },
    )
    for action, summary in (("claim", "Claim a task"), ("unclaim", "Give a task back")):
        spec.path(
            f"/api/v1/tasks/{{task_id}}/{action}",
            parameters=[_path_param("task_id")],
            operations={"post": _op(summary, "Task")},
        )
    spec.path(
        "/api/v1/tasks/{task_id}/complete",
        parameters=[_path_param("task_id")],
        operations={
            "post": _lean_op(
                "Complete a task with form data; view=next answers only what comes next",
                "TaskComplete",
                "200",
                "CaseDetail",
                "Completed",
            ),
        },
    )
    spec.path(
        "/api/v1/processes",
        operations={
            "get": _op("Deployed processes, versions and instance counts", "[Process]"),
            "post": _op(
                "Check a BPMN file, or deploy it as the next version (422: problems by element)",
                "DeployResult",
                "201",
                body="Deploy",
            ),
        },
    )
    spec.path(
        "/api/v1/tasks/{task_id}/extension",
        parameters=[_path_param("task_id")],
        operations={
            "post": _op("Ask for a later deadline", "Extension", "201", body="ExtensionCreate")
        },
    )
    spec.path(
        "/api/v1/extensions/{request_id}/decision",
        parameters=[_path_param("request_id")],
        operations={
            "post": _op("Approve or refuse an extension", "Extension", body="ExtensionDecision")
        },
    )
    for action, summary in (
        ("suspend", "Pause every timer of a case"),
        ("resume", "Restart a suspended case's timers"),
    ):
        spec.path(
            f"/api/v1/cases/{{number}}/{action}",
            parameters=[_path_param("number")],
            operations={"post": _op(summary, "CaseDetail", body="Reason")},
        )
    spec.path("/api/v1/me", operations={"get": _op("Who am I, with my role grants", "Me")})
    spec.path("/api/v1/openapi.json", operations={"get": _op("This document (OpenAPI 3)", None)})
    spec.path(
        "/api/v1/hotline/calls",
        operations={
            "post": _op(
                "A 12345 call (call-takers): answered directly, or a work order",
                "CaseDetail",
                "201",
                body="HotlineCall",
            )
        },
    )
    spec.path(
        "/api/v1/hotline/callers",
        operations={
            "get": _op("A caller's earlier cases by phone", "CallerCases", params=[_query("phone")])
        },
    )
    for kind, media in (("csv", "text/csv"), ("xlsx", XLSX)):
        spec.path(
            f"/api/v1/cases/export.{kind}",
            operations={"get": _file_op(f"The case query as {kind.upper()}", media, query_params)},
        )
        spec.path(
            f"/api/v1/indicators/export.{kind}",
            operations={
                "get": _file_op(
                    f"An indicator table as {kind.upper()}",
                    media,
                    [_query(n) for n in ("from", "to", "by", "unit")],
                )
            },
        )
    spec.path(
        "/api/v1/tokens",
        operations={
            "get": _op(
                "API tokens (never their secret): one's own; administrators everyone's",
                "TokenList",
                params=[_query("username")],
            ),
            "post": _op(
                "A new token, shown once in `token`", "IssuedToken", "201", body="NewToken"
            ),
        },
    )
    spec.path(
        "/api/v1/tokens/{token_id}",
        parameters=[_path_param("token_id")],
        operations={"delete": _op("Revoke a token: one's own; administrators anyone's", "Token")},
    )
    spec.path(
        "/api/v1/notifications",
        operations={
            "get": _op(
                "My notices, newest first", "[Notification]", params=[_query("unread", "boolean")]
            ),
        },
    )
    spec.path(
        "/api/v1/notifications/{notification_id}/read",
        parameters=[_path_param("notification_id")],
        operations={"post": _op("Mark a notice read", "Notification")},
    )
    spec.path(
        "/api/v1/jobs/failed",
        operations={
            "get": _op("Background jobs out of retries (supervisors)", "[FailedJob]"),
        },
    )
    spec.path(
        "/api/v1/sensor-alerts",
        operations={
            "post": _op(
                "A device alert (sensor gateways): 201 opens a welfare-visit case, 200 attaches"
                " to the device's open case",
                "SensorIntake",
                "201",
                body="SensorAlert",
            )
        },
    )
    spec.path(
        "/api/v1/special-tasks",
        operations={
            "post": _op(
                "Send a task to every grid of an area (by hand, or a catalog rule id)",
                "CaseDetail",
                "201",
                body="SpecialTaskCreate",
            )
        },
    )
    spec.path(
        "/api/v1/departments/assessment",
        operations={
            "get": _op(
                "Per department: whistle report-ins, late marks, missed conferences, ratings",
                "Assessment",
                params=[_query("since")],
            )
        },
    )
    describe_orders(spec, _op, _file_op, _path_param, _query)
    doc = spec.to_dict()
    doc["security"] = [{"bearer": []}]
    return doc
