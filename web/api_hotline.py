"""/api/v1/hotline: the desk's calls and the caller's earlier cases (call-takers only)."""

from __future__ import annotations

from flask import Blueprint, g, request

from web.api_schemas import CallerCasesSchema, CaseDetailSchema, HotlineCallSchema
from web.request_body import json_body
from web.security import context, login_required
from workflows.services import hotline

bp = Blueprint("api_hotline", __name__, url_prefix="/api/v1/hotline")


@bp.get("/callers")
@login_required
def callers():
    """The caller's earlier cases by phone number, newest first (at most 20)."""
    found = hotline.caller_history(context(), g.actor, request.args.get("phone", ""))
    return CallerCasesSchema().dump({"cases": found})


@bp.post("/calls")
@login_required
def take_call():
    """A call: answered directly when ``answer`` is given, else a work order."""
    call = hotline.Call(**HotlineCallSchema().load(json_body()))
    return CaseDetailSchema().dump(hotline.take_call(context(), g.actor, call)), 201
